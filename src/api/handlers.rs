//! The API's handlers: each reads its request leniently, asks the features' services, and
//! answers one of the types in `types.rs`. The `#[utoipa::path]` on each is its entry in the
//! OpenAPI document (see `openapi.rs`), and the router takes each route's path from it.

use axum::{
    Json,
    extract::{Path, RawQuery, State, rejection::PathRejection},
    http::{HeaderMap, StatusCode, header},
};
use templates::{
    i18n::{t, tf},
    {catalogue::language_name, learnings::type_label},
};

use super::{
    params::{LANG_PARAM, LEARNING_PARAMS, LangQuery, LearningQuery, PRODUCT_PARAMS, ProductQuery},
    types::{
        ActiveFilter, FacetValue, Labels, Language, Learning, LearningFacets, LearningList,
        LearningSummary, Notice, NoticeCode, PageLinks, Product, ProductFacets, ProductList,
        ProductSummary, Range, SnippetPart, Term, Theme,
    },
};
use crate::{
    learnings::published,
    learnings::search::{
        self, Audience, FacetCount, MARK_END, MARK_START, Notice as SearchNotice, PER_PAGE, Search,
        SearchParams, TERM_FILTERS,
    },
    products::listing::{
        self, PER_PAGE as PRODUCTS_PER_PAGE, ProductItem, ProductParams, ProductSearch,
    },
    search::{
        query_text,
        spelling::{self, Spelling},
    },
    taxonomy::{Taxonomy, Translated, labels::sort_by_name, pairs::Tagged},
    web::dates::iso,
    web::{
        AppState,
        api_error::{ApiError, ErrorBody, LANG},
        paths,
    },
};

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

/// The language of the labels and names in an answer: `lang` when it is given (en, fr or es:
/// anything else, an empty value included, is refused, and so is a second `lang` that differs
/// from the first), else the best match of `Accept-Language` (English when nothing matches:
/// a header is a preference, never refused), else English. Every answer has the labels in each
/// language too. Messages (`notices`, errors) stay in English whatever it is.
fn label_language(raw: Option<&str>, headers: &HeaderMap) -> Result<&'static str, ApiError> {
    let mut chosen: Option<&'static str> = None;
    for (name, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if name != LANG_PARAM {
            continue;
        }
        let code = templates::i18n::SUPPORTED
            .iter()
            .copied()
            .find(|code| *code == value);
        match (code, chosen) {
            (Some(code), None) => chosen = Some(code),
            (Some(code), Some(first)) if code == first => {}
            _ => {
                return Err(ApiError::bad_request(
                    "bad_parameter",
                    t(LANG, "api.bad_lang").into_owned(),
                ));
            }
        }
    }
    Ok(chosen.unwrap_or_else(|| {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map_or(LANG, templates::i18n::negotiate)
    }))
}

/// `query` with `lang=…` added when the answer's language was asked for with it, so that the
/// links to other pages keep it.
fn keep_language(query: String, asked: bool, lang: &str) -> String {
    match (asked, query.is_empty()) {
        (false, _) => query,
        (true, true) => format!("{LANG_PARAM}={lang}"),
        (true, false) => format!("{query}&{LANG_PARAM}={lang}"),
    }
}

/// Whether the query string names `lang`.
fn asks_language(raw: Option<&str>) -> bool {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()).any(|(name, _)| name == LANG_PARAM)
}

/// Parameter names the endpoint does not know: ignored, and said so.
fn unknown_parameters(raw: Option<&str>, known: &[&str]) -> Vec<Notice> {
    let mut seen: Vec<String> = Vec::new();
    for (name, _) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let name: String = name.chars().filter(|c| !c.is_control()).take(80).collect();
        if name != LANG_PARAM
            && !known.contains(&name.as_str())
            && !seen.contains(&name)
            && seen.len() < 20
        {
            seen.push(name);
        }
    }
    seen.into_iter()
        .map(|name| Notice {
            code: NoticeCode::UnknownParameter,
            message: tf(LANG, "api.unknown_parameter", &[("parameter", &name)]),
            parameter: name,
            value: None,
        })
        .collect()
}

