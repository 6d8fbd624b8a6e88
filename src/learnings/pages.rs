//! The library's reading pages: the search at `/learnings`, one learning at `/learnings/{id}`,
//! and "discuss in a forum", which starts a thread citing the learning.

use axum::{
    Router,
    extract::{Path, Query, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use std::sync::Arc;

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use serde::Deserialize;
use templates::{
    catalogue::language_name,
    components::{FormErrors, Pager},
    learnings::{self as views, filter_label, status_label, type_label},
};

use super::{
    links,
    search::{self, Audience, MARK_END, MARK_START, Notice, Search, SearchParams, TERM_FILTERS},
    store, visibility, workflow,
};
use crate::{
    entities::{
        learnings::{self, LearningStatus},
        users,
    },
    forums::access,
    taxonomy::{Taxonomy, labels::sort_by_name},
    web::{AppError, AppResult, AppState, Viewer, flash, paths},
    web::{dates::iso, html, spelling_notice::spelling_view},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learnings", get(search_learnings))
        .route("/learnings/{id}", get(show_learning))
        .route("/learnings/{id}/discuss", get(discuss_learning))
}

/// Splits a snippet at the highlight markers the database put around matched words.
fn snippet_pieces(text: &str) -> views::Snippet {
    let mut pieces = Vec::new();
    let mut marked = false;
    let mut current = String::new();
    for c in text.chars() {
        if c == MARK_START || c == MARK_END {
            if !current.is_empty() {
                pieces.push((marked, std::mem::take(&mut current)));
            }
            marked = c == MARK_START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        pieces.push((marked, current));
    }
    pieces
}

fn notice_view(lang: &str, notice: &Notice) -> views::NoticeView {
    match notice {
        Notice::UnknownFilter(param, value) => views::NoticeView {
            key: "search.unknown_filter",
            args: vec![
                ("filter", filter_label(lang, param).to_lowercase()),
                ("value", value.clone()),
            ],
        },
        Notice::Shortened => views::NoticeView {
            key: "search.shortened",
            args: vec![("limit", crate::search::query_text::MAX_CHARS.to_string())],
        },
        Notice::OnlyExclusions => views::NoticeView {
            key: "search.only_exclusions",
            args: vec![],
        },
        Notice::BadSort => views::NoticeView {
            key: "search.bad_sort",
            args: vec![],
        },
    }
}

/// The facet lists in the order the page shows them, each value linking to the search with
/// that value chosen (or, when it is chosen, removed).
fn facet_views(
    lang: &str,
    search: &Search,
    outcome: &search::Outcome,
    taxonomy: &Taxonomy,
) -> Vec<views::FacetView> {
    let by_vocabulary = search::facets_by_vocabulary(outcome, taxonomy, lang);
    let params = &search.params;
    let value = |param: &str, code: String, label: String, count: u64| {
        let selected = params.get(param).trim().eq_ignore_ascii_case(&code);
        views::FacetValueView {
            href: format!(
                "{}?{}",
                paths::LEARNINGS,
                params.with(param, if selected { "" } else { &code })
            ),
            label,
            count,
            selected,
        }
    };
    let plain = |name: &str| outcome.facets.get(name).into_iter().flatten();
    let mut facets = Vec::new();
    let mut push = |param: &str, values: Vec<views::FacetValueView>| {
        if !values.is_empty() {
            facets.push(views::FacetView {
                param: param.to_string(),
                values,
            });
        }
    };
    push(
        "type",
        plain("type")
            .map(|c| value("type", c.value.clone(), type_label(lang, &c.value), c.count))
            .collect(),
    );
    let mut themes: Vec<_> = plain("theme")
        .filter_map(|c| {
            let theme = taxonomy.theme(c.value.parse().ok()?)?;
            Some(value(
                "theme",
                theme.slug.clone(),
                theme.name(lang).to_string(),
                c.count,
            ))
        })
        .collect();
    search::sort_facet(&mut themes, |v| (v.count, v.label.as_str()));
    push("theme", themes);
    for (param, vocabulary) in TERM_FILTERS {
        push(
            param,
            by_vocabulary
                .get(&vocabulary)
                .into_iter()
                .flatten()
                .map(|(code, label, n)| value(param, code.clone(), label.clone(), *n))
                .collect(),
        );
    }
    push(
        "project",
        plain("project")
            .map(|c| value("project", c.value.clone(), c.value.clone(), c.count))
            .collect(),
    );
    let mut years: Vec<_> = plain("year").collect();
    years.sort_by(|a, b| b.value.cmp(&a.value));
    push(
        "year",
        years
            .into_iter()
            .map(|c| value("year", c.value.clone(), c.value.clone(), c.count))
            .collect(),
    );
    push(
        "language",
        plain("language")
            .map(|c| {
                value(
                    "language",
                    c.value.clone(),
                    language_name(lang, &c.value),
                    c.count,
                )
            })
            .collect(),
    );
    if search.audience == Audience::KnowledgeManager {
        push(
            "status",
            plain("status")
                .map(|c| {
                    value(
                        "status",
                        c.value.clone(),
                        status_label(lang, &c.value),
                        c.count,
                    )
                })
                .collect(),
        );
    }
    facets
}

#[derive(FromQueryResult)]
struct TitleRow {
    id: i32,
    title: String,
}

async fn reviews_waiting_for(
    db: &impl ConnectionTrait,
    user: &users::Model,
) -> AppResult<Vec<(String, String)>> {
    let rows = TitleRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT id, title FROM learnings WHERE status = $1 AND reviewer_id = $2 ORDER BY updated_at",
        [LearningStatus::InReview.into(), user.id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (paths::learning(r.id), r.title))
        .collect())
}

pub async fn search_learnings(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let manager = viewer.user.as_ref().is_some_and(|u| u.is_admin);
    let audience = if manager {
        Audience::KnowledgeManager
    } else {
        Audience::Public
    };
    let mut search = Search::resolve(
        SearchParams::from_query(query.as_deref()),
        &taxonomy,
        audience,
    );
    search.text.reader_language = Some(viewer.lang);
    let found = search::run_cached(&state, &search).await?;
    let rebuilding = found.is_none();
    let outcome = found.unwrap_or_else(|| Arc::new(search::Outcome::empty()));
    let lang = viewer.lang;
    let my_reviews = match &viewer.user {
        Some(user) => reviews_waiting_for(&state.db, user).await?,
        None => Vec::new(),
    };
    let (first, last) = outcome.range();
    let hidden = search
        .filters
        .iter()
        .map(|f| (f.param.to_string(), f.code.clone()))
        .chain(
            (!search.params.sort.trim().is_empty())
                .then(|| ("sort".to_string(), search.params.sort.trim().to_string())),
        )
        .collect();
    let hits = outcome
        .hits
        .iter()
        .map(|hit| views::HitView {
            href: paths::learning(hit.id),
            title: hit.title.clone(),
            project_href: format!(
                "{}?{}",
                paths::LEARNINGS,
                search.params.with("project", &hit.project_title)
            ),
            project: hit.project_title.clone(),
            learning_type: type_label(lang, &hit.learning_type),
            evaluation_type: hit
                .evaluation_type_id
                .and_then(|id| taxonomy.term(id))
                .map(|t| t.label(lang).to_string()),
            year: hit.year,
            status: (hit.status != LearningStatus::Published)
                .then(|| status_label(lang, hit.status.as_str())),
            snippet: snippet_pieces(&hit.snippet),
            lang: (hit.language != lang).then(|| hit.language.clone()),
        })
        .collect();
    // Offered while no language is chosen: the chosen one shows among the active filters.
    let in_my_language = outcome
        .in_language(lang)
        .filter(|_| search.params.language.trim().is_empty())
        .map(|count| {
            let href = format!(
                "{}?{}",
                paths::LEARNINGS,
                search.params.with("language", lang)
            );
            (href, count)
        });
    let view = views::SearchPageView {
        in_my_language,
        q: search.params.q.clone(),
        hidden,
        active: search
            .filters
            .iter()
            .map(|f| views::ActiveFilterView {
                param: f.param.to_string(),
                label: match f.param {
                    "type" => type_label(lang, &f.code),
                    "language" => language_name(lang, &f.code),
                    "status" => status_label(lang, &f.code),
                    _ => f.label.get(lang).to_string(),
                },
                remove_href: format!("{}?{}", paths::LEARNINGS, search.params.with(f.param, "")),
            })
            .collect(),
        clear_href: format!(
            "{}?{}",
            paths::LEARNINGS,
            SearchParams {
                q: search.params.q.clone(),
                ..SearchParams::default()
            }
            .to_query()
        ),
        notices: search
            .notices
            .iter()
            .map(|n| notice_view(lang, n))
            .chain(rebuilding.then(|| views::NoticeView {
                key: "search.rebuilding",
                args: vec![],
            }))
            .collect(),
        spelling: spelling_view(
            &outcome.spelling,
            &search.params.q,
            |query| format!("{}?{query}", paths::LEARNINGS),
            |param, value| search.params.with(param, value),
        ),
        total: outcome.total,
        first,
        last,
        hits,
        facets: facet_views(lang, &search, &outcome, &taxonomy),
        pager: Pager {
            page: outcome.page,
            pages: outcome.pages,
            base: {
                let rest = search.params.with("page", "");
                if rest.is_empty() {
                    format!("{}?", paths::LEARNINGS)
                } else {
                    format!("{}?{rest}&", paths::LEARNINGS)
                }
            },
        },
        relevance: search.sort == search::Sort::Relevance,
        sort_relevance_href: (!search.text.is_empty()).then(|| {
            format!(
                "{}?{}",
                paths::LEARNINGS,
                search.params.with("sort", "relevance")
            )
        }),
        sort_newest_href: format!(
            "{}?{}",
            paths::LEARNINGS,
            search.params.with("sort", "newest")
        ),
        manager,
        my_reviews,
    };
    Ok(html(
        StatusCode::OK,
        views::search_page(&viewer.ctx(), &view),
    ))
}

fn search_link(param: &str, value: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    out.append_pair(param, value);
    format!("{}?{}", paths::LEARNINGS, out.finish())
}

/// Every field of a learning, each value a link to the search filtered by it.
fn field_views(
    lang: &str,
    learning: &learnings::Model,
    fields: &super::fields::LearningFields,
    taxonomy: &Taxonomy,
) -> Vec<views::FieldView> {
    let term = |param: &'static str, id: Option<i32>| views::FieldView {
        label_param: param,
        values: id
            .and_then(|id| taxonomy.term(id))
            .map(|t| vec![(t.label(lang).to_string(), search_link(param, &t.code))])
            .unwrap_or_default(),
    };
    let single = |param: &'static str, label: String, code: &str| views::FieldView {
        label_param: param,
        values: if code.is_empty() {
            vec![]
        } else {
            vec![(label, search_link(param, code))]
        },
    };
    let by_name = |mut values: Vec<(String, String)>| {
        sort_by_name(&mut values, |(name, _)| name);
        values
    };
    vec![
        single(
            "type",
            type_label(lang, &learning.learning_type),
            &learning.learning_type,
        ),
        single(
            "project",
            learning.project_title.clone(),
            &learning.project_title,
        ),
        term("evaluation_type", learning.evaluation_type_id),
        single(
            "year",
            learning.year.map(|y| y.to_string()).unwrap_or_default(),
            &learning.year.map(|y| y.to_string()).unwrap_or_default(),
        ),
        views::FieldView {
            label_param: "country",
            values: by_name(
                fields
                    .country_ids
                    .iter()
                    .filter_map(|id| taxonomy.term(*id))
                    .map(|t| (t.label(lang).to_string(), search_link("country", &t.code)))
                    .collect(),
            ),
        },
        views::FieldView {
            label_param: "theme",
            values: by_name(
                fields
                    .theme_ids
                    .iter()
                    .filter_map(|id| taxonomy.theme(*id))
                    .map(|t| (t.name(lang).to_string(), search_link("theme", &t.slug)))
                    .collect(),
            ),
        },
        term("sector", learning.sector_id),
        term("intervention_type", learning.intervention_type_id),
        term("cycle_stage", learning.cycle_stage_id),
        term("criterion", learning.criterion_id),
        single(
            "language",
            language_name(lang, &learning.language),
            &learning.language,
        ),
    ]
}

