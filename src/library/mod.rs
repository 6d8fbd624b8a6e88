//! The learnings library: learnings and knowledge products, their taxonomies, search, review,
//! import and export, feeds and the JSON API.

pub mod api;
pub mod catalogue;
pub mod export;
pub mod facets;
pub mod feeds;
pub mod fields;
pub mod import;
pub mod links;
pub mod pages;
pub mod pairs;
pub mod products;
pub mod query_text;
pub mod search;
pub mod store;
pub mod taxonomy;
pub mod visibility;
pub mod vocabularies;
pub mod workflow;

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(api::routes())
        .merge(catalogue::routes())
        .merge(feeds::routes())
        .merge(import::web::routes())
        .merge(pages::routes())
        .merge(workflow::routes())
        .merge(vocabularies::routes())
}
