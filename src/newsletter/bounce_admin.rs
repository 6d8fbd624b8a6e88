//! The admin's view of bounces (`/admin/newsletter/bounces`): subscribers and members whose
//! mail came back, their score, the last report's reason, and a reset that lets mail go to
//! the address again (`mail::bounces` keeps the scores). Admins only.

use axum::{
    Router,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};
use templates::{
    bounces::{self as views, AdminBouncesView, BounceRow, Bounced},
    components::Pager,
};
use time::OffsetDateTime;

use crate::{
    entities::states::SubscriberStatus,
    mail::bounces::{self, Holder},
    web::{
        AdminUser, AppResult, AppState, SignedIn, dates::iso, flash, html, path_id::parse_id, paths,
    },
};

const PER_PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/newsletter/bounces", get(show))
        .route(
            "/admin/newsletter/bounces/subscribers/{id}/reset",
            post(reset_subscriber),
        )
        .route(
            "/admin/newsletter/bounces/members/{id}/reset",
            post(reset_member),
        )
}

#[derive(FromQueryResult)]
struct Row {
    id: i32,
    email: String,
    suppressed: bool,
    bounce_points: i32,
    bounce_last_at: Option<OffsetDateTime>,
    bounce_reason: Option<String>,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

/// One page of the rows of `table` with a score or suppressed, latest bounce first, and how
/// many there are in all.
async fn bouncing(
    db: &impl ConnectionTrait,
    table: &str,
    suppressed: &str,
    page: u64,
) -> Result<(Vec<BounceRow>, u64), DbErr> {
    let backend = db.get_database_backend();
    let which = format!("bounce_points > 0 OR {suppressed}");
    let total = Count::find_by_statement(Statement::from_string(
        backend,
        format!("SELECT COUNT(*) AS n FROM {table} WHERE {which}"),
    ))
    .one(db)
    .await?
    .map_or(0, |c| c.n as u64);
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT id, email, ({suppressed}) AS suppressed, bounce_points, bounce_last_at,
                    bounce_reason
             FROM {table} WHERE {which}
             ORDER BY COALESCE(bounce_last_at, updated_at) DESC, id DESC
             LIMIT $1 OFFSET $2"
        ),
        [
            (PER_PAGE as i64).into(),
            (((page - 1) * PER_PAGE) as i64).into(),
        ],
    ))
    .all(db)
    .await?;
    let rows = rows
        .into_iter()
        .map(|row| BounceRow {
            id: row.id,
            email: row.email,
            bounced: Bounced {
                points: row.bounce_points,
                last_at: row.bounce_last_at.map(iso),
                reason: row.bounce_reason,
                suppressed: row.suppressed,
            },
        })
        .collect();
    Ok((rows, total))
}

async fn show(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let page = crate::web::paging::page_from_query(query.as_deref());
    let suppressed_subscriber = format!("status = '{}'", SubscriberStatus::Suppressed.as_str());
    let (subscribers, subscriber_total) =
        bouncing(&state.db, "subscribers", &suppressed_subscriber, page).await?;
    let (members, member_total) =
        bouncing(&state.db, "users", "bounce_suppressed_at IS NOT NULL", page).await?;
    let pages = subscriber_total.max(member_total).div_ceil(PER_PAGE).max(1);
    let view = AdminBouncesView {
        subscribers,
        members,
        threshold_points: state.config.bounces.threshold_points,
        notice: flash::take(&admin.session).await,
        pages: Pager {
            page,
            pages,
            base: format!("{}?", paths::ADMIN_NEWSLETTER_BOUNCES),
        },
    };
    Ok(html(StatusCode::OK, views::admin_page(&admin.ctx(), &view)))
}

/// Clears the count, then back to the list with a notice saying so (once: `web::flash`).
async fn reset(state: &AppState, holder: Holder, admin: &SignedIn) -> AppResult<Response> {
    if bounces::reset(&state.db, holder, crate::db::now()).await? == 0 {
        return Err(crate::web::AppError::NotFound);
    }
    tracing::info!(?holder, admin = admin.user.id, "bounces reset by an admin");
    flash::set(&admin.session, "bounce.done_reset").await;
    Ok(Redirect::to(paths::ADMIN_NEWSLETTER_BOUNCES).into_response())
}

async fn reset_subscriber(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&raw_id)?;
    reset(&state, Holder::Subscriber(id), &admin).await
}

async fn reset_member(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&raw_id)?;
    reset(&state, Holder::Member(id), &admin).await
}
