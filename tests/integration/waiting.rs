//! Hand-offs: whoever something reaches is told, by the "waiting for you" page, its count in
//! the header and a mail in their language — moderators of held posts, edits and reports,
//! knowledge managers of proposals, reviewers when named, authors of decisions with the
//! words that explain them — and nobody else: not the person who acted, not a removed
//! moderator, not someone who chose no mail.

use std::time::Duration;

use crate::{
    forums::{remove_from_forum, thread_with_reply},
    support::{Client, Mail, TestApp},
};

crate::on_both_databases!(
    held_posts_reach_the_forums_moderators_and_wait_until_decided,
    authors_hear_why_their_post_was_rejected_or_hidden,
    a_moderator_sees_their_own_rejected_post_and_nobody_else_does,
    the_author_alone_sees_their_hidden_or_rejected_thread,
    reports_reach_the_moderators_with_the_reporters_words,
    learnings_are_handed_from_moderator_to_manager_to_reviewer_to_author,
    mail_follows_each_persons_setting_and_daily_readers_get_one_list_a_day,
);

/// Mail to `to` whose subject starts with `subject`, waiting up to 5 s for at least one.
async fn mail_about(app: &TestApp, to: &str, subject: &str) -> Mail {
    for _ in 0..100 {
        if let Some(mail) = app
            .sent_mails()
            .into_iter()
            .find(|mail| mail.to == to && mail.subject.starts_with(subject))
        {
            return mail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no mail to {to} about {subject:?}; sent: {:?}",
        app.sent_mails()
            .iter()
            .map(|m| (&m.to, &m.subject))
            .collect::<Vec<_>>()
    );
}

/// Waits for the queue to be sent, then the subjects mailed to `to`.
async fn subjects_to(app: &TestApp, to: &str) -> Vec<String> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.sent_mails()
        .into_iter()
        .filter(|mail| mail.to == to)
        .map(|mail| mail.subject)
        .collect()
}