#[derive(FromQueryResult)]
struct RelatedRow {
    id: i32,
    title: String,
    language: String,
}

/// Published learnings of the same project, then of the same first theme.
async fn related(
    db: &impl ConnectionTrait,
    lang: &str,
    learning: &learnings::Model,
    first_theme: Option<i32>,
) -> AppResult<Vec<views::LinkView>> {
    let backend = db.get_database_backend();
    let mut links = Vec::new();
    if !learning.project_title.is_empty() {
        let rows = RelatedRow::find_by_statement(Statement::from_sql_and_values(
            backend,
            "SELECT id, title, language FROM learnings WHERE project_title = $1 AND status = $2 AND id <> $3
             ORDER BY published_at DESC, id DESC LIMIT 5",
            [
                learning.project_title.clone().into(),
                LearningStatus::Published.into(),
                learning.id.into(),
            ],
        ))
        .all(db)
        .await?;
        links.extend(rows.into_iter().map(|r| views::LinkView {
            href: paths::learning(r.id),
            title: r.title,
            language: r.language,
            note: templates::i18n::t(lang, "learning.same_project").into_owned(),
        }));
    }
    if let Some(theme_id) = first_theme {
        let rows = RelatedRow::find_by_statement(Statement::from_sql_and_values(
            backend,
            "SELECT l.id, l.title, l.language FROM learning_themes lt JOIN learnings l ON l.id = lt.learning_id
             WHERE lt.theme_id = $1 AND l.status = $2 AND l.id <> $3
             ORDER BY l.published_at DESC, l.id DESC LIMIT 8",
            [
                theme_id.into(),
                LearningStatus::Published.into(),
                learning.id.into(),
            ],
        ))
        .all(db)
        .await?;
        for r in rows {
            let href = paths::learning(r.id);
            if links.len() < 10 && !links.iter().any(|l: &views::LinkView| l.href == href) {
                links.push(views::LinkView {
                    href,
                    title: r.title,
                    language: r.language,
                    note: templates::i18n::t(lang, "learning.same_theme").into_owned(),
                });
            }
        }
    }
    Ok(links)
}

