//! The taxonomies are data, and knowledge managers extend them (a new evaluation type, sector,
//! product kind…) from `/admin/vocabularies` (the admin pages). Codes are what URLs, imports
//! and the API use, so a code, once added, is never changed. Each term has a label in English
//! and, optionally, in French and Spanish (English is shown where one is missing).

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use serde::Deserialize;
use templates::learnings as views;

use super::{Taxonomy, Translated, Vocabulary};
use crate::{
    entities::taxonomy_terms,
    web::forms::{Checks, FormErrors, single_line},
};

/// The page's content: every vocabulary's terms, and the add form as `form` holds it.
pub fn page_view(taxonomy: &Taxonomy, form: &TermForm) -> views::VocabulariesView {
    views::VocabulariesView {
        vocabularies: Vocabulary::ALL
            .into_iter()
            .filter(|v| *v != Vocabulary::Country)
            .map(|v| {
                (
                    v.name().to_string(),
                    taxonomy
                        .terms_of(v)
                        .map(|t| {
                            let Translated { en, fr, es } = t.labels.clone();
                            (t.code.clone(), [en, fr, es])
                        })
                        .collect(),
                )
            })
            .collect(),
        vocabulary: form.vocabulary.clone(),
        code: form.code.clone(),
        label: form.label.clone(),
        label_fr: form.label_fr.clone(),
        label_es: form.label_es.clone(),
    }
}

#[derive(Default, Deserialize)]
pub struct TermForm {
    #[serde(default)]
    vocabulary: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    label_fr: String,
    #[serde(default)]
    label_es: String,
}

/// Lower-case letters, digits and `_`, starting with a letter: safe in URLs and files.
fn valid_code(code: &str) -> bool {
    code.len() <= 64
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl TermForm {
    /// A new term at the end of its vocabulary (countries are fixed: ISO's list).
    pub fn validate(&self, taxonomy: &Taxonomy) -> Result<NewTerm, FormErrors> {
        let mut checks = Checks::default();
        let vocabulary =
            Vocabulary::from_name(self.vocabulary.trim()).filter(|v| *v != Vocabulary::Country);
        if vocabulary.is_none() {
            checks.add("vocabulary", "learning.unknown_code");
        }
        let code = self.code.trim().to_ascii_lowercase();
        if !valid_code(&code) {
            checks.add("code", "learning.bad_code");
        } else if let Some(v) = vocabulary
            && taxonomy.by_code(v, &code).is_some()
        {
            checks.add("code", "learning.code_taken");
        }
        let label = checks.field("label", single_line(&self.label, LABEL_MAX));
        // The translations may be left empty: the English label is shown in their place.
        let mut translation = |field: &'static str, text: &str| {
            if text.trim().is_empty() {
                return Some(String::new());
            }
            checks.field(field, single_line(text, LABEL_MAX))
        };
        let label_fr = translation("label_fr", &self.label_fr);
        let label_es = translation("label_es", &self.label_es);
        checks.finish(|| {
            let vocabulary = vocabulary?;
            Some(NewTerm {
                vocabulary,
                code,
                labels: [label?, label_fr?, label_es?],
                position: taxonomy.terms_of(vocabulary).count() as i32,
            })
        })
    }
}

/// The longest label of a term, in any language.
const LABEL_MAX: usize = 120;

/// A term as the vocabularies page adds it (fields already checked).
pub struct NewTerm {
    pub vocabulary: Vocabulary,
    pub code: String,
    /// English, French, Spanish; empty for a translation not given.
    pub labels: [String; 3],
    pub position: i32,
}

/// Adds a term in the caller's transaction (which logs it) and returns it.
pub async fn insert_term(
    txn: &impl ConnectionTrait,
    term: NewTerm,
) -> Result<taxonomy_terms::Model, DbErr> {
    let [label, label_fr, label_es] = term.labels;
    taxonomy_terms::ActiveModel {
        vocabulary: Set(term.vocabulary.name().to_string()),
        code: Set(term.code),
        label: Set(label),
        label_fr: Set(label_fr),
        label_es: Set(label_es),
        position: Set(term.position),
        ..Default::default()
    }
    .insert(txn)
    .await
}