/// The header's count of what waits for this person, if shown.
async fn header_count(client: &Client) -> Option<String> {
    let page = client.get("/forums").await;
    page.assert_status(200);
    let re = regex::Regex::new(r#"href="/waiting">[^<]*<span class="count">([^<]+)</span>"#)
        .expect("regex");
    re.captures(&page.body).map(|c| c[1].to_string())
}

/// The moderator takes the first post of the forum's queue: `approve`, or `reject` with
/// `fields` (a reason, confirmed).
pub async fn decide_first_held(
    moderator: &Client,
    forum: &str,
    action: &str,
    fields: &[(&str, &str)],
) {
    let queue = moderator.get(&format!("/forums/{forum}/queue")).await;
    let post_id = regex::Regex::new(&format!(r"/posts/(\d+)/{action}"))
        .expect("regex")
        .captures(&queue.body)
        .unwrap_or_else(|| panic!("a post to {action} in {}", queue.body))[1]
        .to_string();
    moderator
        .post(&format!("/posts/{post_id}/{action}"), fields)
        .await
        .assert_status(303);
}

async fn new_thread(
    client: &Client,
    forum: &str,
    title: &str,
    body: &str,
) -> crate::support::Response {
    client.get(&format!("/forums/{forum}/new")).await;
    client
        .post(
            &format!("/forums/{forum}/new"),
            &[("title", title), ("body", body)],
        )
        .await
}

async fn held_posts_reach_the_forums_moderators_and_wait_until_decided(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "pre").await;
    // A moderator of another forum hears nothing of this one.
    let (_, other_moderator, _) = app.with_forum("mines", "pre").await;
    assert_eq!(header_count(&moderator).await, None, "nothing waits yet");
    new_thread(
        &member,
        &forum.slug,
        "Cocoa cooperatives",
        "Held for approval.",
    )
    .await
    .assert_status(303);
    let mail = mail_about(&app, "mod-agri@example.org", "A post waits for approval").await;
    assert_eq!(mail.subject, "A post waits for approval in “Forum agri”");
    assert!(mail.text.contains("“Cocoa cooperatives”"), "{}", mail.text);
    assert!(mail.link("/forums/").ends_with("/forums/agri/queue"));
    assert!(mail.raw.contains("Auto-Submitted: auto-generated"));
    assert!(
        !mail.text.contains("Member Mia"),
        "who wrote it is for the queue to show, not the mail"
    );
    assert_eq!(header_count(&moderator).await.as_deref(), Some("1"));
    assert_eq!(header_count(&other_moderator).await, None);
    assert_eq!(
        header_count(&member).await,
        None,
        "the author waits for nobody"
    );
    let waiting = moderator.get("/waiting").await;
    waiting.assert_status(200);
    assert!(waiting.body.contains("Posts waiting for approval (1)"));
    assert!(waiting.body.contains("Cocoa cooperatives"));
    assert!(waiting.body.contains("href=\"/forums/agri/queue\""));
    // A thread written in another language than the page's is marked as such.
    member.get(&format!("/forums/{}/new", forum.slug)).await;
    member
        .post(
            &format!("/forums/{}/new", forum.slug),
            &[
                ("title", "Coopératives de cacao"),
                ("body", "En attente."),
                ("language", "fr"),
            ],
        )
        .await
        .assert_status(303);
    let waiting = moderator.get("/waiting").await;
    assert!(waiting.body.contains("Posts waiting for approval (2)"));
    assert!(
        waiting
            .body
            .contains(r#"lang="fr">Coopératives de cacao</a> · <span lang="fr">Français</span>"#),
        "{}",
        waiting.body
    );
    assert!(
        !waiting.body.contains(r#"lang="en">Cocoa"#),
        "the page's own language is not marked"
    );
    let nothing = other_moderator.get("/waiting").await;
    assert!(nothing.body.contains("Nothing waits for you"));
    assert!(!nothing.body.contains("Cocoa cooperatives"));
    assert!(subjects_to(&app, "mod-mines@example.org").await.is_empty());
    assert!(
        subjects_to(&app, "member-agri@example.org")
            .await
            .is_empty()
    );
    // Approved: it waits no more.
    decide_first_held(&moderator, "agri", "approve", &[]).await;
    decide_first_held(&moderator, "agri", "approve", &[]).await;
    assert_eq!(header_count(&moderator).await, None);
    assert!(
        moderator
            .get("/waiting")
            .await
            .body
            .contains("Nothing waits for you")
    );
    // A removed moderator is told nothing more.
    app.admin().await;
    let admin = app.login("admin@example.org").await;
    remove_from_forum(&app, &admin, &forum.slug, "mod-agri@example.org").await;
    let before = subjects_to(&app, "mod-agri@example.org").await.len();
    new_thread(&member, &forum.slug, "Second", "Also held.")
        .await
        .assert_status(303);
    // With no moderator left, the admins hear of it.
    mail_about(&app, "admin@example.org", "A post waits for approval").await;
    assert_eq!(
        subjects_to(&app, "mod-agri@example.org").await.len(),
        before
    );
    // Signed out, the page asks to sign in.
    let visitor = app.client().get("/waiting").await;
    assert_eq!(visitor.status, 303);
    assert!(visitor.location.unwrap_or_default().starts_with("/login"));
}

async fn authors_hear_why_their_post_was_rejected_or_hidden(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "pre").await;
    new_thread(&member, &forum.slug, "A question", "Held.")
        .await
        .assert_status(303);
    decide_first_held(
        &moderator,
        "agri",
        "reject",
        &[
            ("confirmed", "yes"),
            ("reason", "Please remove the child's name <b>first</b>"),
        ],
    )
    .await;
    let mail = mail_about(&app, "member-agri@example.org", "Your post in").await;
    assert_eq!(mail.subject, "Your post in “A question” was not approved");
    assert!(
        mail.text
            .contains("“Please remove the child's name <b>first</b>”"),
        "{}",
        mail.text
    );
    assert!(
        mail.html.contains("&lt;b&gt;first&lt;/b&gt;"),
        "the reason is text, never markup"
    );
    // Hiding a published post tells its author too.
    let (path, _, _) = {
        let (post_forum, post_moderator, post_member) = app.with_forum("mines", "post").await;
        let made = thread_with_reply(&post_moderator, &post_member, &post_forum.slug).await;
        post_moderator
            .post(
                &format!("/posts/{}/hide", made.2),
                &[("confirmed", "yes"), ("reason", "Off topic")],
            )
            .await
            .assert_status(303);
        made
    };
    let hidden = mail_about(&app, "member-mines@example.org", "Your post in").await;
    assert!(hidden.subject.ends_with("was hidden"), "{}", hidden.subject);
    assert!(hidden.text.contains("“Off topic”"));
    assert!(hidden.link("/threads/").ends_with(&path));
    // A moderator who hides their own post is not told about it.
    assert!(
        !subjects_to(&app, "mod-mines@example.org")
            .await
            .iter()
            .any(|s| s.starts_with("Your post in"))
    );
}

async fn reports_reach_the_moderators_with_the_reporters_words(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (_, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    // The moderator reports a post: they are not told of their own report.
    let third = app.user("third@example.org", "Third").await;
    app.join(&forum, &third, "member").await;
    let reporter = app.login(&third.email).await;
    reporter.get(&format!("/posts/{post_id}/flag")).await;
    reporter
        .post(
            &format!("/posts/{post_id}/flag"),
            &[("reason", "Names a child victim")],
        )
        .await
        .assert_status(200);
    let mail = mail_about(&app, "mod-agri@example.org", "A post was reported").await;
    assert_eq!(mail.subject, "A post was reported in “Forum agri”");
    assert!(mail.text.contains("“Names a child victim”"));
    assert!(!mail.text.contains("Third"), "the reporter stays unnamed");
    assert_eq!(header_count(&moderator).await.as_deref(), Some("1"));
    assert!(
        moderator
            .get("/waiting")
            .await
            .body
            .contains("Reported posts (1)")
    );
    assert!(subjects_to(&app, "third@example.org").await.is_empty());
    // A bad report tells nobody.
    let before = app.mail_count();
    reporter
        .post(&format!("/posts/{post_id}/flag"), &[("reason", " ")])
        .await
        .assert_status(422);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.mail_count(), before);
}

async fn learnings_are_handed_from_moderator_to_manager_to_reviewer_to_author(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    app.admin().await;
    let admin = app.login("admin@example.org").await;
    let (thread_path, _, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    moderator.get(&thread_path).await;
    moderator
        .post(
            &format!("{thread_path}/summary"),
            &[(
                "summary",
                "Cooperatives that monitor their own farms found fewer children at work.",
            )],
        )
        .await
        .assert_status(303);
    let proposed = moderator
        .post(&format!("{thread_path}/propose-learning"), &[])
        .await;
    proposed.assert_status(303);
    let path = proposed.location.expect("learning");
    let mail = mail_about(&app, "admin@example.org", "A learning was proposed").await;
    assert!(mail.link("/learnings/").ends_with("#workflow"));
    assert_eq!(header_count(&admin).await.as_deref(), Some("1"));
    assert!(
        admin
            .get("/waiting")
            .await
            .body
            .contains("Proposed learnings without a reviewer (1)")
    );
    // The admin names a reviewer: the reviewer is told and sees it waiting.
    let specialist = app.user("specialist@example.org", "Sam Specialist").await;
    app.join(&forum, &specialist, "moderator").await;
    let reviewer = app.login(&specialist.email).await;
    admin.get(&path).await;
    admin
        .post(
            &format!("{path}/reviewer"),
            &[("reviewer_id", &specialist.id.to_string())],
        )
        .await
        .assert_status(303);
    let named = mail_about(&app, "specialist@example.org", "You were asked to review").await;
    assert!(named.link("/learnings/").contains(&path));
    assert_eq!(header_count(&admin).await, None, "it has a reviewer now");
    assert!(
        reviewer
            .get("/waiting")
            .await
            .body
            .contains("Learnings for you to review (1)")
    );
    // The reviewer asks for changes: the author (the proposing moderator) hears why.
    reviewer.get(&path).await;
    reviewer
        .post(
            &format!("{path}/decide"),
            &[("decision", "changes"), ("comment", "Name the districts.")],
        )
        .await
        .assert_status(303);
    let changes = mail_about(&app, "mod-agri@example.org", "Changes were requested").await;
    assert!(changes.text.contains("“Name the districts.”"));
    admin
        .post(
            &format!("{path}/submit"),
            &[("reviewer_id", &specialist.id.to_string())],
        )
        .await
        .assert_status(303);
    reviewer
        .post(
            &format!("{path}/decide"),
            &[("decision", "approve"), ("comment", "Good.")],
        )
        .await
        .assert_status(303);
    let published = mail_about(&app, "mod-agri@example.org", "“").await;
    assert!(
        published.subject.ends_with("is published"),
        "{}",
        published.subject
    );
    assert_eq!(header_count(&reviewer).await, None);
}

async fn mail_follows_each_persons_setting_and_daily_readers_get_one_list_a_day(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "pre").await;
    let setting = |mode: &'static str| {
        [
            ("display_name", "Moderator Mo"),
            ("locale", "fr"),
            ("notify_mode", mode),
        ]
    };
    moderator.get("/profile").await;
    moderator
        .post("/profile", &setting("never"))
        .await
        .assert_status(303);
    new_thread(&member, &forum.slug, "First", "Held.")
        .await
        .assert_status(303);
    assert!(subjects_to(&app, "mod-agri@example.org").await.is_empty());
    assert_eq!(
        header_count(&moderator).await.as_deref(),
        Some("1"),
        "the page still says so"
    );
    moderator.get("/profile").await;
    moderator
        .post("/profile", &setting("daily"))
        .await
        .assert_status(303);
    new_thread(&member, &forum.slug, "Second", "Held.")
        .await
        .assert_status(303);
    assert!(subjects_to(&app, "mod-agri@example.org").await.is_empty());
    let day = time::OffsetDateTime::now_utc();
    assert_eq!(
        fora::waiting::daily::queue_daily(&app.state, day)
            .await
            .expect("daily"),
        1
    );
    // Again the same day (the next tick, another instance): nothing more.
    fora::waiting::daily::queue_daily(&app.state, day)
        .await
        .expect("daily");
    let mail = mail_about(&app, "mod-agri@example.org", "Fora").await;
    assert_eq!(mail.subject, "Fora\u{a0}: ce qui vous attend aujourd’hui");
    assert!(
        mail.text
            .contains("Messages en attente d’approbation\u{a0}: 2"),
        "{}",
        mail.text
    );
    assert!(mail.link("/waiting").ends_with("/waiting"));
    assert_eq!(subjects_to(&app, "mod-agri@example.org").await.len(), 1);
    // The page in French too.
    let page = moderator.get("/waiting").await;
    assert!(page.body.contains("Ce qui vous attend"));
}

