//! Fora: invitation-only forums moderated by specialists, for people working against child
//! labour. `app` builds the whole HTTP application; `main.rs` is the command line.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod cache;
pub mod config;
pub mod db;
pub mod demo;
pub mod entities;
pub mod feeds;
pub mod forums;
pub mod home;
pub mod jobs;
pub mod learnings;
pub mod link_tokens;
pub mod mail;
pub mod markdown;
pub mod newsletter;
pub mod products;
pub mod refusal;
pub mod search;
pub mod secret;
pub mod security;
pub mod taxonomy;
pub mod themes;
pub mod transfer;
pub mod waiting;
pub mod web;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use sea_orm::ConnectionTrait;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

pub use web::AppState;
use web::{AppError, caching, control_chars, csrf, extract::IDLE_LIFETIME, headers};

/// Routes that take file uploads, with their own body limits (the CSRF layer reads bodies).
static UPLOADS: &[csrf::Upload] = &[csrf::Upload {
    path: transfer::import::PATH,
    limit: transfer::import::MAX_UPLOAD_BYTES,
    too_large_key: "import.upload_too_large",
}];

pub fn app(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name(state.config.session_cookie_name())
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(IDLE_LIFETIME));
    let mut router = Router::new()
        .merge(home::router())
        .merge(accounts::router())
        .merge(forums::router())
        .merge(admin::router())
        .merge(learnings::router())
        .merge(products::router())
        .merge(themes::router())
        .merge(transfer::router())
        .merge(api::routes())
        .merge(feeds::routes())
        .merge(newsletter::router())
        .merge(waiting::router())
        .route("/language/{code}", get(web::language::choose))
        .route("/healthz", get(healthz))
        .route("/static/style.css", get(stylesheet))
        .route("/favicon.ico", get(favicon))
        .method_not_allowed_fallback(web::lead_back::lead_back)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            announce_changes,
        ))
        .layer(middleware::from_fn(control_chars::refuse))
        .layer(middleware::from_fn_with_state(UPLOADS, csrf::verify))
        .layer(sessions)
        .layer(middleware::from_fn(render_plain_errors))
        .layer(middleware::from_fn(caching::cache_control))
        .layer(middleware::from_fn(headers::no_referrer_on_token_pages));
    for layer in headers::layers(state.config.secure_cookies()) {
        router = router.layer(layer);
    }
    router
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of each request in the logs: its method and path, with any token in the path
/// left out (the query string is not logged).
fn request_span(request: &Request) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %headers::redacted_path(request.uri().path()),
    )
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", templates::STYLESHEET.as_bytes())
}

async fn favicon() -> Response {
    asset("image/x-icon", templates::FAVICON)
}

/// A file compiled into the binary, cached by browsers for a day.
fn asset(content_type: &'static str, bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Every request that may change something (every POST) makes the caches stale when it ends,
/// before its answer leaves, so the next page anyone loads reflects the change.
async fn announce_changes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if changes {
        state.changed().await;
    }
    response
}

/// An address nothing answers: the page says so in the reader's language (knowing who is
/// signed in chooses a member's).
async fn not_found(_reader: Result<web::Viewer, AppError>) -> AppError {
    AppError::NotFound
}

/// Error pages speak the reader's language; and axum's own rejections (bad path parameter,
/// wrong method, bad query) are plain text: give them the same clear page as every other
/// error, keeping their status.
async fn render_plain_errors(request: Request, next: Next) -> Response {
    let visitor = web::language::of_visitor(request.headers());
    let (response, lang) = web::error::with_error_language(visitor, next.run(request)).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() && plain) || status == StatusCode::TOO_MANY_REQUESTS {
        return response;
    }
    let key = match status {
        StatusCode::NOT_FOUND => "error.not_found",
        StatusCode::PAYLOAD_TOO_LARGE => "error.too_large",
        StatusCode::METHOD_NOT_ALLOWED => "error.method",
        _ => "error.bad_request",
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = templates::errors::error_page(lang, status.as_u16(), key).into_string();
    Response::from_parts(parts, Body::from(body))
}

/// Opens the database, brings the schema up to date and builds the shared state.
pub async fn init(config: config::Config) -> anyhow::Result<AppState> {
    let mailer = mail::Mailer::from_config(
        config.smtp_url.as_deref(),
        &config.smtp_ca,
        config.outbox_dir.clone(),
        u32::try_from(config.newsletter.concurrency).unwrap_or(u32::MAX),
    )?;
    init_with_mailer(config, mailer).await
}

/// [`init`] with a mailer of the caller's choice (the tests' in-memory mailbox).
pub async fn init_with_mailer(
    config: config::Config,
    mailer: mail::Mailer,
) -> anyhow::Result<AppState> {
    use anyhow::Context;
    use migration::MigratorTrait;
    let db = db::connect(&config.database_url)
        .await
        .with_context(|| "cannot open the database (check DATABASE_URL)")?;
    migration::Migrator::up(&db, None)
        .await
        .context("database migration failed")?;
    let secret =
        secret::ServerSecret::load_or_create(config.secret_key_file.as_deref(), &config.data_dir)?;
    Ok(AppState::new(db, config, mailer, secret, features()))
}

/// What the features give the shared state: their caches and the header's waiting count.
pub fn features() -> web::state::Features {
    web::state::Features {
        caches: cache::FeatureCaches::default()
            .with(forums::reading::ThreadCaches::default())
            .with(learnings::search::ListingCache::default())
            .with(taxonomy::TaxonomyCache::default()),
        count_waiting: waiting::count,
    }
}
