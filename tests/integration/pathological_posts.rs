//! Issue 10, item 1: a pathological post (50,000 characters of nested quotes, runs of `&`, …)
//! used to take seconds to render inside the write transaction, so every other writer waited
//! and some got a 500. Rendering is now bounded and done before the transaction, off the async
//! threads.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use fora::{markdown::pathological, web::forms::BODY_MAX};
use futures::future::join_all;

use crate::{forums::thread_with_reply, support::TestApp};

crate::on_both_databases!(pathological_posts_do_not_stall_other_writers);

/// What another member's ordinary reply may take while pathological posts are written.
const OTHER_WRITER_BOUND: Duration = Duration::from_secs(1);

fn body(name: &str) -> String {
    pathological::corpus(BODY_MAX)
        .into_iter()
        .find(|case| case.name == name)
        .expect("corpus case")
        .markdown
}

async fn pathological_posts_do_not_stall_other_writers(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("stress", "post").await;
    let (path, _, post_id) = thread_with_reply(&moderator, &member, &forum.slug).await;
    let attackers = [
        app.login(&format!("member-{}@example.org", forum.slug))
            .await,
        app.login(&format!("member-{}@example.org", forum.slug))
            .await,
        app.login(&format!("member-{}@example.org", forum.slug))
            .await,
    ];
    for attacker in &attackers {
        attacker.get(&path).await.assert_status(200);
    }
    let quotes = body("quotes on one line");
    let lazy = body("deep quote, lazy lines");
    let ampersands = body("ampersand run");
    let new_thread = format!("/forums/{}/new", forum.slug);
    let reply = format!("{path}/reply");
    let edit = format!("/posts/{post_id}/edit");
    let thread_fields = [("title", "Quotes"), ("body", quotes.as_str())];
    let reply_fields = [("body", lazy.as_str())];
    let edit_fields = [("body", ampersands.as_str())];
    let attacks = [
        attackers[0].post(&new_thread, &thread_fields),
        attackers[1].post(&reply, &reply_fields),
        attackers[2].post(&edit, &edit_fields),
    ];
    let done = AtomicBool::new(false);
    let attacks = async {
        let answers = join_all(attacks).await;
        done.store(true, Ordering::SeqCst);
        answers
    };
    // Another member keeps writing ordinary replies for as long as the attacks last.
    let other_writer = async {
        let mut slowest = Duration::ZERO;
        let mut replies = 0;
        while !done.load(Ordering::SeqCst) || replies == 0 {
            let start = Instant::now();
            moderator
                .post(&reply, &[("body", "An ordinary reply.")])
                .await
                .assert_status(303);
            slowest = slowest.max(start.elapsed());
            replies += 1;
        }
        (slowest, replies)
    };
    let (answers, (slowest, replies)) = tokio::join!(attacks, other_writer);
    eprintln!("slowest of {replies} ordinary replies during three pathological posts: {slowest:?}");
    for answer in &answers {
        answer.assert_status(303);
    }
    assert!(
        slowest < OTHER_WRITER_BOUND,
        "another writer waited {slowest:?} while pathological posts were written"
    );

    // The posts are stored, bounded and inert.
    let page = moderator.get(&path).await;
    page.assert_status(200);
    assert!(page.body.contains("An ordinary reply."));
    assert!(page.body.contains(&"&amp;".repeat(1_000)), "edit missing");
    let created = moderator
        .get(answers[0].location.as_deref().expect("location"))
        .await;
    created.assert_status(200);
    let depth = created.body.matches("<blockquote>").count();
    assert!(
        (fora::markdown::MAX_CONTAINER_DEPTH..=fora::markdown::MAX_CONTAINER_DEPTH + 1)
            .contains(&depth),
        "{depth} nested quotes"
    );
    assert!(
        created.body.contains(&"&gt;".repeat(1_000)),
        "text past the cap lost"
    );
}
