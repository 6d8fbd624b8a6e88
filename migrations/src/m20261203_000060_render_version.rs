//! `posts.render_version` and `held_edits.render_version`: the version of the Markdown
//! renderer (`markdown::RENDER_VERSION`) that produced the stored `body_html`. Rows written
//! before this step are version 0; `fora serve` renders every row older than the current
//! version again from its Markdown, in the background, so a change to rendering (mentions,
//! first) reaches posts written before it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Posts {
    Table,
    RenderVersion,
}

#[derive(DeriveIden, Clone, Copy)]
enum HeldEdits {
    Table,
    RenderVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(integer(Posts::RenderVersion).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(HeldEdits::Table)
                    .add_column(integer(HeldEdits::RenderVersion).default(0))
                    .to_owned(),
            )
            .await?;
        // The re-rendering looks for old rows: an index keeps that cheap once all are current.
        manager
            .create_index(
                Index::create()
                    .name("posts_render_version")
                    .table(Posts::Table)
                    .col(Posts::RenderVersion)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("posts_render_version")
                    .table(Posts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(HeldEdits::Table)
                    .drop_column(HeldEdits::RenderVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(Posts::RenderVersion)
                    .to_owned(),
            )
            .await
    }
}
