//! Translations edited after creation: a term's French and Spanish labels, a theme's French and
//! Spanish names and its descriptions (issue 13). The English label and name stay as they
//! are: the English name is what a theme or term is known by in imports and the admin's log,
//! and the codes and slugs never change here.
//!
//! Labels and theme names are searchable words of every learning and product tagged with them
//! (`search::documents::tag`), so a change records a search change for each of those items in
//! the same transaction; the index picks it up through the change log like any other write.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, FromQueryResult, Statement,
};

use crate::{
    entities::{taxonomy_terms, themes},
    search::change::{self, Item},
    web::forms::{Checks, FormErrors, TextProblem, optional_line, optional_paragraphs},
};

/// Longest term label, as when a term is added (`/admin/vocabularies`).
pub const LABEL_MAX: usize = 120;
/// Longest theme name, as when a theme is created.
pub const NAME_MAX: usize = crate::web::forms::TITLE_MAX;
/// Longest theme description (plain text, paragraphs separated by a blank line).
pub const DESCRIPTION_MAX: usize = 2_000;
/// Beyond this many tagged items, one rebuild of the index is cheaper than a change row each.
const REBUILD_ABOVE: usize = 10_000;

/// A term's French and Spanish labels, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermLabels {
    pub fr: String,
    pub es: String,
}

/// The French and Spanish labels as the form sends them.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawTermLabels {
    #[serde(default)]
    pub label_fr: String,
    #[serde(default)]
    pub label_es: String,
}

/// A translation typed in a one-line field: empty (or nothing but control characters and
/// spaces) means "none", and English is shown in its place.
fn translation(raw: &str, max: usize) -> Result<String, TextProblem> {
    Ok(optional_line(raw, max)?.unwrap_or_default())
}

/// A description in plain paragraphs; empty means "none".
fn description(raw: &str) -> Result<String, TextProblem> {
    Ok(optional_paragraphs(raw, DESCRIPTION_MAX)?.unwrap_or_default())
}

impl RawTermLabels {
    /// The labels, or every field that is wrong.
    pub fn validate(&self) -> Result<TermLabels, FormErrors> {
        let mut checks = Checks::default();
        let fr = checks.field("label_fr", translation(&self.label_fr, LABEL_MAX));
        let es = checks.field("label_es", translation(&self.label_es, LABEL_MAX));
        checks.finish(|| Some(TermLabels { fr: fr?, es: es? }))
    }
}

/// A theme's texts besides its English name, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThemeTexts {
    pub name_fr: String,
    pub name_es: String,
    pub description: String,
    pub description_fr: String,
    pub description_es: String,
}

/// A theme's texts as the form sends them.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawThemeTexts {
    #[serde(default)]
    pub name_fr: String,
    #[serde(default)]
    pub name_es: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub description_fr: String,
    #[serde(default)]
    pub description_es: String,
}

impl RawThemeTexts {
    pub fn validate(&self) -> Result<ThemeTexts, FormErrors> {
        let mut checks = Checks::default();
        let name_fr = checks.field("name_fr", translation(&self.name_fr, NAME_MAX));
        let name_es = checks.field("name_es", translation(&self.name_es, NAME_MAX));
        let description_en = checks.field("description", description(&self.description));
        let description_fr = checks.field("description_fr", description(&self.description_fr));
        let description_es = checks.field("description_es", description(&self.description_es));
        checks.finish(|| {
            Some(ThemeTexts {
                name_fr: name_fr?,
                name_es: name_es?,
                description: description_en?,
                description_fr: description_fr?,
                description_es: description_es?,
            })
        })
    }
}

#[derive(FromQueryResult)]
struct Id {
    id: i32,
}

async fn ids(db: &impl ConnectionTrait, sql: &str, id: i32) -> Result<Vec<i32>, DbErr> {
    Ok(Id::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [id.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|row| row.id)
    .collect())
}

/// Records a search change for every learning and product whose indexed words hold this
/// term's or theme's names (or one rebuild when there are very many).
async fn reindex_tagged(
    db: &impl ConnectionTrait,
    learnings_sql: &str,
    products_sql: &str,
    id: i32,
) -> Result<(), DbErr> {
    let learnings = ids(db, learnings_sql, id).await?;
    let products = ids(db, products_sql, id).await?;
    let items: Vec<Item> = if learnings.len() + products.len() > REBUILD_ABOVE {
        vec![Item::Rebuild]
    } else {
        learnings
            .into_iter()
            .map(Item::Learning)
            .chain(products.into_iter().map(Item::Product))
            .collect()
    };
    change::record(db, &items).await
}

