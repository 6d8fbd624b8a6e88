//! Moderators' pages and the handlers of their actions: check the moderator's rights on the
//! object (404 otherwise), read the form, then call the action in `actions`.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    Statement,
};
use serde::Deserialize;
use templates::{components::Pager, moderation as views};

use super::{
    access::{self, ForumAccess},
    actions::{self, PostAction, ThreadSwitch},
    queries,
};
use crate::{
    entities::{states::PostStatus, threads, users},
    markdown,
    web::{
        AdminUser, AppError, AppResult, AppState, SignedIn,
        forms::{self, Form, REASON_MAX, ReasonForm},
        html,
        paging::PageQuery,
        paths,
    },
};

pub async fn queue_size(db: &impl ConnectionTrait, forum_id: i32) -> AppResult<i64> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let row = N::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT (SELECT COUNT(*) FROM posts p JOIN threads t ON t.id = p.thread_id WHERE t.forum_id = $1 AND p.status = 'pending')
              + (SELECT COUNT(*) FROM flags fl JOIN posts p ON p.id = fl.post_id JOIN threads t ON t.id = p.thread_id
                 WHERE t.forum_id = $1 AND fl.resolved_at IS NULL)
              + (SELECT COUNT(*) FROM held_edits he JOIN posts p ON p.id = he.post_id JOIN threads t ON t.id = p.thread_id
                 WHERE t.forum_id = $1) AS n",
        [forum_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.n).unwrap_or(0))
}

/// Forums other than this one that the user moderates (all of them for admins).
pub async fn move_targets(
    db: &impl ConnectionTrait,
    user: &users::Model,
    current_forum: i32,
) -> AppResult<Vec<(String, String)>> {
    #[derive(FromQueryResult)]
    struct Target {
        slug: String,
        title: String,
    }
    let rows = Target::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT f.slug, f.title FROM forums f
         WHERE f.id <> $1 AND f.archived_at IS NULL
           AND ($2 = 1 OR EXISTS (SELECT 1 FROM memberships m WHERE m.forum_id = f.id AND m.user_id = $3 AND m.role = 'moderator'))
         ORDER BY f.title",
        [current_forum.into(), i32::from(user.is_admin).into(), user.id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.slug, r.title)).collect())
}

fn optional_reason(raw: &str) -> AppResult<Option<String>> {
    match forms::single_line(raw, REASON_MAX) {
        Ok(reason) => Ok(Some(reason)),
        Err(forms::TextProblem::Missing) => Ok(None),
        Err(_) => Err(AppError::BadRequest("form.too_long")),
    }
}

async fn moderated_thread(
    state: &AppState,
    user: &users::Model,
    thread_id: i32,
) -> AppResult<(threads::Model, ForumAccess)> {
    let (thread, access) = access::thread(&state.db, user, thread_id).await?;
    access.require_moderator()?;
    Ok((thread, access))
}

pub async fn switch_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((thread_id, action)): Path<(i32, String)>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Redirect> {
    let switch = ThreadSwitch::parse(&action).ok_or(AppError::NotFound)?;
    let (thread, access) = moderated_thread(&state, &signed_in.user, thread_id).await?;
    let reason = optional_reason(&form.reason)?;
    actions::switch_thread(
        &state.db,
        &signed_in.user,
        &access,
        &thread,
        switch,
        reason.as_deref(),
    )
    .await?;
    Ok(Redirect::to(&paths::thread(thread.id)))
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    forum: String,
}

pub async fn move_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<i32>,
    Form(form): Form<MoveForm>,
) -> AppResult<Redirect> {
    let (thread, from) = moderated_thread(&state, &signed_in.user, thread_id).await?;
    let target = access::forum_by_slug(&state.db, &signed_in.user, form.forum.trim()).await?;
    target.require_moderator()?;
    actions::move_thread(&state.db, &signed_in.user, &thread, &from, &target).await?;
    Ok(Redirect::to(&paths::thread(thread.id)))
}

#[derive(Deserialize)]
pub struct SummaryForm {
    #[serde(default)]
    summary: String,
}

