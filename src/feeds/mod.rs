//! Atom 1.0 feeds of the library: `/feeds/learnings.atom` (taking the search's query
//! parameters, so a saved search can be followed) and `/feeds/products.atom` (taking the
//! catalogue's filters). The newest 50 published items, with absolute links from the
//! configured base URL.
//!
//! Feeds are public: they list published items only, always (the public audience of the
//! search and of the product listing, and a second status check on the rows themselves),
//! whoever asks and whatever the query string says.

mod atom;
mod learnings;
mod products;

use axum::{
    Router,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

pub use atom::CONTENT_TYPE;

use crate::{
    learnings::search::SearchParams,
    products::listing::ProductParams,
    web::{AppError, AppResult, AppState, language, paths},
};

/// Entries in one feed.
pub const FEED_SIZE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feeds/learnings.atom", get(learnings_feed))
        .route("/feeds/products.atom", get(products_feed))
}

async fn learnings_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let lang = language::of_visitor(&headers);
    let params = SearchParams::from_query(raw.as_deref());
    let channel = learnings::channel(&state, lang, params).await?;
    respond(&state, channel)
}

async fn products_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let lang = language::of_visitor(&headers);
    let params = ProductParams::from_query(raw.as_deref());
    let channel = products::channel(&state, lang, params).await?;
    respond(&state, channel)
}

fn respond(state: &AppState, channel: atom::Channel) -> AppResult<Response> {
    let body = channel
        .write(state.config.absolute(paths::HOME))
        .map_err(AppError::internal)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)),
            (header::VARY, HeaderValue::from_static("Accept-Language")),
        ],
        body,
    )
        .into_response())
}
