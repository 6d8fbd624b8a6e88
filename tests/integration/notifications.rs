//! Following threads and being told about replies and mentions — never about what the reader
//! may not see.

use fora::forums::notify;
use sea_orm::EntityTrait;

use crate::{
    forums::{remove_from_forum, thread_with_reply},
    support::TestApp,
};

crate::on_both_databases!(
    mentions_show_as_names_and_the_form_explains_them,
    followers_get_a_link_to_the_exact_post,
    stop_link_asks_before_it_stops,
    removed_or_disabled_members_are_not_notified,
    daily_summary_waits_for_its_hour,
    mentions_reach_members_only,
    hidden_or_pending_posts_are_not_announced,
);

async fn deliver(app: &TestApp) -> usize {
    notify::deliver_due(&app.state, None)
        .await
        .expect("deliver")
}

async fn followers_get_a_link_to_the_exact_post(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    assert_eq!(
        deliver(&app).await,
        1,
        "the thread's author follows it and hears of the reply"
    );
    let mail = app.mails_to("mod-agri@example.org", 1).await.remove(0);
    assert_eq!(mail.subject, "New reply in “Cooperatives and child labour”");
    assert!(mail.text.contains("“Member Mia” replied"), "{}", mail.text);
    let link = mail.link("/threads/");
    assert!(
        link.ends_with(&format!("{path}?post={post_id}#post-{post_id}")),
        "{link}"
    );
    assert!(mail.text.contains("They run their own monitoring."));
    assert!(mail.html.contains("They run their own monitoring."));
    assert!(mail.link("/follows/").contains("/stop"));
    // Nothing is sent twice.
    assert_eq!(deliver(&app).await, 0);
    // The replier follows automatically too.
    moderator.get(&path).await;
    moderator
        .post(&format!("{path}/reply"), &[("body", "Thanks!")])
        .await
        .assert_status(303);
    deliver(&app).await;
    app.mails_to("member-agri@example.org", 1).await;
}

async fn stop_link_asks_before_it_stops(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    deliver(&app).await;
    let stop = app
        .mails_to("mod-agri@example.org", 1)
        .await
        .remove(0)
        .link("/follows/");
    let scanner = app.client();
    for _ in 0..3 {
        let page = scanner.get(&stop).await;
        page.assert_status(200);
        assert!(page.body.contains("Stop getting emails"));
    }
    member
        .post(&format!("{path}/reply"), &[("body", "Second reply")])
        .await
        .assert_status(303);
    assert_eq!(deliver(&app).await, 1, "GETs never unfollow");
    let done = scanner.post(&stop, &[]).await;
    done.assert_status(200);
    assert!(done.body.contains("You no longer follow"));
    member
        .post(&format!("{path}/reply"), &[("body", "Third reply")])
        .await
        .assert_status(303);
    assert_eq!(deliver(&app).await, 0);
    let forged = scanner
        .get("/follows/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/stop")
        .await;
    forged.assert_status(404);
    scanner
        .post("/follows/short/stop", &[])
        .await
        .assert_status(404);
}

async fn removed_or_disabled_members_are_not_notified(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&member, &moderator, &forum.slug).await;
    deliver(&app).await;
    app.mails_to("member-agri@example.org", 1).await;
    // A reply is queued for the member, then the member is removed before it goes out.
    moderator
        .post(&format!("{path}/reply"), &[("body", "Queued reply")])
        .await
        .assert_status(303);
    remove_from_forum(&app, &moderator, &forum.slug, "member-agri@example.org").await;
    assert_eq!(deliver(&app).await, 0);
    // Disabled accounts get nothing either.
    let third = app.user("third@example.org", "Third").await;
    app.join(&forum, &third, "member").await;
    let third_client = app.login(&third.email).await;
    third_client.get(&path).await;
    third_client
        .post(&format!("{path}/follow"), &[])
        .await
        .assert_status(303);
    let admin = app.login(&app.admin().await.email).await;
    admin.get("/admin/users").await;
    admin
        .post(
            &format!("/admin/users/{}/disable", third.id),
            &[("confirmed", "yes")],
        )
        .await
        .assert_status(303);
    moderator
        .post(&format!("{path}/reply"), &[("body", "Another")])
        .await
        .assert_status(303);
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(app.mails_to("member-agri@example.org", 1).await.len(), 1);
    assert!(
        app.mails(1)
            .await
            .iter()
            .all(|m| m.to != "third@example.org")
    );
}

