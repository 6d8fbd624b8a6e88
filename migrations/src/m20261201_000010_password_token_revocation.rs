//! Password links can be withdrawn: a newer link for the same account, the use of any link and
//! every password change withdraw the open ones. `revoked_at` marks them; the index serves
//! "the newest link of this account" and "links sent to this account in the last hour".

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PasswordTokens::Table)
                    .add_column(timestamp_with_time_zone_null(PasswordTokens::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("password_tokens_user_created")
                    .table(PasswordTokens::Table)
                    .col(PasswordTokens::UserId)
                    .col(PasswordTokens::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("password_tokens_user_created")
                    .table(PasswordTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PasswordTokens::Table)
                    .drop_column(PasswordTokens::RevokedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PasswordTokens {
    Table,
    UserId,
    CreatedAt,
    RevokedAt,
}
