//! The knowledge products catalogue's pages (`/products`, `/products/{id}`), and the pieces
//! the editing forms and the theme pages share with them.
//!
//! The public sees published products only; a product that is not published answers 404 to
//! anyone but a knowledge manager, as does every editing route.

use axum::{
    extract::{FromRequestParts, Path, RawQuery, State},
    http::{StatusCode, request::Parts},
    response::Response,
};
use templates::{
    catalogue::{self as views, language_name, status_name},
    components::Pager,
    learnings::NoticeView,
};

use super::listing::{self, PER_PAGE, ProductItem, ProductParams, ProductSearch};
use crate::{
    entities::products::ProductStatus,
    learnings::search::{Audience, Notice, sort_facet},
    search::query_text::MAX_CHARS,
    taxonomy::{Taxonomy, labels::sort_by_name},
    web::html,
    web::{AppError, AppResult, AppState, Viewer, flash, paths, spelling_notice::spelling_view},
};

/// The one path parameter of a catalogue route, as text. An address that cannot be decoded
/// (bad percent-encoding, not UTF-8) names nothing here: 404 like any other unknown address.
pub struct PathText(pub String);

impl FromRequestParts<AppState> for PathText {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(text)) => Ok(PathText(text)),
            Err(_) => Err(AppError::NotFound),
        }
    }
}

fn is_admin(viewer: &Viewer) -> bool {
    viewer.user.as_ref().is_some_and(|u| u.is_admin)
}

/// A path plus a query string, without a dangling `?`.
fn link(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The themes named in `lang`, by name.
pub(crate) fn theme_links(lang: &str, ids: &[i32], taxonomy: &Taxonomy) -> Vec<views::ThemeLink> {
    let mut links: Vec<views::ThemeLink> = ids
        .iter()
        .filter_map(|id| taxonomy.theme(*id))
        .map(|t| views::ThemeLink {
            slug: t.slug.clone(),
            name: t.name(lang).to_string(),
        })
        .collect();
    sort_by_name(&mut links, |link| &link.name);
    links
}

pub(crate) fn product_card(
    lang: &str,
    item: &ProductItem,
    taxonomy: &Taxonomy,
) -> views::ProductCard {
    let product = &item.product;
    views::ProductCard {
        id: product.id,
        kind: product
            .kind_id
            .and_then(|id| taxonomy.term(id))
            .map(|term| term.label(lang).to_string()),
        title: product.title.clone(),
        summary: crate::markdown::summary::plain(&product.summary, 280),
        themes: theme_links(lang, &item.theme_ids, taxonomy),
        date: product.published_on.map(|d| d.to_string()),
        url: product.url.clone(),
        language: product.language.clone(),
        status: product.status.as_str().to_string(),
        published: product.status == ProductStatus::Published,
    }
}

/// The facet links of a listing: each value links to the listing with that filter set.
fn facet_groups(
    lang: &str,
    search: &ProductSearch,
    listing: &listing::ProductListing,
    taxonomy: &Taxonomy,
    is_admin: bool,
) -> Vec<views::FacetGroup> {
    let params = &search.params;
    let href = |param: &str, code: &str| link(paths::PRODUCTS, &params.with(param, code));
    let mut groups = Vec::new();
    let by_label = |mut links: Vec<views::FacetLink>| {
        sort_facet(&mut links, |link| (link.count, link.label.as_str()));
        links
    };
    let terms = |name: &str, param: &'static str, active: Option<i32>| views::FacetGroup {
        param,
        links: by_label(
            listing
                .facet(name)
                .iter()
                .filter_map(|count| {
                    let id: i32 = count.value.parse().ok()?;
                    let term = taxonomy.term(id)?;
                    Some(views::FacetLink {
                        label: term.label(lang).to_string(),
                        count: count.count,
                        href: href(param, &term.code),
                        active: active == Some(id),
                    })
                })
                .collect(),
        ),
    };
    groups.push(terms("kind", "kind", search.kind_id));
    groups.push(views::FacetGroup {
        param: "theme",
        links: by_label(
            listing
                .facet("theme")
                .iter()
                .filter_map(|count| {
                    let id: i32 = count.value.parse().ok()?;
                    let theme = taxonomy.theme(id)?;
                    Some(views::FacetLink {
                        label: theme.name(lang).to_string(),
                        count: count.count,
                        href: href("theme", &theme.slug),
                        active: search.theme_id == Some(id),
                    })
                })
                .collect(),
        ),
    });
    groups.push(views::FacetGroup {
        param: "language",
        links: listing
            .facet("language")
            .iter()
            .map(|count| views::FacetLink {
                label: language_name(lang, &count.value),
                count: count.count,
                href: href("language", &count.value),
                active: search.language.as_deref() == Some(count.value.as_str()),
            })
            .collect(),
    });
    groups.push(terms("country", "country", search.country_id));
    if is_admin {
        groups.push(views::FacetGroup {
            param: "status",
            links: listing
                .facet("status")
                .iter()
                .map(|count| views::FacetLink {
                    label: status_name(lang, &count.value),
                    count: count.count,
                    href: href("status", &count.value),
                    active: search.status.map(|s| s.as_str()) == Some(count.value.as_str()),
                })
                .collect(),
        });
    }
    groups
}

