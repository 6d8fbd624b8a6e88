//! The knowledge products feed: the newest published products matching the catalogue's filters.

use std::collections::HashMap;

use atom_syndication::Entry;
use templates::{catalogue::language_name, i18n::t};

use super::{
    FEED_SIZE,
    atom::{self, Channel, Item, category, date_stamp, theme_categories, timestamp},
};
use crate::{
    accounts::service::display_names,
    entities::products,
    learnings::search::Audience,
    products::listing::{self, ProductItem, ProductParams, ProductSearch},
    taxonomy::Taxonomy,
    web::{AppError, AppResult, AppState, paths},
};

/// The feed of the catalogue's filters: published products only, newest first.
pub async fn channel(
    state: &AppState,
    lang: &'static str,
    mut params: ProductParams,
) -> AppResult<Channel> {
    params.page.clear();
    params.status.clear();
    // A feed follows what is new, not what matches best.
    params.q.clear();
    let taxonomy = Taxonomy::current(state).await?;
    let search = ProductSearch::resolve(params, &taxonomy, Audience::Public);
    atom::refuse_unknown(&search.notices)?;
    let listing = listing::run(state, &search, &taxonomy, FEED_SIZE)
        .await?
        .ok_or(AppError::Busy)?;
    let items: Vec<&ProductItem> = listing
        .items
        .iter()
        .filter(|item| item.product.status == products::ProductStatus::Published)
        .collect();
    let authors =
        display_names(&state.db, items.iter().filter_map(|i| i.product.author_id)).await?;
    let base = &state.config.base_url;
    let labels: Vec<String> = search
        .filters
        .iter()
        .map(|f| match f.param {
            "language" => language_name(lang, &f.code),
            _ => f.label.get(lang).to_string(),
        })
        .collect();
    let query = search.params.to_query();
    Ok(Channel {
        lang,
        title: atom::filtered_title(lang, "feed.products_title", &labels),
        subtitle: t(lang, "feed.products_subtitle").into_owned(),
        self_href: atom::with_query(&state.config.absolute(paths::FEED_PRODUCTS), &query),
        alternate: atom::with_query(&state.config.absolute(paths::PRODUCTS), &query),
        entries: items
            .into_iter()
            .map(|item| entry(item, &taxonomy, &authors, base, lang))
            .collect(),
    })
}

fn entry(
    item: &ProductItem,
    taxonomy: &Taxonomy,
    authors: &HashMap<i32, String>,
    base: &str,
    lang: &str,
) -> Entry {
    let product = &item.product;
    let mut categories = Vec::new();
    if let Some(kind) = product.kind_id.and_then(|id| taxonomy.term(id)) {
        categories.push(category(
            &kind.code,
            format!("{base}{}?kind=", paths::PRODUCTS),
            kind.label(lang),
        ));
    }
    categories.extend(theme_categories(&item.theme_ids, taxonomy, base, lang));
    for id in &item.country_ids {
        if let Some(term) = taxonomy.term(*id) {
            categories.push(category(
                &term.code,
                format!("{base}{}?country=", paths::PRODUCTS),
                term.label(lang),
            ));
        }
    }
    Item {
        url: format!("{base}{}", paths::product(product.id)),
        title: &product.title,
        updated: timestamp(product.updated_at),
        published: product.published_on.map(date_stamp),
        author: product.author_id.and_then(|id| authors.get(&id)),
        categories,
        related: &product.url,
        summary: Some(crate::markdown::summary::plain(&product.summary, 300)),
        content_html: &product.summary_html,
        language: &product.language,
    }
    .entry()
}
