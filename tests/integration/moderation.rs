//! Pre-moderation, moderator actions and the moderation log.

use crate::{forums::thread_with_reply, support::TestApp};

crate::on_both_databases!(
    premoderated_posts_wait_for_approval,
    rejection_needs_a_reason_and_is_logged,
    thread_actions_change_state_and_are_logged,
    moving_a_thread_needs_moderation_rights_in_both_forums,
    summary_is_shown_at_the_top,
    admin_creates_themes_and_forums_and_names_moderators,
    a_hidden_thread_stays_in_its_authors_list_only,
);

async fn premoderated_posts_wait_for_approval(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("pre", "pre").await;
    let other = app
        .login(&{
            let u = app.user("other@example.org", "Other Member").await;
            app.join(&forum, &u, "member").await;
            u.email
        })
        .await;
    member.get("/forums/pre/new").await;
    let created = member
        .post(
            "/forums/pre/new",
            &[("title", "Held thread"), ("body", "Held first post")],
        )
        .await;
    created.assert_status(303);
    let path = created.location.expect("location");
    let own = member.get(&path).await;
    own.assert_status(200);
    assert!(own.body.contains("A moderator will review your post"));
    assert!(own.body.contains("Waiting for approval"));
    // Nobody else sees it, not even that it exists.
    other.get(&path).await.assert_status(404);
    assert!(!other.get("/forums/pre").await.body.contains("Held thread"));
    let queue = moderator.get("/forums/pre/queue").await;
    assert!(queue.body.contains("Held first post"));
    let post_id = fora::entities::posts::Entity::find()
        .one(app.db())
        .await
        .expect("db")
        .expect("post")
        .id;
    moderator
        .post(&format!("/posts/{post_id}/approve"), &[])
        .await
        .assert_status(303);
    let visible = other.get(&path).await;
    visible.assert_status(200);
    assert!(visible.body.contains("Held first post"));
    // Approving twice is harmless; the log has one approval.
    moderator
        .post(&format!("/posts/{post_id}/approve"), &[])
        .await
        .assert_status(303);
    let log = moderator.get("/forums/pre/log").await;
    assert_eq!(log.body.matches("approved").count(), 1);
    // The moderator's own posts are published at once.
    moderator.get(&path).await;
    moderator
        .post(&format!("{path}/reply"), &[("body", "Moderator reply")])
        .await
        .assert_status(303);
    assert!(other.get(&path).await.body.contains("Moderator reply"));
}

use sea_orm::EntityTrait;

async fn rejection_needs_a_reason_and_is_logged(app: TestApp) {
    let (_, moderator, member) = app.with_forum("pre", "pre").await;
    member.get("/forums/pre/new").await;
    let path = member
        .post("/forums/pre/new", &[("title", "Spam"), ("body", "Buy now")])
        .await
        .location
        .expect("loc");
    let post_id = fora::entities::posts::Entity::find()
        .one(app.db())
        .await
        .expect("db")
        .expect("post")
        .id;
    moderator.get("/forums/pre/queue").await;
    moderator
        .post(
            &format!("/posts/{post_id}/reject"),
            &[("confirmed", "yes"), ("reason", "  ")],
        )
        .await
        .assert_status(422);
    moderator
        .post(
            &format!("/posts/{post_id}/reject"),
            &[("confirmed", "yes"), ("reason", "Advertising")],
        )
        .await
        .assert_status(303);
    let log = moderator.get("/forums/pre/log").await;
    assert!(
        log.body.contains("rejected")
            && log.body.contains("Advertising")
            && log.body.contains("Moderator Mo")
    );
    assert!(
        !moderator
            .get("/forums/pre/queue")
            .await
            .body
            .contains("Buy now")
    );
    // Its author still sees it, marked, with the reason.
    let own = member.get(&path).await;
    own.assert_status(200);
    assert!(
        own.body.contains("Not approved: Advertising"),
        "{}",
        own.body
    );
}

