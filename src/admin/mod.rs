//! Administration: themes, forums, users and their roles. Every route is for admins only (404
//! for others), except the page where an invited outside reviewer creates their account.

pub mod actions;
pub mod forms;
pub mod handlers;
pub mod people;
mod queries;
pub mod reviewers;
pub mod roles;
pub mod service;
pub mod translations;
pub mod vocabularies;

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
            "/admin/vocabularies",
            get(vocabularies::show).post(vocabularies::create_term),
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
        .route("/admin/users", get(people::list_users))
        .route("/admin/users/{id}/{action}", post(people::change_user))
        .route("/admin/reviewer-invitations", post(people::invite_reviewer))
        .route(
            "/admin/reviewer-invitations/{id}/revoke",
            post(people::revoke_reviewer_invitation),
        )
        .route(
            "/reviewer-invitations/{token}",
            get(people::show_reviewer_invitation).post(people::accept_reviewer_invitation),
        )
}
