//! Posts keep the HTML rendered when they were written. When rendering changes
//! (`markdown::RENDER_VERSION`: mentions, first), `fora serve` renders the posts and held
//! edits of an older version again from their Markdown, in the background at start-up, a
//! batch per transaction, and makes the pages of the threads it changed stale. Only the HTML
//! and its version change: status, hiding, edit marks and times stay as they were. A row
//! edited meanwhile (its Markdown no longer the one rendered) is left to its edit, which
//! stored the current version already; several instances starting at once do no harm.

use std::collections::BTreeSet;

use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

use super::posting;
use crate::{
    db,
    entities::{held_edits, posts},
    markdown::{self, RENDER_VERSION},
    web::AppState,
};

/// Rows rendered again per transaction.
pub const BATCH: u64 = 200;

/// How many rows were rendered again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rerendered {
    pub posts: u64,
    pub held_edits: u64,
}

/// A row to render again: its id, its thread (none for a held edit: its page is the
/// moderation queue, read afresh) and its Markdown.
#[derive(FromQueryResult)]
struct Old {
    id: i32,
    thread_id: Option<i32>,
    body_md: String,
}

/// The HTML of each Markdown text, rendered off the async threads.
async fn render_all(rows: &[Old]) -> Vec<String> {
    let mut rendered = Vec::with_capacity(rows.len());
    for row in rows {
        rendered.push(markdown::render_off_thread(row.body_md.clone()).await);
    }
    rendered
}

/// Renders every post and held edit older than [`RENDER_VERSION`] again.
pub async fn rerender_old(state: &AppState) -> Result<Rerendered, DbErr> {
    let mut done = Rerendered::default();
    let mut after = 0;
    loop {
        let batch = posts::Entity::find()
            .select_only()
            .columns([
                posts::Column::Id,
                posts::Column::ThreadId,
                posts::Column::BodyMd,
            ])
            .filter(posts::Column::RenderVersion.lt(RENDER_VERSION))
            .filter(posts::Column::Id.gt(after))
            .order_by_asc(posts::Column::Id)
            .limit(BATCH)
            .into_model::<Old>()
            .all(&state.db)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let rendered = render_all(&batch).await;
        let txn = db::begin_write(&state.db).await?;
        let mut threads = BTreeSet::new();
        for (row, html) in batch.iter().zip(rendered) {
            let updated = posts::Entity::update_many()
                .col_expr(posts::Column::BodyHtml, Expr::value(html))
                .col_expr(posts::Column::RenderVersion, Expr::value(RENDER_VERSION))
                .filter(posts::Column::Id.eq(row.id))
                .filter(posts::Column::RenderVersion.lt(RENDER_VERSION))
                .filter(posts::Column::BodyMd.eq(row.body_md.as_str()))
                .exec(&txn)
                .await?;
            if updated.rows_affected > 0 {
                done.posts += 1;
                threads.extend(row.thread_id);
            }
        }
        for thread_id in &threads {
            posting::touch(&txn, *thread_id).await?;
        }
        txn.commit().await?;
        if !threads.is_empty() {
            state.changed().await;
        }
    }
    let mut after = 0;
    loop {
        let batch = held_edits::Entity::find()
            .select_only()
            .columns([held_edits::Column::Id, held_edits::Column::BodyMd])
            .expr_as(Expr::value(Option::<i32>::None), "thread_id")
            .filter(held_edits::Column::RenderVersion.lt(RENDER_VERSION))
            .filter(held_edits::Column::Id.gt(after))
            .order_by_asc(held_edits::Column::Id)
            .limit(BATCH)
            .into_model::<Old>()
            .all(&state.db)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let rendered = render_all(&batch).await;
        let txn = db::begin_write(&state.db).await?;
        let before = done.held_edits;
        for (row, html) in batch.iter().zip(rendered) {
            let updated = held_edits::Entity::update_many()
                .col_expr(held_edits::Column::BodyHtml, Expr::value(html))
                .col_expr(
                    held_edits::Column::RenderVersion,
                    Expr::value(RENDER_VERSION),
                )
                .filter(held_edits::Column::Id.eq(row.id))
                .filter(held_edits::Column::RenderVersion.lt(RENDER_VERSION))
                .filter(held_edits::Column::BodyMd.eq(row.body_md.as_str()))
                .exec(&txn)
                .await?;
            done.held_edits += updated.rows_affected;
        }
        txn.commit().await?;
        if done.held_edits > before {
            state.changed().await;
        }
    }
    Ok(done)
}

/// What `fora serve` starts: [`rerender_old`] once, logged. A failure is logged and left for
/// the next start (the rows already done stay done).
pub async fn run(state: AppState) {
    match rerender_old(&state).await {
        Ok(done) if done == Rerendered::default() => {}
        Ok(done) => tracing::info!(
            posts = done.posts,
            held_edits = done.held_edits,
            version = RENDER_VERSION,
            "old posts rendered again"
        ),
        Err(err) => {
            tracing::warn!(error = %err, "old posts were not rendered again; next start will")
        }
    }
}