async fn thread_actions_change_state_and_are_logged(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, post_id) = thread_with_reply(&member, &moderator, &forum.slug).await;
    moderator.get(&path).await;
    moderator
        .post(&format!("{path}/lock"), &[])
        .await
        .assert_status(303);
    let page = member.get(&path).await;
    assert!(page.body.contains("This discussion is locked"));
    assert_eq!(
        member
            .post(&format!("{path}/reply"), &[("body", "late")])
            .await
            .status,
        400
    );
    moderator
        .post(&format!("{path}/unlock"), &[])
        .await
        .assert_status(303);
    member
        .post(&format!("{path}/reply"), &[("body", "after unlock")])
        .await
        .assert_status(303);
    moderator
        .post(&format!("{path}/feature"), &[])
        .await
        .assert_status(303);
    assert!(member.get(&path).await.body.contains("Featured"));
    moderator
        .post(
            &format!("/posts/{post_id}/hide"),
            &[("confirmed", "yes"), ("reason", "Off topic")],
        )
        .await
        .assert_status(303);
    let page = member.get(&path).await;
    assert!(
        !page.body.contains("They run their own monitoring."),
        "hidden post gone for members"
    );
    assert!(
        moderator
            .get(&path)
            .await
            .body
            .contains("Hidden by a moderator")
    );
    member
        .get(&format!("/posts/{post_id}/flag"))
        .await
        .assert_status(404);
    moderator
        .post(&format!("/posts/{post_id}/unhide"), &[])
        .await
        .assert_status(303);
    assert!(
        member
            .get(&path)
            .await
            .body
            .contains("They run their own monitoring.")
    );
    moderator
        .post(
            &format!("{path}/hide"),
            &[("confirmed", "yes"), ("reason", "Duplicate")],
        )
        .await
        .assert_status(303);
    // Its author reads it, marked with the reason; another member finds nothing.
    assert!(
        member
            .get(&path)
            .await
            .body
            .contains("Hidden by a moderator: Duplicate")
    );
    let other = app.user("other@example.org", "Other").await;
    app.join(&forum, &other, "member").await;
    app.login("other@example.org")
        .await
        .get(&path)
        .await
        .assert_status(404);
    moderator.get(&path).await.assert_status(200);
    let log = moderator.get(&format!("/forums/{}/log", forum.slug)).await;
    for word in [
        "locked",
        "unlocked",
        "featured",
        "hid",
        "showed again",
        "Off topic",
        "Duplicate",
    ] {
        assert!(log.body.contains(word), "log lacks {word}");
    }
    let admin = app.login(&app.admin().await.email).await;
    assert!(admin.get("/admin/log").await.body.contains("Duplicate"));
}

async fn moving_a_thread_needs_moderation_rights_in_both_forums(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, thread_id, _) = thread_with_reply(&member, &moderator, &forum.slug).await;
    let target = app.forum("target", "post").await;
    let elsewhere = app.forum("elsewhere", "post").await;
    let mod_user = fora::accounts::service::find_by_email(app.db(), "mod-agri@example.org")
        .await
        .expect("db")
        .expect("mod");
    app.join(&target, &mod_user, "moderator").await;
    app.join(&elsewhere, &mod_user, "member").await;
    let page = moderator.get(&path).await;
    assert!(page.body.contains("value=\"target\""));
    assert!(!page.body.contains("value=\"elsewhere\""));
    assert_eq!(
        moderator
            .post(&format!("{path}/move"), &[("forum", "elsewhere")])
            .await
            .status,
        404
    );
    assert_eq!(
        moderator
            .post(&format!("{path}/move"), &[("forum", "nowhere")])
            .await
            .status,
        404
    );
    moderator
        .post(&format!("{path}/move"), &[("forum", "target")])
        .await
        .assert_status(303);
    let thread = fora::entities::threads::Entity::find_by_id(thread_id)
        .one(app.db())
        .await
        .expect("db")
        .expect("thread");
    assert_eq!(thread.forum_id, target.id);
    // The member of the old forum is not a member of the new one: the thread is gone for them.
    member.get(&path).await.assert_status(404);
}

async fn summary_is_shown_at_the_top(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&member, &moderator, &forum.slug).await;
    moderator.get(&path).await;
    moderator
        .post(
            &format!("{path}/summary"),
            &[(
                "summary",
                "**Outcome:** cooperatives should fund monitoring. <script>x</script>",
            )],
        )
        .await
        .assert_status(303);
    let page = member.get(&path).await;
    let summary_at = page
        .body
        .find("Outcome of the discussion")
        .expect("summary shown");
    let first_post_at = page.body.find("How do cooperatives help?").expect("post");
    assert!(summary_at < first_post_at);
    assert!(page.body.contains("<strong>Outcome:</strong>") && !page.body.contains("<script>x"));
    moderator
        .post(&format!("{path}/summary"), &[("summary", "")])
        .await
        .assert_status(303);
    assert!(
        !member
            .get(&path)
            .await
            .body
            .contains("Outcome of the discussion")
    );
}

