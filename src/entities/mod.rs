//! sea-orm entities, one module per table. Hand-written model logic lives in the features, not here.

pub mod flags;
pub mod follows;
pub mod forums;
pub mod invitations;
pub mod learning_countries;
pub mod learning_reviews;
pub mod learning_themes;
pub mod learnings;
pub mod memberships;
pub mod moderation_log;
pub mod notifications;
pub mod password_tokens;
pub mod post_revisions;
pub mod posts;
pub mod product_countries;
pub mod product_themes;
pub mod products;
pub mod sessions;
pub mod taxonomy_terms;
pub mod themes;
pub mod thread_learnings;
pub mod thread_reads;
pub mod threads;
pub mod users;
