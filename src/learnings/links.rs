//! Threads ↔ learnings. A post that cites a learning's address records the link; the learning
//! page lists the threads that discuss it — only those the reader may see — and the thread page
//! lists the learnings it discusses.

use std::sync::LazyLock;

use regex::Regex;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};
use templates::learnings::LinkView;
use time::OffsetDateTime;

use crate::entities::{learnings::LearningStatus, users};
use crate::web::paths;

/// `/learnings/123` anywhere in a post (relative, or absolute on any host: the id is what
/// counts, and only learnings that exist and are published are linked).
static CITATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/learnings/([1-9][0-9]{0,9})\b").expect("valid pattern"));

pub fn cited_ids(markdown: &str) -> Vec<i32> {
    let mut ids: Vec<i32> = CITATION
        .captures_iter(markdown)
        .filter_map(|c| c[1].parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(50);
    ids
}

/// Records the published learnings a post cites; links already there stay as they are.
pub async fn record_citations(
    db: &impl ConnectionTrait,
    thread_id: i32,
    user_id: i32,
    markdown: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    for learning_id in cited_ids(markdown) {
        link(db, thread_id, learning_id, Some(user_id), now, true).await?;
    }
    Ok(())
}

/// Links a thread to a learning — only a published one when `published_only` (citations);
/// a proposal links its own draft.
pub async fn link(
    db: &impl ConnectionTrait,
    thread_id: i32,
    learning_id: i32,
    user_id: Option<i32>,
    now: OffsetDateTime,
    published_only: bool,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO thread_learnings (thread_id, learning_id, created_by_id, created_at)
         SELECT $1, l.id, $3, $4 FROM learnings l
         WHERE l.id = $2 AND (l.status = $5 OR NOT $6)
           AND NOT EXISTS (SELECT 1 FROM thread_learnings x WHERE x.thread_id = $1 AND x.learning_id = $2)",
        [
            thread_id.into(),
            learning_id.into(),
            user_id.into(),
            now.into(),
            LearningStatus::Published.into(),
            published_only.into(),
        ],
    ))
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct ThreadRow {
    id: i32,
    title: String,
    language: String,
    forum_title: String,
}

/// The threads citing a learning that this reader may see: in forums they belong to (admins:
/// all), and not hidden.
pub async fn visible_threads(
    db: &impl ConnectionTrait,
    user: &users::Model,
    learning_id: i32,
) -> Result<Vec<LinkView>, DbErr> {
    let rows = ThreadRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT t.id, t.title, t.language, f.title AS forum_title
         FROM thread_learnings tl
         JOIN threads t ON t.id = tl.thread_id
         JOIN forums f ON f.id = t.forum_id
         WHERE tl.learning_id = $1 AND t.hidden_at IS NULL
           AND ($2 OR EXISTS (SELECT 1 FROM memberships m WHERE m.forum_id = f.id AND m.user_id = $3))
         ORDER BY t.last_post_at DESC LIMIT 50",
        [learning_id.into(), user.is_admin.into(), user.id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LinkView {
            href: paths::thread(r.id),
            title: r.title,
            language: r.language,
            note: r.forum_title,
        })
        .collect())
}

#[derive(FromQueryResult)]
struct ForumRow {
    slug: String,
    title: String,
}

/// Open forums in which this reader may start a thread: (slug, title).
pub async fn forums_to_discuss_in(
    db: &impl ConnectionTrait,
    user: &users::Model,
) -> Result<Vec<(String, String)>, DbErr> {
    let rows = ForumRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT f.slug, f.title FROM forums f
         WHERE f.archived_at IS NULL
           AND ($1 OR EXISTS (SELECT 1 FROM memberships m WHERE m.forum_id = f.id AND m.user_id = $2))
         ORDER BY f.title",
        [user.is_admin.into(), user.id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.slug, r.title)).collect())
}

#[derive(FromQueryResult)]
struct LinkedRow {
    id: i32,
    title: String,
    language: String,
}

/// The published learnings a thread discusses, for its page.
pub async fn linked_learnings(
    db: &impl ConnectionTrait,
    thread_id: i32,
) -> Result<Vec<(i32, String, String)>, DbErr> {
    let rows = LinkedRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT l.id, l.title, l.language FROM thread_learnings tl JOIN learnings l ON l.id = tl.learning_id
         WHERE tl.thread_id = $1 AND l.status = $2 ORDER BY tl.created_at, l.id",
        [thread_id.into(), LearningStatus::Published.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.title, r.language))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::cited_ids;

    #[test]
    fn citations_are_learning_addresses() {
        let text = "See [this](https://fora.example/learnings/12) and /learnings/7?x=1, \
                    /learnings/12 again, /learnings/0, /learnings/abc, /learnings/99999999999.";
        assert_eq!(cited_ids(text), vec![7, 12]);
    }
}
