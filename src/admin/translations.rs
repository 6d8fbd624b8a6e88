//! `/admin/themes/{slug}` and `/admin/vocabularies/{vocabulary}/{code}`: translations edited
//! after creation (a theme's French and Spanish names and its descriptions, a term's French
//! and Spanish labels). Each change is an admin action with its log row; labels and names reach
//! the search index through its change log (`taxonomy::translations`).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use templates::{components::FormErrors, translations as views};

use super::{actions, queries};
use crate::{
    entities::{taxonomy_terms, themes},
    taxonomy::{
        Vocabulary,
        translations::{RawTermLabels, RawThemeTexts},
    },
    web::{AdminUser, AppError, AppResult, AppState, flash, forms::Form, html, paths},
};

fn theme_view(theme: &themes::Model, typed: Option<RawThemeTexts>) -> views::ThemeView {
    let texts = typed.unwrap_or_else(|| RawThemeTexts {
        name_fr: theme.name_fr.clone(),
        name_es: theme.name_es.clone(),
        description: theme.description.clone(),
        description_fr: theme.description_fr.clone(),
        description_es: theme.description_es.clone(),
    });
    views::ThemeView {
        slug: theme.slug.clone(),
        name: theme.name.clone(),
        name_fr: texts.name_fr,
        name_es: texts.name_es,
        description: texts.description,
        description_fr: texts.description_fr,
        description_es: texts.description_es,
    }
}

async fn theme_by_slug(state: &AppState, slug: &str) -> AppResult<themes::Model> {
    queries::theme(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn show_theme(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let theme = theme_by_slug(&state, &slug).await?;
    let notice = flash::take(&admin.session).await;
    Ok(html(
        StatusCode::OK,
        views::theme_page(
            &admin.ctx(),
            &theme_view(&theme, None),
            &FormErrors::default(),
            notice,
        ),
    ))
}

pub async fn save_theme(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(slug): Path<String>,
    Form(form): Form<RawThemeTexts>,
) -> AppResult<Response> {
    let theme = theme_by_slug(&state, &slug).await?;
    let texts = match form.validate() {
        Ok(texts) => texts,
        Err(problems) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::theme_page(
                    &admin.ctx(),
                    &theme_view(&theme, Some(form)),
                    &problems,
                    None,
                ),
            ));
        }
    };
    actions::translate_theme(&state.db, &admin.user, &theme, &texts).await?;
    flash::set(&admin.session, "notice.saved").await;
    Ok(Redirect::to(&paths::admin_theme(&theme.slug)).into_response())
}

fn term_view(
    lang: &str,
    term: &taxonomy_terms::Model,
    typed: Option<RawTermLabels>,
) -> views::TermView {
    let typed = typed.unwrap_or_else(|| RawTermLabels {
        label_fr: term.label_fr.clone(),
        label_es: term.label_es.clone(),
    });
    views::TermView {
        vocabulary: term.vocabulary.clone(),
        vocabulary_label: templates::learnings::vocabulary_label(lang, &term.vocabulary),
        code: term.code.clone(),
        label: term.label.clone(),
        label_fr: typed.label_fr,
        label_es: typed.label_es,
    }
}

/// The term named by the address: 404 for a vocabulary or code that does not exist.
async fn term_at(
    state: &AppState,
    vocabulary: &str,
    code: &str,
) -> AppResult<taxonomy_terms::Model> {
    let Some(vocabulary) = Vocabulary::from_name(vocabulary) else {
        return Err(AppError::NotFound);
    };
    queries::term(&state.db, vocabulary.name(), code)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn show_term(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path((vocabulary, code)): Path<(String, String)>,
) -> AppResult<Response> {
    let term = term_at(&state, &vocabulary, &code).await?;
    let notice = flash::take(&admin.session).await;
    let ctx = admin.ctx();
    Ok(html(
        StatusCode::OK,
        views::term_page(
            &ctx,
            &term_view(ctx.lang, &term, None),
            &FormErrors::default(),
            notice,
        ),
    ))
}

pub async fn save_term(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path((vocabulary, code)): Path<(String, String)>,
    Form(form): Form<RawTermLabels>,
) -> AppResult<Response> {
    let term = term_at(&state, &vocabulary, &code).await?;
    let labels = match form.validate() {
        Ok(labels) => labels,
        Err(problems) => {
            let ctx = admin.ctx();
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::term_page(
                    &ctx,
                    &term_view(ctx.lang, &term, Some(form)),
                    &problems,
                    None,
                ),
            ));
        }
    };
    actions::translate_term(&state.db, &admin.user, &term, &labels).await?;
    flash::set(&admin.session, "notice.saved").await;
    Ok(Redirect::to(&paths::admin_term(&term.vocabulary, &term.code)).into_response())
}
