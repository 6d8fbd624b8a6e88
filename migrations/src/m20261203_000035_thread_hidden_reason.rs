//! `threads.hidden_reason`: the moderator's reason for hiding a whole thread, shown to the
//! thread's author beside it ("Hidden by a moderator: …"), as `posts.hidden_reason` is for a
//! post (issue 15), and cleared when the thread is shown again. Threads hidden before this
//! step have none (their reason is in the moderation log only).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Threads {
    Table,
    HiddenReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Threads::Table)
                    .add_column(text_null(Threads::HiddenReason))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Threads::Table)
                    .drop_column(Threads::HiddenReason)
                    .to_owned(),
            )
            .await
    }
}
