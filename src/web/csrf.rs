//! CSRF protection: a synchronizer token kept in the server-side session, rendered into every
//! POST form as `csrf_token`, and checked here, in one layer, before any handler runs.
//! The only POSTs exempt are those whose URL itself carries an unguessable single-purpose
//! token and that must work from a mail client without a cookie (RFC 8058 one-click).

use axum::{
    body::Body,
    extract::Request,
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use rand::{Rng, distr::Alphanumeric};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::AppError;

pub const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
/// Largest form body Fora accepts; bigger requests get a clear 413 page.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

const EXEMPT_PREFIXES: &[&str] = &["/newsletter/unsubscribe/"];

pub fn new_token() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session
        .get::<String>(SESSION_KEY)
        .await
        .map_err(AppError::internal)?
    {
        return Ok(token);
    }
    let token = new_token();
    session
        .insert(SESSION_KEY, &token)
        .await
        .map_err(AppError::internal)?;
    Ok(token)
}

/// Past this, an oversized body is not even drained: the connection is simply closed.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Reads a form body of at most `MAX_FORM_BYTES`. A larger one is read to its end (up to
/// `DRAIN_LIMIT`) and dropped, so the client, still sending, receives the 413 page instead
/// of a reset connection.
async fn read_form_body(body: Body) -> Option<Bytes> {
    let mut body = body;
    let mut collected = BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return None };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen > DRAIN_LIMIT {
            return None;
        }
        if seen <= MAX_FORM_BYTES {
            collected.extend_from_slice(&data);
        }
    }
    (seen <= MAX_FORM_BYTES).then(|| collected.freeze())
}

pub async fn verify(session: Session, request: Request, next: Next) -> Response {
    if request.method() != Method::POST
        || EXEMPT_PREFIXES
            .iter()
            .any(|p| request.uri().path().starts_with(p))
    {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match read_form_body(body).await {
        Some(bytes) => bytes,
        None => return AppError::TooLarge.into_response(),
    };
    let submitted = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    let expected = session.get::<String>(SESSION_KEY).await.ok().flatten();
    let valid = match (submitted, expected) {
        (Some(submitted), Some(expected)) => {
            !expected.is_empty() && bool::from(submitted.as_bytes().ct_eq(expected.as_bytes()))
        }
        _ => false,
    };
    if !valid {
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
