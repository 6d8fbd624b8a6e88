//! The OpenAPI 3.1 description of `/api/v1`. Written by hand as JSON: the API is small and
//! read-only, and a schema generator would be a second framework to keep in step with it.
//! The tests check that it parses and names every route.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    learnings::{
        fields::{LANGUAGES, LEARNING_TYPES, SORTS},
        query_text::MAX_CHARS,
        search::PER_PAGE,
    },
    products::listing::PER_PAGE as PRODUCTS_PER_PAGE,
    web::AppState,
};

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": false,
        "description": description,
        "schema": schema,
    })
}

/// Text as the edge lets it through: no control characters (those are refused with a 400).
const NO_CONTROLS: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

fn text(extra: Value) -> Value {
    let mut schema = json!({ "type": "string", "pattern": NO_CONTROLS });
    if let (Some(schema), Value::Object(extra)) = (schema.as_object_mut(), extra) {
        schema.extend(extra);
    }
    schema
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/{name}") })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": reference("schemas/Error") } },
    })
}

fn json_response(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": reference(&format!("schemas/{schema}")) } },
    })
}

fn id_param(what: &str) -> Value {
    json!({
        "name": "id",
        "in": "path",
        "required": true,
        "description": format!("The {what}'s id. Anything that is not the id of a published {what} answers 404."),
        "schema": { "type": "integer", "minimum": 1, "maximum": i32::MAX },
    })
}

fn nullable(schema: &str) -> Value {
    json!({ "oneOf": [reference(&format!("schemas/{schema}")), { "type": "null" }] })
}

