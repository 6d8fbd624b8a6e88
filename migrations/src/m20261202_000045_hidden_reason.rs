//! Authors are told why (issue 15), and posts change language when edited (issue 13):
//!
//! - `posts.hidden_reason`: the moderator's reason for hiding a post, shown to its author
//!   beside the post ("Hidden by a moderator: …") and cleared when the post is shown again.
//!   Posts hidden before this step have none (their reason is in the moderation log only).
//! - `post_revisions.language`: the language of each earlier text of a post, marked in its
//!   history. Until now a post's language could not change, so every existing revision was
//!   written in its post's language.
//! - `held_edits.language`: the language an edit waiting for approval gives the post.
//!   Existing ones keep their post's.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Posts {
    Table,
    HiddenReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum PostRevisions {
    Table,
    Language,
}

#[derive(DeriveIden, Clone, Copy)]
enum HeldEdits {
    Table,
    Language,
}

/// The languages of the catalogues, frozen here as every migration's content is.
const LANGUAGES: [&str; 3] = ["en", "fr", "es"];

fn language<T: IntoIden + Copy + 'static>(column: T) -> ColumnDef {
    string_len(column, 8)
        .default("en")
        .check(Expr::col(column).is_in(LANGUAGES))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(text_null(Posts::HiddenReason))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PostRevisions::Table)
                    .add_column(language(PostRevisions::Language))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(HeldEdits::Table)
                    .add_column(language(HeldEdits::Language))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Correlated subqueries: the same statement on SQLite and PostgreSQL.
        db.execute_unprepared(
            "UPDATE post_revisions SET language = \
             (SELECT p.language FROM posts p WHERE p.id = post_revisions.post_id)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE held_edits SET language = \
             (SELECT p.language FROM posts p WHERE p.id = held_edits.post_id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(HeldEdits::Table)
                    .drop_column(HeldEdits::Language)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PostRevisions::Table)
                    .drop_column(PostRevisions::Language)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(Posts::HiddenReason)
                    .to_owned(),
            )
            .await
    }
}
