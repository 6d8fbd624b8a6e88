//! Forums: membership, threads, posts, following, notifications, replies by mail and
//! moderation.

pub mod access;
pub mod actions;
pub mod by_mail;
pub mod forms;
pub mod handlers;
pub mod log;
pub mod members;
pub mod moderation;
pub mod notify;
pub mod posting;
pub mod queries;
pub mod reading;
pub mod received;
pub mod reply_confirmation;
pub mod rerender;
pub mod thread_page;

use axum::{
    Router,
    routing::{get, post},
};

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forums", get(handlers::list_forums))
        .route("/forums/{slug}", get(handlers::show_forum))
        .route(
            "/forums/{slug}/new",
            get(handlers::show_new_thread).post(handlers::create_thread),
        )
        .route("/forums/{slug}/queue", get(moderation::show_queue))
        .route("/forums/{slug}/log", get(moderation::show_forum_log))
        .route(
            "/forums/{slug}/members",
            get(members::show_members).post(members::invite_members),
        )
        .route(
            "/forums/{slug}/invitations/{id}/revoke",
            post(members::revoke_invitation),
        )
        .route(
            "/forums/{slug}/invitations/{id}/resend",
            post(members::resend_invitation),
        )
        .route(
            "/forums/{slug}/members/{user_id}/remove",
            post(members::remove_member),
        )
        .route("/threads/{id}", get(handlers::show_thread))
        .route("/threads/{id}/reply", post(handlers::create_reply))
        .route("/threads/{id}/follow", post(handlers::follow_thread))
        .route("/threads/{id}/unfollow", post(handlers::unfollow_thread))
        .route("/threads/{id}/move", post(moderation::move_thread))
        .route("/threads/{id}/summary", post(moderation::write_summary))
        .route("/threads/{id}/{action}", post(moderation::switch_thread))
        .route(
            "/posts/{id}/edit",
            get(handlers::show_edit_post).post(handlers::update_post),
        )
        .route(
            "/posts/{id}/flag",
            get(handlers::show_flag_post).post(handlers::flag_post),
        )
        .route("/posts/{id}/history", get(moderation::show_post_history))
        .route("/posts/{id}/{action}", post(moderation::moderate_post))
        .route("/flags/{id}/dismiss", post(moderation::dismiss_flag))
        .route(
            "/follows/{token}/stop",
            get(handlers::show_stop_following).post(handlers::stop_following),
        )
        .route("/admin/log", get(moderation::show_admin_log))
}