async fn daily_summary_waits_for_its_hour(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    moderator.get("/profile").await;
    moderator
        .post(
            "/profile",
            &[
                ("display_name", "Moderator Mo"),
                ("locale", "en"),
                ("notify_mode", "daily"),
            ],
        )
        .await
        .assert_status(303);
    let (path, _, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    member
        .post(&format!("{path}/reply"), &[("body", "Second")])
        .await;
    assert_eq!(deliver(&app).await, 0, "daily readers wait");
    let cutoff = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let sent = notify::deliver_due(&app.state, Some(cutoff))
        .await
        .expect("deliver");
    assert_eq!(sent, 1, "one summary for two posts");
    let mail = app.mails_to("mod-agri@example.org", 1).await.remove(0);
    assert!(mail.subject.contains("2 new posts"), "{}", mail.subject);
    assert!(mail.text.contains("Second") && mail.text.contains("They run their own monitoring."));
    assert_eq!(
        notify::deliver_due(&app.state, Some(cutoff))
            .await
            .expect("deliver"),
        0
    );
    // The scheduler's cut-off: only during the configured hour.
    let at = time::macros::datetime!(2026-11-23 06:30 UTC);
    assert_eq!(
        fora::jobs::daily_cutoff(at, 6),
        Some(time::macros::datetime!(2026-11-23 06:00 UTC))
    );
    assert_eq!(fora::jobs::daily_cutoff(at, 7), None);
}

async fn mentions_reach_members_only(app: TestApp) {
    let (forum, _, member) = app.with_forum("agri", "post").await;
    let colleague = app.user("amina@example.org", "Amina Diallo").await;
    app.join(&forum, &colleague, "member").await;
    app.user("outsider@example.org", "Outsider Person").await;
    member.get(&format!("/forums/{}/new", forum.slug)).await;
    member
        .post(
            &format!("/forums/{}/new", forum.slug),
            &[
                ("title", "Question"),
                ("body", "@amina and @[Outsider Person], what do you think?"),
            ],
        )
        .await
        .assert_status(303);
    assert_eq!(deliver(&app).await, 1);
    let mail = app.mails_to("amina@example.org", 1).await.remove(0);
    assert!(
        mail.subject.starts_with("You were mentioned in"),
        "{}",
        mail.subject
    );
    assert!(
        app.mails(1)
            .await
            .iter()
            .all(|m| m.to != "outsider@example.org")
    );
}

async fn hidden_or_pending_posts_are_not_announced(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("pre", "pre").await;
    moderator.get("/forums/pre/new").await;
    let path = moderator
        .post(
            "/forums/pre/new",
            &[("title", "Moderated"), ("body", "Start")],
        )
        .await
        .location
        .expect("loc");
    member.get(&path).await;
    member
        .post(&format!("{path}/reply"), &[("body", "Held reply")])
        .await
        .assert_status(303);
    assert_eq!(deliver(&app).await, 0, "held posts are not announced");
    let held = fora::entities::posts::Entity::find()
        .all(app.db())
        .await
        .expect("db")
        .into_iter()
        .find(|p| p.body_md == "Held reply")
        .expect("post");
    moderator
        .post(&format!("/posts/{}/approve", held.id), &[])
        .await
        .assert_status(303);
    // Approved, then hidden before the worker runs: still nothing.
    moderator
        .post(
            &format!("/posts/{}/hide", held.id),
            &[("confirmed", "yes"), ("reason", "second thoughts")],
        )
        .await
        .assert_status(303);
    assert_eq!(deliver(&app).await, 0);
    moderator
        .post(&format!("/posts/{}/unhide", held.id), &[])
        .await
        .assert_status(303);
    let _ = forum;
}

async fn mentions_show_as_names_and_the_form_explains_them(app: TestApp) {
    let (forum, _, member) = app.with_forum("agri", "post").await;
    let colleague = app.user("amina@example.org", "Amina Diallo").await;
    app.join(&forum, &colleague, "member").await;
    let form = member.get(&format!("/forums/{}/new", forum.slug)).await;
    assert!(
        form.body
            .contains("To mention a member of this forum, write @[First Last]")
    );
    let created = member
        .post(
            &format!("/forums/{}/new", forum.slug),
            &[
                ("title", "Question"),
                (
                    "body",
                    "@[Amina Diallo], and @[<img src=x onerror=alert(1)>], @[O'Neil & \"Co\"], @[unclosed",
                ),
            ],
        )
        .await;
    created.assert_status(303);
    let thread = created.location.expect("thread");
    let page = member.get(&thread).await;
    page.assert_status(200);
    assert!(
        page.body
            .contains("<span class=\"mention\">@Amina Diallo</span>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<span class=\"mention\">@O'Neil &amp; \"Co\"</span>")
    );
    assert!(page.body.contains("@[unclosed"), "left as typed");
    assert!(!page.body.contains("<img") && !page.body.contains("onerror=alert"));
    // The reply form explains mentions too, in the reader's language.
    assert!(page.body.contains("To mention a member of this forum"));
    assert_eq!(deliver(&app).await, 1, "Amina is told");
}
