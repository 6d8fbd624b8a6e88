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
use templates::{
    components::Pager,
    newsletter_edition::{self as views, ArchiveEdition, ArchiveRow, PageGroup, PageItem},
};

use super::compose::{self, ItemKind};
use crate::{
    entities::states::EditionStatus,
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
    let requested = crate::web::paging::page_from_query(query.as_deref());
    let (rows, page, pages) = super::queries::sent_editions(&state.db, requested, PER_PAGE).await?;
    let rows: Vec<ArchiveRow> = rows
        .into_iter()
        .map(|e| ArchiveRow {
            id: e.id,
            sent_at: iso(compose::dated(&e)),
            subject: compose::subject_in(viewer.lang, e.frequency, compose::dated(&e)),
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
    // Subject, introduction and theme names in the reader's language, as the subscribers got
    // them.
    let lang = viewer.lang;
    // Threads are deliberately never read from `content` here.
    let public_items = content
        .items
        .iter()
        .filter(|item| matches!(item.kind, ItemKind::Learning | ItemKind::Product));
    let groups = compose::by_theme(
        &content.themes,
        public_items,
        |item: &compose::Item| &item.themes,
        lang,
    )
    .into_iter()
    .map(|group| {
        let pick = |kind: ItemKind| -> Vec<PageItem> {
            group
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
        PageGroup {
            theme: group.theme.map(|theme| theme.name(lang).to_owned()),
            learnings: pick(ItemKind::Learning),
            products: pick(ItemKind::Product),
        }
    })
    .collect();
    let view = ArchiveEdition {
        subject: compose::subject_in(
            lang,
            content.edition.frequency,
            compose::dated(&content.edition),
        ),
        sent_at: iso(compose::dated(&content.edition)),
        intro_html: super::compose::intro_in(&content.edition, lang)
            .1
            .to_owned(),
        groups,
    };
    Ok(html(
        StatusCode::OK,
        views::archive_edition(&viewer.ctx(), &view),
    ))
}
