//! Edits held for approval in pre-moderated forums: the post keeps its approved text until a
//! moderator approves the edit. One held edit per post; a newer edit replaces it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HeldEdits::Table)
                    .col(pk_auto(HeldEdits::Id))
                    .col(integer_uniq(HeldEdits::PostId))
                    .col(integer(HeldEdits::EditorId))
                    .col(text(HeldEdits::BodyMd))
                    .col(text(HeldEdits::BodyHtml))
                    .col(timestamp_with_time_zone(HeldEdits::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HeldEdits::Table, HeldEdits::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HeldEdits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum HeldEdits {
    Table,
    Id,
    PostId,
    EditorId,
    BodyMd,
    BodyHtml,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}
