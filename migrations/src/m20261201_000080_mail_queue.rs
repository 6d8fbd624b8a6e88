//! One durable queue for the mail that is not the newsletter: invitations, password links,
//! newsletter confirmations, notifications and summaries. A row is written in the same
//! transaction as the change that causes the mail, holding the message fully built (its
//! `Message-ID` and `Date` fixed), and is sent by a worker with leases and retries, like
//! newsletter deliveries. The body is emptied once the message is sent or given up.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailQueue {
    Table,
    Id,
    Kind,
    Sender,
    Recipient,
    MessageId,
    Message,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseOwner,
    LeaseUntil,
    LastError,
    SentAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailQueue::Table)
                    .col(pk_auto(MailQueue::Id))
                    .col(string_len(MailQueue::Kind, 32))
                    .col(string_len(MailQueue::Sender, 320))
                    .col(string_len(MailQueue::Recipient, 320))
                    .col(string_len(MailQueue::MessageId, 255).unique_key())
                    .col(blob(MailQueue::Message))
                    .col(
                        string_len(MailQueue::Status, 16).default("queued").check(
                            Expr::col(MailQueue::Status).is_in(["queued", "sent", "failed"]),
                        ),
                    )
                    .col(integer(MailQueue::Attempts).default(0))
                    .col(timestamp_with_time_zone(MailQueue::NextAttemptAt))
                    .col(string_len_null(MailQueue::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(MailQueue::LeaseUntil))
                    .col(text_null(MailQueue::LastError))
                    .col(timestamp_with_time_zone_null(MailQueue::SentAt))
                    .col(timestamp_with_time_zone(MailQueue::CreatedAt))
                    .col(timestamp_with_time_zone(MailQueue::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The claim's order, over the rows still queued only (as `deliveries_queue`).
        db.execute_unprepared(
            "CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at, id)
             WHERE status = 'queued'",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX mail_queue_settled ON mail_queue (updated_at)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailQueue::Table).to_owned())
            .await
    }
}
