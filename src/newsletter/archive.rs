//! The newsletter archive: every edition that went out, as a page of the site. Only its public
//! part — introduction, learnings, knowledge products — is shown: threads belong to
//! invitation-only forums and never appear here, whoever is looking. Editions not sent (yet)
//! do not exist here (404).

use axum::{
    Router,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::Response,
    routing::get,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use templates::{
    components::Pager,
    newsletter_edition::{self as views, ArchiveEdition, ArchiveRow, PageItem},
};

use super::compose::{self, ItemKind};
use crate::{
    entities::{editions, states::EditionStatus},
    web::html,
    web::{AppError, AppResult, AppState, Viewer, paths},
    web::{dates::iso, path_id::parse_id},
};

const PER_PAGE: u64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsletter/archive", get(list_editions))
        .route("/newsletter/archive/{id}", get(show_edition))
}

async fn list_editions(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let sent = editions::Entity::find()
        .filter(editions::Column::Status.is_in([EditionStatus::Sending, EditionStatus::Sent]));
    let total = sent.clone().count(&state.db).await?;
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = crate::web::paging::page_from_query(query.as_deref()).min(pages);
    let rows = sent
        .order_by_desc(editions::Column::QueuedAt)
        .order_by_desc(editions::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let rows: Vec<ArchiveRow> = rows
        .into_iter()
        .map(|e| ArchiveRow {
            id: e.id,
            sent_at: iso(e.queued_at.unwrap_or(e.scheduled_for)),
            subject: super::compose::subject_in(viewer.lang, e.frequency, e.period_end),
        })
        .collect();
    let pager = Pager {
        page,
        pages,
        base: format!("{}?", paths::NEWSLETTER_ARCHIVE),
    };
    Ok(html(
        StatusCode::OK,
        views::archive_list(&viewer.ctx(), &rows, &pager),
    ))
}

async fn show_edition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&raw_id)?;
    let content = compose::load(&state.db, &state.config, id)
        .await?
        .filter(|c| {
            matches!(
                c.edition.status,
                EditionStatus::Sending | EditionStatus::Sent
            )
        })
        .ok_or(AppError::NotFound)?;
    let public = |kind: ItemKind| -> Vec<PageItem> {
        content
            .items
            .iter()
            .filter(|item| item.kind == kind)
            .map(|item| PageItem {
                title: item.title.clone(),
                summary: item.summary.clone(),
                href: kind.path(item.id),
                language: item.language.clone(),
            })
            .collect()
    };
    // Threads are deliberately never read from `content` here.
    // Subject and introduction in the reader's language, as the subscribers got them.
    let lang = viewer.lang;
    let view = ArchiveEdition {
        subject: super::compose::subject_in(
            lang,
            content.edition.frequency,
            content.edition.period_end,
        ),
        sent_at: iso(content
            .edition
            .queued_at
            .unwrap_or(content.edition.scheduled_for)),
        intro_html: super::compose::intro_in(&content.edition, lang)
            .1
            .to_owned(),
        learnings: public(ItemKind::Learning),
        products: public(ItemKind::Product),
    };
    Ok(html(
        StatusCode::OK,
        views::archive_edition(&viewer.ctx(), &view),
    ))
}