fn notice(notice: &SearchNotice) -> Notice {
    let about = |code, parameter: &str, key| Notice {
        code,
        parameter: parameter.to_string(),
        value: None,
        message: t(LANG, key).into_owned(),
    };
    match notice {
        SearchNotice::UnknownFilter(param, value) => Notice {
            code: NoticeCode::UnknownFilter,
            parameter: param.to_string(),
            value: Some(value.clone()),
            message: tf(
                LANG,
                "api.unknown_filter",
                &[("parameter", param), ("value", value)],
            ),
        },
        SearchNotice::Shortened => about(NoticeCode::QueryShortened, "q", "api.query_shortened"),
        SearchNotice::OnlyExclusions => {
            about(NoticeCode::OnlyExclusions, "q", "api.only_exclusions")
        }
        SearchNotice::BadSort => about(NoticeCode::UnknownSort, "sort", "api.unknown_sort"),
    }
}

/// Words no `what` held: the question searched instead, or the one offered.
fn spelling_notice(what: &str, typed: &str, spelling: &Spelling) -> Option<Notice> {
    let (code, key, corrections) = match spelling {
        Spelling::AsTyped => return None,
        Spelling::Corrected(c) => (NoticeCode::SpellingCorrected, "api.spelling_corrected", c),
        Spelling::Offered(c) => (NoticeCode::SpellingOffered, "api.spelling_offered", c),
    };
    let question = spelling::searched(typed, corrections);
    let words = corrections
        .iter()
        .map(|c| format!("“{}”", c.typed))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Notice {
        code,
        parameter: "q".to_string(),
        message: tf(
            LANG,
            key,
            &[("what", what), ("words", &words), ("question", &question)],
        ),
        value: Some(question),
    })
}

fn term(lang: &str, taxonomy: &Taxonomy, id: Option<i32>) -> Option<Term> {
    id.and_then(|id| taxonomy.term(id))
        .map(|term| term_of(lang, term))
}

fn term_of(lang: &str, term: &crate::taxonomy::Term) -> Term {
    Term {
        code: term.code.clone(),
        label: term.label(lang).to_string(),
        labels: Labels::of(&term.labels),
    }
}

fn themes(lang: &str, base: &str, taxonomy: &Taxonomy, ids: &[i32]) -> Vec<Theme> {
    let mut themes: Vec<_> = ids.iter().filter_map(|id| taxonomy.theme(*id)).collect();
    sort_by_name(&mut themes, |theme| theme.name(lang));
    themes
        .into_iter()
        .map(|theme| Theme {
            slug: theme.slug.clone(),
            name: theme.name(lang).to_string(),
            names: Labels::of(&theme.names),
            url: format!("{base}{}", paths::theme(&theme.slug)),
        })
        .collect()
}

fn countries(lang: &str, taxonomy: &Taxonomy, ids: &[i32]) -> Vec<Term> {
    let mut countries: Vec<_> = ids.iter().filter_map(|id| taxonomy.term(*id)).collect();
    sort_by_name(&mut countries, |term| term.label(lang));
    countries
        .into_iter()
        .map(|term| term_of(lang, term))
        .collect()
}

fn language(lang: &str, code: &str) -> Language {
    Language {
        code: code.to_string(),
        label: language_name(lang, code),
    }
}

/// The values of a facet; `label` gives each its code and label, and the label in every
/// language for a theme or a term (`named`).
fn facet_values(
    counts: &[FacetCount],
    label: impl Fn(&str) -> Option<(String, String, Option<Labels>)>,
) -> Vec<FacetValue> {
    counts
        .iter()
        .filter_map(|count| {
            let (code, label, labels) = label(&count.value)?;
            Some(FacetValue {
                code,
                label,
                labels,
                count: count.count,
            })
        })
        .collect()
}

/// A value named the same in every language (a code, a year, a project).
fn plain(code: &str, label: String) -> Option<(String, String, Option<Labels>)> {
    Some((code.to_string(), label, None))
}