async fn a_moderator_sees_their_own_rejected_post_and_nobody_else_does(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "pre").await;
    let created = new_thread(
        &moderator,
        &forum.slug,
        "Cocoa audits",
        "Published at once.",
    )
    .await;
    created.assert_status(303);
    let thread = created.location.expect("thread");
    member.get(&thread).await;
    member
        .post(
            &format!("{thread}/reply"),
            &[("body", "Names the child Ama.")],
        )
        .await
        .assert_status(303);
    decide_first_held(
        &moderator,
        "agri",
        "reject",
        &[("confirmed", "yes"), ("reason", "It names a child")],
    )
    .await;
    // The author becomes a moderator of the forum: they still see their rejected post, marked.
    app.sql(
        "UPDATE memberships SET role = 'moderator'
         WHERE user_id = (SELECT id FROM users WHERE email = 'member-agri@example.org')",
    )
    .await;
    app.state.caches.bump();
    let page = member.get(&thread).await;
    page.assert_status(200);
    assert!(page.body.contains("Names the child Ama."), "{}", page.body);
    assert!(page.body.contains("It names a child"));
    assert!(
        page.body.contains("/posts/") && page.body.contains("/hide"),
        "moderator tools"
    );
    // The other moderator reads the shared page, which never held the author's view.
    let page = moderator.get(&thread).await;
    page.assert_status(200);
    assert!(page.body.contains("Published at once."));
    assert!(!page.body.contains("Names the child Ama."), "{}", page.body);
    // And the author still sees it after the other moderator filled the shared cache.
    let page = member.get(&thread).await;
    assert!(page.body.contains("Names the child Ama."));
}