/// Sets a term's French and Spanish labels; `false` when they already were these (nothing is
/// written then). Call inside a write transaction.
pub async fn set_term_labels(
    db: &impl ConnectionTrait,
    term: &taxonomy_terms::Model,
    labels: &TermLabels,
) -> Result<bool, DbErr> {
    if term.label_fr == labels.fr && term.label_es == labels.es {
        return Ok(false);
    }
    let mut active: taxonomy_terms::ActiveModel = term.clone().into();
    active.label_fr = Set(labels.fr.clone());
    active.label_es = Set(labels.es.clone());
    active.update(db).await?;
    reindex_tagged(
        db,
        "SELECT id FROM learnings WHERE evaluation_type_id = $1 OR sector_id = $1
                OR intervention_type_id = $1 OR cycle_stage_id = $1 OR criterion_id = $1
         UNION SELECT learning_id AS id FROM learning_countries WHERE country_id = $1",
        "SELECT id FROM products WHERE kind_id = $1
         UNION SELECT product_id AS id FROM product_countries WHERE country_id = $1",
        term.id,
    )
    .await?;
    Ok(true)
}

/// Sets a theme's French and Spanish names and its descriptions; `false` when nothing changed.
/// Only a change of name reaches the search index (descriptions are not indexed). Call inside
/// a write transaction.
pub async fn set_theme_texts(
    db: &impl ConnectionTrait,
    theme: &themes::Model,
    texts: &ThemeTexts,
) -> Result<bool, DbErr> {
    let names_changed = theme.name_fr != texts.name_fr || theme.name_es != texts.name_es;
    let descriptions_changed = theme.description != texts.description
        || theme.description_fr != texts.description_fr
        || theme.description_es != texts.description_es;
    if !names_changed && !descriptions_changed {
        return Ok(false);
    }
    let mut active: themes::ActiveModel = theme.clone().into();
    active.name_fr = Set(texts.name_fr.clone());
    active.name_es = Set(texts.name_es.clone());
    active.description = Set(texts.description.clone());
    active.description_fr = Set(texts.description_fr.clone());
    active.description_es = Set(texts.description_es.clone());
    active.update(db).await?;
    if names_changed {
        reindex_tagged(
            db,
            "SELECT learning_id AS id FROM learning_themes WHERE theme_id = $1",
            "SELECT product_id AS id FROM product_themes WHERE theme_id = $1",
            theme.id,
        )
        .await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_lose_control_characters_and_extra_spaces() {
        let labels = RawTermLabels {
            label_fr: " Travail\u{7}  forcé\n".into(),
            label_es: "\u{0}\u{1b} ".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(labels.fr, "Travail forcé");
        assert_eq!(labels.es, "", "nothing but control characters is no label");
    }

    #[test]
    fn over_long_labels_name_their_fields() {
        let long = "é".repeat(LABEL_MAX + 1);
        let labels = |fr: &str, es: &str| RawTermLabels {
            label_fr: fr.into(),
            label_es: es.into(),
        };
        let problems = labels(&long, &long).validate().unwrap_err();
        let fields: Vec<_> = problems.problems().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["label_fr", "label_es"]);
        assert!(labels(&"é".repeat(LABEL_MAX), "").validate().is_ok());
    }

    #[test]
    fn descriptions_keep_paragraphs() {
        let raw = RawThemeTexts {
            description_fr: "Premier.\r\n\r\nSecond\u{7}.".into(),
            ..Default::default()
        };
        let texts = raw.validate().unwrap();
        assert_eq!(texts.description_fr, "Premier.\n\nSecond.");
        let raw = RawThemeTexts {
            description: "x".repeat(DESCRIPTION_MAX + 1),
            name_es: "y".repeat(NAME_MAX + 1),
            ..Default::default()
        };
        let fields: Vec<_> = raw
            .validate()
            .unwrap_err()
            .problems()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["name_es", "description"]);
    }
}
