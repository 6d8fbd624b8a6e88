//! Moderation tools as moderators and authors meet them (issue 15): one "Moderate" menu per
//! post, the reason asked on the confirmation step of hiding and rejecting, authors who see
//! what was taken from them and why (without anyone else seeing it, whatever the cache holds),
//! a log that names people and items, and a post's language changed by editing it.

use std::time::Duration;

use fora::entities::posts;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    forums::thread_with_reply,
    support::{Client, Mail, TestApp},
};

crate::on_both_databases!(
    each_post_has_one_menu_and_hiding_asks_for_a_reason,
    hiding_a_thread_asks_for_a_reason_and_switches_act_at_once,
    the_queue_approves_at_once_and_rejects_through_confirmation,
    a_rejected_edit_is_confirmed_and_its_author_told,
    only_moderators_act_and_only_with_the_token,
    the_author_alone_sees_a_hidden_post_whatever_the_cache_holds,
    the_log_names_people_and_items_with_links,
    reports_name_the_author_and_held_posts_their_language,
    editing_a_post_changes_its_language_and_history_marks_it,
);

async fn mail_to(app: &TestApp, to: &str, subject: &str) -> Mail {
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
    panic!("no mail to {to} about {subject:?}");
}

/// Another member of the forum, signed in.
async fn other_member(app: &TestApp, forum: &fora::entities::forums::Model) -> Client {
    let other = app
        .user(&format!("other-{}@example.org", forum.slug), "Other Olu")
        .await;
    app.join(forum, &other, "member").await;
    app.login(&other.email).await
}

async fn each_post_has_one_menu_and_hiding_asks_for_a_reason(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    // The member's reply is the post the moderator hides.
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let page = moderator.get(&path).await;
    assert_eq!(page.body.matches("<details class=\"post-menu\"").count(), 2);
    assert!(
        !page.body.contains("name=\"reason\""),
        "no reason box on the thread page"
    );
    assert!(page.body.contains(&format!(
        "aria-labelledby=\"moderate-{post_id} post-{post_id}-author\""
    )));
    // Members have no menu.
    assert!(!member.get(&path).await.body.contains("post-menu"));

    let hide = format!("/posts/{post_id}/hide");
    let asked = moderator.post(&hide, &[]).await;
    asked.assert_status(200);
    assert!(asked.body.contains("Hide this post by Member Mia"));
    assert!(asked.body.contains("name=\"confirmed\" value=\"yes\""));
    assert!(asked.body.contains("id=\"reason\""));
    assert!(asked.body.contains(&format!("action=\"{hide}\"")));
    // Asking changed nothing.
    assert!(
        member
            .get(&path)
            .await
            .body
            .contains("They run their own monitoring.")
    );

    let empty = moderator
        .post(&hide, &[("confirmed", "yes"), ("reason", "   ")])
        .await;
    empty.assert_status(422);
    let summary = empty.body.find("class=\"errors\"").expect("errors shown");
    let form = empty
        .body
        .find("<form class=\"confirm\"")
        .expect("form shown again");
    assert!(summary < form, "the errors come first");
    assert!(empty.body.contains("href=\"#reason\""));
    assert!(empty.body.contains("aria-invalid=\"true\""));
    assert!(
        member
            .get(&path)
            .await
            .body
            .contains("They run their own monitoring.")
    );

    let done = moderator
        .post(&hide, &[("confirmed", "yes"), ("reason", "Names a child")])
        .await;
    done.assert_status(303);
    let after = moderator.get(&done.location.expect("back")).await;
    assert!(
        after.body.contains("The post is hidden."),
        "a notice says so"
    );
    assert!(after.body.contains("Hidden by a moderator: Names a child"));
    assert!(
        after
            .body
            .contains(&format!("action=\"/posts/{post_id}/unhide\""))
    );
    let mail = mail_to(&app, "member-agri@example.org", "Your post in").await;
    assert!(mail.text.contains("Names a child"), "{}", mail.text);
    // Showing it again acts at once.
    moderator
        .post(&format!("/posts/{post_id}/unhide"), &[])
        .await
        .assert_status(303);
    assert!(
        moderator
            .get(&path)
            .await
            .body
            .contains("The post is shown again.")
    );
    let row = posts::Entity::find_by_id(post_id)
        .one(app.db())
        .await
        .expect("db")
        .expect("post");
    assert!(row.hidden_at.is_none() && row.hidden_reason.is_none());
}