async fn the_author_alone_sees_their_hidden_or_rejected_thread(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let other = app.user("other@example.org", "Other Member").await;
    app.join(&forum, &other, "member").await;
    let other = app.login("other@example.org").await;
    let created = new_thread(
        &member,
        &forum.slug,
        "Names and places",
        "The village of X.",
    )
    .await;
    created.assert_status(303);
    let thread = created.location.expect("thread");
    other.get(&thread).await.assert_status(200);
    moderator.get(&thread).await;
    moderator
        .post(
            &format!("{thread}/hide"),
            &[("confirmed", "yes"), ("reason", "It names a <i>child</i>")],
        )
        .await
        .assert_status(303);

    // The author: the thread, marked with the reason (as text), and nothing to write in it.
    for _ in 0..2 {
        let page = member.get(&thread).await;
        page.assert_status(200);
        assert!(page.body.contains("The village of X."));
        assert!(
            page.body
                .contains("Hidden by a moderator: It names a &lt;i&gt;child&lt;/i&gt;"),
            "{}",
            page.body
        );
        assert!(!page.body.contains(&format!("action=\"{thread}/reply\"")));
        assert!(!page.body.contains(&format!("action=\"{thread}/follow\"")));
    }
    member
        .post(&format!("{thread}/reply"), &[("body", "Still here?")])
        .await
        .assert_status(404);
    // Everyone else: nothing, after the author's visits as before them.
    other.get(&thread).await.assert_status(404);
    for path in [
        "/forums/agri",
        "/",
        "/feeds/learnings.atom",
        "/api/v1/learnings?q=village",
    ] {
        let page = other.get(path).await;
        assert!(!page.body.contains("Names and places"), "{path}");
    }
    let visitor = app.client().get(&thread).await;
    assert!(!visitor.body.contains("Names and places"));
    assert_ne!(visitor.status, 200);
    // The moderators see it, with the reason.
    let page = moderator.get(&thread).await;
    page.assert_status(200);
    assert!(
        page.body
            .contains("Hidden by a moderator: It names a &lt;i&gt;child&lt;/i&gt;")
    );
    // Shown again: for everyone, without the note.
    moderator
        .post(&format!("{thread}/unhide"), &[("confirmed", "yes")])
        .await
        .assert_status(303);
    let page = other.get(&thread).await;
    page.assert_status(200);
    assert!(!page.body.contains("Hidden by a moderator"));
    assert!(
        !member
            .get(&thread)
            .await
            .body
            .contains("Hidden by a moderator")
    );

    // A thread whose only post was rejected: its author sees it marked, nobody else.
    let (held, held_moderator, held_member) = app.with_forum("mines", "pre").await;
    let created = new_thread(&held_member, &held.slug, "Held thread", "Held words.").await;
    let thread = created.location.expect("thread");
    decide_first_held(
        &held_moderator,
        "mines",
        "reject",
        &[("confirmed", "yes"), ("reason", "Off topic")],
    )
    .await;
    let page = held_member.get(&thread).await;
    page.assert_status(200);
    assert!(page.body.contains("Held words."));
    assert!(page.body.contains("Off topic"));
    let outsider = app.user("outsider@example.org", "Outsider").await;
    app.join(&held, &outsider, "member").await;
    let outsider = app.login("outsider@example.org").await;
    outsider.get(&thread).await.assert_status(404);
}
