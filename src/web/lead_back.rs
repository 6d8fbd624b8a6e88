//! A browser that opens an address which only takes forms — a bookmarked button, a reloaded
//! confirmation, a link pasted from the address bar after a POST — is sent to the page the
//! address belongs to (its nearest ancestor that is a page) instead of a "405 method not
//! allowed" page. Other methods keep their 405.

use axum::{
    http::{Method, StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
};

/// The addresses a browser may open, as the router declares them (`{name}` is one segment).
/// `tests/integration/routes_in_source.rs` fails when a page route is missing here.
pub const PAGES: &[&str] = &[
    "/",
    "/admin",
    "/admin/log",
    "/admin/newsletter",
    "/admin/newsletter/bounces",
    "/admin/newsletter/editions/{id}",
    "/admin/newsletter/editions/{id}/preview",
    "/admin/themes/{slug}",
    "/admin/users",
    "/admin/vocabularies",
    "/admin/vocabularies/{vocabulary}/{code}",
    "/forums",
    "/forums/{slug}",
    "/forums/{slug}/log",
    "/forums/{slug}/members",
    "/forums/{slug}/new",
    "/forums/{slug}/queue",
    "/learnings",
    "/learnings/new",
    "/learnings/{id}",
    "/learnings/{id}/discuss",
    "/learnings/{id}/edit",
    "/login",
    "/newsletter",
    "/newsletter/archive",
    "/newsletter/archive/{id}",
    "/password/forgot",
    "/posts/{id}/edit",
    "/posts/{id}/history",
    "/products",
    "/products/new",
    "/products/{id}",
    "/products/{id}/edit",
    "/profile",
    "/themes",
    "/themes/{slug}",
    "/threads/{id}",
    "/waiting",
];

fn matches(pattern: &str, path: &str) -> bool {
    let mut wanted = pattern.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// The nearest ancestor of `path` that is a page; the home page when none is.
pub fn page_for(path: &str) -> &str {
    let mut candidate = path.trim_end_matches('/');
    while let Some((parent, _)) = candidate.rsplit_once('/') {
        if parent.is_empty() {
            break;
        }
        if PAGES.iter().any(|page| matches(page, parent)) {
            return parent;
        }
        candidate = parent;
    }
    "/"
}

/// The router's answer when an address exists but not for this method.
pub async fn lead_back(method: Method, uri: Uri) -> Response {
    if method == Method::GET || method == Method::HEAD {
        Redirect::to(page_for(uri.path())).into_response()
    } else {
        // Plain: `render_plain_errors` gives it the clear error page.
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_address_leads_to_its_page() {
        assert_eq!(page_for("/threads/12/reply"), "/threads/12");
        assert_eq!(page_for("/admin/users/4/disable"), "/admin/users");
        assert_eq!(page_for("/admin/forums/agri/archive"), "/admin");
        assert_eq!(
            page_for("/admin/newsletter/editions/3/send"),
            "/admin/newsletter/editions/3"
        );
        assert_eq!(page_for("/admin/newsletter/compose"), "/admin/newsletter");
        assert_eq!(page_for("/profile/password"), "/profile");
        assert_eq!(page_for("/learnings/7/publish"), "/learnings/7");
        assert_eq!(page_for("/logout"), "/");
        assert_eq!(page_for("/posts/9/hide"), "/");
        assert_eq!(
            page_for("/forums/agri/invitations/2/revoke"),
            "/forums/agri"
        );
    }

    #[test]
    fn odd_paths_lead_home() {
        assert_eq!(page_for(""), "/");
        assert_eq!(page_for("//"), "/");
        assert_eq!(page_for("/threads//reply"), "/");
        assert_eq!(page_for(&"/x".repeat(500)), "/");
    }
}
