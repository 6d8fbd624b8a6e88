//! CSRF protection: a synchronizer token kept in the server-side session, rendered into every
//! POST form as `csrf_token`, and checked here, in one layer, before any handler runs.
//! The only POSTs exempt are those whose URL itself carries an unguessable single-purpose
//! token and that must work from a mail client without a cookie (RFC 8058 one-click), and the
//! read-only JSON API, which uses no session and changes nothing (a POST there gets its JSON
//! 405, not this layer's HTML 403).

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use bytes::{Bytes, BytesMut};
use futures_util::TryStreamExt;
use http_body_util::BodyExt;
use rand::{Rng, distr::Alphanumeric};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::AppError;

pub const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
/// Largest form body Fora accepts; bigger requests get a clear 413 page.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

const EXEMPT_PREFIXES: &[&str] = &["/newsletter/unsubscribe/", "/api/"];

/// A route that takes file uploads (`multipart/form-data`): its body limit and the message of
/// its 413 page. The application names its upload routes when it installs this layer; every
/// other route keeps `MAX_FORM_BYTES`.
#[derive(Clone, Copy, Debug)]
pub struct Upload {
    pub path: &'static str,
    pub limit: usize,
    pub too_large_key: &'static str,
}

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
async fn read_form_body(body: Body) -> Result<Bytes, AppError> {
    let mut body = body;
    let mut collected = BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| AppError::unreadable_body(&err))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen > DRAIN_LIMIT {
            return Err(AppError::TooLarge);
        }
        if seen <= MAX_FORM_BYTES {
            collected.extend_from_slice(&data);
        }
    }
    if seen > MAX_FORM_BYTES {
        return Err(AppError::TooLarge);
    }
    Ok(collected.freeze())
}

pub async fn verify(
    State(uploads): State<&'static [Upload]>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST
        || EXEMPT_PREFIXES
            .iter()
            .any(|p| request.uri().path().starts_with(p))
    {
        return next.run(request).await;
    }
    if is_multipart(&request) {
        return verify_multipart(uploads, session, request, next).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match read_form_body(body).await {
        Ok(bytes) => bytes,
        Err(err) => return err.into_response(),
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

fn is_multipart(request: &Request) -> bool {
    has_content_type(request, "multipart/form-data")
}

/// Whether the request's `Content-Type` is `media_type` (lower case), parameters aside.
pub fn has_content_type(request: &Request, media_type: &str) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with(media_type))
}

/// Reads and drops up to `limit` bytes of a body that will not be used, so that a client still
/// sending it receives the answer instead of a reset connection.
async fn drain(mut body: Body, limit: usize) {
    let mut seen = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > limit {
                return;
            }
        }
    }
}

enum MultipartRefusal {
    Token,
    TooLarge,
    Unreadable,
}

impl From<multer::Error> for MultipartRefusal {
    fn from(error: multer::Error) -> Self {
        match error {
            multer::Error::StreamSizeExceeded { .. } => MultipartRefusal::TooLarge,
            // Only the token has a field limit here: an oversized "token" is not the token.
            multer::Error::FieldSizeExceeded { .. } => MultipartRefusal::Token,
            _ => MultipartRefusal::Unreadable,
        }
    }
}

/// The token must be the first part (Fora's forms render it first, as browsers send fields in
/// order), so a request without it is refused before any file is read; the rest of the body is
/// then read to its end, within the limit.
async fn check_parts(
    expected: &str,
    multipart: &mut multer::Multipart<'_>,
) -> Result<(), MultipartRefusal> {
    let first = multipart
        .next_field()
        .await?
        .ok_or(MultipartRefusal::Token)?;
    if first.name() != Some(FIELD) {
        return Err(MultipartRefusal::Token);
    }
    let submitted = first.text().await?;
    if expected.is_empty() || !bool::from(submitted.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(MultipartRefusal::Token);
    }
    while let Some(mut field) = multipart.next_field().await? {
        while field.chunk().await?.is_some() {}
    }
    Ok(())
}

/// CSRF check of a `multipart/form-data` body (file uploads). The body is kept as it streams
/// past the check, within the route's limit, and handed on whole to the handler.
async fn verify_multipart(
    uploads: &[Upload],
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let (limit, too_large_key) = uploads
        .iter()
        .find(|upload| request.uri().path() == upload.path)
        .map(|upload| (upload.limit, upload.too_large_key))
        .unwrap_or((MAX_FORM_BYTES, "error.too_large"));
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            templates::errors::error_page(super::error::error_language(), 413, too_large_key)
                .into_string(),
        )
            .into_response()
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let boundary = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let (parts, body) = request.into_parts();
    if declared.is_some_and(|length| length > limit as u64) {
        drain(body, limit.saturating_mul(4).max(DRAIN_LIMIT)).await;
        return too_large();
    }
    let expected = session
        .get::<String>(SESSION_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let Some(boundary) = boundary.filter(|_| !expected.is_empty()) else {
        drain(body, limit).await;
        return AppError::Csrf.into_response();
    };
    let kept = Arc::new(Mutex::new(BytesMut::new()));
    let recording = Arc::new(AtomicBool::new(true));
    let (tee, still_recording) = (kept.clone(), recording.clone());
    let stream = body.into_data_stream().map_ok(move |chunk| {
        if still_recording.load(Ordering::Relaxed)
            && let Ok(mut kept) = tee.lock()
        {
            kept.extend_from_slice(&chunk);
        }
        chunk
    });
    let limits = multer::SizeLimit::new()
        .whole_stream(limit as u64)
        .for_field(FIELD, 256);
    let mut multipart = multer::Multipart::with_constraints(
        stream,
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let checked = check_parts(&expected, &mut multipart).await;
    if let Err(MultipartRefusal::Token) = checked {
        // Read past the rest (within the limit, keeping nothing) so the client sees the page.
        recording.store(false, Ordering::Relaxed);
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    }
    drop(multipart);
    match checked {
        Ok(()) => {}
        Err(MultipartRefusal::Token) => return AppError::Csrf.into_response(),
        Err(MultipartRefusal::TooLarge) => return too_large(),
        Err(MultipartRefusal::Unreadable) => {
            return AppError::BadRequest("error.bad_form").into_response();
        }
    }
    let bytes = match kept.lock() {
        Ok(mut kept) => kept.split().freeze(),
        Err(_) => return AppError::BadRequest("error.bad_form").into_response(),
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
