//! What waits for one person, read afresh: held posts, held edits and open reports in the
//! forums they moderate (every forum for an admin), proposed learnings without a reviewer (for
//! knowledge managers), learnings they were named to review, and editions about to go out
//! (for newsletter admins). Whatever was dealt with is simply no longer found.

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement, Value};
use templates::waiting::{Item, WaitingView};

use crate::entities::{
    states::{EditionStatus, LearningStatus, MemberRole, PostStatus},
    users,
};
use crate::web::paths;

/// The most items shown per section.
const LIMIT: u32 = 100;

#[derive(FromQueryResult)]
struct Row {
    id: i32,
    title: String,
    place: String,
    /// The forum's, for the items of the moderation queue; empty otherwise.
    slug: String,
    since: time::OffsetDateTime,
}

/// Forums `$1` moderates, or all of them when `$2` (an admin).
const MODERATED: &str =
    "(f.id IN (SELECT forum_id FROM memberships WHERE user_id = $1 AND role = $3) OR $2)";

async fn rows(
    db: &impl ConnectionTrait,
    sql: String,
    values: Vec<Value>,
) -> Result<Vec<Row>, DbErr> {
    Row::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .all(db)
    .await
}

fn items(rows: Vec<Row>, href: impl Fn(&Row) -> String) -> Vec<Item> {
    rows.into_iter()
        .map(|row| Item {
            href: href(&row),
            since: crate::web::dates::iso(row.since),
            title: row.title,
            place: row.place,
        })
        .collect()
}

/// Everything that waits for `user`, in `lang` (for the words that are not data).
pub async fn list(
    db: &impl ConnectionTrait,
    user: &users::Model,
    lang: &str,
) -> Result<WaitingView, DbErr> {
    let forum_values = || -> Vec<Value> {
        vec![
            user.id.into(),
            user.is_admin.into(),
            MemberRole::Moderator.into(),
        ]
    };
    let forum_sql = |table_join: &str, condition: &str, since: &str| {
        format!(
            "SELECT t.id, t.title, f.title AS place, f.slug, {since} AS since
             FROM {table_join}
             JOIN threads t ON t.id = p.thread_id JOIN forums f ON f.id = t.forum_id
             WHERE {condition} AND {MODERATED}
             ORDER BY {since} LIMIT {LIMIT}"
        )
    };
    let queue = |row: &Row| paths::forum_queue(&row.slug);
    let mut held_post_values = forum_values();
    held_post_values.push(PostStatus::Pending.into());
    let held_posts = rows(
        db,
        forum_sql("posts p", "p.status = $4", "p.created_at"),
        held_post_values,
    )
    .await?;
    let held_edits = rows(
        db,
        forum_sql(
            "held_edits h JOIN posts p ON p.id = h.post_id",
            "1 = 1",
            "h.created_at",
        ),
        forum_values(),
    )
    .await?;
    let reports = rows(
        db,
        forum_sql(
            "flags fl JOIN posts p ON p.id = fl.post_id",
            "fl.resolved_at IS NULL",
            "fl.created_at",
        ),
        forum_values(),
    )
    .await?;
    let learning_place = templates::i18n::t(lang, "waiting.learning_place").into_owned();
    let learning_sql = |condition: &str| {
        format!(
            "SELECT l.id, l.title, $1 AS place, '' AS slug, l.updated_at AS since FROM learnings l
             WHERE l.status = $2 AND {condition} ORDER BY l.updated_at LIMIT {LIMIT}"
        )
    };
    let proposals = if user.is_admin {
        rows(
            db,
            learning_sql("l.reviewer_id IS NULL"),
            vec![
                learning_place.clone().into(),
                LearningStatus::InReview.into(),
            ],
        )
        .await?
    } else {
        Vec::new()
    };
    let reviews = rows(
        db,
        learning_sql("l.reviewer_id = $3"),
        vec![
            learning_place.into(),
            LearningStatus::InReview.into(),
            user.id.into(),
        ],
    )
    .await?;
    let editions = if user.is_admin {
        rows(
            db,
            format!(
                "SELECT e.id, e.subject AS title, $1 AS place, '' AS slug, e.scheduled_for AS since
                 FROM editions e WHERE e.status = $2 ORDER BY e.scheduled_for LIMIT {LIMIT}"
            ),
            vec![
                templates::i18n::t(lang, "waiting.newsletter_place")
                    .into_owned()
                    .into(),
                EditionStatus::Scheduled.into(),
            ],
        )
        .await?
    } else {
        Vec::new()
    };
    let learning = |row: &Row| paths::learning_workflow(row.id);
    Ok(WaitingView {
        held_posts: items(held_posts, queue),
        held_edits: items(held_edits, queue),
        reports: items(reports, queue),
        proposals: items(proposals, learning),
        reviews: items(reviews, learning),
        editions: items(editions, |row| paths::edition(row.id)),
    })
}
