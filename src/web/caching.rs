//! Who may keep a copy of an answer. Anything that may depend on a session (the request
//! carries a cookie, or the answer sets one) is `private, no-store`: a shared cache must never
//! hand one person's page, with their email address or forums, to another. Anonymous pages
//! that succeeded may be kept briefly by anyone; other anonymous answers are not stored.
//! A handler that sets `Cache-Control` itself (the stylesheet, downloads) keeps it unless a
//! cookie is being set.

use axum::{
    extract::Request,
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::Response,
};

const PRIVATE: HeaderValue = HeaderValue::from_static("private, no-store");
const PUBLIC: HeaderValue = HeaderValue::from_static("public, max-age=60");
const NOT_STORED: HeaderValue = HeaderValue::from_static("no-store");

pub async fn cache_control(request: Request, next: Next) -> Response {
    let has_cookie = request.headers().contains_key(header::COOKIE);
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let mut response = next.run(request).await;
    let sets_cookie = response.headers().contains_key(header::SET_COOKIE);
    let chosen_by_handler = response.headers().contains_key(header::CACHE_CONTROL);
    let policy = if sets_cookie || (has_cookie && !chosen_by_handler) {
        Some(PRIVATE)
    } else if chosen_by_handler {
        None
    } else if readable && response.status().is_success() {
        Some(PUBLIC)
    } else {
        Some(NOT_STORED)
    };
    let headers = response.headers_mut();
    if let Some(policy) = policy {
        headers.insert(header::CACHE_CONTROL, policy);
    }
    // Pages are in the language of the cookie or of the browser.
    headers.append(
        header::VARY,
        HeaderValue::from_static("Cookie, Accept-Language"),
    );
    response
}