pub async fn write_summary(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<i32>,
    Form(form): Form<SummaryForm>,
) -> AppResult<Redirect> {
    let (thread, access) = moderated_thread(&state, &signed_in.user, thread_id).await?;
    let summary = match forms::markdown_body(&form.summary) {
        Ok(summary) => {
            let rendered = markdown::render_off_thread(summary.clone()).await;
            Some((summary, rendered))
        }
        Err(forms::TextProblem::Missing) => None,
        Err(_) => return Err(AppError::TooLarge),
    };
    actions::write_summary(&state.db, &signed_in.user, &access, &thread, summary).await?;
    Ok(Redirect::to(&paths::thread(thread.id)))
}

/// `/posts/{id}/{action}`: hide, unhide, approve, reject, and approve_edit / reject_edit for
/// an edit held for approval.
pub async fn moderate_post(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((post_id, action)): Path<(i32, String)>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let decision = match action.as_str() {
        "hide" => Ok(PostAction::Hide),
        "unhide" => Ok(PostAction::Unhide),
        "approve" => Ok(PostAction::Approve),
        "reject" => Ok(PostAction::Reject),
        "approve_edit" => Err(true),
        "reject_edit" => Err(false),
        _ => return Err(AppError::NotFound),
    };
    let (post, thread, access) = access::post(&state.db, &signed_in.user, post_id).await?;
    access.require_moderator()?;
    let reason = optional_reason(&form.reason)?;
    let queue = paths::forum_queue(&access.forum.slug);
    let back = match decision {
        Ok(action) => {
            let was_pending = post.status == PostStatus::Pending;
            let user = &signed_in.user;
            let reason = reason.as_deref();
            if !actions::moderate_post(&state, user, &access, &thread, &post, action, reason)
                .await?
            {
                // Already in the requested state (a double click, two moderators at once).
                paths::thread(thread.id)
            } else if was_pending {
                queue
            } else {
                paths::post(thread.id, post.id)
            }
        }
        Err(approve) => {
            let user = &signed_in.user;
            let reason = reason.as_deref();
            actions::decide_held_edit(&state.db, user, &access, &post, approve, reason).await?;
            queue
        }
    };
    Ok(Redirect::to(&back).into_response())
}

pub async fn dismiss_flag(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(flag_id): Path<i32>,
) -> AppResult<Redirect> {
    let flag = queries::flag(&state.db, flag_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, _, access) = access::post(&state.db, &signed_in.user, flag.post_id).await?;
    access.require_moderator()?;
    actions::dismiss_flag(&state.db, &signed_in.user, &access, &flag).await?;
    Ok(Redirect::to(&paths::forum_queue(&access.forum.slug)))
}

pub async fn show_queue(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    access.require_moderator()?;
    let (pending, edits, open_flags) =
        queries::moderation_queue(&state.db, access.forum.id).await?;
    let pending: Vec<views::QueueItem> = pending
        .into_iter()
        .map(|r| views::QueueItem {
            post_id: r.post_id,
            thread_id: r.thread_id,
            thread_title: r.thread_title,
            author: r.author,
            body_html: r.body_html,
            created_at: crate::web::dates::iso(r.created_at),
        })
        .collect();
    let edits: Vec<views::HeldEditItem> = edits
        .into_iter()
        .map(|r| views::HeldEditItem {
            proposed: views::QueueItem {
                post_id: r.post_id,
                thread_id: r.thread_id,
                thread_title: r.thread_title,
                author: r.author,
                body_html: r.proposed_html,
                created_at: crate::web::dates::iso(r.created_at),
            },
            current_html: r.current_html,
        })
        .collect();
    let open_flags: Vec<views::FlagItem> = open_flags
        .into_iter()
        .map(|r| views::FlagItem {
            flag_id: r.flag_id,
            post_id: r.post_id,
            thread_id: r.thread_id,
            thread_title: r.thread_title,
            reporter: r.reporter,
            reason: r.reason,
            body_html: r.body_html,
            post_hidden: r.hidden_at.is_some(),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        views::queue_page(
            &signed_in.ctx(),
            &access.forum.slug,
            &access.forum.title,
            &pending,
            &edits,
            &open_flags,
        ),
    ))
}

