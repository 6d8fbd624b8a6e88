//! One error type for every handler. Outsiders get 404 (never 403) for private things; server
//! errors are logged once and never show internals.

use super::paths;
use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

pub type AppResult<T> = Result<T, AppError>;

tokio::task_local! {
    /// The language error pages are written in, for the request being answered: the visitor's
    /// (cookie, else `Accept-Language`) from the start, the member's once a page knows who
    /// is signed in.
    static ERROR_LANGUAGE: std::cell::Cell<&'static str>;
}

/// Runs `answer` with `lang` as its error pages' language; returns its response and the
/// language last chosen while it ran.
pub async fn with_error_language<F>(lang: &'static str, answer: F) -> (Response, &'static str)
where
    F: std::future::Future<Output = Response>,
{
    ERROR_LANGUAGE
        .scope(std::cell::Cell::new(lang), async move {
            let response = answer.await;
            (response, error_language())
        })
        .await
}

/// The member's language, known once they are recognised: their error pages speak it.
pub fn set_error_language(lang: &'static str) {
    // Outside a request (a handler called directly) there is nothing to set.
    let _ = ERROR_LANGUAGE.try_with(|cell| cell.set(lang));
}

/// The language of an error page answered now (English outside a request).
pub fn error_language() -> &'static str {
    ERROR_LANGUAGE
        .try_with(std::cell::Cell::get)
        .unwrap_or("en")
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A request that cannot be acted on; the message is a translation key.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("invalid or missing CSRF token")]
    Csrf,
    #[error("request too large")]
    TooLarge,
    /// Over a rate limit; the client may try again after this many seconds.
    #[error("too many attempts")]
    TooManyRequests { retry_after: u64 },
    /// Every password-hashing slot stayed taken for `FORA_PASSWORD_WAIT`.
    #[error("busy")]
    Busy,
    /// The request body did not arrive within `FORA_BODY_TIMEOUT`.
    #[error("request body too slow")]
    Timeout,
    /// Not signed in: send to the login page, then back.
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Seconds a client is asked to wait when the server is too busy hashing passwords.
const BUSY_RETRY_AFTER: u64 = 5;

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::Internal(err.into())
    }
}

impl From<crate::search::SearchError> for AppError {
    fn from(err: crate::search::SearchError) -> Self {
        AppError::Internal(err.into())
    }
}

impl AppError {
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }

    /// A request body that could not be read: too slow to arrive, or broken off.
    pub fn unreadable_body(err: &(dyn std::error::Error + 'static)) -> Self {
        if super::server::is_body_timeout(err) {
            AppError::Timeout
        } else {
            AppError::BadRequest("error.bad_form")
        }
    }

    fn status_and_key(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "error.not_found"),
            AppError::BadRequest(key) => (StatusCode::BAD_REQUEST, key),
            AppError::Csrf => (StatusCode::FORBIDDEN, "error.csrf"),
            AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"),
            AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "error.too_many"),
            AppError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "error.busy"),
            AppError::Timeout => (StatusCode::REQUEST_TIMEOUT, "error.timeout"),
            AppError::SignInRequired { .. } => (StatusCode::SEE_OTHER, ""),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error.internal"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::SignInRequired { next } = &self {
            return Redirect::to(&format!("{}?next={}", paths::LOGIN, urlencode(next)))
                .into_response();
        }
        if let AppError::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let (status, key) = self.status_and_key();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            templates::errors::error_page(error_language(), status.as_u16(), key).into_string(),
        )
            .into_response();
        let retry_after = match self {
            AppError::TooManyRequests { retry_after } => Some(retry_after.max(1)),
            AppError::Busy => Some(BUSY_RETRY_AFTER),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

pub fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