pub async fn list_products(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let admin = is_admin(&viewer);
    let audience = if admin {
        Audience::KnowledgeManager
    } else {
        Audience::Public
    };
    let mut search = ProductSearch::resolve(
        ProductParams::from_query(raw.as_deref()),
        &taxonomy,
        audience,
    );
    search.text.reader_language = Some(viewer.lang);
    let found = listing::run(&state, &search, &taxonomy, PER_PAGE).await?;
    let rebuilding = found.is_none();
    let listing = found.unwrap_or_else(|| listing::ProductListing::empty(PER_PAGE));
    let lang = viewer.lang;
    let (first, last) = listing.range();
    let page_base = {
        let rest = search.params.with("page", "");
        if rest.is_empty() {
            format!("{}?", paths::PRODUCTS)
        } else {
            format!("{}?{rest}&", paths::PRODUCTS)
        }
    };
    let active = search
        .filters
        .iter()
        .map(|filter| views::ActiveFilterLink {
            param: filter.param,
            label: match filter.param {
                "language" => language_name(lang, &filter.code),
                "status" => status_name(lang, &filter.code),
                _ => filter.label.get(lang).to_string(),
            },
            remove_href: link(paths::PRODUCTS, &search.params.with(filter.param, "")),
        })
        .collect();
    let unknown = search
        .notices
        .iter()
        .filter_map(|notice| match notice {
            Notice::UnknownFilter(param, value) => Some(views::UnknownFilter {
                param,
                value: value.clone(),
            }),
            _ => None,
        })
        .collect();
    let mut feed_params = search.params.clone();
    feed_params.page.clear();
    feed_params.status.clear();
    let hidden = search
        .filters
        .iter()
        .map(|f| (f.param.to_string(), f.code.clone()))
        .collect();
    let notices = search
        .notices
        .iter()
        .filter_map(|notice| match notice {
            Notice::Shortened => Some(NoticeView {
                key: "search.shortened",
                args: vec![("limit", MAX_CHARS.to_string())],
            }),
            Notice::OnlyExclusions => Some(NoticeView {
                key: "search.only_exclusions",
                args: vec![],
            }),
            Notice::UnknownFilter(..) | Notice::BadSort => None,
        })
        .chain(rebuilding.then(|| NoticeView {
            key: "search.rebuilding",
            args: vec![],
        }))
        .collect();
    let view = views::ProductListView {
        q: search.params.q.clone(),
        hidden,
        notices,
        spelling: spelling_view(
            &listing.spelling,
            &search.params.q,
            |query| link(paths::PRODUCTS, &query),
            |param, value| search.params.with(param, value),
        ),
        cards: listing
            .items
            .iter()
            .map(|item| product_card(lang, item, &taxonomy))
            .collect(),
        total: listing.total,
        first,
        last,
        pager: Pager {
            page: listing.page,
            pages: listing.pages,
            base: page_base,
        },
        facets: facet_groups(lang, &search, &listing, &taxonomy, admin),
        active,
        unknown,
        is_admin: admin,
        feed_href: link(paths::FEED_PRODUCTS, &feed_params.to_query()),
    };
    Ok(html(
        StatusCode::OK,
        views::product_list(&viewer.ctx(), &view),
    ))
}

pub async fn show_product(
    State(state): State<AppState>,
    viewer: Viewer,
    PathText(raw_id): PathText,
) -> AppResult<Response> {
    let id = listing::path_id(&raw_id).ok_or(AppError::NotFound)?;
    let admin = is_admin(&viewer);
    let audience = if admin {
        Audience::KnowledgeManager
    } else {
        Audience::Public
    };
    let item = listing::visible(&state.db, id, audience)
        .await?
        .ok_or(AppError::NotFound)?;
    let taxonomy = Taxonomy::current(&state).await?;
    let notice = if admin {
        flash::take(&viewer.session).await
    } else {
        None
    };
    let lang = viewer.lang;
    let product = &item.product;
    let kind = product.kind_id.and_then(|id| taxonomy.term(id));
    let mut countries: Vec<(String, String)> = item
        .country_ids
        .iter()
        .filter_map(|id| taxonomy.term(*id))
        .map(|term| (term.code.clone(), term.label(lang).to_string()))
        .collect();
    sort_by_name(&mut countries, |(_, name)| name);
    let view = views::ProductView {
        id: product.id,
        kind: kind.map(|term| term.label(lang).to_string()),
        kind_code: kind.map(|term| term.code.clone()),
        title: product.title.clone(),
        summary_html: product.summary_html.clone(),
        url: product.url.clone(),
        themes: theme_links(lang, &item.theme_ids, &taxonomy),
        countries,
        language: product.language.clone(),
        date: product.published_on.map(|d| d.to_string()),
        status: product.status.as_str().to_string(),
        published: product.status == ProductStatus::Published,
        is_admin: admin,
        notice,
    };
    Ok(html(
        StatusCode::OK,
        views::product_page(&viewer.ctx(), &view),
    ))
}
