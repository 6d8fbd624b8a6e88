//! Atom 1.0 feeds of the library: `/feeds/learnings.atom` (taking the search's query
//! parameters, so a saved search can be followed) and `/feeds/products.atom` (taking the
//! catalogue's filters). The newest 50 published items, with absolute links from the
//! configured base URL.
//!
//! Feeds are public: they list published items only, always (the public audience of the
//! search and of the product listing, and a second status check on the rows themselves),
//! whoever asks and whatever the query string says.

use std::collections::HashMap;

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
};
use axum::{
    Router,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use templates::{
    i18n::{t, tf},
    {catalogue::language_name, learnings::type_label},
};
use time::OffsetDateTime;

use crate::{
    entities::{learnings, products, users},
    learnings::search::{self, Audience, Notice, Search, SearchParams},
    products::listing::{self, ProductItem, ProductParams, ProductSearch},
    taxonomy::{
        Taxonomy,
        pairs::{LEARNING_COUNTRIES, LEARNING_THEMES},
    },
    web::dates::iso,
    web::{AppError, AppResult, AppState},
};

/// Entries in one feed.
pub const FEED_SIZE: u64 = 50;
pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feeds/learnings.atom", get(learnings_feed))
        .route("/feeds/products.atom", get(products_feed))
}

/// Characters XML 1.0 cannot carry at all, escaped or not: they would make the feed invalid.
fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|c| {
            matches!(*c, '\t' | '\n' | '\r')
                || (!c.is_control() && !matches!(*c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .collect()
}

fn timestamp(ts: OffsetDateTime) -> FixedDateTime {
    FixedDateTime::parse_from_rfc3339(&iso(ts)).unwrap_or_default()
}

fn date_stamp(date: time::Date) -> FixedDateTime {
    timestamp(date.midnight().assume_utc())
}

fn link(href: String, rel: &str, mime_type: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.to_string(),
        mime_type: mime_type.map(str::to_string),
        ..Default::default()
    }
}

fn category(term: &str, scheme: String, label: &str) -> Category {
    Category {
        term: xml_safe(term),
        scheme: Some(scheme),
        label: Some(xml_safe(label)),
    }
}

fn with_query(base: &str, query: &str) -> String {
    if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{query}")
    }
}

/// Display names of the people who wrote these items, where known.
async fn author_names(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i32>,
) -> Result<HashMap<i32, String>, DbErr> {
    let mut ids: Vec<i32> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Fills in what every feed shares and renders it.
fn finish(
    mut feed: Feed,
    lang: &str,
    state: &AppState,
    self_href: String,
    alternate: String,
) -> AppResult<Response> {
    feed.updated = feed
        .entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| timestamp(OffsetDateTime::now_utc()));
    feed.id = self_href.clone();
    feed.lang = Some(lang.to_string());
    feed.authors = vec![Person {
        name: "Fora".into(),
        uri: Some(state.config.absolute("/")),
        ..Default::default()
    }];
    feed.generator = Some(Generator {
        value: "Fora".into(),
        ..Default::default()
    });
    feed.links = vec![
        link(self_href, "self", Some("application/atom+xml")),
        link(alternate, "alternate", Some("text/html")),
    ];
    let body = feed
        .write_to(Vec::new())
        .map_err(|err| AppError::internal(anyhow::anyhow!("cannot write a feed: {err}")))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)),
            (header::VARY, HeaderValue::from_static("Accept-Language")),
        ],
        body,
    )
        .into_response())
}

fn language_of(headers: &HeaderMap) -> &'static str {
    crate::web::language::of_visitor(headers)
}

/// A feed whose filter names nothing Fora knows, or whose text only excludes words, would
/// silently follow everything instead: say so rather than serve the wrong feed.
fn refuse_unknown(notices: &[Notice]) -> AppResult<()> {
    for notice in notices {
        match notice {
            Notice::UnknownFilter(..) => return Err(AppError::BadRequest("feed.unknown_filter")),
            Notice::OnlyExclusions => return Err(AppError::BadRequest("feed.only_exclusions")),
            Notice::Shortened | Notice::BadSort => {}
        }
    }
    Ok(())
}

/// The title of a filtered feed: "Learnings: Agriculture, Kenya".
fn filtered_title(lang: &str, key: &str, labels: &[String]) -> String {
    if labels.is_empty() {
        t(lang, key).into_owned()
    } else {
        tf(
            lang,
            "feed.filtered",
            &[("feed", &t(lang, key)), ("filters", &labels.join(", "))],
        )
    }
}

