//! Search moves to an embedded engine (tantivy) fed from a change log: `search_changes` gets a
//! row, in the same transaction, for every change that affects what search shows, and each
//! instance applies the rows in order. The FTS5 table and its triggers (SQLite), the tsvector
//! column and its index (PostgreSQL) and the facet tokens they indexed go away.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchChanges {
    Table,
    Id,
    ItemKind,
    ItemId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Learnings {
    Table,
    FacetKeys,
}

const SQLITE_DROP: &[&str] = &[
    "DROP TRIGGER IF EXISTS learnings_fts_insert",
    "DROP TRIGGER IF EXISTS learnings_fts_delete",
    "DROP TRIGGER IF EXISTS learnings_fts_update",
    "DROP TABLE IF EXISTS learnings_fts",
];

const POSTGRES_DROP: &[&str] = &[
    "DROP INDEX IF EXISTS learnings_search_idx",
    "ALTER TABLE learnings DROP COLUMN IF EXISTS search_vector",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchChanges::Table)
                    .col(big_pk_auto(SearchChanges::Id))
                    .col(string_len(SearchChanges::ItemKind, 16))
                    .col(integer(SearchChanges::ItemId))
                    .col(timestamp_with_time_zone(SearchChanges::CreatedAt))
                    .to_owned(),
            )
            .await?;
        let drops = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => POSTGRES_DROP,
            _ => SQLITE_DROP,
        };
        let db = manager.get_connection();
        for statement in drops {
            db.execute_unprepared(statement).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Learnings::Table)
                    .drop_column(Learnings::FacetKeys)
                    .to_owned(),
            )
            .await
    }

    /// The old full-text tables are not rebuilt: a database taken back before this migration
    /// needs the earlier release's search set up again.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Learnings::Table)
                    .add_column(text(Learnings::FacetKeys).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SearchChanges::Table).to_owned())
            .await
    }
}
