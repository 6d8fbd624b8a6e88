//! The newsletter: people subscribe (double opt-in) to the themes they care about, weekly or
//! monthly; the scheduler composes each period's edition; the delivery worker sends it, one
//! durable delivery row per (edition, subscriber), each marked done only once the SMTP server
//! has accepted it. Every edition is also a page of the archive (public part only).

pub mod admin;
pub mod archive;
pub mod bounce_admin;
pub mod compose;
pub mod deliver;
pub mod editions;
mod queries;
pub mod schedule;
pub mod subscriptions;

use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(subscriptions::routes())
        .merge(archive::routes())
        .merge(admin::routes())
        .merge(bounce_admin::routes())
}
