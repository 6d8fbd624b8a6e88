//! Roles from the users page: each change asked first, logged by name, in effect at the next
//! click (signed-in sessions included); what an admin may not do to themselves, and the last
//! admin; reviewers completing a review; outside reviewers invited by mail, whose account sees
//! no private forum.

use fora::{
    admin::roles::{self, RoleChange, RoleRefused},
    entities::users,
    refusal::Refusal,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::{Client, Mail, PASSWORD, TestApp};

crate::on_both_databases!(
    each_role_change_is_confirmed_logged_and_in_effect_at_once,
    what_an_admin_may_not_do_is_refused_in_words,
    the_last_admin_keeps_the_role,
    a_reviewer_completes_a_review,
    an_outside_reviewer_joins_by_invitation_and_sees_no_forum,
    reviewer_invitations_are_checked_and_withdrawn,
);

async fn account(app: &TestApp, id: i32) -> users::Model {
    users::Entity::find_by_id(id)
        .one(app.db())
        .await
        .expect("read")
        .expect("account")
}

async fn user_log_rows(app: &TestApp) -> u64 {
    fora::entities::moderation_log::Entity::find()
        .filter(fora::entities::moderation_log::Column::TargetType.eq("user"))
        .count(app.db())
        .await
        .expect("count")
}

/// Asks, checks the question, confirms; returns the page shown after the redirect.
async fn change(admin: &Client, user: &users::Model, action: &str, question: &str) -> String {
    let path = format!("/admin/users/{}/{action}", user.id);
    let asked = admin.post(&path, &[]).await;
    asked.assert_status(200);
    assert!(asked.body.contains(question), "{}", asked.body);
    assert!(asked.body.contains(r#"name="confirmed" value="yes""#));
    let row = format!("/admin/users?user={0}#user-{0}", user.id);
    assert!(
        asked.body.contains(&format!(r#"href="{row}""#)),
        "a way back to the person's row"
    );
    let done = admin.post(&path, &[("confirmed", "yes")]).await;
    done.assert_status(303);
    assert_eq!(done.location.as_deref(), Some(row.as_str()));
    admin.get(&row).await.body
}

async fn each_role_change_is_confirmed_logged_and_in_effect_at_once(app: TestApp) {
    let admin = app.login(&app.admin().await.email).await;
    let amina = app.user("amina@example.org", "Amina Diallo").await;
    let as_amina = app.login(&amina.email).await;
    as_amina.get("/admin").await.assert_status(404);

    let page = admin.get("/admin/users").await;
    page.assert_status(200);
    assert!(
        page.body
            .contains(r#"Change<span class="visually-hidden"> Amina Diallo</span>"#)
    );
    for button in [
        "Make Amina Diallo an administrator",
        "Make Amina Diallo a reviewer",
        "Disable Amina Diallo",
    ] {
        assert!(
            page.body.contains(&format!(">{button}</button>")),
            "{button}"
        );
    }

    // Asking changes nothing.
    admin
        .post(&format!("/admin/users/{}/make-admin", amina.id), &[])
        .await
        .assert_status(200);
    assert!(!account(&app, amina.id).await.is_admin);
    let shown = change(
        &admin,
        &amina,
        "make-admin",
        "Make Amina Diallo &lt;amina@example.org&gt; an administrator?",
    )
    .await;
    assert!(
        shown.contains("The administrator role was given."),
        "{shown}"
    );
    assert!(account(&app, amina.id).await.is_admin);
    // Her open session is an admin's at her next click.
    as_amina.get("/admin").await.assert_status(200);
    as_amina.get("/admin/users").await.assert_status(200);

    let shown = change(
        &admin,
        &amina,
        "remove-admin",
        "Remove the administrator role of Amina Diallo &lt;amina@example.org&gt;?",
    )
    .await;
    assert!(shown.contains("The administrator role was removed."));
    as_amina.get("/admin").await.assert_status(404);

    let shown = change(
        &admin,
        &amina,
        "make-reviewer",
        "Make Amina Diallo &lt;amina@example.org&gt; a reviewer?",
    )
    .await;
    assert!(shown.contains("The reviewer role was given."));
    assert!(shown.contains(">Remove the reviewer role of Amina Diallo</button>"));
    assert!(account(&app, amina.id).await.is_reviewer);
    change(
        &admin,
        &amina,
        "remove-reviewer",
        "Remove the reviewer role of Amina Diallo",
    )
    .await;
    assert!(!account(&app, amina.id).await.is_reviewer);

    let shown = change(
        &admin,
        &amina,
        "disable",
        "Disable the account of Amina Diallo &lt;amina@example.org&gt;?",
    )
    .await;
    assert!(shown.contains("The account was disabled."));
    as_amina.get("/profile").await.assert_status(303);
    let shown = change(
        &admin,
        &amina,
        "enable",
        "Enable the account of Amina Diallo &lt;amina@example.org&gt;?",
    )
    .await;
    assert!(shown.contains("The account was enabled."));
    app.login(&amina.email).await;

    // Six changes, six rows, each naming her with a link to her row.
    assert_eq!(user_log_rows(&app).await, 6);
    let log = admin.get("/admin/log").await;
    for action in [
        "made administrator",
        "removed the administrator role of",
        "made reviewer",
        "removed the reviewer role of",
        "disabled",
        "enabled",
    ] {
        assert!(log.body.contains(action), "{action}");
    }
    let link = format!(
        r#"<a href="/admin/users?user={0}#user-{0}">Amina Diallo</a>"#,
        amina.id
    );
    assert!(log.body.contains(&link), "{}", log.body);
    assert!(!log.body.contains("user #"), "people are named");
}

async fn what_an_admin_may_not_do_is_refused_in_words(app: TestApp) {
    let me = app.admin().await;
    let admin = app.login(&me.email).await;
    let other = app.user("other@example.org", "Other Person").await;
    let page = admin.get("/admin/users").await;
    // One's own row offers neither; the page says why.
    assert!(!page.body.contains(">Disable Admin</button>"));
    assert!(
        !page
            .body
            .contains(">Remove the administrator role of Admin</button>")
    );
    assert!(
        page.body
            .contains("You cannot remove your own administrator role")
    );
    for (action, words) in [
        (
            "remove-admin",
            "You cannot remove your own administrator role.",
        ),
        ("disable", "You cannot disable your own account."),
    ] {
        for fields in [&[][..], &[("confirmed", "yes")][..]] {
            let refused = admin
                .post(&format!("/admin/users/{}/{action}", me.id), fields)
                .await;
            refused.assert_status(409);
            assert!(refused.body.contains(words), "{}", refused.body);
            assert!(refused.body.contains(r#"href="/admin/users""#));
            assert!(
                refused.body.contains("Sign out"),
                "the page keeps the signed-in header"
            );
        }
    }
    let me_now = account(&app, me.id).await;
    assert!(me_now.is_admin && me_now.disabled_at.is_none());

    // Unknown people and actions are not there; a forged action is no action.
    for path in [
        "/admin/users/999999/make-admin".to_string(),
        "/admin/users/abc/make-admin".to_string(),
        "/admin/users/0/disable".to_string(),
        format!("/admin/users/{}/make-king", other.id),
        format!("/admin/users/{}/Make-Admin", other.id),
    ] {
        admin
            .post(&path, &[("confirmed", "yes")])
            .await
            .assert_status(404);
    }
    // Without the form's token nothing happens.
    admin
        .post_raw(
            &format!("/admin/users/{}/make-admin", other.id),
            &[("confirmed", "yes")],
        )
        .await
        .assert_status(403);
    // Non-admins never see the page nor its actions (404: it is not there for them).
    let member = app.login(&other.email).await;
    member.get("/admin/users").await.assert_status(404);
    member
        .post(
            &format!("/admin/users/{}/make-admin", other.id),
            &[("confirmed", "yes")],
        )
        .await
        .assert_status(404);
    member
        .post(
            &format!("/admin/users/{}/disable", me.id),
            &[("confirmed", "yes")],
        )
        .await
        .assert_status(404);
    let other_now = account(&app, other.id).await;
    assert!(!other_now.is_admin);
    assert_eq!(user_log_rows(&app).await, 0, "nothing refused is logged");
}

async fn the_last_admin_keeps_the_role(app: TestApp) {
    let only = app.admin().await;
    let someone = app.user("someone@example.org", "Someone").await;
    // The pages never let an admin act on themselves; the rule itself holds whoever asks.
    for change in [RoleChange::RemoveAdmin, RoleChange::Disable] {
        let refused = roles::change(app.db(), &someone, &only, change).await;
        assert!(
            matches!(refused, Err(Refusal::Refused(RoleRefused::LastAdmin))),
            "{change:?}: {refused:?}"
        );
    }
    // A disabled admin is no admin to fall back on.
    let dormant = app.user("dormant@example.org", "Dormant").await;
    app.sql(&format!(
        "UPDATE users SET is_admin = TRUE, disabled_at = '2026-01-01 00:00:00+00:00' WHERE id = {}",
        dormant.id
    ))
    .await;
    let refused = roles::change(app.db(), &someone, &only, RoleChange::RemoveAdmin).await;
    assert!(matches!(
        refused,
        Err(Refusal::Refused(RoleRefused::LastAdmin))
    ));
    assert!(account(&app, only.id).await.is_admin);
    // With a second active admin, either may step back, from the page.
    let admin = app.login(&only.email).await;
    change(
        &admin,
        &someone,
        "make-admin",
        "Make Someone &lt;someone@example.org&gt; an administrator?",
    )
    .await;
    let second = app.login(&someone.email).await;
    change(
        &second,
        &only,
        "remove-admin",
        "Remove the administrator role of Admin",
    )
    .await;
    assert!(!account(&app, only.id).await.is_admin);
    admin.get("/admin").await.assert_status(404);
    let now_last = account(&app, someone.id).await;
    let refused = roles::change(app.db(), &only, &now_last, RoleChange::Disable).await;
    assert!(matches!(
        refused,
        Err(Refusal::Refused(RoleRefused::LastAdmin))
    ));
}

const THEME_SQL: &str = "INSERT INTO themes (slug, name, description, created_at) VALUES ('education', 'Education', '', '2026-01-01 00:00:00+00:00')";

/// A draft learning made with the form (`project` tells it from others); its path.
async fn draft(admin: &Client, project: &str) -> String {
    admin.get("/learnings/new").await.assert_status(200);
    let created = admin
        .post(
            "/learnings/new",
            &[
                (
                    "description",
                    "Community learning centres brought working children back to school.",
                ),
                ("project_title", project),
                ("type", "good_practice"),
                ("evaluation_type", "final"),
                ("year", "2021"),
                ("countries", "GH"),
                ("themes", "education"),
                ("source_url", "https://example.org/report.pdf"),
            ],
        )
        .await;
    let errors = created.body.find("class=\"errors\"").unwrap_or(0);
    assert_eq!(created.status, 303, "{}", &created.body[errors..]);
    created.location.expect("location")
}

async fn a_reviewer_completes_a_review(app: TestApp) {
    let me = app.admin().await;
    let admin = app.login(&me.email).await;
    app.sql(THEME_SQL).await;
    let path = draft(&admin, "EDUCATE").await;
    // A one-admin site: the page says who could review and where to find one.
    let page = admin.get(&path).await;
    assert!(
        page.body.contains("No one else can review"),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "Who can review: an admin, a forum moderator or a reviewer, other than the learning’s author"
    ));
    assert!(
        page.body
            .contains(r#"href="/admin/users#outside-reviewers""#)
    );
    let rita = app.user("rita@example.org", "Rita Okafor").await;
    let as_rita = app.login(&rita.email).await;
    admin
        .post(
            &format!("{path}/submit"),
            &[("reviewer_id", &rita.id.to_string())],
        )
        .await
        .assert_status(400);
    change(&admin, &rita, "make-reviewer", "Make Rita Okafor").await;
    let page = admin.get(&path).await;
    assert!(page.body.contains(&format!(
        r#"<option value="{}">Rita Okafor</option>"#,
        rita.id
    )));
    assert!(!page.body.contains("No one else can review"));
    admin
        .post(
            &format!("{path}/submit"),
            &[("reviewer_id", &rita.id.to_string())],
        )
        .await
        .assert_status(303);
    let to_review = as_rita.get(&path).await;
    to_review.assert_status(200);
    assert!(to_review.body.contains(r#"value="approve""#));
    as_rita
        .post(
            &format!("{path}/decide"),
            &[("decision", "approve"), ("comment", "Clear and sourced.")],
        )
        .await
        .assert_status(303);
    let public = app.client().get(&path).await;
    public.assert_status(200);

    // Without the role she is offered no more, at once.
    let second = draft(&admin, "ECLT").await;
    change(
        &admin,
        &rita,
        "remove-reviewer",
        "Remove the reviewer role of Rita Okafor",
    )
    .await;
    let page = admin.get(&second).await;
    assert!(!page.body.contains(">Rita Okafor</option>"));
    admin
        .post(
            &format!("{second}/submit"),
            &[("reviewer_id", &rita.id.to_string())],
        )
        .await
        .assert_status(400);
}

/// The path of the link in the `count`th reviewer invitation mailed to `address`, and the mail.
async fn invitation_path(app: &TestApp, address: &str, count: usize) -> (String, Mail) {
    let mail = app.mails_to(address, count).await.remove(count - 1);
    let link = mail.link("/reviewer-invitations/");
    let at = link.find("/reviewer-invitations/").expect("path");
    (link[at..].to_string(), mail)
}

async fn an_outside_reviewer_joins_by_invitation_and_sees_no_forum(app: TestApp) {
    let me = app.admin().await;
    let admin = app.login(&me.email).await;
    let (forum, moderator, _member) = app.with_forum("agri", "post").await;
    let posted = moderator
        .post(
            &format!("/forums/{}/new", forum.slug),
            &[
                ("title", "Zanzibar cloves harvest"),
                ("body", "Who checks the ages of pickers?"),
            ],
        )
        .await;
    posted.assert_status(303);
    let thread = posted.location.expect("thread");

    admin.get("/admin/users").await;
    let sent = admin
        .post(
            "/admin/reviewer-invitations",
            &[
                ("reviewer_email", "Rita@Example.org"),
                ("reviewer_name", "Rita Okafor"),
                ("reviewer_language", "fr"),
            ],
        )
        .await;
    sent.assert_status(303);
    let users_page = admin.get("/admin/users").await;
    assert!(users_page.body.contains("The invitation was sent."));
    assert!(
        users_page
            .body
            .contains(">Withdraw the invitation of rita@example.org</button>")
    );

    let (path, mail) = invitation_path(&app, "rita@example.org", 1).await;
    assert!(
        mail.raw
            .to_ascii_lowercase()
            .contains("message-id: <reviewer-invitation."),
        "{}",
        mail.raw
    );
    assert_eq!(
        mail.subject, "Invitation à relire des enseignements sur Fora",
        "written in the language the admin chose"
    );
    assert!(mail.text.contains("Rita Okafor") && mail.text.contains("Admin"));
    let visitor = app.client();
    let form = visitor.get(&path).await;
    form.assert_status(200);
    assert!(form.body.contains(r#"value="Rita Okafor""#));
    assert!(form.body.contains("rita@example.org"));
    // An altered link is not a link.
    let mut altered = path.clone();
    let last = altered.pop().expect("a token");
    altered.push(if last == 'A' { 'B' } else { 'A' });
    app.client().get(&altered).await.assert_status(404);
    app.client()
        .get("/reviewer-invitations/short")
        .await
        .assert_status(404);
    // A bad form comes back with what was typed and what is wrong.
    let short = visitor
        .post(&path, &[("display_name", "Rita O."), ("password", "short")])
        .await;
    short.assert_status(422);
    assert!(short.body.contains(r#"value="Rita O.""#));
    // The page speaks the invitation's language (the browser's guess gives way to it).
    assert!(short.body.contains("<html lang=\"fr\""), "{}", short.body);
    assert!(
        short
            .body
            .contains(templates::i18n::t("fr", "form.password_short").as_ref()),
        "{}",
        short.body
    );
    let joined = visitor
        .post(
            &path,
            &[("display_name", "Rita O."), ("password", PASSWORD)],
        )
        .await;
    joined.assert_status(303);
    assert_eq!(joined.location.as_deref(), Some("/waiting"));
    let rita = fora::accounts::service::find_by_email(app.db(), "rita@example.org")
        .await
        .expect("read")
        .expect("an account");
    assert!(rita.is_reviewer && !rita.is_admin);
    assert_eq!(rita.display_name, "Rita O.");
    assert_eq!(rita.locale, "fr", "the language she was invited in");
    assert!(
        fora::accounts::service::memberships_of(app.db(), rita.id)
            .await
            .expect("memberships")
            .is_empty(),
        "a member of no forum"
    );
    // The link works once.
    app.client().get(&path).await.assert_status(410);
    app.client()
        .post(&path, &[("display_name", "Again"), ("password", PASSWORD)])
        .await
        .assert_status(410);

    // Signed in, she sees no private forum anywhere.
    visitor.get("/waiting").await.assert_status(200);
    let forums = visitor.get("/forums").await;
    assert!(!forums.body.contains(&forum.title));
    visitor
        .get(&format!("/forums/{}", forum.slug))
        .await
        .assert_status(404);
    visitor.get(&thread).await.assert_status(404);
    // (The search box says again what was searched for, so the title's other words are looked
    // for.)
    for page in [
        "/learnings?q=Zanzibar",
        "/feeds/learnings.atom",
        "/api/v1/learnings?q=Zanzibar",
        "/waiting",
        "/",
    ] {
        let shown = visitor.get(page).await;
        assert!(
            !shown.body.contains("cloves harvest")
                && !shown.body.contains("ages of pickers")
                && !shown.body.contains(&forum.title),
            "{page}: {}",
            shown.body
        );
    }
    let log = admin.get("/admin/log").await;
    assert!(log.body.contains("invited as outside reviewer"));
    assert!(log.body.contains("accepted the reviewer invitation"));
    assert!(log.body.contains(&format!(
        r#"href="/admin/users?user={0}#user-{0}""#,
        rita.id
    )));
    // She can be named reviewer at once.
    let page = admin.get("/admin/users").await;
    assert!(
        page.body
            .contains(">Remove the reviewer role of Rita O.</button>")
    );
    assert!(
        !page
            .body
            .contains("Withdraw the invitation of rita@example.org")
    );
}

async fn reviewer_invitations_are_checked_and_withdrawn(app: TestApp) {
    let me = app.admin().await;
    let admin = app.login(&me.email).await;
    app.user("amina@example.org", "Amina Diallo").await;
    admin.get("/admin/users").await;
    // Bad forms are shown again with every problem, the values kept.
    let bad = admin
        .post(
            "/admin/reviewer-invitations",
            &[
                ("reviewer_email", "not an address"),
                ("reviewer_name", ""),
                ("reviewer_language", "de"),
            ],
        )
        .await;
    bad.assert_status(422);
    assert!(bad.body.contains(r#"value="not an address""#));
    assert!(bad.body.contains("Enter a valid email address"));
    assert!(bad.body.contains("This field is required."));
    assert!(bad.body.contains("Choose English, French or Spanish."));
    // An address with an account is given the role from the list instead.
    let taken = admin
        .post(
            "/admin/reviewer-invitations",
            &[
                ("reviewer_email", "amina@example.org"),
                ("reviewer_name", "Amina"),
                ("reviewer_language", "en"),
            ],
        )
        .await;
    taken.assert_status(422);
    assert!(taken.body.contains("already has an account"));
    assert!(taken.body.contains("amina@example.org"));
    assert_eq!(app.mail_count(), 0);
    // Only admins invite.
    let member = app.login("amina@example.org").await;
    member
        .post(
            "/admin/reviewer-invitations",
            &[("reviewer_email", "x@example.org"), ("reviewer_name", "X")],
        )
        .await
        .assert_status(404);
    admin
        .post_raw(
            "/admin/reviewer-invitations",
            &[("reviewer_email", "x@example.org"), ("reviewer_name", "X")],
        )
        .await
        .assert_status(403);

    // An expired link says so.
    let invite = |email: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post(
                    "/admin/reviewer-invitations",
                    &[
                        ("reviewer_email", email),
                        ("reviewer_name", "Outside Person"),
                        ("reviewer_language", "en"),
                    ],
                )
                .await
                .assert_status(303);
        }
    };
    invite("late@example.org").await;
    let (late, mail) = invitation_path(&app, "late@example.org", 1).await;
    assert_eq!(mail.subject, "You are invited to review learnings on Fora");
    app.sql("UPDATE reviewer_invitations SET expires_at = '2020-01-01 00:00:00+00:00' WHERE email = 'late@example.org'")
        .await;
    let expired = app.client().get(&late).await;
    expired.assert_status(410);
    assert!(expired.body.contains("This invitation has expired."));
    app.client()
        .post(&late, &[("display_name", "Late"), ("password", PASSWORD)])
        .await
        .assert_status(410);

    // Withdrawing asks first, then the link stops working.
    invite("gone@example.org").await;
    let (gone, _) = invitation_path(&app, "gone@example.org", 1).await;
    let id: i32 = fora::entities::reviewer_invitations::Entity::find()
        .filter(fora::entities::reviewer_invitations::Column::Email.eq("gone@example.org"))
        .one(app.db())
        .await
        .expect("read")
        .expect("invitation")
        .id;
    let revoke = format!("/admin/reviewer-invitations/{id}/revoke");
    let asked = admin.post(&revoke, &[]).await;
    asked.assert_status(200);
    assert!(
        asked
            .body
            .contains("Withdraw the reviewer invitation of gone@example.org?")
    );
    app.client().get(&gone).await.assert_status(200);
    admin
        .post(&revoke, &[("confirmed", "yes")])
        .await
        .assert_status(303);
    let page = admin.get("/admin/users").await;
    assert!(page.body.contains("The invitation was withdrawn."));
    assert!(
        !page
            .body
            .contains("Withdraw the invitation of gone@example.org")
    );
    let withdrawn = app.client().get(&gone).await;
    withdrawn.assert_status(410);
    assert!(withdrawn.body.contains("no longer works"));
    // Withdrawn twice, or never there: not found.
    admin
        .post(&revoke, &[("confirmed", "yes")])
        .await
        .assert_status(404);
    admin
        .post(
            "/admin/reviewer-invitations/99999/revoke",
            &[("confirmed", "yes")],
        )
        .await
        .assert_status(404);
    // A second invitation to the same address replaces the first.
    invite("twice@example.org").await;
    let (first, _) = invitation_path(&app, "twice@example.org", 1).await;
    invite("twice@example.org").await;
    let (newest, _) = invitation_path(&app, "twice@example.org", 2).await;
    assert_ne!(first, newest);
    app.client().get(&first).await.assert_status(410);
    app.client().get(&newest).await.assert_status(200);
}
