use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    IsAdmin,
    DisabledAt,
    Locale,
    NotifyMode,
    SessionGeneration,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum PasswordTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    Kind,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::DisplayName))
                    .col(string_null(Users::PasswordHash))
                    .col(boolean(Users::IsAdmin).default(false))
                    .col(timestamp_with_time_zone_null(Users::DisabledAt))
                    .col(string_len(Users::Locale, 8).default("en"))
                    .col(string_len(Users::NotifyMode, 16).default("immediate"))
                    .col(integer(Users::SessionGeneration).default(0))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(integer_null(Sessions::UserId))
                    .col(text(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user_id")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasswordTokens::Table)
                    .col(pk_auto(PasswordTokens::Id))
                    .col(integer(PasswordTokens::UserId))
                    .col(string_uniq(PasswordTokens::TokenHash))
                    .col(string_len(PasswordTokens::Kind, 16))
                    .col(timestamp_with_time_zone(PasswordTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordTokens::UsedAt))
                    .col(timestamp_with_time_zone(PasswordTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PasswordTokens::Table, PasswordTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordTokens::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