async fn admin_creates_themes_and_forums_and_names_moderators(app: TestApp) {
    let admin = app.login(&app.admin().await.email).await;
    let page = admin.get("/admin").await;
    assert!(page.body.contains("Create a theme first"));
    let bad = admin
        .post(
            "/admin/themes",
            &[
                ("theme_slug", "Bad Slug!"),
                ("theme_name", "Child domestic work"),
            ],
        )
        .await;
    bad.assert_status(422);
    assert!(bad.body.contains("Child domestic work"), "typed name kept");
    admin
        .post(
            "/admin/themes",
            &[
                ("theme_slug", "child-domestic-work"),
                ("theme_name", "Child domestic work"),
            ],
        )
        .await
        .assert_status(303);
    admin
        .post(
            "/admin/themes",
            &[
                ("theme_slug", "child-domestic-work"),
                ("theme_name", "Again"),
            ],
        )
        .await
        .assert_status(422);
    let fields = [
        ("slug", "cdw-forum"),
        ("title", "CDW practitioners"),
        ("theme", "child-domestic-work"),
        ("purpose", "Share"),
        ("expected_outcome", "Practices"),
        ("moderation", "pre"),
    ];
    let created = admin.post("/admin/forums", &fields).await;
    created.assert_status(303);
    assert_eq!(
        created.location.as_deref(),
        Some("/forums/cdw-forum/members")
    );
    admin
        .post("/admin/forums", &fields)
        .await
        .assert_status(422);
    let unknown_theme = admin
        .post(
            "/admin/forums",
            &[
                ("slug", "x-forum"),
                ("title", "X"),
                ("theme", "nope"),
                ("moderation", "post"),
            ],
        )
        .await;
    unknown_theme.assert_status(422);
    admin.get("/forums/cdw-forum/members").await;
    admin
        .post(
            "/forums/cdw-forum/members",
            &[("emails", "specialist@example.org"), ("role", "moderator")],
        )
        .await
        .assert_status(303);
    let link = app
        .mails_to("specialist@example.org", 1)
        .await
        .remove(0)
        .link("/invitations/");
    let specialist = app.client();
    specialist.get(&link).await;
    specialist
        .post(
            &link,
            &[
                ("display_name", "Specialist"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(303);
    specialist
        .get("/forums/cdw-forum/queue")
        .await
        .assert_status(200);
    let users = admin.get("/admin/users").await;
    assert!(users.body.contains("specialist@example.org") && users.body.contains("cdw-forum"));
    let log = admin.get("/admin/log").await;
    assert!(log.body.contains("created forum") && log.body.contains("named moderator"));
}

/// A thread a moderator hid stays in its author's forum list, marked, and nowhere else.
async fn a_hidden_thread_stays_in_its_authors_list_only(app: TestApp) {
    let (forum, moderator, author) = app.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&author, &moderator, &forum.slug).await;
    let other = app.user("other@example.org", "Other").await;
    app.join(&forum, &other, "member").await;
    let other = app.login("other@example.org").await;
    let list = format!("/forums/{}", forum.slug);
    let title = "Cooperatives and child labour";
    // Every reader's list shows it while it is visible (so its absence below means something).
    for reader in [&author, &other, &moderator] {
        let page = reader.get(&list).await;
        assert!(page.body.contains(title));
        assert!(!page.body.contains("Hidden by a moderator") && !page.body.contains(">Hidden<"));
    }
    moderator
        .post(
            &format!("{path}/hide"),
            &[("confirmed", "yes"), ("reason", "Duplicate")],
        )
        .await
        .assert_status(303);

    let own = author.get(&list).await;
    own.assert_status(200);
    assert!(own.body.contains(title), "its author still finds it");
    assert!(
        own.body.contains("Hidden by a moderator"),
        "marked as hidden"
    );
    assert!(own.body.contains(&format!("href=\"{path}\"")));
    author.get(&path).await.assert_status(200);

    let elsewhere = other.get(&list).await;
    elsewhere.assert_status(200);
    assert!(
        !elsewhere.body.contains(title),
        "another member does not see it"
    );
    other.get(&path).await.assert_status(404);
    let moderated = moderator.get(&list).await;
    assert!(moderated.body.contains(title) && moderated.body.contains(">Hidden<"));

    let visitor = app.client();
    let anonymous = visitor.get(&list).await;
    assert!(!anonymous.body.contains(title));
    assert_ne!(visitor.get(&path).await.status, 200);
    // Nor the shared outputs: the home pages of others, the feeds and the API.
    assert!(!other.get("/").await.body.contains(title));
    assert!(!author.get("/").await.body.contains(title));
    for output in [
        "/feeds/learnings.atom",
        "/feeds/products.atom",
        "/api/v1/learnings?q=cooperatives",
    ] {
        let answer = visitor.get(output).await;
        answer.assert_status(200);
        assert!(!answer.body.contains(title), "{output}");
    }

    // Shown again, it is an ordinary thread for every reader.
    moderator
        .post(&format!("{path}/unhide"), &[])
        .await
        .assert_status(303);
    let again = author.get(&list).await;
    assert!(again.body.contains(title) && !again.body.contains("Hidden by a moderator"));
    assert!(other.get(&list).await.body.contains(title));
}
