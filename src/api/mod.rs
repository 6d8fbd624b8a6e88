//! The read-only JSON API of the library, `/api/v1/…`: published learnings (the search's
//! filters, paging and facets) and published knowledge products, described by an OpenAPI 3.1
//! document at `/api/v1/openapi.json`.
//!
//! Everything here is public data, so every answer carries `Access-Control-Allow-Origin: *`.
//! It must never show an unpublished item (the public audience, always), and every answer —
//! errors included — is JSON: `{"error": code, "message": text}` with the right status, never
//! an HTML page and never a 500 for anything a client can send.

mod openapi;

use axum::{
    Json, Router,
    extract::{Path, RawQuery, State, rejection::PathRejection},
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use templates::{
    i18n::{t, tf},
    {catalogue::language_name, learnings::type_label},
};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{
    entities::learnings,
    learnings::{
        query_text,
        search::{
            self, Audience, FacetCount, MARK_END, MARK_START, Notice, PER_PAGE, Search,
            SearchParams, TERM_FILTERS,
        },
    },
    products::listing::{
        self, PER_PAGE as PRODUCTS_PER_PAGE, ProductItem, ProductParams, ProductSearch,
    },
    taxonomy::{
        Taxonomy,
        pairs::{LEARNING_COUNTRIES, LEARNING_THEMES},
    },
    web::dates::iso,
    web::{
        AppState,
        api_error::{ApiError, LANG},
    },
};

/// The query parameters `/api/v1/learnings` understands.
pub const LEARNING_PARAMS: [&str; 14] = [
    "q",
    "type",
    "evaluation_type",
    "theme",
    "country",
    "project",
    "sector",
    "intervention_type",
    "cycle_stage",
    "criterion",
    "year",
    "language",
    "sort",
    "page",
];

/// The query parameters `/api/v1/products` understands.
pub const PRODUCT_PARAMS: [&str; 5] = ["kind", "theme", "language", "country", "page"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/learnings",
            get(list_learnings).fallback(other_method),
        )
        .route(
            "/api/v1/learnings/{id}",
            get(show_learning).fallback(other_method),
        )
        .route(
            "/api/v1/products",
            get(list_products).fallback(other_method),
        )
        .route(
            "/api/v1/products/{id}",
            get(show_product).fallback(other_method),
        )
        .route(
            "/api/v1/openapi.json",
            get(openapi::document).fallback(other_method),
        )
        .route("/api/v1", any(unknown_path))
        .route("/api/v1/", any(unknown_path))
        .route("/api/v1/{*rest}", any(unknown_path))
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
}

type ApiResult = Result<Response, ApiError>;

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

fn ok(body: Value) -> ApiResult {
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// `page` must be a whole number from 1 (past the last page means the last page).
fn check_page(raw: Option<&str>) -> Result<(), ApiError> {
    let page = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .find(|(name, _)| name == "page")
        .map(|(_, value)| value.trim().to_string());
    match page {
        None => Ok(()),
        Some(value) if value.is_empty() => Ok(()),
        Some(value) if value.parse::<u64>().is_ok_and(|p| p >= 1) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            t(LANG, "api.bad_page").into_owned(),
        )),
    }
}

/// Parameter names the endpoint does not know: ignored, and said so.
fn unknown_parameters(raw: Option<&str>, known: &[&str]) -> Vec<Value> {
    let mut seen: Vec<String> = Vec::new();
    for (name, _) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let name: String = name.chars().filter(|c| !c.is_control()).take(80).collect();
        if !known.contains(&name.as_str()) && !seen.contains(&name) && seen.len() < 20 {
            seen.push(name);
        }
    }
    seen.into_iter()
        .map(|name| {
            json!({
                "code": "unknown_parameter",
                "parameter": name,
                "message": tf(LANG, "api.unknown_parameter", &[("parameter", &name)]),
            })
        })
        .collect()
}

fn notice_json(notice: &Notice) -> Value {
    match notice {
        Notice::UnknownFilter(param, value) => json!({
            "code": "unknown_filter",
            "parameter": param,
            "value": value,
            "message": tf(LANG, "api.unknown_filter", &[("parameter", param), ("value", value)]),
        }),
        Notice::Shortened => json!({
            "code": "query_shortened",
            "parameter": "q",
            "message": t(LANG, "api.query_shortened"),
        }),
        Notice::OnlyExclusions => json!({
            "code": "only_exclusions",
            "parameter": "q",
            "message": t(LANG, "api.only_exclusions"),
        }),
        Notice::BadSort => json!({
            "code": "unknown_sort",
            "parameter": "sort",
            "message": t(LANG, "api.unknown_sort"),
        }),
    }
}