async fn learnings_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let lang = language_of(&headers);
    let taxonomy = Taxonomy::current(&state).await?;
    let mut params = SearchParams::from_query(raw.as_deref());
    params.page.clear();
    params.status.clear();
    params.sort.clear();
    let search = Search::resolve(params, &taxonomy, Audience::Public);
    refuse_unknown(&search.notices)?;
    let ids = if search.is_listing() {
        newest_published(&state.db).await?
    } else {
        // While the index is rebuilt, a feed reader is asked to come back (503, Retry-After).
        search::newest_ids(&state, &search, FEED_SIZE)
            .await?
            .ok_or(AppError::Busy)?
    };
    let rows = load_learnings(&state.db, &ids).await?;
    let authors = author_names(&state.db, rows.iter().filter_map(|r| r.learning.author_id)).await?;
    let base = &state.config.base_url;
    let mut labels: Vec<String> = Vec::new();
    if !search.text.is_empty() {
        labels.push(format!("“{}”", search.params.q.trim()));
    }
    labels.extend(search.filters.iter().map(|f| match f.param {
        "type" => type_label(lang, &f.code),
        "language" => language_name(lang, &f.code),
        _ => f.label.get(lang).to_string(),
    }));
    let entries = rows
        .iter()
        .map(|row| learning_entry(row, &taxonomy, &authors, base, lang))
        .collect();
    let feed = Feed {
        title: Text::plain(xml_safe(&filtered_title(
            lang,
            "feed.learnings_title",
            &labels,
        ))),
        subtitle: Some(Text::plain(t(lang, "feed.learnings_subtitle").into_owned())),
        entries,
        ..Default::default()
    };
    let query = search.params.to_query();
    finish(
        feed,
        lang,
        &state,
        with_query(&state.config.absolute("/feeds/learnings.atom"), &query),
        with_query(&state.config.absolute("/learnings"), &query),
    )
}

/// The unfiltered feed, the one most readers poll: straight from the (status, published_at)
/// index rather than through the full-text index.
async fn newest_published(db: &impl ConnectionTrait) -> Result<Vec<i32>, DbErr> {
    learnings::Entity::find()
        .select_only()
        .column(learnings::Column::Id)
        .filter(learnings::Column::Status.eq(learnings::LearningStatus::Published))
        .order_by_desc(learnings::Column::PublishedAt)
        .order_by_desc(learnings::Column::Id)
        .limit(FEED_SIZE)
        .into_tuple::<i32>()
        .all(db)
        .await
}

struct LearningRow {
    learning: learnings::Model,
    theme_ids: Vec<i32>,
    country_ids: Vec<i32>,
}

/// Published learnings by id, in the order of `ids`.
async fn load_learnings(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<LearningRow>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: HashMap<i32, learnings::Model> = learnings::Entity::find()
        .filter(learnings::Column::Id.is_in(ids.iter().copied()))
        .filter(learnings::Column::Status.eq(learnings::LearningStatus::Published))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut themes = LEARNING_THEMES.of_each(db, ids).await?;
    let mut countries = LEARNING_COUNTRIES.of_each(db, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .map(|learning| LearningRow {
            theme_ids: themes.remove(&learning.id).unwrap_or_default(),
            country_ids: countries.remove(&learning.id).unwrap_or_default(),
            learning,
        })
        .collect())
}

fn theme_categories<'a>(
    theme_ids: &'a [i32],
    taxonomy: &'a Taxonomy,
    base: &'a str,
    lang: &'a str,
) -> impl Iterator<Item = Category> + 'a {
    theme_ids.iter().filter_map(move |id| {
        let theme = taxonomy.theme(*id)?;
        Some(category(
            &theme.slug,
            format!("{base}/themes/"),
            theme.name(lang),
        ))
    })
}

fn learning_entry(
    row: &LearningRow,
    taxonomy: &Taxonomy,
    authors: &HashMap<i32, String>,
    base: &str,
    lang: &str,
) -> Entry {
    let learning = &row.learning;
    let url = format!("{base}/learnings/{}", learning.id);
    let search_scheme = |param: &str| format!("{base}/learnings?{param}=");
    let mut categories = vec![category(
        &learning.learning_type,
        search_scheme("type"),
        &type_label(lang, &learning.learning_type),
    )];
    categories.extend(theme_categories(&row.theme_ids, taxonomy, base, lang));
    let terms = [
        learning.evaluation_type_id,
        learning.sector_id,
        learning.intervention_type_id,
        learning.cycle_stage_id,
        learning.criterion_id,
    ];
    for id in terms
        .into_iter()
        .flatten()
        .chain(row.country_ids.iter().copied())
    {
        if let Some(term) = taxonomy.term(id) {
            categories.push(category(
                &term.code,
                search_scheme(term.vocabulary.name()),
                term.label(lang),
            ));
        }
    }
    let project = match (learning.project_title.trim(), learning.year) {
        ("", None) => String::new(),
        ("", Some(year)) => year.to_string(),
        (project, None) => project.to_string(),
        (project, Some(year)) => format!("{project} ({year})"),
    };
    item_entry(Item {
        url,
        title: &learning.title,
        updated: timestamp(learning.updated_at),
        published: learning.published_at.map(timestamp),
        author: learning.author_id.and_then(|id| authors.get(&id)),
        categories,
        related: &learning.source_url,
        summary: (!project.is_empty()).then_some(project),
        content_html: &learning.description_html,
        language: &learning.language,
    })
}

