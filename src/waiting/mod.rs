//! What waits for each person: the "waiting for you" page and its count in the header, the
//! mail that tells people a hand-off reached them, and the daily list for daily readers.

use axum::{Router, extract::State, http::StatusCode, response::Response, routing::get};
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    entities::users,
    web::{AppResult, AppState, SignedIn, html},
};

pub mod daily;
mod items;
pub mod tell;

pub fn router() -> Router<AppState> {
    Router::new().route("/waiting", get(show))
}

async fn show(State(state): State<AppState>, signed_in: SignedIn) -> AppResult<Response> {
    let view = items::list(&state.db, &signed_in.user, signed_in.lang).await?;
    Ok(html(
        StatusCode::OK,
        templates::waiting::page(&signed_in.ctx(), &view),
    ))
}

/// How many hand-offs wait for `user` in all, and the first `n` of them (section by section,
/// oldest first within each): what the front page shows.
pub async fn first(
    db: &DatabaseConnection,
    user: &users::Model,
    lang: &str,
    n: usize,
) -> Result<(usize, Vec<templates::waiting::Waiting>), DbErr> {
    let view = items::list(db, user, lang).await?;
    Ok((view.count(), view.first(n)))
}

/// How many hand-offs wait for `user`: the header's count (the web layer asks through
/// `AppState`, cached until the next change).
pub fn count<'a>(
    db: &'a DatabaseConnection,
    user: &'a users::Model,
) -> BoxFuture<'a, Result<u32, DbErr>> {
    Box::pin(async move {
        let view = items::list(db, user, "en").await?;
        Ok(u32::try_from(view.count()).unwrap_or(u32::MAX))
    })
}