async fn hiding_a_thread_asks_for_a_reason_and_switches_act_at_once(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, _) = thread_with_reply(&member, &moderator, &forum.slug).await;
    let page = moderator.get(&path).await;
    assert_eq!(
        page.body.matches("<details class=\"moderation\"").count(),
        1
    );
    moderator
        .post(&format!("{path}/pin"), &[])
        .await
        .assert_status(303);
    assert!(
        moderator
            .get(&path)
            .await
            .body
            .contains("The discussion is pinned.")
    );
    let asked = moderator.post(&format!("{path}/hide"), &[]).await;
    asked.assert_status(200);
    assert!(asked.body.contains("Hide the discussion"));
    member.get(&path).await.assert_status(200);
    moderator
        .post(&format!("{path}/hide"), &[("confirmed", "yes")])
        .await
        .assert_status(422);
    member.get(&path).await.assert_status(200);
    moderator
        .post(
            &format!("{path}/hide"),
            &[("confirmed", "yes"), ("reason", "Duplicate")],
        )
        .await
        .assert_status(303);
    // Its author still reads it, marked; other members do not (waiting.rs tells the rest).
    assert!(
        member
            .get(&path)
            .await
            .body
            .contains("Hidden by a moderator: Duplicate")
    );
    other_member(&app, &forum)
        .await
        .get(&path)
        .await
        .assert_status(404);
    assert!(moderator.get(&path).await.body.contains(
        "The discussion is hidden: only moderators and its author see it, with your reason."
    ));
}

async fn the_queue_approves_at_once_and_rejects_through_confirmation(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("pre", "pre").await;
    let other = other_member(&app, &forum).await;
    member.get("/forums/pre/new").await;
    let first = member
        .post(
            "/forums/pre/new",
            &[("title", "Spam thread"), ("body", "Buy now")],
        )
        .await
        .location
        .expect("thread");
    member.get("/forums/pre/new").await;
    let second = member
        .post(
            "/forums/pre/new",
            &[("title", "Good thread"), ("body", "A real question")],
        )
        .await
        .location
        .expect("thread");
    let queue = moderator.get("/forums/pre/queue").await;
    assert!(
        !queue.body.contains("name=\"reason\""),
        "no reason box in the queue"
    );
    let ids: Vec<i32> = regex::Regex::new(r"/posts/(\d+)/approve\b")
        .expect("regex")
        .captures_iter(&queue.body)
        .map(|c| c[1].parse().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2);
    let (spam, good) = (ids[0], ids[1]);
    let approved = moderator.post(&format!("/posts/{good}/approve"), &[]).await;
    approved.assert_status(303);
    assert_eq!(approved.location.as_deref(), Some("/forums/pre/queue"));
    let queue = moderator.get("/forums/pre/queue").await;
    assert!(queue.body.contains("The post is approved and published."));
    other.get(&second).await.assert_status(200);

    let reject = format!("/posts/{spam}/reject");
    let asked = moderator.post(&reject, &[]).await;
    asked.assert_status(200);
    assert!(asked.body.contains("Reject this post by Member Mia"));
    moderator
        .post(&reject, &[("confirmed", "yes"), ("reason", "")])
        .await
        .assert_status(422);
    moderator
        .post(&reject, &[("confirmed", "yes"), ("reason", "Advertising")])
        .await
        .assert_status(303);
    // The author sees the thread in the list, marked, and the post with the reason.
    let list = member.get("/forums/pre").await;
    assert!(list.body.contains("Spam thread"));
    assert!(list.body.contains("Not approved"));
    let own = member.get(&first).await;
    own.assert_status(200);
    assert!(own.body.contains("Not approved: Advertising"));
    assert!(own.body.contains("Buy now"));
    // Nobody else does.
    assert!(!other.get("/forums/pre").await.body.contains("Spam thread"));
    other.get(&first).await.assert_status(404);
    let mail = mail_to(&app, "member-pre@example.org", "Your post in “Spam thread”").await;
    assert!(mail.text.contains("Advertising"));
}

