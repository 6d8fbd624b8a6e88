//! Control characters are refused at the edge, before any handler: in the path, in the query
//! string and in urlencoded form bodies, on every route. PostgreSQL cannot store NUL in text,
//! and no field of Fora's has a use for other control characters, except the tab and line
//! breaks of text areas (allowed in queries and forms, never in a path). The refusal is a
//! clear 400 page (JSON under `/api/`).

use axum::{
    body::Body,
    extract::Request,
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::api_error::ApiError;
use super::{
    AppError,
    csrf::{self, MAX_FORM_BYTES},
};

pub async fn refuse(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let in_address = percent_encoding::percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .chars()
        .any(char::is_control)
        || uri
            .query()
            .is_some_and(|query| form_has_controls(query.as_bytes()));
    if in_address {
        return refusal(&request);
    }
    if !csrf::has_content_type(&request, "application/x-www-form-urlencoded") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => return AppError::unreadable_body(&err).into_response(),
    };
    let request = Request::from_parts(parts, Body::from(bytes.clone()));
    if form_has_controls(&bytes) {
        return refusal(&request);
    }
    next.run(request).await
}

/// Whether any name or value of an `application/x-www-form-urlencoded` text holds a control
/// character other than a tab or a line break.
pub fn form_has_controls(encoded: &[u8]) -> bool {
    url::form_urlencoded::parse(encoded).any(|(name, value)| {
        name.chars()
            .chain(value.chars())
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    })
}

fn refusal(request: &Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        let message = templates::i18n::t("en", "api.control_characters").into_owned();
        let mut response = ApiError::bad_request("bad_parameter", message).into_response();
        // The API's other answers carry this from its own router, which this never reaches.
        response.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::HeaderValue::from_static("*"),
        );
        response
    } else {
        AppError::BadRequest("error.control_characters").into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::form_has_controls;

    #[test]
    fn only_tabs_and_line_breaks_pass() {
        for clean in [
            "",
            "a=b",
            "body=one%0D%0Atwo%09three",
            "q=%C3%A9t%C3%A9",
            "x=%FF",
        ] {
            assert!(!form_has_controls(clean.as_bytes()), "{clean}");
        }
        for dirty in [
            "a=%00",
            "%00=a",
            "a=b&c=x%07",
            "q=%1B[31m",
            "q=%7F",
            "q=%C2%85",
        ] {
            assert!(form_has_controls(dirty.as_bytes()), "{dirty}");
        }
    }
}
