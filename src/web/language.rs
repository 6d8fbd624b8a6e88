//! The language of a visitor's pages: the one they chose with a language link (kept in a
//! cookie), else the best match of their browser's `Accept-Language`. Members choose on their
//! profile instead. Every answer says `Vary: Cookie, Accept-Language` (`caching`).

use axum::{
    extract::{Path, Query},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use templates::i18n::{SUPPORTED, negotiate};

use super::AppError;

pub const COOKIE: &str = "fora_lang";
/// A year: the choice outlives sessions.
const KEEP_SECONDS: u32 = 365 * 24 * 3600;

/// The language chosen in the cookie, if it is one Fora speaks.
pub fn chosen(headers: &HeaderMap) -> Option<&'static str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| SUPPORTED.iter().copied().find(|code| *code == value.trim()))
}

pub fn of_visitor(headers: &HeaderMap) -> &'static str {
    chosen(headers).unwrap_or_else(|| {
        negotiate(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        )
    })
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Where to go back to: a path on this site, never another site (`//host`, `/\host`).
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

/// `GET /language/{code}?next=/path`: remembers the choice and goes back to the page.
pub async fn choose(Path(code): Path<String>, Query(next): Query<Next>) -> Response {
    let Some(code) = SUPPORTED.iter().copied().find(|c| *c == code) else {
        return AppError::NotFound.into_response();
    };
    let cookie = format!("{COOKIE}={code}; Path=/; Max-Age={KEEP_SECONDS}; SameSite=Lax; HttpOnly");
    let mut response = Redirect::to(local_path(next.next.as_deref())).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/learnings?q=x")), "/learnings?q=x");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
            "x",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn the_cookie_wins_over_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr"));
        assert_eq!(of_visitor(&headers), "fr");
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; fora_lang=es"),
        );
        assert_eq!(of_visitor(&headers), "es");
        headers.insert(header::COOKIE, HeaderValue::from_static("fora_lang=de"));
        assert_eq!(of_visitor(&headers), "fr", "an unknown choice is ignored");
    }
}
