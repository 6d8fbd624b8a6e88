//! Invitations: the same invitation whether or not the address has an account, accepted only
//! by its owner, and a link that works once and only while it is the newest.

use crate::support::{Client, TestApp};

crate::on_both_databases!(
    an_existing_account_joins_only_when_it_accepts,
    known_and_unknown_addresses_look_the_same_to_the_moderator,
    a_resent_or_withdrawn_invitation_link_stops_working,
    only_the_forums_moderators_manage_its_invitations,
    the_invite_box_names_what_it_refused_and_what_it_sent_again,
);

async fn invite(moderator: &Client, slug: &str, emails: &str) {
    moderator.get(&format!("/forums/{slug}/members")).await;
    moderator
        .post(&format!("/forums/{slug}/members"), &[("emails", emails)])
        .await
        .assert_status(303);
}

/// The id of the newest open invitation of an address, from the members page's buttons.
async fn invitation_id(moderator: &Client, slug: &str, email: &str) -> i32 {
    let page = moderator.get(&format!("/forums/{slug}/members")).await;
    let re = regex::Regex::new(&format!(
        r"/forums/{slug}/invitations/(\d+)/revoke\x22[^<]*<input[^>]*>\s*<button[^>]*>[^<]* {}</button>",
        regex::escape(email)
    ))
    .expect("regex");
    re.captures(&page.body)
        .unwrap_or_else(|| panic!("no open invitation of {email}: {}", page.body))[1]
        .parse()
        .expect("id")
}

