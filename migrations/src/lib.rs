//! Fora's schema, one file per step. Migrations never import the app's entities and are never
//! edited after they land; each has a working `down`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_accounts;
mod m20261123_000002_create_forums;
mod m20261123_000003_create_learnings;
mod m20261123_000004_create_newsletter;
mod m20261123_000005_delivery_queue_index;
mod m20261130_000001_invitation_revocation;
mod m20261130_000002_held_edits;
mod m20261201_000010_password_token_revocation;
pub mod m20261201_000030_link_salts;
pub mod m20261201_000060_state_checks;
mod m20261201_000070_search_engine;
mod m20261201_000080_mail_queue;
mod m20261201_000090_forum_language;
mod m20261201_000110_bounce_scores;
mod m20261202_000010_mail_replies;
pub mod m20261202_000020_vocabulary_labels;
mod m20261202_000030_reply_generation;
mod m20261202_000035_post_language;
mod m20261202_000040_reviewer_role;
mod m20261202_000045_hidden_reason;
mod m20261202_000050_search_log_pruning;
mod m20261203_000035_thread_hidden_reason;
mod m20261203_000060_render_version;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_accounts::Migration),
            Box::new(m20261123_000002_create_forums::Migration),
            Box::new(m20261123_000003_create_learnings::Migration),
            Box::new(m20261123_000004_create_newsletter::Migration),
            Box::new(m20261123_000005_delivery_queue_index::Migration),
            Box::new(m20261130_000001_invitation_revocation::Migration),
            Box::new(m20261130_000002_held_edits::Migration),
            Box::new(m20261201_000010_password_token_revocation::Migration),
            Box::new(m20261201_000030_link_salts::Migration),
            Box::new(m20261201_000060_state_checks::Migration),
            Box::new(m20261201_000070_search_engine::Migration),
            Box::new(m20261201_000080_mail_queue::Migration),
            Box::new(m20261201_000090_forum_language::Migration),
            Box::new(m20261201_000110_bounce_scores::Migration),
            Box::new(m20261202_000010_mail_replies::Migration),
            Box::new(m20261202_000020_vocabulary_labels::Migration),
            Box::new(m20261202_000030_reply_generation::Migration),
            Box::new(m20261202_000035_post_language::Migration),
            Box::new(m20261202_000040_reviewer_role::Migration),
            Box::new(m20261202_000045_hidden_reason::Migration),
            Box::new(m20261202_000050_search_log_pruning::Migration),
            Box::new(m20261203_000035_thread_hidden_reason::Migration),
            Box::new(m20261203_000060_render_version::Migration),
        ]
    }
}