pub async fn show_learning(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let learning = visibility::learning(&state.db, &id, viewer.user.as_ref()).await?;
    let taxonomy = Taxonomy::current(&state).await?;
    let fields = store::fields_of(&state.db, &learning).await?;
    let lang = viewer.lang;
    let threads = match &viewer.user {
        Some(user) => links::visible_threads(&state.db, user, learning.id).await?,
        None => Vec::new(),
    };
    let discuss_in = match &viewer.user {
        Some(user) if learning.status == LearningStatus::Published => {
            links::forums_to_discuss_in(&state.db, user).await?
        }
        _ => Vec::new(),
    };
    let notice = match viewer.user {
        Some(_) => flash::take(&viewer.session).await,
        None => None,
    };
    let (workflow, history) = match &viewer.user {
        Some(user) if visibility::may_manage(&learning, user) => (
            Some(workflow::view(&state.db, &learning, user).await?),
            workflow::history(&state.db, lang, learning.id).await?,
        ),
        _ => (None, Vec::new()),
    };
    let view = views::LearningPageView {
        id: learning.id,
        title: learning.title.clone(),
        lang: (learning.language != lang).then(|| learning.language.clone()),
        status: learning.status.as_str().to_string(),
        published: learning.status == LearningStatus::Published,
        description_html: learning.description_html.clone(),
        fields: field_views(lang, &learning, &fields, &taxonomy),
        source_url: learning.source_url.clone(),
        published_at: learning.published_at.map(iso),
        related: related(
            &state.db,
            lang,
            &learning,
            fields.theme_ids.first().copied(),
        )
        .await?,
        threads,
        discuss_in,
        workflow,
        history,
        notice,
    };
    let ctx = if view.workflow.is_some() {
        viewer.form_ctx().await?
    } else {
        viewer.ctx()
    };
    Ok(html(
        StatusCode::OK,
        views::learning_page(&ctx, &view, &FormErrors::default()),
    ))
}

#[derive(Deserialize)]
pub struct DiscussQuery {
    #[serde(default)]
    forum: String,
}

/// Sends a member to a new thread in the chosen forum, its body citing the learning.
pub async fn discuss_learning(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<DiscussQuery>,
) -> AppResult<Response> {
    let signed_in = viewer.require_user()?;
    let learning = visibility::learning(&state.db, &id, Some(&signed_in.user)).await?;
    if learning.status != LearningStatus::Published {
        return Err(AppError::NotFound);
    }
    let access = access::forum_by_slug(&state.db, &signed_in.user, query.forum.trim()).await?;
    Ok(Redirect::to(&format!(
        "{}?cite={}",
        paths::forum_new_thread(&access.forum.slug),
        learning.id
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_at_markers_only() {
        let text = format!("a {MARK_START}child{MARK_END} <b> {MARK_START}x");
        assert_eq!(
            snippet_pieces(&text),
            vec![
                (false, "a ".to_string()),
                (true, "child".to_string()),
                (false, " <b> ".to_string()),
                (true, "x".to_string())
            ]
        );
    }
}