async fn an_existing_account_joins_only_when_it_accepts(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let known = app.user("known@example.org", "Known Person").await;
    invite(&moderator, &forum.slug, "Known@Example.org").await;
    let owner = app.login(&known.email).await;
    owner.get("/forums/agri").await.assert_status(404);
    let mail = app.mails_to("known@example.org", 1).await.remove(0);
    let link = mail.link("/invitations/");

    // Whoever holds the link without being signed in is asked to sign in; posting joins nobody.
    let stranger = app.client();
    let page = stranger.get(&link).await;
    page.assert_status(200);
    assert!(page.body.contains("Sign in to accept"), "{}", page.body);
    assert!(page.body.contains("/login?next=%2Finvitations%2F"));
    assert!(!page.body.contains("name=\"password\""));
    stranger
        .post(
            &link,
            &[
                ("display_name", "Thief"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(403);
    // Another signed-in account cannot accept for it either.
    let page = member.get(&link).await;
    assert!(page.body.contains("signed in with another account"));
    member.post(&link, &[]).await.assert_status(403);
    owner.get("/forums/agri").await.assert_status(404);

    // The owner, signed in, is asked and joins by saying yes.
    let page = owner.get(&link).await;
    page.assert_status(200);
    assert!(page.body.contains("join the forum?"), "{}", page.body);
    let joined = owner.post(&link, &[]).await;
    joined.assert_status(303);
    assert_eq!(joined.location.as_deref(), Some("/forums/agri"));
    owner.get("/forums/agri").await.assert_status(200);
    owner.get(&link).await.assert_status(410);
    let members = moderator.get("/forums/agri/members").await;
    assert!(members.body.contains("Known Person"));
    assert!(!members.body.contains("Invited, not yet joined"));
}

/// The answer, the member list, the log and the mail: nothing tells a known address apart.
async fn known_and_unknown_addresses_look_the_same_to_the_moderator(app: TestApp) {
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    app.user("known@example.org", "Known Person").await;
    moderator.get("/forums/agri/members").await;
    let mut answers = Vec::new();
    for email in ["known@example.org", "unknown@example.org"] {
        let answer = moderator
            .post("/forums/agri/members", &[("emails", email)])
            .await;
        answers.push((answer.status, answer.location.clone()));
        let page = moderator.get("/forums/agri/members").await;
        assert!(page.body.contains("1 invitation sent."), "{}", page.body);
    }
    assert_eq!(answers[0], answers[1]);
    let page = moderator.get("/forums/agri/members").await;
    assert!(page.body.contains("Invited, not yet joined"));
    assert!(!page.body.contains("Known Person"), "not a member yet");
    let known_id = invitation_id(&moderator, &forum.slug, "known@example.org").await;
    let unknown_id = invitation_id(&moderator, &forum.slug, "unknown@example.org").await;
    let times = regex::Regex::new(r"<time[^>]*>[^<]*</time>").expect("regex");
    let row = |email: &str, id: i32| {
        let at = page.body.find(&format!("<td>{email}</td>")).expect("row");
        let start = page.body[..at].rfind("<tr>").expect("row start");
        let end = at + page.body[at..].find("</tr>").expect("row end");
        times
            .replace_all(&page.body[start..end], "TIME")
            .replace(email, "EMAIL")
            .replace(&format!("/invitations/{id}/"), "/invitations/ID/")
    };
    assert_eq!(
        row("known@example.org", known_id),
        row("unknown@example.org", unknown_id)
    );
    let log = moderator.get("/forums/agri/log").await;
    // The log names what the moderator typed, the same way for both: never the account.
    assert!(
        log.body.contains("invited known@example.org"),
        "{}",
        log.body
    );
    assert!(log.body.contains("invited unknown@example.org"));
    assert!(!log.body.contains("user #"), "{}", log.body);
    assert_eq!(
        log.body.matches("#member-").count(),
        2,
        "only the moderator is linked"
    );
    let known_mail = app.mails_to("known@example.org", 1).await.remove(0);
    let unknown_mail = app.mails_to("unknown@example.org", 1).await.remove(0);
    assert_eq!(known_mail.subject, unknown_mail.subject);
    let without_link =
        |mail: &crate::support::Mail| mail.text.replace(&mail.link("/invitations/"), "LINK");
    assert_eq!(without_link(&known_mail), without_link(&unknown_mail));
}

async fn a_resent_or_withdrawn_invitation_link_stops_working(app: TestApp) {
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    invite(&moderator, &forum.slug, "x@example.org").await;
    let first = app.mails_to("x@example.org", 1).await[0].link("/invitations/");
    let id = invitation_id(&moderator, &forum.slug, "x@example.org").await;
    moderator
        .post(&format!("/forums/agri/invitations/{id}/resend"), &[])
        .await
        .assert_status(303);
    let second = app.mails_to("x@example.org", 2).await[1].link("/invitations/");
    assert_ne!(first, second);
    let visitor = app.client();
    let page = visitor.get(&first).await;
    page.assert_status(410);
    assert!(page.body.contains("a newer one was sent"), "{}", page.body);
    let accepted = visitor
        .post(
            &first,
            &[
                ("display_name", "Old Link"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    accepted.assert_status(410);
    visitor.get(&second).await.assert_status(200);

    // Inviting the address again from the form replaces the link too.
    invite(&moderator, &forum.slug, "X@example.org").await;
    let third = app.mails_to("x@example.org", 3).await[2].link("/invitations/");
    visitor.get(&second).await.assert_status(410);
    visitor.get(&third).await.assert_status(200);
    let reported = moderator.get("/forums/agri/members").await;
    assert!(
        reported
            .body
            .contains("Sent again (the earlier link no longer works): x@example.org"),
        "{}",
        reported.body
    );
    let page = moderator.get("/forums/agri/members").await;
    assert_eq!(
        page.body.matches("x@example.org").count(),
        3,
        "one row: the address and its two buttons"
    );

    let id = invitation_id(&moderator, &forum.slug, "x@example.org").await;
    moderator
        .post_raw(&format!("/forums/agri/invitations/{id}/revoke"), &[])
        .await
        .assert_status(403);
    visitor.get(&third).await.assert_status(200);
    moderator
        .post(&format!("/forums/agri/invitations/{id}/revoke"), &[])
        .await
        .assert_status(303);
    visitor.get(&third).await.assert_status(410);
    visitor
        .post(
            &third,
            &[
                ("display_name", "Too Late"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(410);
    assert!(
        fora::accounts::service::find_by_email(app.db(), "x@example.org")
            .await
            .expect("db")
            .is_none()
    );
    let page = moderator.get("/forums/agri/members").await;
    assert!(!page.body.contains("x@example.org"), "{}", page.body);
    // Twice: already withdrawn, nothing to act on.
    moderator
        .post(&format!("/forums/agri/invitations/{id}/revoke"), &[])
        .await
        .assert_status(404);
    let log = moderator.get("/forums/agri/log").await;
    assert_eq!(log.body.matches("withdrew the invitation").count(), 1);
    assert_eq!(
        log.body.matches("invited x@example.org").count(),
        3,
        "{}",
        log.body
    );
}

async fn only_the_forums_moderators_manage_its_invitations(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (_, other_moderator, _) = app.with_forum("other", "post").await;
    invite(&moderator, &forum.slug, "y@example.org").await;
    let id = invitation_id(&moderator, &forum.slug, "y@example.org").await;
    let link = app.mails_to("y@example.org", 1).await[0].link("/invitations/");
    for (who, client) in [("member", &member), ("other moderator", &other_moderator)] {
        client.get("/forums").await;
        for action in ["revoke", "resend"] {
            let answer = client
                .post(&format!("/forums/agri/invitations/{id}/{action}"), &[])
                .await;
            assert_eq!(answer.status, 404, "{who} {action}");
        }
        let page = client.get("/forums/agri/members").await;
        assert!(!page.body.contains("y@example.org"), "{who}");
    }
    // An invitation of another forum is not found through this one.
    moderator
        .post(&format!("/forums/other/invitations/{id}/revoke"), &[])
        .await
        .assert_status(404);
    for bad in ["0", "-1", "abc", "99999999999"] {
        let answer = moderator
            .post(&format!("/forums/agri/invitations/{bad}/revoke"), &[])
            .await;
        assert!(
            matches!(answer.status, 400 | 404),
            "{bad}: {}",
            answer.status
        );
    }
    // A moderator invitation (an admin's) is not a moderator's to withdraw.
    let admin = app.admin().await;
    let admin_client = app.login(&admin.email).await;
    admin_client.get("/forums/agri/members").await;
    admin_client
        .post(
            "/forums/agri/members",
            &[("emails", "z@example.org"), ("role", "moderator")],
        )
        .await
        .assert_status(303);
    let admin_id = invitation_id(&admin_client, &forum.slug, "z@example.org").await;
    moderator
        .post(&format!("/forums/agri/invitations/{admin_id}/revoke"), &[])
        .await
        .assert_status(404);
    app.client().get(&link).await.assert_status(200);
}

/// A pasted list with mistakes comes back with each mistake named and nothing sent; a list
/// holding members and open invitations says which were left out and which links replaced.
async fn the_invite_box_names_what_it_refused_and_what_it_sent_again(app: TestApp) {
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    let members = format!("/forums/{}/members", forum.slug);
    moderator.get(&members).await;
    let refused = moderator
        .post(
            &members,
            &[(
                "emails",
                "amina@example.org, kofi.example.org, <b>x</b>@y;  ana@",
            )],
        )
        .await;
    refused.assert_status(422);
    for named in [
        "<q>kofi.example.org</q>",
        "<q>b&gt;x&lt;/b&gt;@y</q>",
        "<q>ana@</q>",
    ] {
        assert!(refused.body.contains(named), "{named}: {}", refused.body);
    }
    assert!(refused.body.contains("This is not an email address:"));
    assert!(
        refused.body.contains("href=\"#emails\""),
        "the summary links to the field"
    );
    assert!(
        refused.body.contains("amina@example.org, kofi.example.org"),
        "the list comes back as typed"
    );
    assert!(!refused.body.contains("<b>x</b>"), "typed text is escaped");

    invite(&moderator, &forum.slug, "amina@example.org").await;
    moderator.get(&members).await;
    let again = moderator
        .post(
            &members,
            &[(
                "emails",
                "Amina@Example.org member-agri@example.org kofi@example.org",
            )],
        )
        .await;
    again.assert_status(303);
    let page = moderator.get(&members).await;
    assert!(page.body.contains("2 invitations sent."), "{}", page.body);
    assert!(
        page.body
            .contains("Sent again (the earlier link no longer works): amina@example.org"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Already members, not invited again: member-agri@example.org"),
        "{}",
        page.body
    );
    let report_once = moderator.get(&members).await;
    assert!(
        !report_once.body.contains("Sent again"),
        "the report shows once"
    );
    app.mails_to("amina@example.org", 2).await;
    app.mails_to("kofi@example.org", 1).await;
    // Mail is claimed in the order it was queued: a mail for the refused list would be here.
    assert_eq!(
        app.mails_to("amina@example.org", 2).await.len(),
        2,
        "nothing was sent while the list had mistakes; one link, then its replacement"
    );
    let to_member = app.mails_to("member-agri@example.org", 0).await;
    assert!(to_member.is_empty(), "members are not invited again");
}