async fn a_rejected_edit_is_confirmed_and_its_author_told(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("pre", "pre").await;
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    moderator
        .post(&format!("/posts/{post_id}/approve"), &[])
        .await
        .assert_status(303);
    member.get(&format!("/posts/{post_id}/edit")).await;
    member
        .post(
            &format!("/posts/{post_id}/edit"),
            &[("body", "Unwanted words.")],
        )
        .await
        .assert_status(303);
    let reject = format!("/posts/{post_id}/reject_edit");
    moderator.get("/forums/pre/queue").await;
    let asked = moderator.post(&reject, &[]).await;
    asked.assert_status(200);
    assert!(asked.body.contains("Reject the edit by Member Mia"));
    moderator
        .post(&reject, &[("confirmed", "yes"), ("reason", "Off topic")])
        .await
        .assert_status(303);
    assert!(
        moderator
            .get("/forums/pre/queue")
            .await
            .body
            .contains("The edit was not approved")
    );
    let mail = mail_to(&app, "member-pre@example.org", "Your edit in").await;
    assert!(mail.text.contains("Off topic"), "{}", mail.text);
    assert!(mail.link("/threads/").ends_with(&path));
}

async fn only_moderators_act_and_only_with_the_token(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    member.get(&path).await;
    for action in ["hide", "reject", "reject_edit", "approve", "unhide"] {
        for fields in [vec![], vec![("confirmed", "yes"), ("reason", "x")]] {
            let answer = member
                .post(&format!("/posts/{post_id}/{action}"), &fields)
                .await;
            assert_eq!(answer.status, 404, "member {action}");
        }
    }
    assert_eq!(member.post(&format!("{path}/hide"), &[]).await.status, 404);
    // Unknown posts, threads and actions.
    moderator.get(&path).await;
    for route in [
        "/posts/999999/hide",
        "/threads/999999/hide",
        &format!("/posts/{post_id}/explode"),
    ] {
        assert_eq!(
            moderator
                .post(route, &[("confirmed", "yes"), ("reason", "x")])
                .await
                .status,
            404,
            "{route}"
        );
    }
    // Without the session's token nothing happens, confirmed or not.
    for fields in [
        vec![("confirmed", "yes"), ("reason", "x")],
        vec![
            ("confirmed", "yes"),
            ("reason", "x"),
            ("csrf_token", "forged"),
        ],
    ] {
        moderator
            .post_raw(&format!("/posts/{post_id}/hide"), &fields)
            .await
            .assert_status(403);
    }
    let row = posts::Entity::find_by_id(post_id)
        .one(app.db())
        .await
        .expect("db")
        .expect("post");
    assert!(row.hidden_at.is_none());
}

async fn the_author_alone_sees_a_hidden_post_whatever_the_cache_holds(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let other = other_member(&app, &forum).await;
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let text = "They run their own monitoring.";
    let note = "Hidden by a moderator: Off topic";
    moderator
        .post(
            &format!("/posts/{post_id}/hide"),
            &[("confirmed", "yes"), ("reason", "Off topic")],
        )
        .await
        .assert_status(303);
    // Another member first (the shared page is cached), then the author, then again.
    let seen = other.get(&path).await;
    assert!(!seen.body.contains(text) && !seen.body.contains(note));
    let own = member.get(&path).await;
    assert!(
        own.body.contains(text) && own.body.contains(note),
        "{}",
        own.body
    );
    assert!(
        !own.body.contains(&format!("/posts/{post_id}/edit")),
        "nothing to edit in a hidden post"
    );
    let seen = other.get(&path).await;
    assert!(!seen.body.contains(text) && !seen.body.contains(note));
    // Moderators see it marked, with the reason.
    let moderating = moderator.get(&path).await;
    assert!(moderating.body.contains(text) && moderating.body.contains(note));
    // A visitor is sent to sign in.
    let visitor = app.client().get(&path).await;
    visitor.assert_status(303);
    assert!(!visitor.body.contains(text));
    // The other order, on a fresh page version: the author first, then another member.
    moderator
        .post(&format!("/posts/{post_id}/unhide"), &[])
        .await
        .assert_status(303);
    moderator
        .post(
            &format!("/posts/{post_id}/hide"),
            &[("confirmed", "yes"), ("reason", "Off topic")],
        )
        .await
        .assert_status(303);
    assert!(member.get(&path).await.body.contains(note));
    let seen = other.get(&path).await;
    assert!(!seen.body.contains(text) && !seen.body.contains(note));
    assert!(member.get(&path).await.body.contains(note));
    // A link to the post itself works for its author only.
    let own = member.get(&format!("{path}?post={post_id}")).await;
    assert!(own.body.contains(note));
    let seen = other.get(&format!("{path}?post={post_id}")).await;
    assert!(!seen.body.contains(text));
}

