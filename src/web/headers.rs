//! Security headers set on every response, and the handling of addresses that carry a secret
//! token (emailed links): they never leak through `Referer` nor into the logs.

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// Addresses whose next path segment is a secret token.
pub const TOKEN_PATHS: &[&str] = &[
    "/password/reset/",
    "/invitations/",
    "/admin/setup/",
    "/newsletter/confirm/",
    "/newsletter/unsubscribe/",
    "/newsletter/manage/",
    "/follows/",
];

/// `https_only`: the site is served over HTTPS (its base URL says so), so browsers are told
/// to use nothing else.
pub fn layers(https_only: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let mut fixed = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    if https_only {
        fixed.push((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));
    }
    fixed
        .into_iter()
        .map(|(name, value)| {
            SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
        })
        .collect()
}

/// A page reached by a token link sends no `Referer` at all, not even to this site: the
/// token would otherwise travel to the next page's logs.
pub async fn no_referrer_on_token_pages(request: Request, next: Next) -> Response {
    let token_page = token_path(request.uri().path()).is_some();
    let mut response = next.run(request).await;
    if token_page {
        response.headers_mut().insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}

/// `(prefix, rest)` when `path` is a token address.
fn token_path(path: &str) -> Option<(&str, &str)> {
    TOKEN_PATHS
        .iter()
        .find_map(|prefix| Some((*prefix, path.strip_prefix(prefix)?)))
        .filter(|(_, rest)| !rest.is_empty())
}

/// The path as it may be logged: the token of a token address replaced.
pub fn redacted_path(path: &str) -> String {
    match token_path(path) {
        Some((prefix, rest)) => {
            let after_token = rest.find('/').map_or("", |at| &rest[at..]);
            format!("{prefix}[token]{after_token}")
        }
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted_path;

    #[test]
    fn tokens_are_left_out_of_logged_paths() {
        assert_eq!(
            redacted_path("/password/reset/s3cret"),
            "/password/reset/[token]"
        );
        assert_eq!(
            redacted_path("/follows/s3cret/stop"),
            "/follows/[token]/stop"
        );
        assert_eq!(redacted_path("/invitations/"), "/invitations/");
        assert_eq!(redacted_path("/forums/cdw"), "/forums/cdw");
    }
}