async fn products_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let lang = language_of(&headers);
    let taxonomy = Taxonomy::current(&state).await?;
    let mut params = ProductParams::from_query(raw.as_deref());
    params.page.clear();
    params.status.clear();
    // A feed follows what is new, not what matches best.
    params.q.clear();
    let search = ProductSearch::resolve(params, &taxonomy, Audience::Public);
    refuse_unknown(&search.notices)?;
    let listing = listing::run(&state, &search, &taxonomy, FEED_SIZE)
        .await?
        .ok_or(AppError::Busy)?;
    let items: Vec<&ProductItem> = listing
        .items
        .iter()
        .filter(|item| item.product.status == products::ProductStatus::Published)
        .collect();
    let authors = author_names(&state.db, items.iter().filter_map(|i| i.product.author_id)).await?;
    let base = &state.config.base_url;
    let labels: Vec<String> = search
        .filters
        .iter()
        .map(|f| match f.param {
            "language" => language_name(lang, &f.code),
            _ => f.label.get(lang).to_string(),
        })
        .collect();
    let entries = items
        .into_iter()
        .map(|item| product_entry(item, &taxonomy, &authors, base, lang))
        .collect();
    let feed = Feed {
        title: Text::plain(xml_safe(&filtered_title(
            lang,
            "feed.products_title",
            &labels,
        ))),
        subtitle: Some(Text::plain(t(lang, "feed.products_subtitle").into_owned())),
        entries,
        ..Default::default()
    };
    let query = search.params.to_query();
    finish(
        feed,
        lang,
        &state,
        with_query(&state.config.absolute("/feeds/products.atom"), &query),
        with_query(&state.config.absolute("/products"), &query),
    )
}

fn product_entry(
    item: &ProductItem,
    taxonomy: &Taxonomy,
    authors: &HashMap<i32, String>,
    base: &str,
    lang: &str,
) -> Entry {
    let product = &item.product;
    let url = format!("{base}/products/{}", product.id);
    let mut categories = Vec::new();
    if let Some(kind) = product.kind_id.and_then(|id| taxonomy.term(id)) {
        categories.push(category(
            &kind.code,
            format!("{base}/products?kind="),
            kind.label(lang),
        ));
    }
    categories.extend(theme_categories(&item.theme_ids, taxonomy, base, lang));
    for id in &item.country_ids {
        if let Some(term) = taxonomy.term(*id) {
            categories.push(category(
                &term.code,
                format!("{base}/products?country="),
                term.label(lang),
            ));
        }
    }
    item_entry(Item {
        url,
        title: &product.title,
        updated: timestamp(product.updated_at),
        published: product.published_on.map(date_stamp),
        author: product.author_id.and_then(|id| authors.get(&id)),
        categories,
        related: &product.url,
        summary: Some(crate::markdown::summary::plain(&product.summary, 300)),
        content_html: &product.summary_html,
        language: &product.language,
    })
}

/// What an entry shows of a learning or a product.
struct Item<'a> {
    url: String,
    title: &'a str,
    updated: FixedDateTime,
    published: Option<FixedDateTime>,
    author: Option<&'a String>,
    categories: Vec<Category>,
    /// The item's own link elsewhere (a report, a publication); empty for none.
    related: &'a str,
    summary: Option<String>,
    content_html: &'a str,
    language: &'a str,
}

fn item_entry(item: Item) -> Entry {
    let mut links = vec![link(item.url.clone(), "alternate", Some("text/html"))];
    if !item.related.is_empty() {
        links.push(link(xml_safe(item.related), "related", None));
    }
    Entry {
        title: Text::plain(xml_safe(item.title)),
        id: item.url,
        updated: item.updated,
        published: item.published,
        authors: item
            .author
            .map(|name| Person {
                name: xml_safe(name),
                ..Default::default()
            })
            .into_iter()
            .collect(),
        categories: item.categories,
        links,
        summary: item.summary.map(|summary| Text::plain(xml_safe(&summary))),
        content: Some(Content {
            value: Some(xml_safe(item.content_html)),
            content_type: Some("html".into()),
            lang: Some(item.language.to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_safe_drops_what_xml_cannot_hold() {
        assert_eq!(
            xml_safe("a\u{0}b\u{1b}c\nd\u{FFFF}\u{E000}"),
            "abc\nd\u{E000}"
        );
    }

    #[test]
    fn timestamps_convert() {
        let ts = time::macros::datetime!(2026-11-23 10:20:30.123456 UTC);
        assert_eq!(
            timestamp(ts).to_rfc3339(),
            "2026-11-23T10:20:30.123456+00:00"
        );
    }
}