pub async fn show_post_history(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(post_id): Path<i32>,
) -> AppResult<Response> {
    let (post, thread, access) = access::post(&state.db, &signed_in.user, post_id).await?;
    access.require_moderator()?;
    let revisions = queries::revisions(&state.db, post.id).await?;
    let mut editors = crate::accounts::service::display_names(
        &state.db,
        revisions.iter().map(|revision| revision.editor_id),
    )
    .await?;
    let rows = revisions
        .into_iter()
        .map(|revision| views::Revision {
            editor: editors.remove(&revision.editor_id).unwrap_or_default(),
            at: crate::web::dates::iso(revision.created_at),
            body_md: revision.body_md,
        })
        .collect::<Vec<_>>();
    Ok(html(
        StatusCode::OK,
        views::post_history(&signed_in.ctx(), post.id, thread.id, &rows),
    ))
}

#[derive(FromQueryResult)]
struct LogQueryRow {
    actor: String,
    action: String,
    target_type: String,
    target_id: i32,
    reason: Option<String>,
    created_at: time::OffsetDateTime,
    forum: Option<String>,
    /// The person a row about an account is about, by name.
    target_name: Option<String>,
}

const LOG_PER_PAGE: u64 = 50;

async fn log_rows(
    state: &AppState,
    forum_id: Option<i32>,
    page: u64,
) -> AppResult<(Vec<views::LogRow>, u64, u64)> {
    let mut count_query = crate::entities::moderation_log::Entity::find();
    if let Some(forum_id) = forum_id {
        count_query =
            count_query.filter(crate::entities::moderation_log::Column::ForumId.eq(forum_id));
    }
    let total = count_query.count(&state.db).await?;
    let (page, pages) = crate::web::paging::clamp_page(page, total, LOG_PER_PAGE);
    let rows = LogQueryRow::find_by_statement(Statement::from_sql_and_values(
        state.db.get_database_backend(),
        "SELECT u.display_name AS actor, l.action, l.target_type, l.target_id, l.reason, l.created_at, f.slug AS forum,
                tu.display_name AS target_name
         FROM moderation_log l JOIN users u ON u.id = l.actor_id LEFT JOIN forums f ON f.id = l.forum_id
         LEFT JOIN users tu ON l.target_type = 'user' AND tu.id = l.target_id
         WHERE ($1 = 0 OR l.forum_id = $2)
         ORDER BY l.id DESC LIMIT $3 OFFSET $4",
        [
            i32::from(forum_id.is_some()).into(),
            forum_id.unwrap_or(0).into(),
            (LOG_PER_PAGE as i64).into(),
            (((page - 1) * LOG_PER_PAGE) as i64).into(),
        ],
    ))
    .all(&state.db)
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            // A person is named and linked to their row on the users page; an outside
            // reviewer's invitation is named by its address.
            let (target, target_href, reason) = match (r.target_type.as_str(), r.target_name) {
                ("user", Some(name)) => (
                    name,
                    Some(paths::admin_user(r.target_id)),
                    r.reason.unwrap_or_default(),
                ),
                ("reviewer_invite", _) => (r.reason.unwrap_or_default(), None, String::new()),
                (kind, _) => (
                    format!("{kind} #{}", r.target_id),
                    None,
                    r.reason.unwrap_or_default(),
                ),
            };
            views::LogRow {
                actor: r.actor,
                action: r.action,
                target,
                target_href,
                reason,
                at: crate::web::dates::iso(r.created_at),
                forum: r.forum.unwrap_or_default(),
            }
        })
        .collect();
    Ok((rows, page, pages))
}

pub async fn show_forum_log(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    access.require_moderator()?;
    let (rows, page, pages) = log_rows(&state, Some(access.forum.id), query.page()).await?;
    let ctx = signed_in.ctx();
    let pager = templates::components::pager(
        &ctx,
        &Pager {
            page,
            pages,
            base: format!("{}?", paths::forum_log(&slug)),
        },
    );
    Ok(html(
        StatusCode::OK,
        views::log_page(&ctx, &access.forum.title, &rows, pager),
    ))
}

pub async fn show_admin_log(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let (rows, page, pages) = log_rows(&state, None, query.page()).await?;
    let ctx = admin.ctx();
    let pager = templates::components::pager(
        &ctx,
        &Pager {
            page,
            pages,
            base: format!("{}?", paths::ADMIN_LOG),
        },
    );
    Ok(html(
        StatusCode::OK,
        views::log_page(&ctx, "Fora", &rows, pager),
    ))
}