/// A theme's or a term's code and its names.
fn named(lang: &str, code: &str, name: &Translated) -> Option<(String, String, Option<Labels>)> {
    Some((
        code.to_string(),
        name.get(lang).to_string(),
        Some(Labels::of(name)),
    ))
}

/// The names of a theme or term filter in each language (`None` for the others).
fn translated_filter(filter: &search::ActiveFilter) -> Option<Labels> {
    matches!(
        filter.param,
        "theme"
            | "kind"
            | "country"
            | "evaluation_type"
            | "sector"
            | "intervention_type"
            | "cycle_stage"
            | "criterion"
    )
    .then(|| Labels::of(&filter.label))
}

/// A snippet with its highlight markers split out: `snippet` is plain text, and
/// `snippet_parts` the same text as runs, each saying whether it matched the query.
fn snippet_parts(snippet: &str) -> (String, Vec<SnippetPart>) {
    let mut plain = String::with_capacity(snippet.len());
    let mut parts = Vec::new();
    let mut run = String::new();
    let mut matched = false;
    for c in snippet.chars() {
        match c {
            MARK_START | MARK_END => {
                if !run.is_empty() {
                    parts.push(SnippetPart {
                        text: std::mem::take(&mut run),
                        matched,
                    });
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
        parts.push(SnippetPart { text: run, matched });
    }
    (plain, parts)
}

fn page_links(
    base: &str,
    path: &str,
    query_for_page: impl Fn(u64) -> String,
    page: u64,
    pages: u64,
) -> PageLinks {
    let at = |p: u64| {
        let query = query_for_page(p);
        if query.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{query}")
        }
    };
    PageLinks {
        this: at(page),
        first: at(1),
        last: at(pages),
        prev: (page > 1).then(|| at(page - 1)),
        next: (page < pages).then(|| at(page + 1)),
    }
}

/// A text query longer than the search reads is refused, not silently cut.
fn refuse_long_query(q: &str) -> Result<(), ApiError> {
    if q.chars().count() > query_text::MAX_CHARS {
        let limit = query_text::MAX_CHARS.to_string();
        return Err(ApiError::bad_request(
            "query_too_long",
            tf(LANG, "api.query_too_long", &[("limit", &limit)]),
        ));
    }
    Ok(())
}

fn rebuilding() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "search_rebuilding",
        t(LANG, "api.search_rebuilding").into_owned(),
    )
}