fn schemas() -> Value {
    let facet_list = json!({ "type": "array", "items": reference("schemas/FacetValue") });
    let mut schemas = serde_json::Map::new();
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": { "type": "string", "description": "Stable code: not_found, bad_parameter, query_too_long, method_not_allowed, internal.", "examples": ["not_found"] },
                "message": { "type": "string", "description": "A sentence for people (English)." },
            },
        }),
    );
    schemas.insert(
        "Notice".into(),
        json!({
            "type": "object",
            "required": ["code", "message"],
            "description": "Something about the request that did not fail it: a filter value that is not known (left out), a parameter the endpoint does not know (ignored), a shortened query, an unknown sort.",
            "properties": {
                "code": { "type": "string", "enum": ["unknown_filter", "unknown_parameter", "query_shortened", "only_exclusions", "unknown_sort"] },
                "parameter": { "type": "string" },
                "value": { "type": "string" },
                "message": { "type": "string" },
            },
        }),
    );
    schemas.insert(
        "Term".into(),
        json!({
            "type": "object",
            "required": ["code", "label"],
            "description": "A taxonomy value: the code used in filters and its label.",
            "properties": { "code": { "type": "string" }, "label": { "type": "string" } },
        }),
    );
    schemas.insert(
        "Theme".into(),
        json!({
            "type": "object",
            "required": ["slug", "name", "url"],
            "properties": {
                "slug": { "type": "string" },
                "name": { "type": "string" },
                "url": { "type": "string", "format": "uri", "description": "The theme's page." },
            },
        }),
    );
    schemas.insert(
            "FacetValue".into(),
            json!({
            "type": "object",
            "required": ["code", "label", "count"],
            "description": "One filter value with the number of results that carry it; pass `code` as the filter's parameter.",
            "properties": {
                "code": { "type": "string" },
                "label": { "type": "string" },
                "count": { "type": "integer", "minimum": 0 },
            },
        }),
    );
    schemas.insert(
        "ActiveFilter".into(),
        json!({
            "type": "object",
            "required": ["parameter", "code", "label"],
            "properties": {
                "parameter": { "type": "string" },
                "code": { "type": "string" },
                "label": { "type": "string" },
            },
        }),
    );
    schemas.insert(
            "Range".into(),
            json!({
            "type": "object",
            "required": ["first", "last"],
            "description": "1-based positions of the first and last item on this page (\"Showing 11–20 of 123\"); both 0 when there are none.",
            "properties": {
                "first": { "type": "integer", "minimum": 0 },
                "last": { "type": "integer", "minimum": 0 },
            },
        }),
    );
    schemas.insert(
        "PageLinks".into(),
        json!({
            "type": "object",
            "required": ["self", "first", "last", "prev", "next"],
            "properties": {
                "self": { "type": "string", "format": "uri" },
                "first": { "type": "string", "format": "uri" },
                "last": { "type": "string", "format": "uri" },
                "prev": { "type": ["string", "null"], "format": "uri" },
                "next": { "type": ["string", "null"], "format": "uri" },
            },
        }),
    );
    schemas.insert(
        "Language".into(),
        json!({
            "type": "object",
            "required": ["code", "label"],
            "properties": {
                "code": { "type": "string", "enum": LANGUAGES },
                "label": { "type": "string" },
            },
        }),
    );
    schemas.insert(
            "SnippetPart".into(),
            json!({
            "type": "object",
            "required": ["text", "match"],
            "properties": {
                "text": { "type": "string" },
                "match": { "type": "boolean", "description": "Whether this run matched the text query (to highlight)." },
            },
        }),
    );
    schemas.insert(
        "LearningSummary".into(),
        json!({
            "type": "object",
            "required": ["id", "url", "api_url", "title", "project_title", "type", "type_label", "year", "evaluation_type", "published_at", "snippet", "snippet_parts"],
            "properties": {
                "id": { "type": "integer" },
                "url": { "type": "string", "format": "uri", "description": "The learning's web page." },
                "api_url": { "type": "string", "format": "uri" },
                "title": { "type": "string" },
                "project_title": { "type": "string" },
                "type": { "type": "string", "enum": LEARNING_TYPES },
                "type_label": { "type": "string" },
                "year": { "type": ["integer", "null"] },
                "evaluation_type": nullable("Term"),
                "published_at": { "type": ["string", "null"], "format": "date-time" },
                "snippet": { "type": "string", "description": "Plain text: a passage of the description (matching passages when there is a text query)." },
                "snippet_parts": {
                    "type": "array",
                    "items": reference("schemas/SnippetPart"),
                    "description": "The snippet as consecutive runs of text; concatenated they give `snippet`. Runs with match = true are the words that matched the query.",
                },
            },
        }),
    );
    schemas.insert(
        "LearningList".into(),
        json!({
            "type": "object",
            "required": ["total", "page", "pages", "per_page", "range", "sort", "filters", "items", "facets", "notices", "links"],
            "properties": {
                "total": { "type": "integer", "minimum": 0 },
                "page": { "type": "integer", "minimum": 1 },
                "pages": { "type": "integer", "minimum": 1 },
                "per_page": { "type": "integer", "const": PER_PAGE },
                "range": reference("schemas/Range"),
                "sort": { "type": "string", "enum": SORTS },
                "filters": { "type": "array", "items": reference("schemas/ActiveFilter"), "description": "The filters applied." },
                "items": { "type": "array", "items": reference("schemas/LearningSummary") },
                "facets": {
                    "type": "object",
                    "description": "Counts over all results (not only this page), most frequent first.",
                    "properties": {
                        "type": facet_list, "evaluation_type": facet_list, "country": facet_list,
                        "sector": facet_list, "intervention_type": facet_list, "cycle_stage": facet_list,
                        "criterion": facet_list, "theme": facet_list, "language": facet_list,
                        "year": facet_list, "project": facet_list,
                    },
                },
                "notices": { "type": "array", "items": reference("schemas/Notice") },
                "links": reference("schemas/PageLinks"),
            },
        }),
    );
    schemas.insert(
        "Learning".into(),
        json!({
            "type": "object",
            "required": ["id", "url", "title", "type", "project_title", "year", "evaluation_type", "sector", "intervention_type", "cycle_stage", "criterion", "themes", "countries", "description_markdown", "description_html", "source_url", "language", "published_at", "updated_at"],
            "properties": {
                "id": { "type": "integer" },
                "url": { "type": "string", "format": "uri" },
                "title": { "type": "string" },
                "type": reference("schemas/Term"),
                "project_title": { "type": "string" },
                "year": { "type": ["integer", "null"] },
                "evaluation_type": nullable("Term"),
                "sector": nullable("Term"),
                "intervention_type": nullable("Term"),
                "cycle_stage": nullable("Term"),
                "criterion": nullable("Term"),
                "themes": { "type": "array", "items": reference("schemas/Theme") },
                "countries": { "type": "array", "items": reference("schemas/Term") },
                "description_markdown": { "type": "string", "description": "The description as written (Markdown)." },
                "description_html": { "type": "string", "description": "The description rendered to sanitized HTML." },
                "source_url": { "type": ["string", "null"], "format": "uri", "description": "The evaluation report." },
                "language": reference("schemas/Language"),
                "published_at": { "type": ["string", "null"], "format": "date-time" },
                "updated_at": { "type": "string", "format": "date-time" },
            },
        }),
    );
    schemas.insert(
        "ProductSummary".into(),
        json!({
            "type": "object",
            "required": ["id", "url", "api_url", "title", "kind", "summary", "themes", "countries", "language", "published_on", "link"],
            "properties": {
                "id": { "type": "integer" },
                "url": { "type": "string", "format": "uri", "description": "The product's page on Fora." },
                "api_url": { "type": "string", "format": "uri" },
                "title": { "type": "string" },
                "kind": nullable("Term"),
                "summary": { "type": "string", "description": "Plain text, shortened." },
                "themes": { "type": "array", "items": reference("schemas/Theme") },
                "countries": { "type": "array", "items": reference("schemas/Term") },
                "language": reference("schemas/Language"),
                "published_on": { "type": ["string", "null"], "format": "date" },
                "link": { "type": ["string", "null"], "format": "uri", "description": "Where the product itself is (download or site)." },
            },
        }),
    );
    schemas.insert(
        "Product".into(),
        json!({
            "allOf": [
                reference("schemas/ProductSummary"),
                {
                    "type": "object",
                    "required": ["summary_markdown", "summary_html", "updated_at"],
                    "properties": {
                        "summary_markdown": { "type": "string" },
                        "summary_html": { "type": "string", "description": "Sanitized HTML." },
                        "updated_at": { "type": "string", "format": "date-time" },
                    },
                },
            ],
        }),
    );
    schemas.insert(
            "ProductList".into(),
            json!({
            "type": "object",
            "required": ["total", "page", "pages", "per_page", "range", "filters", "items", "facets", "notices", "links"],
            "properties": {
                "total": { "type": "integer", "minimum": 0 },
                "page": { "type": "integer", "minimum": 1 },
                "pages": { "type": "integer", "minimum": 1 },
                "per_page": { "type": "integer", "const": PRODUCTS_PER_PAGE },
                "range": reference("schemas/Range"),
                "filters": { "type": "array", "items": reference("schemas/ActiveFilter") },
                "items": { "type": "array", "items": reference("schemas/ProductSummary") },
                "facets": {
                    "type": "object",
                    "properties": {
                        "kind": facet_list, "theme": facet_list, "language": facet_list, "country": facet_list,
                    },
                },
                "notices": { "type": "array", "items": reference("schemas/Notice") },
                "links": reference("schemas/PageLinks"),
            },
        }),
    );
    Value::Object(schemas)
}

