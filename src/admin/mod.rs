//! Administration: themes, forums, users. Every route is for admins only (404 for others).

pub mod actions;
pub mod handlers;
mod queries;
pub mod service;

use axum::{
    Router,
    routing::{get, post},
};

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(handlers::show_admin))
        .route("/admin/themes", post(handlers::create_theme))
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
