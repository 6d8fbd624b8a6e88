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

/// The columns both tables get.
#[derive(DeriveIden, Clone, Copy)]
enum Score {
    #[sea_orm(iden = "bounce_points")]
    Points,
    #[sea_orm(iden = "bounce_day_points")]
    DayPoints,
    #[sea_orm(iden = "bounce_last_at")]
    LastAt,
    #[sea_orm(iden = "bounce_reason")]
    Reason,
    #[sea_orm(iden = "bounce_probe_at")]
    ProbeAt,
}

fn columns() -> Vec<ColumnDef> {
    vec![
        integer(Score::Points).default(0).to_owned(),
        integer(Score::DayPoints).default(0).to_owned(),
        timestamp_with_time_zone_null(Score::LastAt),
        text_null(Score::Reason),
        timestamp_with_time_zone_null(Score::ProbeAt),
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
            Score::Points,
            Score::DayPoints,
            Score::LastAt,
            Score::Reason,
            Score::ProbeAt,
        ] {
            drop(manager, Subscribers::Table, column).await?;
            drop(manager, Users::Table, column).await?;
        }
        Ok(())
    }
}
