//! In a pre-moderated forum an author's edit of an approved post waits for approval like the
//! post did; the approved text stays visible until then.

use fora::entities::posts;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{Client, TestApp};

crate::on_both_databases!(
    an_authors_edit_waits_for_approval_and_then_replaces_the_text,
    a_rejected_edit_leaves_the_approved_text,
    moderators_edits_and_post_moderated_forums_are_not_held,
);

/// A thread by `author` whose first post a moderator approved: (thread path, post id).
async fn approved_thread(
    app: &TestApp,
    author: &Client,
    moderator: &Client,
    slug: &str,
) -> (String, i32) {
    author.get(&format!("/forums/{slug}/new")).await;
    let created = author
        .post(
            &format!("/forums/{slug}/new"),
            &[("title", "Cocoa cooperatives"), ("body", "Approved words.")],
        )
        .await;
    created.assert_status(303);
    let path = created.location.expect("location");
    let post = posts::Entity::find()
        .filter(posts::Column::BodyMd.eq("Approved words."))
        .one(app.db())
        .await
        .expect("db")
        .expect("post");
    if post.status == fora::entities::states::PostStatus::Pending {
        moderator.get(&format!("/forums/{slug}/queue")).await;
        moderator
            .post(&format!("/posts/{}/approve", post.id), &[])
            .await
            .assert_status(303);
    }
    (path, post.id)
}

async fn edit(author: &Client, post_id: i32, body: &str) {
    author.get(&format!("/posts/{post_id}/edit")).await;
    let answer = author
        .post(&format!("/posts/{post_id}/edit"), &[("body", body)])
        .await;
    answer.assert_status(303);
}

async fn an_authors_edit_waits_for_approval_and_then_replaces_the_text(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("pre", "pre").await;
    let reader = app.user("reader@example.org", "Reader Rae").await;
    app.join(&forum, &reader, "member").await;
    let reader = app.login(&reader.email).await;
    let (path, post_id) = approved_thread(&app, &member, &moderator, "pre").await;
    // The page is cached before the edit.
    assert!(reader.get(&path).await.body.contains("Approved words."));

    edit(
        &member,
        post_id,
        "Sneaky [link](https://evil.example) words.",
    )
    .await;
    let page = member.get(&path).await;
    assert!(page.body.contains("A moderator will review your edit"));
    for client in [&reader, &member, &moderator] {
        let page = client.get(&path).await;
        assert!(page.body.contains("Approved words."), "{}", page.body);
        assert!(!page.body.contains("Sneaky"));
    }
    // The author goes on from the text waiting, and may change it again.
    let form = member.get(&format!("/posts/{post_id}/edit")).await;
    assert!(form.body.contains("Sneaky"), "{}", form.body);
    edit(&member, post_id, "Better words.").await;
    assert!(reader.get(&path).await.body.contains("Approved words."));

    let forum_page = moderator.get("/forums/pre").await;
    assert!(
        forum_page.body.contains("Moderation queue (1)"),
        "{}",
        forum_page.body
    );
    let queue = moderator.get("/forums/pre/queue").await;
    assert!(queue.body.contains("Edits waiting for approval"));
    assert!(queue.body.contains("Better words."));
    assert!(!queue.body.contains("Sneaky"), "the newer edit replaced it");
    // Only moderators decide.
    member
        .post(&format!("/posts/{post_id}/approve_edit"), &[])
        .await
        .assert_status(404);
    reader
        .post(&format!("/posts/{post_id}/approve_edit"), &[])
        .await
        .assert_status(404);
    assert!(reader.get(&path).await.body.contains("Approved words."));

    moderator
        .post(&format!("/posts/{post_id}/approve_edit"), &[])
        .await
        .assert_status(303);
    let page = reader.get(&path).await;
    assert!(page.body.contains("Better words."), "{}", page.body);
    assert!(!page.body.contains("Approved words."));
    let history = moderator.get(&format!("/posts/{post_id}/history")).await;
    assert!(history.body.contains("Approved words."));
    let queue = moderator.get("/forums/pre/queue").await;
    assert!(queue.body.contains("No edits are waiting."));
    // Approving twice changes nothing and logs nothing more.
    moderator
        .post(&format!("/posts/{post_id}/approve_edit"), &[])
        .await
        .assert_status(303);
    let log = moderator.get("/forums/pre/log").await;
    assert_eq!(log.body.matches("approved the edit of").count(), 1);
}

async fn a_rejected_edit_leaves_the_approved_text(app: TestApp) {
    let (_, moderator, member) = app.with_forum("pre", "pre").await;
    let (path, post_id) = approved_thread(&app, &member, &moderator, "pre").await;
    edit(&member, post_id, "Unwanted words.").await;
    moderator.get("/forums/pre/queue").await;
    let refused = moderator
        .post(
            &format!("/posts/{post_id}/reject_edit"),
            &[("confirmed", "yes"), ("reason", "")],
        )
        .await;
    refused.assert_status(422);
    assert!(
        refused.body.contains("href=\"#reason\""),
        "the error links to the box"
    );
    moderator
        .post(
            &format!("/posts/{post_id}/reject_edit"),
            &[("confirmed", "yes"), ("reason", "Off topic")],
        )
        .await
        .assert_status(303);
    let page = member.get(&path).await;
    assert!(page.body.contains("Approved words."));
    assert!(!page.body.contains("Unwanted words."));
    let form = member.get(&format!("/posts/{post_id}/edit")).await;
    assert!(form.body.contains("Approved words."));
    assert!(!form.body.contains("Unwanted words."));
    let log = moderator.get("/forums/pre/log").await;
    assert!(log.body.contains("rejected the edit of"));
    assert!(log.body.contains("Off topic"));
    assert!(
        moderator
            .get("/forums/pre/queue")
            .await
            .body
            .contains("No edits are waiting.")
    );
}

async fn moderators_edits_and_post_moderated_forums_are_not_held(app: TestApp) {
    let (_, moderator, member) = app.with_forum("pre", "pre").await;
    let (path, post_id) = approved_thread(&app, &moderator, &moderator, "pre").await;
    edit(&moderator, post_id, "Moderator words.").await;
    assert!(member.get(&path).await.body.contains("Moderator words."));

    let (_, post_moderator, post_member) = app.with_forum("open", "post").await;
    let (path, post_id) = {
        post_member.get("/forums/open/new").await;
        let created = post_member
            .post(
                "/forums/open/new",
                &[("title", "Open"), ("body", "First words.")],
            )
            .await;
        let path = created.location.expect("location");
        let post = posts::Entity::find()
            .filter(posts::Column::BodyMd.eq("First words."))
            .one(app.db())
            .await
            .expect("db")
            .expect("post");
        (path, post.id)
    };
    edit(&post_member, post_id, "Second words.").await;
    assert!(
        post_moderator
            .get(&path)
            .await
            .body
            .contains("Second words.")
    );
}
