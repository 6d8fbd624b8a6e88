//! Form extraction and the text rules every form shares: trimmed, control characters removed,
//! length-capped. Failures name the field and keep what the user typed.

use axum::{
    extract::{FromRequest, Request, rejection::FormRejection},
    http::StatusCode,
};
use serde::de::DeserializeOwned;

use super::{AppError, AppState};
use crate::refusal::Refusal;

pub use templates::components::{FieldProblem, FormErrors};

/// A service's refusal naming one field.
pub fn refused(field: &'static str, key: impl Into<FieldError>) -> Refusal<FieldProblem> {
    Refusal::Refused(FieldProblem::new(field, key.into()))
}

/// Reads a raw form field by field, keeping every problem, so a form is answered with all
/// that is wrong at once: `validate` methods turn a raw form into its checked fields with it.
#[derive(Default)]
pub struct Checks(FormErrors);

impl Checks {
    /// The field's value, or `None` with its problem noted.
    pub fn field<T, E: Into<FieldError>>(
        &mut self,
        field: &'static str,
        result: Result<T, E>,
    ) -> Option<T> {
        result
            .map_err(|problem| self.0.add(field, problem.into()))
            .ok()
    }

    pub fn add(&mut self, field: &'static str, key: FieldError) {
        self.0.add(field, key);
    }

    pub fn push(&mut self, problem: FieldProblem) {
        self.0.push(problem);
    }

    /// The checked fields built by `build` when nothing was wrong, else every problem.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, FormErrors> {
        if !self.0.is_empty() {
            return Err(self.0);
        }
        build().ok_or(self.0)
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

/// What is wrong with a text field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    /// Nothing but spaces (or nothing at all).
    Missing,
    TooLong,
}

impl TextProblem {
    pub fn key(self) -> FieldError {
        match self {
            TextProblem::Missing => "form.required",
            TextProblem::TooLong => "form.too_long",
        }
    }
}

impl From<TextProblem> for FieldError {
    fn from(problem: TextProblem) -> Self {
        problem.key()
    }
}

/// One-line text (titles, names, reasons, labels): line breaks and tabs, which separate words,
/// become one space like any run of spaces; other control characters go; trimmed.
pub fn single_line(raw: &str, max: usize) -> Result<String, TextProblem> {
    let cleaned: String = raw
        .chars()
        .filter(|c| c.is_whitespace() || !c.is_control())
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err(TextProblem::Missing);
    }
    if cleaned.chars().count() > max {
        return Err(TextProblem::TooLong);
    }
    Ok(cleaned)
}

/// One-line text that may be left empty (`None`).
pub fn optional_line(raw: &str, max: usize) -> Result<Option<String>, TextProblem> {
    match single_line(raw, max) {
        Ok(text) => Ok(Some(text)),
        Err(TextProblem::Missing) => Ok(None),
        Err(problem) => Err(problem),
    }
}

/// Multi-line Markdown: must hold something besides whitespace.
pub fn markdown_body(raw: &str) -> Result<String, TextProblem> {
    let cleaned = strip_controls(raw);
    if cleaned.trim().is_empty() {
        return Err(TextProblem::Missing);
    }
    if cleaned.chars().count() > BODY_MAX {
        return Err(TextProblem::TooLong);
    }
    Ok(cleaned)
}

/// Plain paragraphs of at most `max` characters (line breaks kept, surrounding blank space
/// trimmed) that may be left empty (`None`).
pub fn optional_paragraphs(raw: &str, max: usize) -> Result<Option<String>, TextProblem> {
    let cleaned = strip_controls(raw).trim().to_string();
    if cleaned.is_empty() {
        return Ok(None);
    }
    if cleaned.chars().count() > max {
        return Err(TextProblem::TooLong);
    }
    Ok(Some(cleaned))
}

/// Markdown that may be left empty (`None`).
pub fn optional_markdown(raw: &str) -> Result<Option<String>, TextProblem> {
    match markdown_body(raw) {
        Ok(text) => Ok(Some(text)),
        Err(TextProblem::Missing) => Ok(None),
        Err(problem) => Err(problem),
    }
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

impl ReasonForm {
    /// A reason that must be given.
    pub fn validate(&self) -> Result<String, FormErrors> {
        let mut checks = Checks::default();
        let reason = checks.field("reason", single_line(&self.reason, REASON_MAX));
        checks.finish(|| reason)
    }
}