/// Search published learnings
///
/// The filters, paging and facet counts of the /learnings page (`per_page` learnings a page).
/// Every filter combines with the others and with the text query.
#[utoipa::path(
    get,
    path = "/api/v1/learnings",
    operation_id = "listLearnings",
    params(LearningQuery),
    responses(
        (status = 200, description = "One page of results with facet counts.", body = LearningList),
        (status = 400, description = "`page` is not a whole number from 1, `lang` is not en, fr or es, or the request holds a control character (error code bad_parameter); `q` is longer than its maxLength (error code query_too_long).", body = ErrorBody),
        (status = 405, description = "Only GET (and HEAD, OPTIONS) are allowed.", body = ErrorBody),
        (status = 503, description = "The search index is being rebuilt (error code search_rebuilding); try again after Retry-After seconds.", body = ErrorBody),
    )
)]
pub async fn list_learnings(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<LearningList>, ApiError> {
    check_page(raw.as_deref())?;
    let lang = label_language(raw.as_deref(), &headers)?;
    let asked = asks_language(raw.as_deref());
    let taxonomy = Taxonomy::current(&state).await?;
    let mut params = SearchParams::from_query(raw.as_deref());
    refuse_long_query(&params.q)?;
    // Not a public filter: the API lists published learnings only.
    params.status.clear();
    let mut search = Search::resolve(params, &taxonomy, Audience::Public);
    search.text.reader_language = Some(lang);
    let Some(outcome) = search::run_cached(&state, &search).await? else {
        return Err(rebuilding());
    };
    let base = state.config.base_url.as_str();
    let items = outcome
        .hits
        .iter()
        .map(|hit| {
            let (snippet, snippet_parts) = snippet_parts(&hit.snippet);
            LearningSummary {
                id: hit.id,
                url: format!("{base}{}", paths::learning(hit.id)),
                api_url: format!("{base}{}", paths::api_learning(hit.id)),
                title: hit.title.clone(),
                project_title: hit.project_title.clone(),
                learning_type: hit.learning_type.clone(),
                type_label: type_label(lang, &hit.learning_type),
                year: hit.year,
                evaluation_type: term(lang, &taxonomy, hit.evaluation_type_id),
                published_at: hit.published_at.map(iso),
                snippet,
                snippet_parts,
            }
        })
        .collect();
    let empty = Vec::new();
    let counts = |name: &str| outcome.facets.get(name).unwrap_or(&empty);
    let by_vocabulary = search::facets_by_vocabulary(&outcome, &taxonomy, lang);
    let mut facets = LearningFacets {
        learning_type: facet_values(counts("type"), |code| plain(code, type_label(lang, code))),
        theme: facet_values(counts("theme"), |id| {
            let theme = taxonomy.theme(id.parse().ok()?)?;
            named(lang, &theme.slug, &theme.names)
        }),
        language: facet_values(counts("language"), |code| {
            plain(code, language_name(lang, code))
        }),
        year: facet_values(counts("year"), |year| plain(year, year.to_string())),
        project: facet_values(counts("project"), |title| plain(title, title.to_string())),
        ..LearningFacets::default()
    };
    for (param, vocabulary) in TERM_FILTERS {
        let values = by_vocabulary
            .get(&vocabulary)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let values = values
            .iter()
            .map(|(code, label, count)| FacetValue {
                code: code.clone(),
                label: label.clone(),
                labels: taxonomy
                    .by_code(vocabulary, code)
                    .map(|term| Labels::of(&term.labels)),
                count: *count,
            })
            .collect();
        if let Some(slot) = facets.vocabulary_mut(param) {
            *slot = values;
        }
    }
    let mut notices: Vec<Notice> = search.notices.iter().map(notice).collect();
    notices.extend(spelling_notice(
        "learning",
        &search.params.q,
        &outcome.spelling,
    ));
    notices.extend(unknown_parameters(raw.as_deref(), &LEARNING_PARAMS));
    let (first, last) = outcome.range();
    let filters = search
        .filters
        .iter()
        .map(|f| ActiveFilter {
            parameter: f.param.to_string(),
            code: f.code.clone(),
            label: match f.param {
                "type" => type_label(lang, &f.code),
                "language" => language_name(lang, &f.code),
                _ => f.label.get(lang).to_string(),
            },
            labels: translated_filter(f),
        })
        .collect();
    let sort = match search.sort {
        search::Sort::Newest => "newest",
        search::Sort::Relevance => "relevance",
    };
    Ok(Json(LearningList {
        total: outcome.total,
        page: outcome.page,
        pages: outcome.pages,
        per_page: PER_PAGE,
        range: Range { first, last },
        sort: sort.to_string(),
        filters,
        items,
        facets,
        notices,
        links: page_links(
            base,
            paths::API_LEARNINGS,
            |p| keep_language(search.params.with_page(p), asked, lang),
            outcome.page,
            outcome.pages,
        ),
    }))
}

fn path_id(path: Result<Path<String>, PathRejection>) -> Result<i32, ApiError> {
    path.ok()
        .and_then(|Path(raw)| listing::path_id(&raw))
        .ok_or_else(ApiError::not_found)
}

/// One published learning
#[utoipa::path(
    get,
    path = "/api/v1/learnings/{id}",
    operation_id = "getLearning",
    params(
        ("id" = i32, Path, minimum = 1, maximum = 2147483647, description = "The learning's id. Anything that is not the id of a published learning answers 404."),
        LangQuery,
    ),
    responses(
        (status = 200, description = "The learning with every field, as codes and labels.", body = Learning),
        (status = 400, description = "`lang` is not en, fr or es, or the path holds a control character (error code bad_parameter).", body = ErrorBody),
        (status = 404, description = "No published learning has this id (also for ids that are not numbers, and for drafts, learnings in review and retired ones).", body = ErrorBody),
        (status = 405, description = "Only GET (and HEAD, OPTIONS) are allowed.", body = ErrorBody),
    )
)]
pub async fn show_learning(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Learning>, ApiError> {
    let lang = label_language(raw.as_deref(), &headers)?;
    let id = path_id(path)?;
    let Tagged {
        item: learning,
        theme_ids,
        country_ids,
    } = published::by_ids(&state.db, &[id])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    let taxonomy = Taxonomy::current(&state).await?;
    let base = state.config.base_url.as_str();
    Ok(Json(Learning {
        id: learning.id,
        url: format!("{base}{}", paths::learning(learning.id)),
        title: learning.title,
        learning_type: Term {
            label: type_label(lang, &learning.learning_type),
            labels: Labels {
                en: type_label("en", &learning.learning_type),
                fr: type_label("fr", &learning.learning_type),
                es: type_label("es", &learning.learning_type),
            },
            code: learning.learning_type,
        },
        project_title: learning.project_title,
        year: learning.year,
        evaluation_type: term(lang, &taxonomy, learning.evaluation_type_id),
        sector: term(lang, &taxonomy, learning.sector_id),
        intervention_type: term(lang, &taxonomy, learning.intervention_type_id),
        cycle_stage: term(lang, &taxonomy, learning.cycle_stage_id),
        criterion: term(lang, &taxonomy, learning.criterion_id),
        themes: themes(lang, base, &taxonomy, &theme_ids),
        countries: countries(lang, &taxonomy, &country_ids),
        description_markdown: learning.description,
        description_html: learning.description_html,
        source_url: Some(learning.source_url).filter(|u| !u.is_empty()),
        language: language(lang, &learning.language),
        published_at: learning.published_at.map(iso),
        updated_at: iso(learning.updated_at),
    }))
}

fn product_summary(
    lang: &str,
    base: &str,
    taxonomy: &Taxonomy,
    item: &ProductItem,
) -> ProductSummary {
    let product = &item.product;
    ProductSummary {
        id: product.id,
        url: format!("{base}{}", paths::product(product.id)),
        api_url: format!("{base}{}", paths::api_product(product.id)),
        title: product.title.clone(),
        kind: term(lang, taxonomy, product.kind_id),
        summary: crate::markdown::summary::plain(&product.summary, 300),
        themes: themes(lang, base, taxonomy, &item.theme_ids),
        countries: countries(lang, taxonomy, &item.country_ids),
        language: language(lang, &product.language),
        published_on: product.published_on.map(|d| d.to_string()),
        link: Some(product.url.clone()).filter(|u| !u.is_empty()),
    }
}

/// List published knowledge products
///
/// Newest first (`per_page` products a page), with counts per kind, theme, language and
/// country.
#[utoipa::path(
    get,
    path = "/api/v1/products",
    operation_id = "listProducts",
    params(ProductQuery),
    responses(
        (status = 200, description = "One page of products with facet counts.", body = ProductList),
        (status = 400, description = "`page` is not a whole number from 1, `lang` is not en, fr or es, or the request holds a control character (error code bad_parameter); `q` is longer than its maxLength (error code query_too_long).", body = ErrorBody),
        (status = 405, description = "Only GET (and HEAD, OPTIONS) are allowed.", body = ErrorBody),
        (status = 503, description = "The search index is being rebuilt (error code search_rebuilding); try again after Retry-After seconds.", body = ErrorBody),
    )
)]
pub async fn list_products(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<ProductList>, ApiError> {
    check_page(raw.as_deref())?;
    let lang = label_language(raw.as_deref(), &headers)?;
    let asked = asks_language(raw.as_deref());
    let taxonomy = Taxonomy::current(&state).await?;
    let mut params = ProductParams::from_query(raw.as_deref());
    refuse_long_query(&params.q)?;
    params.status.clear();
    let mut search = ProductSearch::resolve(params, &taxonomy, Audience::Public);
    search.text.reader_language = Some(lang);
    let Some(listing) = listing::run(&state, &search, &taxonomy, PRODUCTS_PER_PAGE).await? else {
        return Err(rebuilding());
    };
    let base = state.config.base_url.as_str();
    let term_of = |id: &str| {
        let term = taxonomy.term(id.parse().ok()?)?;
        named(lang, &term.code, &term.labels)
    };
    let facets = ProductFacets {
        kind: facet_values(listing.facet("kind"), term_of),
        theme: facet_values(listing.facet("theme"), |id| {
            let theme = taxonomy.theme(id.parse().ok()?)?;
            named(lang, &theme.slug, &theme.names)
        }),
        language: facet_values(listing.facet("language"), |code| {
            plain(code, language_name(lang, code))
        }),
        country: facet_values(listing.facet("country"), term_of),
    };
    let mut notices: Vec<Notice> = search.notices.iter().map(notice).collect();
    notices.extend(spelling_notice(
        "product",
        &search.params.q,
        &listing.spelling,
    ));
    notices.extend(unknown_parameters(raw.as_deref(), &PRODUCT_PARAMS));
    let (first, last) = listing.range();
    let filters = search
        .filters
        .iter()
        .map(|f| ActiveFilter {
            parameter: f.param.to_string(),
            code: f.code.clone(),
            label: match f.param {
                "language" => language_name(lang, &f.code),
                _ => f.label.get(lang).to_string(),
            },
            labels: translated_filter(f),
        })
        .collect();
    let page_query = |p: u64| {
        let mut params = search.params.clone();
        params.page = if p > 1 { p.to_string() } else { String::new() };
        keep_language(params.to_query(), asked, lang)
    };
    Ok(Json(ProductList {
        total: listing.total,
        page: listing.page,
        pages: listing.pages,
        per_page: listing.per_page,
        range: Range { first, last },
        filters,
        items: listing
            .items
            .iter()
            .map(|item| product_summary(lang, base, &taxonomy, item))
            .collect(),
        facets,
        notices,
        links: page_links(
            base,
            paths::API_PRODUCTS,
            page_query,
            listing.page,
            listing.pages,
        ),
    }))
}

/// One published knowledge product
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}",
    operation_id = "getProduct",
    params(
        ("id" = i32, Path, minimum = 1, maximum = 2147483647, description = "The product's id. Anything that is not the id of a published product answers 404."),
        LangQuery,
    ),
    responses(
        (status = 200, description = "The product.", body = Product),
        (status = 400, description = "`lang` is not en, fr or es, or the path holds a control character (error code bad_parameter).", body = ErrorBody),
        (status = 404, description = "No published product has this id.", body = ErrorBody),
        (status = 405, description = "Only GET (and HEAD, OPTIONS) are allowed.", body = ErrorBody),
    )
)]
pub async fn show_product(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Product>, ApiError> {
    let lang = label_language(raw.as_deref(), &headers)?;
    let id = path_id(path)?;
    let item = listing::visible(&state.db, id, Audience::Public)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let taxonomy = Taxonomy::current(&state).await?;
    let product = &item.product;
    Ok(Json(Product {
        listed: product_summary(lang, &state.config.base_url, &taxonomy, &item),
        summary_markdown: product.summary.clone(),
        summary_html: product.summary_html.clone(),
        updated_at: iso(product.updated_at),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn snippets_split_into_runs() {
        let (plain, parts) = snippet_parts("a \u{E000}child\u{E001} labour \u{E000}x\u{E001}");
        assert_eq!(plain, "a child labour x");
        assert_eq!(
            serde_json::to_value(parts).expect("JSON"),
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
    fn every_vocabulary_filter_is_a_parameter_and_a_facet() {
        let mut facets = LearningFacets::default();
        for (name, _) in TERM_FILTERS {
            assert!(LEARNING_PARAMS.contains(&name), "{name}");
            assert!(facets.vocabulary_mut(name).is_some(), "{name}");
        }
    }
}
