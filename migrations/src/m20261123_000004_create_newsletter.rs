//! The newsletter: subscribers (double opt-in, themes, frequency), editions with the items
//! they carry, and one delivery row per (edition, subscriber) — the durable outbox whose
//! unique key is what makes sending exactly-once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Subscribers {
    Table,
    Id,
    Email,
    UserId,
    Frequency,
    Language,
    Status,
    UnsubscribeToken,
    ConfirmTokenHash,
    ConfirmExpiresAt,
    ConfirmSentAt,
    ConfirmedAt,
    UnsubscribedAt,
    PermanentFailures,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SubscriberThemes {
    Table,
    SubscriberId,
    ThemeId,
}

#[derive(DeriveIden)]
enum Editions {
    Table,
    Id,
    Frequency,
    PeriodStart,
    PeriodEnd,
    ScheduledFor,
    Status,
    Subject,
    IntroMd,
    IntroHtml,
    Recipients,
    QueuedAt,
    FinishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EditionItems {
    Table,
    EditionId,
    Kind,
    ItemId,
    Position,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    EditionId,
    SubscriberId,
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

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Themes {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Subscribers::Table)
                    .col(pk_auto(Subscribers::Id))
                    .col(string_len(Subscribers::Email, 320))
                    .col(integer_null(Subscribers::UserId))
                    .col(string_len(Subscribers::Frequency, 8).default("weekly"))
                    .col(string_len(Subscribers::Language, 8).default("en"))
                    .col(string_len(Subscribers::Status, 16).default("pending"))
                    .col(string_len(Subscribers::UnsubscribeToken, 64))
                    .col(string_len_null(Subscribers::ConfirmTokenHash, 64))
                    .col(timestamp_with_time_zone_null(Subscribers::ConfirmExpiresAt))
                    .col(timestamp_with_time_zone_null(Subscribers::ConfirmSentAt))
                    .col(timestamp_with_time_zone_null(Subscribers::ConfirmedAt))
                    .col(timestamp_with_time_zone_null(Subscribers::UnsubscribedAt))
                    .col(integer(Subscribers::PermanentFailures).default(0))
                    .col(timestamp_with_time_zone(Subscribers::CreatedAt))
                    .col(timestamp_with_time_zone(Subscribers::UpdatedAt))
                    .foreign_key(&mut fk(
                        Subscribers::Table,
                        Subscribers::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "subscribers_email",
            Subscribers::Table,
            &["email"],
            true,
        )
        .await?;
        index(
            manager,
            "subscribers_user",
            Subscribers::Table,
            &["user_id"],
            true,
        )
        .await?;
        index(
            manager,
            "subscribers_unsubscribe_token",
            Subscribers::Table,
            &["unsubscribe_token"],
            true,
        )
        .await?;
        index(
            manager,
            "subscribers_confirm_token",
            Subscribers::Table,
            &["confirm_token_hash"],
            true,
        )
        .await?;
        index(
            manager,
            "subscribers_status_frequency",
            Subscribers::Table,
            &["status", "frequency"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(SubscriberThemes::Table)
                    .col(integer(SubscriberThemes::SubscriberId))
                    .col(integer(SubscriberThemes::ThemeId))
                    .primary_key(
                        Index::create()
                            .col(SubscriberThemes::SubscriberId)
                            .col(SubscriberThemes::ThemeId),
                    )
                    .foreign_key(&mut fk(
                        SubscriberThemes::Table,
                        SubscriberThemes::SubscriberId,
                        Subscribers::Table,
                        Subscribers::Id,
                    ))
                    .foreign_key(&mut fk(
                        SubscriberThemes::Table,
                        SubscriberThemes::ThemeId,
                        Themes::Table,
                        Themes::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Editions::Table)
                    .col(pk_auto(Editions::Id))
                    .col(string_len(Editions::Frequency, 8))
                    .col(timestamp_with_time_zone(Editions::PeriodStart))
                    .col(timestamp_with_time_zone(Editions::PeriodEnd))
                    .col(timestamp_with_time_zone(Editions::ScheduledFor))
                    .col(string_len(Editions::Status, 16).default("scheduled"))
                    .col(string_len(Editions::Subject, 200))
                    .col(text(Editions::IntroMd).default(""))
                    .col(text(Editions::IntroHtml).default(""))
                    .col(integer(Editions::Recipients).default(0))
                    .col(timestamp_with_time_zone_null(Editions::QueuedAt))
                    .col(timestamp_with_time_zone_null(Editions::FinishedAt))
                    .col(timestamp_with_time_zone(Editions::CreatedAt))
                    .col(timestamp_with_time_zone(Editions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // One edition per frequency and period, whichever instance composes it first.
        index(
            manager,
            "editions_frequency_period",
            Editions::Table,
            &["frequency", "period_end"],
            true,
        )
        .await?;
        index(
            manager,
            "editions_status_scheduled",
            Editions::Table,
            &["status", "scheduled_for"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(EditionItems::Table)
                    .col(integer(EditionItems::EditionId))
                    .col(string_len(EditionItems::Kind, 16))
                    .col(integer(EditionItems::ItemId))
                    .col(integer(EditionItems::Position).default(0))
                    .primary_key(
                        Index::create()
                            .col(EditionItems::EditionId)
                            .col(EditionItems::Kind)
                            .col(EditionItems::ItemId),
                    )
                    .foreign_key(&mut fk(
                        EditionItems::Table,
                        EditionItems::EditionId,
                        Editions::Table,
                        Editions::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(pk_auto(Deliveries::Id))
                    .col(integer(Deliveries::EditionId))
                    .col(integer(Deliveries::SubscriberId))
                    .col(string_len(Deliveries::Status, 16).default("queued"))
                    .col(integer(Deliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                    .col(string_len_null(Deliveries::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(Deliveries::LeaseUntil))
                    .col(text_null(Deliveries::LastError))
                    .col(timestamp_with_time_zone_null(Deliveries::SentAt))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone(Deliveries::UpdatedAt))
                    .foreign_key(&mut fk(
                        Deliveries::Table,
                        Deliveries::EditionId,
                        Editions::Table,
                        Editions::Id,
                    ))
                    .foreign_key(&mut fk(
                        Deliveries::Table,
                        Deliveries::SubscriberId,
                        Subscribers::Table,
                        Subscribers::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The exactly-once key: a second enqueue of the same edition adds nobody twice.
        index(
            manager,
            "deliveries_edition_subscriber",
            Deliveries::Table,
            &["edition_id", "subscriber_id"],
            true,
        )
        .await?;
        index(
            manager,
            "deliveries_due",
            Deliveries::Table,
            &["status", "next_attempt_at"],
            false,
        )
        .await?;
        index(
            manager,
            "deliveries_subscriber",
            Deliveries::Table,
            &["subscriber_id", "status"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Deliveries::Table.into_iden(),
            EditionItems::Table.into_iden(),
            Editions::Table.into_iden(),
            SubscriberThemes::Table.into_iden(),
            Subscribers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Every reference here cascades: a removed account, theme, subscriber or edition takes its
/// newsletter rows with it.
fn fk(
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
    ref_table: impl IntoIden + 'static,
    ref_column: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(ref_table, ref_column)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(Alias::new(*column));
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}
