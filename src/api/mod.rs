//! The read-only JSON API of the library, `/api/v1/…`: published learnings (the search's
//! filters, paging and facets) and published knowledge products, described by an OpenAPI 3.1
//! document at `/api/v1/openapi.json`.
//!
//! Everything here is public data, so every answer carries `Access-Control-Allow-Origin: *`.
//! It must never show an unpublished item (the public audience, always), and every answer —
//! errors included — is JSON: `{"error": code, "message": text}` with the right status, never
//! an HTML page and never a 500 for anything a client can send.

mod handlers;
mod openapi;
mod params;
mod types;

use axum::{
    Router,
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{MethodRouter, any, get},
};
use templates::i18n::t;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::Path as _;

use self::handlers::{
    __path_list_learnings, __path_list_products, __path_show_learning, __path_show_product,
    list_learnings, list_products, show_learning, show_product,
};
pub use self::openapi::{ApiDoc, document_for};
pub use self::params::{LEARNING_PARAMS, PRODUCT_PARAMS};
use crate::web::{
    AppState,
    api_error::{ApiError, LANG},
};

/// Every documented route: its path as the OpenAPI document states it (from the handler's
/// `#[utoipa::path]`, in axum's `{name}` syntax too) and its handler. The router is built
/// from this list, so nothing is served under `/api/v1` that the document does not list.
fn endpoints() -> Vec<(String, MethodRouter<AppState>)> {
    vec![
        (__path_list_learnings::path(), get(list_learnings)),
        (__path_show_learning::path(), get(show_learning)),
        (__path_list_products::path(), get(list_products)),
        (__path_show_product::path(), get(show_product)),
        (openapi::__path_document::path(), get(openapi::document)),
    ]
}

/// The paths of the routes the API serves (each also answers HEAD and OPTIONS, and 405 to
/// other methods).
pub fn route_paths() -> Vec<String> {
    endpoints().into_iter().map(|(path, _)| path).collect()
}

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for (path, handler) in endpoints() {
        router = router.route(&path, handler.fallback(other_method));
    }
    router
        .route("/api/v1", any(unknown_path))
        .route("/api/v1/", any(unknown_path))
        .route("/api/v1/{*rest}", any(unknown_path))
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
}

async fn unknown_path() -> ApiError {
    ApiError::not_found()
}

/// Anything but GET on an API route. A CORS preflight gets its answer; the rest get 405.
async fn other_method(method: Method) -> Response {
    if method == Method::OPTIONS {
        return (
            StatusCode::NO_CONTENT,
            [
                (
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("GET, HEAD, OPTIONS"),
                ),
                (
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static("86400"),
                ),
            ],
        )
            .into_response();
    }
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        t(LANG, "api.method_not_allowed").into_owned(),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_exactly_the_routes() {
        use utoipa::OpenApi;
        let documented: Vec<String> = ApiDoc::openapi().paths.paths.into_keys().collect();
        let mut served = route_paths();
        served.sort();
        assert_eq!(documented, served);
    }
}
