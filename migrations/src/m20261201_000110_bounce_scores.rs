//! Bounces counted per recipient, as Mailman counts them (issue 14): a hard bounce adds 2
//! points, a soft one 1 (a score kept in half-bounces, so that both databases store exact
//! integers), at most one bounce counted per recipient and day, and a threshold past which
//! the recipient gets no more mail.
//!
//! On `subscribers` and on `users` alike:
//! - `bounce_points`: the score, in half-bounces;
//! - `bounce_day_points`: what the day of `bounce_last_at` has counted so far (a soft bounce
//!   and then a hard one on the same day count as one hard bounce);
//! - `bounce_last_at`, `bounce_reason`: the last bounce and what its report said;
//! - `bounce_probe_at`: when mail was first accepted for the recipient after their last
//!   bounce; once that is long enough ago with no bounce since, the mail got through and the
//!   score goes back to zero.
//!
//! A subscriber past the threshold is `suppressed` (the status that SMTP refusals already
//! used); a member gets `users.bounce_suppressed_at` and keeps their account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Subscribers {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    BounceSuppressedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Bounce {
    BouncePoints,
    BounceDayPoints,
    BounceLastAt,
    BounceReason,
    BounceProbeAt,
}

fn columns() -> Vec<ColumnDef> {
    vec![
        integer(Bounce::BouncePoints).default(0).to_owned(),
        integer(Bounce::BounceDayPoints).default(0).to_owned(),
        timestamp_with_time_zone_null(Bounce::BounceLastAt),
        text_null(Bounce::BounceReason),
        timestamp_with_time_zone_null(Bounce::BounceProbeAt),
    ]
}

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + Copy + 'static,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

async fn drop(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + Copy + 'static,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in columns() {
            add(manager, Subscribers::Table, column.clone()).await?;
            add(manager, Users::Table, column).await?;
        }
        add(
            manager,
            Users::Table,
            timestamp_with_time_zone_null(Users::BounceSuppressedAt),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop(manager, Users::Table, Users::BounceSuppressedAt).await?;
        for column in [
            Bounce::BouncePoints,
            Bounce::BounceDayPoints,
            Bounce::BounceLastAt,
            Bounce::BounceReason,
            Bounce::BounceProbeAt,
        ] {
            drop(manager, Subscribers::Table, column).await?;
            drop(manager, Users::Table, column).await?;
        }
        Ok(())
    }
}