fn term_json(taxonomy: &Taxonomy, id: Option<i32>) -> Value {
    match id.and_then(|id| taxonomy.term(id)) {
        Some(term) => json!({ "code": term.code, "label": term.label }),
        None => Value::Null,
    }
}

fn themes_json(base: &str, taxonomy: &Taxonomy, ids: &[i32]) -> Value {
    let mut themes: Vec<_> = ids.iter().filter_map(|id| taxonomy.theme(*id)).collect();
    themes.sort_by(|a, b| a.name.cmp(&b.name));
    Value::Array(
        themes
            .into_iter()
            .map(|theme| {
                json!({
                    "slug": theme.slug,
                    "name": theme.name,
                    "url": format!("{base}/themes/{}", theme.slug),
                })
            })
            .collect(),
    )
}

fn countries_json(taxonomy: &Taxonomy, ids: &[i32]) -> Value {
    let mut countries: Vec<_> = ids.iter().filter_map(|id| taxonomy.term(*id)).collect();
    countries.sort_by(|a, b| a.label.cmp(&b.label));
    Value::Array(
        countries
            .into_iter()
            .map(|term| json!({ "code": term.code, "label": term.label }))
            .collect(),
    )
}

fn facet_values(counts: &[FacetCount], label: impl Fn(&str) -> Option<(String, String)>) -> Value {
    Value::Array(
        counts
            .iter()
            .filter_map(|count| {
                let (code, label) = label(&count.value)?;
                Some(json!({ "code": code, "label": label, "count": count.count }))
            })
            .collect(),
    )
}

/// A snippet with its highlight markers split out: `snippet` is plain text, and
/// `snippet_parts` the same text as runs, each saying whether it matched the query.
fn snippet_json(snippet: &str) -> (String, Value) {
    let mut plain = String::with_capacity(snippet.len());
    let mut parts = Vec::new();
    let mut run = String::new();
    let mut matched = false;
    for c in snippet.chars() {
        match c {
            MARK_START | MARK_END => {
                if !run.is_empty() {
                    parts.push(json!({ "text": run, "match": matched }));
                    run = String::new();
                }
                matched = c == MARK_START;
            }
            c => {
                plain.push(c);
                run.push(c);
            }
        }
    }
    if !run.is_empty() {
        parts.push(json!({ "text": run, "match": matched }));
    }
    (plain, Value::Array(parts))
}

fn page_links(
    base: &str,
    path: &str,
    query_for_page: impl Fn(u64) -> String,
    page: u64,
    pages: u64,
) -> Value {
    let at = |p: u64| {
        let query = query_for_page(p);
        if query.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{query}")
        }
    };
    json!({
        "self": at(page),
        "first": at(1),
        "last": at(pages),
        "prev": if page > 1 { Value::String(at(page - 1)) } else { Value::Null },
        "next": if page < pages { Value::String(at(page + 1)) } else { Value::Null },
    })
}

