//! sea-orm entities, one module per table. Hand-written model logic lives in the features, not here.

pub mod users;
pub mod sessions;
pub mod password_tokens;
pub mod themes;
pub mod forums;
pub mod memberships;
pub mod invitations;
pub mod threads;
pub mod posts;
pub mod post_revisions;
pub mod flags;
pub mod follows;
pub mod thread_reads;
pub mod notifications;
pub mod moderation_log;
