//! The front page: what Fora offers and the newest learnings for everyone; for members, the
//! latest threads of their forums and what waits for them.

use axum::{Router, extract::State, http::StatusCode, response::Response, routing::get};
use templates::home as views;

use crate::{
    forums::{handlers::visible_forums, queries::recent_threads},
    learnings::search::{self as library, Audience, Search, SearchParams},
    taxonomy::Taxonomy,
    web::{AppResult, AppState, Viewer, html, paths},
};

/// How many threads and learnings the front page lists.
const ACTIVE_THREADS: u64 = 8;
const NEWEST_LEARNINGS: usize = 3;
/// How many of the things waiting for the reader the front page lists.
const FIRST_WAITING: usize = 3;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    // The public listing, newest first: the cached answer every visitor's library page uses.
    let taxonomy = Taxonomy::current(&state).await?;
    let listing = Search::resolve(SearchParams::default(), &taxonomy, Audience::Public);
    let outcome = library::run_cached(&state, &listing).await?;
    let (learnings_total, newest) = match &outcome {
        Some(outcome) => (
            outcome.total,
            outcome
                .hits
                .iter()
                .take(NEWEST_LEARNINGS)
                .map(|hit| views::NewLearning {
                    href: paths::learning(hit.id),
                    title: hit.title.clone(),
                    project: hit.project_title.clone(),
                    lang: (hit.language != viewer.lang).then(|| hit.language.clone()),
                })
                .collect(),
        ),
        None => (0, Vec::new()),
    };
    let (forums, activity) = match &viewer.user {
        Some(user) => (
            visible_forums(&state.db, user, None).await?,
            recent_threads(&state.db, user, ACTIVE_THREADS)
                .await?
                .into_iter()
                .map(|row| views::ActiveThread {
                    href: paths::thread(row.id),
                    title: row.title,
                    lang: (row.language != viewer.lang).then_some(row.language),
                    forum_lang: (row.forum_language != viewer.lang).then_some(row.forum_language),
                    forum_title: row.forum_title,
                    last_post_at: crate::web::dates::iso(row.last_post_at),
                    unread: row.unread.max(0) as u64,
                })
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    // The header's cached count says whether anything waits: nobody with nothing waiting pays
    // for the list.
    let (waiting_total, waiting) = match &viewer.user {
        Some(user) if viewer.waiting > 0 => {
            crate::waiting::first(&state.db, user, viewer.lang, FIRST_WAITING).await?
        }
        _ => (0, Vec::new()),
    };
    let view = views::HomeView {
        learnings_total,
        newest,
        forums,
        activity,
        waiting_total: waiting_total as u64,
        waiting,
    };
    Ok(html(StatusCode::OK, views::home(&viewer.ctx(), &view)))
}