async fn list_learnings(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    check_page(raw.as_deref())?;
    let taxonomy = Taxonomy::current(&state).await?;
    let mut params = SearchParams::from_query(raw.as_deref());
    if params.q.chars().count() > query_text::MAX_CHARS {
        let limit = query_text::MAX_CHARS.to_string();
        return Err(ApiError::bad_request(
            "query_too_long",
            tf(LANG, "api.query_too_long", &[("limit", &limit)]),
        ));
    }
    // Not a public filter: the API lists published learnings only.
    params.status.clear();
    let search = Search::resolve(params, &taxonomy, Audience::Public);
    let outcome = search::run_cached(&state, &search).await?;
    let base = state.config.base_url.as_str();
    let items: Vec<Value> = outcome
        .hits
        .iter()
        .map(|hit| {
            let (snippet, parts) = snippet_json(&hit.snippet);
            json!({
                "id": hit.id,
                "url": format!("{base}/learnings/{}", hit.id),
                "api_url": format!("{base}/api/v1/learnings/{}", hit.id),
                "title": hit.title,
                "project_title": hit.project_title,
                "type": hit.learning_type,
                "type_label": type_label(LANG, &hit.learning_type),
                "year": hit.year,
                "evaluation_type": term_json(&taxonomy, hit.evaluation_type_id),
                "published_at": hit.published_at.map(iso),
                "snippet": snippet,
                "snippet_parts": parts,
            })
        })
        .collect();
    let mut facets = serde_json::Map::new();
    let empty = Vec::new();
    let counts = |name: &str| outcome.facets.get(name).unwrap_or(&empty);
    facets.insert(
        "type".into(),
        facet_values(counts("type"), |code| {
            Some((code.to_string(), type_label(LANG, code)))
        }),
    );
    let by_vocabulary = search::facets_by_vocabulary(&outcome, &taxonomy);
    for (param, vocabulary) in TERM_FILTERS {
        let values = by_vocabulary
            .get(&vocabulary)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut values: Vec<&(String, String, u64)> = values.iter().collect();
        values.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        facets.insert(
            param.into(),
            Value::Array(
                values
                    .into_iter()
                    .map(|(code, label, count)| json!({ "code": code, "label": label, "count": count }))
                    .collect(),
            ),
        );
    }
    facets.insert(
        "theme".into(),
        facet_values(counts("theme"), |id| {
            let theme = taxonomy.theme(id.parse().ok()?)?;
            Some((theme.slug.clone(), theme.name.clone()))
        }),
    );
    facets.insert(
        "language".into(),
        facet_values(counts("language"), |code| {
            Some((code.to_string(), language_name(LANG, code)))
        }),
    );
    facets.insert(
        "year".into(),
        facet_values(counts("year"), |year| {
            Some((year.to_string(), year.to_string()))
        }),
    );
    facets.insert(
        "project".into(),
        facet_values(counts("project"), |title| {
            Some((title.to_string(), title.to_string()))
        }),
    );
    let mut notices: Vec<Value> = search.notices.iter().map(notice_json).collect();
    notices.extend(unknown_parameters(raw.as_deref(), &LEARNING_PARAMS));
    let (first, last) = outcome.range();
    let filters: Vec<Value> = search
        .filters
        .iter()
        .map(|f| {
            let label = match f.param {
                "type" => type_label(LANG, &f.code),
                "language" => language_name(LANG, &f.code),
                _ => f.label.clone(),
            };
            json!({ "parameter": f.param, "code": f.code, "label": label })
        })
        .collect();
    let sort = match search.sort {
        search::Sort::Newest => "newest",
        search::Sort::Relevance => "relevance",
    };
    ok(json!({
        "total": outcome.total,
        "page": outcome.page,
        "pages": outcome.pages,
        "per_page": PER_PAGE,
        "range": { "first": first, "last": last },
        "sort": sort,
        "filters": filters,
        "items": items,
        "facets": facets,
        "notices": notices,
        "links": page_links(base, "/api/v1/learnings", |p| search.params.with_page(p), outcome.page, outcome.pages),
    }))
}

fn path_id(path: Result<Path<String>, PathRejection>) -> Result<i32, ApiError> {
    path.ok()
        .and_then(|Path(raw)| listing::path_id(&raw))
        .ok_or_else(ApiError::not_found)
}

async fn show_learning(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = path_id(path)?;
    let learning = learnings::Entity::find_by_id(id)
        .filter(learnings::Column::Status.eq(learnings::LearningStatus::Published))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let taxonomy = Taxonomy::current(&state).await?;
    let theme_ids = LEARNING_THEMES.of(&state.db, id).await?;
    let country_ids = LEARNING_COUNTRIES.of(&state.db, id).await?;
    let base = state.config.base_url.as_str();
    ok(json!({
        "id": learning.id,
        "url": format!("{base}/learnings/{}", learning.id),
        "title": learning.title,
        "type": { "code": learning.learning_type, "label": type_label(LANG, &learning.learning_type) },
        "project_title": learning.project_title,
        "year": learning.year,
        "evaluation_type": term_json(&taxonomy, learning.evaluation_type_id),
        "sector": term_json(&taxonomy, learning.sector_id),
        "intervention_type": term_json(&taxonomy, learning.intervention_type_id),
        "cycle_stage": term_json(&taxonomy, learning.cycle_stage_id),
        "criterion": term_json(&taxonomy, learning.criterion_id),
        "themes": themes_json(base, &taxonomy, &theme_ids),
        "countries": countries_json(&taxonomy, &country_ids),
        "description_markdown": learning.description,
        "description_html": learning.description_html,
        "source_url": Some(learning.source_url.as_str()).filter(|u| !u.is_empty()),
        "language": { "code": learning.language, "label": language_name(LANG, &learning.language) },
        "published_at": learning.published_at.map(iso),
        "updated_at": iso(learning.updated_at),
    }))
}

