//! Mail in the recipient's language (issue 13).
//!
//! - `forums.language`: the language a forum is held in (en, fr or es). Its invitations go
//!   out in it unless the inviter picks another, and its featured threads are labelled with it
//!   in newsletters written in another language.
//! - `invitations.language`: the language the invitation was written in, so that sending it
//!   again keeps it.
//! - `editions.intro_md_fr` / `intro_html_fr` / `intro_md_es` / `intro_html_es`: one
//!   introduction per language. Columns rather than a table of translations: the languages
//!   are a fixed set of three, the message of each subscriber is built from the edition row
//!   already loaded (no query per message), and an empty one falls back to the English
//!   `intro_md` / `intro_html`. A fourth language would need a migration either way (the
//!   catalogues, the checks).
//!
//! The languages are checked by the database too, like the states in `m20261201_000060`:
//! `CHECK` on the column (SQLite accepts one on `ADD COLUMN` and checks it on every write).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Forums {
    Table,
    Language,
}

#[derive(DeriveIden, Clone, Copy)]
enum Invitations {
    Table,
    Language,
}

#[derive(DeriveIden)]
enum Editions {
    Table,
    IntroMdFr,
    IntroHtmlFr,
    IntroMdEs,
    IntroHtmlEs,
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
                    .table(Forums::Table)
                    .add_column(language(Forums::Language))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(language(Invitations::Language))
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per statement.
        for column in [
            Editions::IntroMdFr,
            Editions::IntroHtmlFr,
            Editions::IntroMdEs,
            Editions::IntroHtmlEs,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Editions::Table)
                        .add_column(text(column).default(""))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Editions::IntroMdFr,
            Editions::IntroHtmlFr,
            Editions::IntroMdEs,
            Editions::IntroHtmlEs,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Editions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .drop_column(Invitations::Language)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Forums::Table)
                    .drop_column(Forums::Language)
                    .to_owned(),
            )
            .await
    }
}
