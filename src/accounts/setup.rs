//! First run: while the database has no account, `fora serve` prints a one-time link whose
//! page creates the first administrator. The token lives only in the running process.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use subtle::ConstantTimeEq;
use templates::components::FormErrors;

use super::{forms::SetupForm, service, tokens};
use crate::{
    db,
    web::{AppError, AppResult, AppState, Viewer, extract::sign_in, forms::Form, paths},
};

/// Returns the setup link when the database has no user yet.
pub async fn prepare_first_run(state: &AppState) -> anyhow::Result<Option<String>> {
    if service::any_user(&state.db).await? {
        return Ok(None);
    }
    let token = tokens::generate();
    *state
        .setup_token
        .lock()
        .map_err(|_| anyhow::anyhow!("setup lock poisoned"))? = Some(tokens::digest(&token));
    Ok(Some(state.config.absolute(&paths::admin_setup(&token))))
}

fn token_matches(state: &AppState, token: &str) -> bool {
    let Ok(guard) = state.setup_token.lock() else {
        return false;
    };
    match guard.as_deref() {
        Some(expected) => {
            tokens::well_formed(token)
                && bool::from(tokens::digest(token).as_bytes().ct_eq(expected.as_bytes()))
        }
        None => false,
    }
}

pub async fn show_setup(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if !token_matches(&state, &token) {
        return Err(AppError::NotFound);
    }
    Ok(Html(
        templates::accounts::first_run_setup(
            &viewer.form_ctx().await?,
            &token,
            "",
            "",
            &FormErrors::default(),
        )
        .into_string(),
    )
    .into_response())
}

pub async fn complete_setup(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> AppResult<Response> {
    if !token_matches(&state, &token) {
        return Err(AppError::NotFound);
    }
    let admin = match form.validate() {
        Ok(admin) => admin,
        Err(errors) => {
            let markup = templates::accounts::first_run_setup(
                &viewer.form_ctx().await?,
                &token,
                &form.email.chars().take(254).collect::<String>(),
                &form.display_name.chars().take(200).collect::<String>(),
                &errors,
            );
            return Ok(
                (StatusCode::UNPROCESSABLE_ENTITY, Html(markup.into_string())).into_response(),
            );
        }
    };
    let hash = state.hashing.hash(form.password).await?;
    let txn = db::begin_write(&state.db).await?;
    if service::any_user(&txn).await? {
        return Err(AppError::NotFound);
    }
    let user =
        service::create_user(&txn, &admin.email, &admin.display_name, Some(hash), true).await?;
    txn.commit().await?;
    if let Ok(mut guard) = state.setup_token.lock() {
        *guard = None;
    }
    sign_in(&viewer.session, &user).await?;
    Ok(Redirect::to(paths::ADMIN).into_response())
}
