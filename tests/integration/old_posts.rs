//! Posts written before a change to rendering (mentions came after the first posts) are
//! rendered again from their Markdown by `forums::rerender`, which `fora serve` starts
//! (`cli::serve_renders_old_posts_again`); the pages that show them follow at once.

use fora::{
    entities::{held_edits, posts, states::PostStatus},
    forums::rerender::{self, Rerendered},
    markdown::RENDER_VERSION,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::{forums::thread_with_reply, support::TestApp};

crate::on_both_databases!(old_posts_are_rendered_again_with_mentions,);

const OLD_MD: &str = "Thanks @[Member Mia] for the list.";
const OLD_HTML: &str = "<p>Thanks @[Member Mia] for the list.</p>";
const MENTION: &str = "<span class=\"mention\">@Member Mia</span>";

async fn post(app: &TestApp, id: i32) -> posts::Model {
    posts::Entity::find_by_id(id)
        .one(app.db())
        .await
        .expect("read")
        .expect("post")
}

/// Makes a post look as one written by an older renderer: `@[…]` left as typed.
async fn make_old(app: &TestApp, id: i32, change: impl FnOnce(&mut posts::ActiveModel)) {
    let mut row: posts::ActiveModel = post(app, id).await.into();
    row.body_md = Set(OLD_MD.into());
    row.body_html = Set(OLD_HTML.into());
    row.render_version = Set(0);
    change(&mut row);
    row.update(app.db()).await.expect("old post");
}

async fn old_posts_are_rendered_again_with_mentions(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, thread_id, reply_id) = thread_with_reply(&member, &moderator, &forum.slug).await;
    // New posts carry the current version already.
    let first = posts::Entity::find()
        .all(app.db())
        .await
        .expect("posts")
        .into_iter()
        .find(|p| p.thread_id == thread_id && p.id != reply_id)
        .expect("first post");
    assert_eq!(first.render_version, RENDER_VERSION);
    assert_eq!(post(&app, reply_id).await.render_version, RENDER_VERSION);

    // Three more replies: one to hide, one to reject, one left current but odd.
    let mut ids = Vec::new();
    for body in ["To hide.", "To reject.", "Current."] {
        let reply = moderator
            .post(&format!("{path}/reply"), &[("body", body)])
            .await;
        reply.assert_status(303);
        let location = reply.location.expect("location");
        ids.push(
            location
                .split("post=")
                .nth(1)
                .and_then(|s| s.split('#').next())
                .and_then(|s| s.parse::<i32>().ok())
                .expect("post id"),
        );
    }
    let (hidden_id, rejected_id, current_id) = (ids[0], ids[1], ids[2]);
    make_old(&app, first.id, |_| {}).await;
    make_old(&app, hidden_id, |row| {
        row.hidden_at = Set(Some(fora::db::now()));
        row.hidden_reason = Set(Some("Off topic".into()));
    })
    .await;
    make_old(&app, rejected_id, |row| {
        row.status = Set(PostStatus::Rejected);
        row.reject_reason = Set(Some("Not here".into()));
    })
    .await;
    // Current already, whatever it holds: not rewritten.
    let mut current: posts::ActiveModel = post(&app, current_id).await.into();
    current.body_md = Set(OLD_MD.into());
    current.body_html = Set("<p>Kept as stored.</p>".into());
    current.update(app.db()).await.expect("current post");
    // An edit held for approval, rendered by the old renderer too.
    let held = held_edits::ActiveModel {
        post_id: Set(reply_id),
        editor_id: Set(post(&app, reply_id).await.author_id),
        body_md: Set(OLD_MD.into()),
        body_html: Set(OLD_HTML.into()),
        render_version: Set(0),
        language: Set("en".into()),
        created_at: Set(fora::db::now()),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .expect("held edit");

    // The thread page, seen (and cached) before: mentions shown literally.
    let before = member.get(&path).await;
    assert!(before.body.contains("Thanks @[Member Mia]"));
    assert!(!before.body.contains(MENTION));

    let done = rerender::rerender_old(&app.state).await.expect("rerender");
    assert_eq!(
        done,
        Rerendered {
            posts: 3,
            held_edits: 1
        }
    );

    let after = member.get(&path).await;
    assert!(after.body.contains(MENTION), "{}", after.body);
    assert!(!after.body.contains("@[Member Mia]"));
    assert!(after.body.contains("Kept as stored."));
    let first = post(&app, first.id).await;
    assert!(first.body_html.contains(MENTION));
    assert_eq!(first.render_version, RENDER_VERSION);
    assert!(first.edited_at.is_none(), "not an edit");
    let hidden = post(&app, hidden_id).await;
    assert!(hidden.body_html.contains(MENTION));
    assert!(hidden.hidden_at.is_some());
    assert_eq!(hidden.hidden_reason.as_deref(), Some("Off topic"));
    let rejected = post(&app, rejected_id).await;
    assert!(rejected.body_html.contains(MENTION));
    assert_eq!(rejected.status, PostStatus::Rejected);
    assert_eq!(rejected.reject_reason.as_deref(), Some("Not here"));
    let current = post(&app, current_id).await;
    assert_eq!(current.body_html, "<p>Kept as stored.</p>");
    let held = held_edits::Entity::find_by_id(held.id)
        .one(app.db())
        .await
        .expect("read")
        .expect("held edit");
    assert!(held.body_html.contains(MENTION));
    assert_eq!(held.render_version, RENDER_VERSION);
    // Hidden and rejected posts stay out of other readers' view: the first post's is the one
    // mention a member sees.
    assert_eq!(after.body.matches(MENTION).count(), 1);

    // A second run finds nothing to do.
    assert_eq!(
        rerender::rerender_old(&app.state).await.expect("again"),
        Rerendered::default()
    );
}
