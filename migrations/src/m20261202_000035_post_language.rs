//! Threads and posts carry the language they are written in (issue 13).
//!
//! - `threads.language`: the language of the thread's title (and of its opening post);
//! - `posts.language`: the language of each post, which may differ from its thread's (a
//!   reply in Spanish in a French forum).
//!
//! Both are `en`, `fr` or `es`, checked by the database like the forums' language
//! (`m20261201_000090`). A new one defaults to the author's interface language and the author
//! may pick another on the form.
//!
//! **Existing rows get their forum's language**, not their author's interface language: a
//! forum's language is what an admin declared its discussions to be held in, and it is what
//! Fora assumed for every thread until now (newsletters labelled featured threads with it),
//! while a member's interface language is only how they like to read the buttons (a
//! Spanish-speaking moderator with an English interface writes in Spanish in a Spanish
//! forum). Posts take their thread's, which is their forum's.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Threads {
    Table,
    Language,
}

#[derive(DeriveIden, Clone, Copy)]
enum Posts {
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
                    .table(Threads::Table)
                    .add_column(language(Threads::Language))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(language(Posts::Language))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Correlated subqueries: the same statement on SQLite and PostgreSQL.
        db.execute_unprepared(
            "UPDATE threads SET language = \
             (SELECT f.language FROM forums f WHERE f.id = threads.forum_id)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE posts SET language = \
             (SELECT t.language FROM threads t WHERE t.id = posts.thread_id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(Posts::Language)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Threads::Table)
                    .drop_column(Threads::Language)
                    .to_owned(),
            )
            .await
    }
}