pub fn document_for(base_url: &str) -> Value {
    let code = text(json!({}));
    let page_param = query_param(
        "page",
        "1-based page number. Must be a whole number from 1 (empty means the first page); a page past the last one answers the last page.",
        json!({ "anyOf": [
            { "type": "integer", "minimum": 1, "maximum": u64::MAX },
            { "type": "string", "const": "" },
        ] }),
    );
    let learning_params = vec![
        query_param(
            "q",
            "Full-text query: words, \"quoted phrases\", OR between alternatives, -word to exclude, word* for a prefix. Any text up to maxLength characters is accepted; a longer one is refused (400, error code query_too_long), and one with too many words is shortened (see notices).",
            text(json!({ "maxLength": MAX_CHARS })),
        ),
        query_param(
            "type",
            "Learning type: lesson_learned or good_practice. Any other value is left out and reported in notices (unknown_filter).",
            text(json!({ "examples": LEARNING_TYPES })),
        ),
        query_param(
            "evaluation_type",
            "Evaluation type code (e.g. final).",
            code.clone(),
        ),
        query_param("theme", "Theme slug.", code.clone()),
        query_param("country", "ISO 3166-1 alpha-2 country code.", code.clone()),
        query_param("project", "Exact project title.", code.clone()),
        query_param("sector", "Child-labour sector code.", code.clone()),
        query_param("intervention_type", "Intervention type code.", code.clone()),
        query_param("cycle_stage", "Project-cycle stage code.", code.clone()),
        query_param("criterion", "Evaluation criterion code.", code.clone()),
        query_param(
            "year",
            "Evaluation year, e.g. 2019. Any other value is left out and reported in notices (unknown_filter).",
            text(json!({ "examples": ["2019"] })),
        ),
        query_param(
            "language",
            "Language of the learning: en, fr or es. Any other value is left out and reported in notices (unknown_filter).",
            text(json!({ "examples": LANGUAGES })),
        ),
        query_param(
            "sort",
            "Order: relevance (the default with a text query) or newest (the default without). Any other value is ignored and reported in notices (unknown_sort).",
            text(json!({ "examples": SORTS })),
        ),
        page_param.clone(),
    ];
    let product_params = vec![
        query_param(
            "kind",
            "Product kind code (e.g. publication, tool).",
            code.clone(),
        ),
        query_param("theme", "Theme slug.", code.clone()),
        query_param(
            "language",
            "Language of the product: en, fr or es. Any other value is left out and reported in notices (unknown_filter).",
            text(json!({ "examples": LANGUAGES })),
        ),
        query_param("country", "ISO 3166-1 alpha-2 country code.", code),
        page_param,
    ];
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Fora library API",
            "version": "1.0.0",
            "description": "Read-only access to the published learnings (lessons learned and good practices from project evaluations) and knowledge products of Fora. Only published items are ever listed or shown. Every answer is JSON, errors included ({\"error\": code, \"message\": text}), and carries Access-Control-Allow-Origin: *. Unknown filter values and unknown parameters never fail a request: they are left out and reported in `notices`. Only a page that is not a whole number from 1, a text query over its length limit, or a control character anywhere in the request is refused (400). Atom feeds of the same data: /feeds/learnings.atom (same query parameters as /api/v1/learnings) and /feeds/products.atom.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" },
        },
        "servers": [{ "url": base_url }],
        "paths": {
            "/api/v1/learnings": {
                "get": {
                    "operationId": "listLearnings",
                    "summary": "Search published learnings",
                    "description": format!("The filters, paging and facet counts of the /learnings page, {PER_PAGE} learnings a page. Every filter combines with the others and with the text query."),
                    "parameters": learning_params,
                    "responses": {
                        "200": json_response("One page of results with facet counts.", "LearningList"),
                        "400": error_response(&format!("`page` is not a whole number from 1, or the request holds a control character (error code bad_parameter); `q` is longer than {MAX_CHARS} characters (error code query_too_long).")),
                        "405": error_response("Only GET (and HEAD, OPTIONS) are allowed."),
                    },
                },
            },
            "/api/v1/learnings/{id}": {
                "get": {
                    "operationId": "getLearning",
                    "summary": "One published learning",
                    "parameters": [id_param("learning")],
                    "responses": {
                        "200": json_response("The learning with every field, as codes and labels.", "Learning"),
                        "400": error_response("The path holds a control character (error code bad_parameter)."),
                        "404": error_response("No published learning has this id (also for ids that are not numbers, and for drafts, learnings in review and retired ones)."),
                        "405": error_response("Only GET (and HEAD, OPTIONS) are allowed."),
                    },
                },
            },
            "/api/v1/products": {
                "get": {
                    "operationId": "listProducts",
                    "summary": "List published knowledge products",
                    "description": format!("Newest first, {PRODUCTS_PER_PAGE} products a page, with counts per kind, theme, language and country."),
                    "parameters": product_params,
                    "responses": {
                        "200": json_response("One page of products with facet counts.", "ProductList"),
                        "400": error_response("`page` is not a whole number from 1, or the request holds a control character (error code bad_parameter)."),
                        "405": error_response("Only GET (and HEAD, OPTIONS) are allowed."),
                    },
                },
            },
            "/api/v1/products/{id}": {
                "get": {
                    "operationId": "getProduct",
                    "summary": "One published knowledge product",
                    "parameters": [id_param("product")],
                    "responses": {
                        "200": json_response("The product.", "Product"),
                        "400": error_response("The path holds a control character (error code bad_parameter)."),
                        "404": error_response("No published product has this id."),
                        "405": error_response("Only GET (and HEAD, OPTIONS) are allowed."),
                    },
                },
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 description of this API.",
                            "content": { "application/json": { "schema": { "type": "object" } } },
                        },
                    },
                },
            },
        },
        "components": { "schemas": schemas() },
    })
}

pub async fn document(State(state): State<AppState>) -> Response {
    Json(document_for(&state.config.base_url)).into_response()
}
