//! Administration: themes, forums, users. Every route is for admins only (404 for others).

pub mod actions;
pub mod handlers;
mod queries;
pub mod service;
pub mod translations;

use axum::{
    Router,
    routing::{get, post},
};

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(handlers::show_admin))
        .route("/admin/themes", post(handlers::create_theme))
        .route(
            "/admin/themes/{slug}",
            get(translations::show_theme).post(translations::save_theme),
        )
        .route(
            "/admin/vocabularies/{vocabulary}/{code}",
            get(translations::show_term).post(translations::save_term),
        )
        .route("/admin/forums", post(handlers::create_forum))
        .route(
            "/admin/forums/{slug}/language",
            post(handlers::forum_language),
        )
        .route(
            "/admin/forums/{slug}/{action}",
            post(handlers::archive_forum),
        )
        .route("/admin/users", get(handlers::list_users))
        .route("/admin/users/{id}/{action}", post(handlers::switch_user))
}