fn product_json(base: &str, taxonomy: &Taxonomy, item: &ProductItem, full: bool) -> Value {
    let product = &item.product;
    let mut value = json!({
        "id": product.id,
        "url": format!("{base}/products/{}", product.id),
        "api_url": format!("{base}/api/v1/products/{}", product.id),
        "title": product.title,
        "kind": term_json(taxonomy, product.kind_id),
        "summary": listing::plain_text(&product.summary, 300),
        "themes": themes_json(base, taxonomy, &item.theme_ids),
        "countries": countries_json(taxonomy, &item.country_ids),
        "language": { "code": product.language, "label": language_name(LANG, &product.language) },
        "published_on": product.published_on.map(|d| d.to_string()),
        "link": Some(product.url.as_str()).filter(|u| !u.is_empty()),
    });
    if full && let Value::Object(map) = &mut value {
        map.insert("summary_markdown".into(), json!(product.summary));
        map.insert("summary_html".into(), json!(product.summary_html));
        map.insert("updated_at".into(), json!(iso(product.updated_at)));
    }
    value
}

async fn list_products(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    check_page(raw.as_deref())?;
    let taxonomy = Taxonomy::current(&state).await?;
    let mut params = ProductParams::from_query(raw.as_deref());
    params.status.clear();
    let search = ProductSearch::resolve(params, &taxonomy, Audience::Public);
    let listing = listing::run(&state.db, &search, PRODUCTS_PER_PAGE).await?;
    let base = state.config.base_url.as_str();
    let term = |id: &str| {
        let term = taxonomy.term(id.parse().ok()?)?;
        Some((term.code.clone(), term.label.clone()))
    };
    let facets = json!({
        "kind": facet_values(listing.facet("kind"), term),
        "theme": facet_values(listing.facet("theme"), |id| {
            let theme = taxonomy.theme(id.parse().ok()?)?;
            Some((theme.slug.clone(), theme.name.clone()))
        }),
        "language": facet_values(listing.facet("language"), |code| {
            Some((code.to_string(), language_name(LANG, code)))
        }),
        "country": facet_values(listing.facet("country"), term),
    });
    let mut notices: Vec<Value> = search.notices.iter().map(notice_json).collect();
    notices.extend(unknown_parameters(raw.as_deref(), &PRODUCT_PARAMS));
    let (first, last) = listing.range();
    let filters: Vec<Value> = search
        .filters
        .iter()
        .map(|f| {
            let label = match f.param {
                "language" => language_name(LANG, &f.code),
                _ => f.label.clone(),
            };
            json!({ "parameter": f.param, "code": f.code, "label": label })
        })
        .collect();
    let page_query = |p: u64| {
        let mut params = search.params.clone();
        params.page = if p > 1 { p.to_string() } else { String::new() };
        params.to_query()
    };
    ok(json!({
        "total": listing.total,
        "page": listing.page,
        "pages": listing.pages,
        "per_page": listing.per_page,
        "range": { "first": first, "last": last },
        "filters": filters,
        "items": listing.items.iter().map(|item| product_json(base, &taxonomy, item, false)).collect::<Vec<_>>(),
        "facets": facets,
        "notices": notices,
        "links": page_links(base, "/api/v1/products", page_query, listing.page, listing.pages),
    }))
}

async fn show_product(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = path_id(path)?;
    let item = listing::visible(&state.db, id, Audience::Public)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let taxonomy = Taxonomy::current(&state).await?;
    ok(product_json(&state.config.base_url, &taxonomy, &item, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_into_runs() {
        let (plain, parts) = snippet_json("a \u{E000}child\u{E001} labour \u{E000}x\u{E001}");
        assert_eq!(plain, "a child labour x");
        assert_eq!(
            parts,
            json!([
                { "text": "a ", "match": false },
                { "text": "child", "match": true },
                { "text": " labour ", "match": false },
                { "text": "x", "match": true },
            ])
        );
    }

    #[test]
    fn pages_must_be_positive_numbers() {
        assert!(check_page(None).is_ok());
        assert!(check_page(Some("page=")).is_ok());
        assert!(check_page(Some("page=3")).is_ok());
        for bad in [
            "page=0",
            "page=-1",
            "page=abc",
            "page=1e3",
            "page=99999999999999999999999",
        ] {
            assert!(check_page(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_vocabulary_filter_is_a_parameter() {
        for (name, _) in TERM_FILTERS {
            assert!(LEARNING_PARAMS.contains(&name), "{name}");
        }
    }
}
