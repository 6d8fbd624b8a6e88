//! Theme pages, the "content areas" (`/themes`, `/themes/{slug}`): what is published for a
//! theme across learnings, products and the viewer's forums.

mod pages;
mod queries;

use axum::{Router, routing::get};

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/themes", get(pages::list_themes))
        .route("/themes/{slug}", get(pages::show_theme))
}
