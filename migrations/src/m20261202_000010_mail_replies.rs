//! Replies received by mail (issue 14): one row per message that reached a reply address
//! with a good token, posted or refused. The `Message-ID` is unique, so the same message
//! delivered twice (an MTA retrying after a lost answer, a second MX) is recognised and
//! changes nothing the second time; the refusals counted per member and hour keep Fora from
//! answering a flood or a loop with one message each.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailReplies {
    Table,
    Id,
    MessageId,
    UserId,
    ThreadId,
    /// The post it became; `None` when it was refused.
    PostId,
    /// Why it was not posted (`locked`, `empty`, …).
    Refusal,
    /// Whether the member was told why by mail.
    Answered,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailReplies::Table)
                    .col(pk_auto(MailReplies::Id))
                    .col(string_len(MailReplies::MessageId, 255).unique_key())
                    .col(integer(MailReplies::UserId))
                    .col(integer(MailReplies::ThreadId))
                    .col(integer_null(MailReplies::PostId))
                    .col(string_len_null(MailReplies::Refusal, 32))
                    .col(boolean(MailReplies::Answered).default(false))
                    .col(timestamp_with_time_zone(MailReplies::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX mail_replies_by_user ON mail_replies (user_id, created_at)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailReplies::Table).to_owned())
            .await
    }
}
