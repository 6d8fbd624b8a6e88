//! Learnings: the store and its fields, the search, the reading pages, the review workflow and
//! who may see what.

pub mod fields;
pub mod links;
pub mod pages;
pub mod published;
pub mod quality;
pub mod review;
pub mod search;
pub mod store;
pub mod visibility;
pub mod workflow;

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(pages::routes())
        .merge(workflow::routes())
}
