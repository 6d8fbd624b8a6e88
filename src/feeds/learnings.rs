//! The learnings feed: the newest published learnings matching a saved search.

use std::collections::HashMap;

use atom_syndication::Entry;
use templates::{catalogue::language_name, i18n::t, learnings::type_label};

use super::{
    FEED_SIZE,
    atom::{self, Channel, Item, category, theme_categories, timestamp},
};
use crate::{
    accounts::service::display_names,
    entities::learnings,
    learnings::{
        published,
        search::{self, Audience, Search, SearchParams},
    },
    taxonomy::{Taxonomy, pairs::Tagged},
    web::{AppError, AppResult, AppState, paths},
};

/// The feed of a search: published learnings only, whatever the query says, newest first.
pub async fn channel(
    state: &AppState,
    lang: &'static str,
    mut params: SearchParams,
) -> AppResult<Channel> {
    params.page.clear();
    params.status.clear();
    params.sort.clear();
    let taxonomy = Taxonomy::current(state).await?;
    let search = Search::resolve(params, &taxonomy, Audience::Public);
    atom::refuse_unknown(&search.notices)?;
    let (ids, question) = if search.is_listing() {
        (published::newest_ids(&state.db, FEED_SIZE).await?, None)
    } else {
        // While the index is rebuilt, a feed reader is asked to come back (503, Retry-After).
        let newest = search::newest_ids(state, &search, FEED_SIZE)
            .await?
            .ok_or(AppError::Busy)?;
        (newest.ids, Some(newest.question))
    };
    let rows = published::by_ids(&state.db, &ids).await?;
    let authors = display_names(&state.db, rows.iter().filter_map(|r| r.item.author_id)).await?;
    let base = &state.config.base_url;
    let mut labels: Vec<String> = Vec::new();
    if let Some(question) = question.filter(|_| !search.text.is_empty()) {
        labels.push(format!("“{question}”"));
    }
    labels.extend(search.filters.iter().map(|f| match f.param {
        "type" => type_label(lang, &f.code),
        "language" => language_name(lang, &f.code),
        _ => f.label.get(lang).to_string(),
    }));
    let query = search.params.to_query();
    Ok(Channel {
        lang,
        title: atom::filtered_title(lang, "feed.learnings_title", &labels),
        subtitle: t(lang, "feed.learnings_subtitle").into_owned(),
        self_href: atom::with_query(&state.config.absolute(paths::FEED_LEARNINGS), &query),
        alternate: atom::with_query(&state.config.absolute(paths::LEARNINGS), &query),
        entries: rows
            .iter()
            .map(|row| entry(row, &taxonomy, &authors, base, lang))
            .collect(),
    })
}

fn entry(
    row: &Tagged<learnings::Model>,
    taxonomy: &Taxonomy,
    authors: &HashMap<i32, String>,
    base: &str,
    lang: &str,
) -> Entry {
    let learning = &row.item;
    let search_scheme = |param: &str| format!("{base}{}?{param}=", paths::LEARNINGS);
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
    Item {
        url: format!("{base}{}", paths::learning(learning.id)),
        title: &learning.title,
        updated: timestamp(learning.updated_at),
        published: learning.published_at.map(timestamp),
        author: learning.author_id.and_then(|id| authors.get(&id)),
        categories,
        related: &learning.source_url,
        summary: (!project.is_empty()).then_some(project),
        content_html: &learning.description_html,
        language: &learning.language,
    }
    .entry()
}