async fn the_log_names_people_and_items_with_links(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, thread_id, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    moderator
        .post(
            &format!("/posts/{post_id}/hide"),
            &[("confirmed", "yes"), ("reason", "Off topic")],
        )
        .await
        .assert_status(303);
    moderator
        .post(&format!("{path}/lock"), &[])
        .await
        .assert_status(303);
    let member_id = fora::entities::users::Entity::find()
        .filter(fora::entities::users::Column::Email.eq("member-agri@example.org"))
        .one(app.db())
        .await
        .expect("db")
        .expect("member")
        .id;
    let log = moderator.get("/forums/agri/log").await;
    let body = &log.body;
    assert!(
        body.contains(&format!(
            "hid a post by <a href=\"/forums/agri/members#member-{member_id}\">Member Mia</a> in “<a href=\"/threads/{thread_id}?post={post_id}#post-{post_id}\">Cooperatives and child labour</a>”"
        )),
        "{body}"
    );
    assert!(body.contains(&format!(
        "locked the discussion “<a href=\"/threads/{thread_id}\">Cooperatives and child labour</a>”"
    )));
    assert!(!body.contains("post #") && !body.contains("thread #") && !body.contains("user #"));
    // Members are named where the log links them.
    assert!(
        moderator
            .get("/forums/agri/members")
            .await
            .body
            .contains(&format!("id=\"member-{member_id}\""))
    );
    let admin = app.admin().await;
    let admin = app.login(&admin.email).await;
    let log = admin.get("/admin/log").await;
    assert!(log.body.contains(&format!(
        "<a href=\"/admin/users?user={member_id}#user-{member_id}\">Member Mia</a>"
    )));
    assert!(
        admin
            .get("/admin/users")
            .await
            .body
            .contains(&format!("id=\"user-{member_id}\""))
    );
}

async fn reports_name_the_author_and_held_posts_their_language(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("pre", "pre").await;
    let other = other_member(&app, &forum).await;
    let (_, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    moderator
        .post(&format!("/posts/{post_id}/approve"), &[])
        .await
        .assert_status(303);
    other.get(&format!("/posts/{post_id}/flag")).await;
    other
        .post(
            &format!("/posts/{post_id}/flag"),
            &[("reason", "Names a child")],
        )
        .await
        .assert_status(200);
    member.get("/forums/pre/new").await;
    member
        .post(
            "/forums/pre/new",
            &[
                ("title", "Une question"),
                ("body", "Bonjour à tous"),
                ("language", "fr"),
            ],
        )
        .await
        .assert_status(303);
    let queue = moderator.get("/forums/pre/queue").await;
    assert!(queue.body.contains("Other Olu</strong>: Names a child"));
    assert!(queue.body.contains("Post by Member Mia"), "{}", queue.body);
    assert!(queue.body.contains("<span lang=\"fr\">Français</span>"));
    assert!(queue.body.contains("<div class=\"body\" lang=\"fr\">"));
    // Hiding from the report asks for the reason too.
    let asked = moderator.post(&format!("/posts/{post_id}/hide"), &[]).await;
    asked.assert_status(200);
}

async fn editing_a_post_changes_its_language_and_history_marks_it(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let edit = format!("/posts/{post_id}/edit");
    let form = member.get(&edit).await;
    assert!(
        form.body
            .contains("<select id=\"language\" name=\"language\"")
    );
    let bad = member
        .post(&edit, &[("body", "Texte"), ("language", "xx")])
        .await;
    bad.assert_status(422);
    assert!(bad.body.contains("Texte"), "what was typed is kept");
    member
        .post(
            &edit,
            &[
                ("body", "Ils assurent leur propre suivi."),
                ("language", "fr"),
            ],
        )
        .await
        .assert_status(303);
    let row = posts::Entity::find_by_id(post_id)
        .one(app.db())
        .await
        .expect("db")
        .expect("post");
    assert_eq!(row.language, "fr");
    assert!(
        moderator
            .get(&path)
            .await
            .body
            .contains("<div class=\"body\" lang=\"fr\">")
    );
    let history = moderator.get(&format!("/posts/{post_id}/history")).await;
    assert!(
        history.body.contains("<span lang=\"en\">English</span>"),
        "{}",
        history.body
    );
    assert!(
        history
            .body
            .contains("<pre lang=\"en\">They run their own monitoring.</pre>")
    );
    // An edit without the field keeps the language.
    member.get(&edit).await;
    member
        .post(&edit, &[("body", "Encore en français.")])
        .await
        .assert_status(303);
    let row = posts::Entity::find_by_id(post_id)
        .one(app.db())
        .await
        .expect("db")
        .expect("post");
    assert_eq!(row.language, "fr");
}
