//! The search change log is pruned (issue 12): rows older than a week are deleted, and
//! `search_log_state.pruned_through` remembers the last id deleted. An instance whose index
//! stands before that id (it was stopped longer than the log is kept) cannot replay what it
//! missed, and rebuilds its index from the database instead. One row, id 1.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchLogState {
    Table,
    Id,
    PrunedThrough,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchLogState::Table)
                    .col(integer(SearchLogState::Id).primary_key())
                    .col(big_integer(SearchLogState::PrunedThrough).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(SearchLogState::Table)
                    .columns([SearchLogState::Id, SearchLogState::PrunedThrough])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchLogState::Table).to_owned())
            .await
    }
}
