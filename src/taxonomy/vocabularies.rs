//! `/admin/vocabularies`: the taxonomies are data, and knowledge managers extend them here
//! (a new evaluation type, sector, product kind…). Codes are what URLs, imports and the API
//! use, so a code, once added, is never changed from this page. Each term has a label in
//! English and, optionally, in French and Spanish (English is shown where one is missing).

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr};
use serde::Deserialize;
use templates::learnings as views;

use super::{Taxonomy, Translated, Vocabulary};
use crate::{
    db,
    entities::taxonomy_terms,
    web::html,
    web::{
        AdminUser, AppResult, AppState, flash,
        forms::{Checks, Form, FormErrors, single_line},
        paths,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/admin/vocabularies",
        get(show_vocabularies).post(create_term),
    )
}

fn page_view(taxonomy: &Taxonomy, form: &TermForm) -> views::VocabulariesView {
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

pub async fn show_vocabularies(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let notice = flash::take(&admin.session).await;
    Ok(html(
        StatusCode::OK,
        views::vocabularies_page(
            &admin.ctx(),
            &page_view(&taxonomy, &TermForm::default()),
            &FormErrors::default(),
            notice,
        ),
    ))
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

pub async fn add_term(db: &DatabaseConnection, term: NewTerm) -> Result<(), DbErr> {
    let [label, label_fr, label_es] = term.labels;
    let txn = db::begin_write(db).await?;
    taxonomy_terms::ActiveModel {
        vocabulary: Set(term.vocabulary.name().to_string()),
        code: Set(term.code),
        label: Set(label),
        label_fr: Set(label_fr),
        label_es: Set(label_es),
        position: Set(term.position),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await
}

pub async fn create_term(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Form(form): Form<TermForm>,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::load(&state.db).await?;
    let term = match form.validate(&taxonomy) {
        Ok(term) => term,
        Err(errors) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::vocabularies_page(&admin.ctx(), &page_view(&taxonomy, &form), &errors, None),
            ));
        }
    };
    add_term(&state.db, term).await?;
    flash::set(&admin.session, "notice.saved").await;
    Ok(Redirect::to(paths::ADMIN_VOCABULARIES).into_response())
}
