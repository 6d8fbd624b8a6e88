//! The JSON error answer of the read-only API: a stable code for programs and a sentence for
//! people. It lives here because the edge refuses some API requests (a control character in
//! a parameter) before they reach the API itself, in the same shape.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::DbErr;
use serde::Serialize;
use templates::i18n::t;
use utoipa::ToSchema;

/// The API answers in English: it has no session and its codes are what programs read.
pub const LANG: &str = "en";

/// The body of every error answer: `Error` in the OpenAPI document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// Stable code: not_found, bad_parameter, query_too_long, method_not_allowed, internal.
    #[schema(examples("not_found"))]
    pub error: &'static str,
    /// A sentence for people (English).
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: String) -> ApiError {
        ApiError {
            status,
            code,
            message,
        }
    }

    /// A request refused before it reached the API (a parameter holding a control character,
    /// an oversized text query): the same JSON error shape as every other.
    pub fn bad_request(code: &'static str, message: String) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            t(LANG, "api.not_found").into_owned(),
        )
    }
}

impl From<crate::search::SearchError> for ApiError {
    fn from(err: crate::search::SearchError) -> ApiError {
        tracing::error!(error = %err, "API search failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            t(LANG, "api.internal").into_owned(),
        )
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> ApiError {
        tracing::error!(error = %err, "API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            t(LANG, "api.internal").into_owned(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody {
                error: self.code,
                message: self.message,
            }),
        )
            .into_response();
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response.headers_mut().insert(
                header::ALLOW,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        response
    }
}
