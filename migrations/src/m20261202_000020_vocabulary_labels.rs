//! The vocabularies and themes in the three languages of the interface (issue 13).
//!
//! - `taxonomy_terms.label_fr` / `label_es`: the French and Spanish label of each term
//!   (`label` stays the English one).
//! - `themes.name_fr` / `name_es` / `description_fr` / `description_es`: likewise for themes.
//!
//! Columns rather than a table of translations, as for the editions' introductions
//! (`m20261201_000090`): the languages are a fixed set of three and the whole taxonomy is
//! loaded at once. An empty label falls back to the English one, so a term an admin adds in
//! English only still shows everywhere.
//!
//! The migration fills them for the terms seeded by `m20261123_000003` (`term_names.tsv`,
//! and `country_names.tsv` for every country of ISO 3166-1: the short names of the United
//! Nations' French and Spanish lists, in the same short form as the English list — "Bolivie",
//! not "Bolivie (État plurinational de)" — and "Costa de Marfil", as Spanish readers know Côte
//! d'Ivoire) and for the themes `fora demo` creates, matched by slug *and* English name so
//! that a theme an admin renamed is left alone. Labels already set are never overwritten.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum TaxonomyTerms {
    Table,
    Vocabulary,
    Code,
    LabelFr,
    LabelEs,
}

#[derive(DeriveIden, Clone, Copy)]
enum Themes {
    Table,
    Slug,
    Name,
    NameFr,
    NameEs,
    DescriptionFr,
    DescriptionEs,
}

/// Vocabulary, code, French and Spanish label of each seeded term other than the countries.
pub const TERM_NAMES: &str = include_str!("term_names.tsv");

/// ISO 3166-1 alpha-2 codes with the French and Spanish short names (the same codes as
/// `countries.tsv`).
pub const COUNTRY_NAMES: &str = include_str!("country_names.tsv");

/// (slug, English name, French, Spanish) of the themes `fora demo` creates.
pub const THEMES: &[(&str, &str, &str, &str)] = &[
    (
        "child-domestic-work",
        "Child domestic work",
        "Travail domestique des enfants",
        "Trabajo infantil doméstico",
    ),
    ("agriculture", "Agriculture", "Agriculture", "Agricultura"),
    (
        "education",
        "Education and training",
        "Éducation et formation",
        "Educación y formación",
    ),
    (
        "trafficking",
        "Trafficking",
        "Traite des personnes",
        "Trata de personas",
    ),
    (
        "forced-labour",
        "Forced labour",
        "Travail forcé",
        "Trabajo forzoso",
    ),
    (
        "labour-migration",
        "Labour migration",
        "Migrations de main-d’œuvre",
        "Migración laboral",
    ),
];

/// (vocabulary, code, French, Spanish) of every seeded term, the countries included.
pub fn term_names() -> impl Iterator<Item = [&'static str; 4]> {
    let rows = |text: &'static str| text.lines().filter(|line| !line.is_empty());
    let fields = |line: &'static str, at: usize, into: &mut [&'static str; 4]| {
        for (slot, field) in into[at..].iter_mut().zip(line.split('\t')) {
            *slot = field;
        }
    };
    rows(TERM_NAMES)
        .map(move |line| {
            let mut row = [""; 4];
            fields(line, 0, &mut row);
            row
        })
        .chain(rows(COUNTRY_NAMES).map(move |line| {
            let mut row = ["country", "", "", ""];
            fields(line, 1, &mut row);
            row
        }))
}

fn add(table: impl IntoIden + Copy + 'static, column: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(column).to_owned()
}

async fn label_term(
    manager: &SchemaManager<'_>,
    vocabulary: &str,
    code: &str,
    fr: &str,
    es: &str,
) -> Result<(), DbErr> {
    let update = Query::update()
        .table(TaxonomyTerms::Table)
        .value(TaxonomyTerms::LabelFr, fr)
        .value(TaxonomyTerms::LabelEs, es)
        .and_where(Expr::col(TaxonomyTerms::Vocabulary).eq(vocabulary))
        .and_where(Expr::col(TaxonomyTerms::Code).eq(code))
        .and_where(Expr::col(TaxonomyTerms::LabelFr).eq(""))
        .and_where(Expr::col(TaxonomyTerms::LabelEs).eq(""))
        .to_owned();
    manager.exec_stmt(update).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [TaxonomyTerms::LabelFr, TaxonomyTerms::LabelEs] {
            manager
                .alter_table(add(
                    TaxonomyTerms::Table,
                    string(column).default("").to_owned(),
                ))
                .await?;
        }
        for column in [Themes::NameFr, Themes::NameEs] {
            manager
                .alter_table(add(Themes::Table, string(column).default("").to_owned()))
                .await?;
        }
        for column in [Themes::DescriptionFr, Themes::DescriptionEs] {
            manager
                .alter_table(add(Themes::Table, text(column).default("").to_owned()))
                .await?;
        }
        for [vocabulary, code, fr, es] in term_names() {
            label_term(manager, vocabulary, code, fr, es).await?;
        }
        for (slug, name, fr, es) in THEMES {
            let update = Query::update()
                .table(Themes::Table)
                .value(Themes::NameFr, *fr)
                .value(Themes::NameEs, *es)
                .and_where(Expr::col(Themes::Slug).eq(*slug))
                .and_where(Expr::col(Themes::Name).eq(*name))
                .and_where(Expr::col(Themes::NameFr).eq(""))
                .and_where(Expr::col(Themes::NameEs).eq(""))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Themes::NameFr,
            Themes::NameEs,
            Themes::DescriptionFr,
            Themes::DescriptionEs,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Themes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [TaxonomyTerms::LabelFr, TaxonomyTerms::LabelEs] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TaxonomyTerms::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every country the schema seeds (`countries.tsv`) has a French and a Spanish name, in
    /// the same order, and no other code is named.
    #[test]
    fn every_seeded_country_has_a_french_and_a_spanish_name() {
        let seeded: Vec<&str> = include_str!("countries.tsv")
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        let named: Vec<&str> = term_names()
            .filter(|[vocabulary, ..]| *vocabulary == "country")
            .map(|[_, code, ..]| code)
            .collect();
        assert_eq!(named, seeded);
    }

    #[test]
    fn translations_are_single_trimmed_lines_named_once() {
        let mut seen = std::collections::HashSet::new();
        for [vocabulary, code, fr, es] in term_names() {
            assert!(seen.insert((vocabulary, code)), "{vocabulary} {code} twice");
            for name in [vocabulary, code, fr, es] {
                assert!(
                    !name.is_empty() && name.trim() == name,
                    "{vocabulary} {code}"
                );
            }
        }
        assert_eq!(seen.len(), 45 + 249);
        for (slug, en, fr, es) in THEMES {
            for name in [en, fr, es] {
                assert!(!name.is_empty() && name.trim() == *name, "{slug}");
            }
        }
    }
}
