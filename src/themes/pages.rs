//! Theme pages, the "content areas": everything published for a theme in one standard
//! structure — its newest learnings, its products — and the forums of the theme that the
//! viewer belongs to. Forums are picked through the membership table in SQL: a forum the
//! viewer may not see never reaches the view, so its title cannot appear anywhere.

use axum::{extract::State, http::StatusCode, response::Response};
use templates::catalogue as views;

use super::queries;

use crate::{
    forums::handlers::visible_forums,
    learnings::{
        fields::shorten,
        search::{self, Audience, MARK_END, MARK_START, Search, SearchParams},
    },
    products::{
        listing::{self, ProductParams, ProductSearch},
        pages::{PathText, product_card},
    },
    taxonomy::{Taxonomy, Translated, labels::sort_by_name, theme_description},
    web::html,
    web::{AppError, AppResult, AppState, Viewer},
};

/// Products shown on a theme page before "all N products".
const THEME_PRODUCTS: u64 = 10;

fn plain_snippet(snippet: &str) -> String {
    let plain: String = snippet
        .chars()
        .filter(|c| *c != MARK_START && *c != MARK_END)
        .collect();
    shorten(&plain, 280)
}

pub async fn show_theme(
    State(state): State<AppState>,
    viewer: Viewer,
    PathText(slug): PathText,
) -> AppResult<Response> {
    // Only what could be a slug reaches the database (PostgreSQL refuses NUL in text).
    let slug = slug.trim().to_ascii_lowercase();
    if !crate::admin::service::valid_slug(&slug) {
        return Err(AppError::NotFound);
    }
    let theme = queries::theme(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut taxonomy = Taxonomy::current(&state).await?;
    if taxonomy.theme_by_slug(&theme.slug).is_none() {
        // Created by another process (the command line) since the cache was filled.
        taxonomy = std::sync::Arc::new(Taxonomy::load(&state.db).await?);
    }
    // Published learnings only, whoever looks: this is the theme's public face.
    let learnings = Search::resolve(
        SearchParams {
            theme: theme.slug.clone(),
            sort: "newest".into(),
            ..Default::default()
        },
        &taxonomy,
        Audience::Public,
    );
    let outcome = if learnings.filters.iter().any(|f| f.param == "theme") {
        match search::run(&state, &learnings).await? {
            search::Answer::Found(outcome) => Some(outcome),
            // The theme's page still shows its products and threads meanwhile.
            search::Answer::Rebuilding => None,
        }
    } else {
        // Never fall back to an unfiltered search: it would show every learning.
        None
    };
    let products = ProductSearch::resolve(
        ProductParams {
            theme: theme.slug.clone(),
            ..Default::default()
        },
        &taxonomy,
        Audience::Public,
    );
    let product_listing = if products.theme_id.is_some() {
        listing::run(&state, &products, &taxonomy, THEME_PRODUCTS).await?
    } else {
        None
    };
    let forums = match &viewer.user {
        Some(user) => visible_forums(&state.db, user, Some(theme.id)).await?,
        None => Vec::new(),
    };
    let lang = viewer.lang;
    let view = views::ThemePageView {
        slug: theme.slug.clone(),
        name: Translated::new(
            theme.name.clone(),
            theme.name_fr.clone(),
            theme.name_es.clone(),
        )
        .get(lang)
        .to_string(),
        description: theme_description(&theme, lang),
        learnings: outcome
            .as_ref()
            .map(|o| {
                o.hits
                    .iter()
                    .map(|hit| views::LearningCard {
                        id: hit.id,
                        title: hit.title.clone(),
                        project_title: hit.project_title.clone(),
                        learning_type: hit.learning_type.clone(),
                        year: hit.year,
                        snippet: plain_snippet(&hit.snippet),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        learnings_total: outcome.as_ref().map(|o| o.total).unwrap_or(0),
        products: product_listing
            .as_ref()
            .map(|l| {
                l.items
                    .iter()
                    .map(|item| product_card(lang, item, &taxonomy))
                    .collect()
            })
            .unwrap_or_default(),
        products_total: product_listing.as_ref().map(|l| l.total).unwrap_or(0),
        forums,
        signed_in: viewer.user.is_some(),
    };
    Ok(html(
        StatusCode::OK,
        views::theme_page(&viewer.ctx(), &view),
    ))
}

/// Every theme with the number of published learnings and products filed under it. Forums
/// are not counted: a count would reveal forums the viewer may not see. Named and sorted in
/// the viewer's language.
pub async fn list_themes(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    let rows = queries::themes_with_counts(&state.db).await?;
    let lang = viewer.lang;
    let mut themes: Vec<views::ThemeSummary> = rows
        .into_iter()
        .map(|row| views::ThemeSummary {
            slug: row.slug,
            name: Translated::new(row.name, row.name_fr, row.name_es)
                .get(lang)
                .to_string(),
            description: shorten(
                &Translated::new(row.description, row.description_fr, row.description_es)
                    .get(lang)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                300,
            ),
            learnings: row.learnings.max(0) as u64,
            products: row.products.max(0) as u64,
        })
        .collect();
    sort_by_name(&mut themes, |theme| &theme.name);
    Ok(html(
        StatusCode::OK,
        views::theme_list(&viewer.ctx(), &themes),
    ))
}
