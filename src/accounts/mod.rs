//! Accounts: sign-in, passwords, invitations, the profile and first-run setup.

pub mod forms;
pub mod handlers;
pub mod password_rules;
pub mod service;
pub mod setup;
pub mod tokens;

use axum::{
    Router,
    routing::{get, post},
};

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(handlers::show_login).post(handlers::login))
        .route("/logout", post(handlers::logout))
        .route(
            "/password/forgot",
            get(handlers::show_forgot).post(handlers::request_reset),
        )
        .route(
            "/password/reset/{token}",
            get(handlers::show_reset).post(handlers::reset_password),
        )
        .route(
            "/invitations/{token}",
            get(handlers::show_invitation).post(handlers::accept_invitation),
        )
        .route(
            "/profile",
            get(handlers::show_profile).post(handlers::update_profile),
        )
        .route("/profile/password", post(handlers::change_password))
        .route("/profile/newsletter", post(handlers::update_newsletter))
        .route("/profile/address-works", post(handlers::address_works))
        .route(
            "/profile/sign-out-everywhere",
            post(handlers::sign_out_everywhere),
        )
        .route(
            "/profile/stop-old-replies",
            post(handlers::stop_old_replies),
        )
        .route(
            "/admin/setup/{token}",
            get(setup::show_setup).post(setup::complete_setup),
        )
}
