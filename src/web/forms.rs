//! Form extraction and the text rules every form shares: trimmed, control characters removed,
//! length-capped. Failures name the field and keep what the user typed.

use axum::{
    extract::{FromRequest, Request, rejection::FormRejection},
    http::StatusCode,
};
use serde::de::DeserializeOwned;

use super::{AppError, AppState};
use crate::refusal::Refusal;

/// One field that is wrong and the catalogue key saying what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub key: &'static str,
}

impl FieldProblem {
    /// A service's refusal naming this field.
    pub fn refused(field: &'static str, key: &'static str) -> Refusal<FieldProblem> {
        Refusal::Refused(FieldProblem { field, key })
    }
}

impl From<FieldProblem> for templates::components::FormErrors {
    fn from(problem: FieldProblem) -> Self {
        let mut errors = Self::default();
        errors.add(problem.field, problem.key);
        errors
    }
}

/// Like `axum::Form`, but bad bodies become Fora's clear error pages.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(FormRejection::BytesRejection(r))
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(AppError::TooLarge)
            }
            Err(FormRejection::BytesRejection(r)) => Err(AppError::unreadable_body(&r)),
            Err(_) => Err(AppError::BadRequest("error.bad_form")),
        }
    }
}

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 50_000;
pub const NAME_MAX: usize = 80;
pub const REASON_MAX: usize = 1_000;

/// A translation key naming what is wrong with one field.
pub type FieldError = &'static str;

/// Removes control characters except newlines and tabs (which Markdown needs).
pub fn strip_controls(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .replace("\r\n", "\n")
}

/// One-line text (titles, names, reasons): trimmed, no control characters at all.
pub fn single_line(raw: &str, max: usize) -> Result<String, FieldError> {
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        return Err("form.required");
    }
    if cleaned.chars().count() > max {
        return Err("form.too_long");
    }
    Ok(cleaned)
}

/// Multi-line Markdown: must hold something besides whitespace.
pub fn markdown_body(raw: &str) -> Result<String, FieldError> {
    let cleaned = strip_controls(raw);
    if cleaned.trim().is_empty() {
        return Err("form.required");
    }
    if cleaned.chars().count() > BODY_MAX {
        return Err("form.too_long");
    }
    Ok(cleaned)
}

pub fn email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    if email.len() > 254 || email.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("form.bad_email");
    }
    match email.parse::<lettre::Address>() {
        Ok(_) => Ok(email),
        Err(_) => Err("form.bad_email"),
    }
}

/// The language a text is written in, as a form's language select sends it: `en`, `fr` or
/// `es`; empty (a form without the field) means `default`. Anything else — another code, a
/// region (`fr-FR`), control characters, a long string — is refused, never guessed.
pub fn language(raw: &str, default: &'static str) -> Result<&'static str, FieldError> {
    if raw.is_empty() {
        return Ok(default);
    }
    templates::i18n::known(raw).ok_or("form.bad_language")
}

/// The one field of a moderator's or reporter's "why" box.
#[derive(serde::Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}
