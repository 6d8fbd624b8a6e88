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
//! The migration fills them for the terms seeded by `m20261123_000003` (every country of
//! ISO 3166-1: the short names of the United Nations' French and Spanish lists, in the same
//! short form as the English list — "Bolivie", not "Bolivie (État plurinational de)" — and
//! "Costa de Marfil" as Spanish readers know Côte d'Ivoire) and for the themes `fora demo` creates, matched by slug
//! *and* English name so that a theme an admin renamed is left alone. Labels already set
//! are never overwritten.

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

/// (vocabulary, code, French, Spanish) of the seeded terms other than countries.
pub const TERMS: &[(&str, &str, &str, &str)] = &[
    (
        "evaluation_type",
        "interim",
        "Évaluation intérimaire",
        "Evaluación interina",
    ),
    (
        "evaluation_type",
        "midterm",
        "Évaluation à mi-parcours",
        "Evaluación intermedia",
    ),
    (
        "evaluation_type",
        "final",
        "Évaluation finale",
        "Evaluación final",
    ),
    (
        "evaluation_type",
        "ex_post",
        "Évaluation ex post",
        "Evaluación ex post",
    ),
    (
        "evaluation_type",
        "impact",
        "Évaluation d’impact",
        "Evaluación de impacto",
    ),
    ("sector", "agriculture", "Agriculture", "Agricultura"),
    (
        "sector",
        "domestic_work",
        "Travail domestique",
        "Trabajo doméstico",
    ),
    ("sector", "mining", "Mines et carrières", "Minas y canteras"),
    (
        "sector",
        "fishing",
        "Pêche et aquaculture",
        "Pesca y acuicultura",
    ),
    (
        "sector",
        "manufacturing",
        "Industrie manufacturière",
        "Industria manufacturera",
    ),
    ("sector", "construction", "Construction", "Construcción"),
    (
        "sector",
        "street_work",
        "Travail dans la rue",
        "Trabajo en la calle",
    ),
    (
        "sector",
        "sexual_exploitation",
        "Exploitation sexuelle à des fins commerciales",
        "Explotación sexual comercial",
    ),
    (
        "sector",
        "armed_conflict",
        "Enfants dans les conflits armés",
        "Niños y niñas en conflictos armados",
    ),
    ("sector", "services", "Services", "Servicios"),
    (
        "intervention_type",
        "awareness_raising",
        "Sensibilisation",
        "Sensibilización",
    ),
    ("intervention_type", "education", "Éducation", "Educación"),
    (
        "intervention_type",
        "vocational_training",
        "Formation professionnelle",
        "Formación profesional",
    ),
    (
        "intervention_type",
        "livelihoods",
        "Moyens de subsistance",
        "Medios de vida",
    ),
    (
        "intervention_type",
        "social_protection",
        "Protection sociale",
        "Protección social",
    ),
    (
        "intervention_type",
        "policy_legislation",
        "Politiques et législation",
        "Políticas y legislación",
    ),
    (
        "intervention_type",
        "capacity_building",
        "Renforcement des capacités",
        "Fortalecimiento de capacidades",
    ),
    (
        "intervention_type",
        "monitoring",
        "Surveillance du travail des enfants",
        "Monitoreo del trabajo infantil",
    ),
    (
        "intervention_type",
        "withdrawal",
        "Retrait et réadaptation",
        "Retiro y rehabilitación",
    ),
    (
        "intervention_type",
        "research",
        "Recherche et données",
        "Investigación y datos",
    ),
    (
        "intervention_type",
        "social_dialogue",
        "Dialogue social",
        "Diálogo social",
    ),
    ("cycle_stage", "design", "Conception", "Diseño"),
    ("cycle_stage", "start_up", "Démarrage", "Puesta en marcha"),
    (
        "cycle_stage",
        "implementation",
        "Mise en œuvre",
        "Ejecución",
    ),
    ("cycle_stage", "monitoring", "Suivi", "Seguimiento"),
    ("cycle_stage", "evaluation", "Évaluation", "Evaluación"),
    (
        "cycle_stage",
        "phase_out",
        "Désengagement progressif et durabilité",
        "Retirada progresiva y sostenibilidad",
    ),
    ("criterion", "relevance", "Pertinence", "Pertinencia"),
    (
        "criterion",
        "coherence_design",
        "Cohérence / conception",
        "Coherencia / diseño",
    ),
    ("criterion", "effectiveness", "Efficacité", "Eficacia"),
    ("criterion", "efficiency", "Efficience", "Eficiencia"),
    ("criterion", "impact", "Impact", "Impacto"),
    (
        "criterion",
        "sustainability",
        "Durabilité",
        "Sostenibilidad",
    ),
    ("product_kind", "publication", "Publication", "Publicación"),
    ("product_kind", "tool", "Outil", "Herramienta"),
    ("product_kind", "compendium", "Recueil", "Compendio"),
    ("product_kind", "training", "Formation", "Formación"),
    ("product_kind", "guide", "Guide", "Guía"),
    ("product_kind", "video", "Vidéo", "Video"),
    (
        "product_kind",
        "dataset",
        "Jeu de données",
        "Conjunto de datos",
    ),
];

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

/// (code, French, Spanish) of every country.
pub fn country_names() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    COUNTRY_NAMES.lines().filter(|l| !l.is_empty()).map(|line| {
        let mut parts = line.split('\t');
        let mut next = || parts.next().expect("code<TAB>French<TAB>Spanish");
        (next(), next(), next())
    })
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
        for (vocabulary, code, fr, es) in TERMS {
            label_term(manager, vocabulary, code, fr, es).await?;
        }
        for (code, fr, es) in country_names() {
            label_term(manager, "country", code, fr, es).await?;
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
        let named: Vec<(&str, &str, &str)> = country_names().collect();
        assert_eq!(
            named.iter().map(|(code, _, _)| *code).collect::<Vec<_>>(),
            seeded
        );
        for (code, fr, es) in named {
            for name in [fr, es] {
                assert!(!name.is_empty() && name.trim() == name, "{code}: {name:?}");
            }
        }
    }

    #[test]
    fn translations_are_single_trimmed_lines_named_once() {
        let mut seen = std::collections::HashSet::new();
        for (vocabulary, code, fr, es) in TERMS {
            assert!(seen.insert((vocabulary, code)), "{vocabulary} {code} twice");
            for name in [fr, es] {
                assert!(!name.is_empty() && name.trim() == *name && !name.contains('\n'));
            }
        }
        for (slug, en, fr, es) in THEMES {
            for name in [en, fr, es] {
                assert!(!name.is_empty() && name.trim() == *name, "{slug}");
            }
        }
    }
}
