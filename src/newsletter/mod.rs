//! The newsletter: people subscribe (double opt-in) to the themes they care about, weekly or
//! monthly; the scheduler composes each period's edition; the delivery worker sends it, one
//! durable delivery row per (edition, subscriber), each marked done only once the SMTP server
//! has accepted it. Every edition is also a page of the archive (public part only).

pub mod admin;
pub mod archive;
pub mod compose;
pub mod deliver;
pub mod editions;
pub mod schedule;
pub mod subscriptions;

use axum::Router;

use crate::web::AppState;

pub const WEEKLY: &str = "weekly";
pub const MONTHLY: &str = "monthly";
pub const FREQUENCIES: &[&str] = &[WEEKLY, MONTHLY];

/// Subscriber states. Only `active` subscribers are sent anything.
pub mod subscriber_status {
    pub const PENDING: &str = "pending";
    pub const ACTIVE: &str = "active";
    pub const UNSUBSCRIBED: &str = "unsubscribed";
    /// Refused permanently by their mail server too many times.
    pub const SUPPRESSED: &str = "suppressed";
}

/// Edition states: `scheduled` (composed, waiting for its time; the introduction can be
/// edited), `sending` (deliveries queued), `sent` (no delivery left queued), `empty` (nothing
/// new: not sent).
pub mod edition_status {
    pub const SCHEDULED: &str = "scheduled";
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const EMPTY: &str = "empty";
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(subscriptions::routes())
        .merge(archive::routes())
        .merge(admin::routes())
}
