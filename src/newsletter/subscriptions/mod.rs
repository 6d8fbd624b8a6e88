//! Subscribing and unsubscribing: the public form (double opt-in), confirmation and
//! unsubscribe links, the manage-by-link page, and a member's newsletter choices on the
//! profile. It must never tell whether an address is known (same answer, same work, mail in
//! the background), never mail an address more than once per window, and never unsubscribe on
//! a GET (mail scanners follow links).
//!
//! Confirmation links open a page with one button rather than confirming on GET: corporate
//! link scanners fetch every link in a message, so a GET that confirmed would subscribe any
//! address someone typed in, which is what double opt-in exists to prevent.

pub mod form;
pub mod member;
pub mod service;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::{
    components::FormErrors,
    newsletter::{self as views, ThemeChoice},
};

use crate::{
    accounts::tokens::TokenProblem,
    db::{begin_write, now},
    entities::states::{Frequency, SubscriberStatus},
    mail::{
        Email,
        queue::{self, Kind},
    },
    refusal::Refusal,
    taxonomy::labels::sort_by_name,
    web::{AppError, AppResult, AppState, Viewer, client_addr::ClientAddr, forms::Form, paths},
};
use form::Submitted;
use service::{Choices, Outcome, Theme};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsletter", get(show_subscribe).post(subscribe))
        .route(
            "/newsletter/confirm/{token}",
            get(show_confirm).post(confirm_subscription),
        )
        .route(
            "/newsletter/unsubscribe/{token}",
            get(show_unsubscribe).post(unsubscribe),
        )
        .route(
            "/newsletter/manage/{token}",
            get(show_manage).post(update_manage),
        )
}

fn page(status: StatusCode, markup: templates::Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// The themes to tick, named and sorted in the page's language.
pub fn theme_choices(lang: &str, themes: &[Theme], checked: &[i32]) -> Vec<ThemeChoice> {
    let mut choices: Vec<ThemeChoice> = themes
        .iter()
        .map(|t| ThemeChoice {
            id: t.id,
            name: t.names.get(lang).to_string(),
            lang: None,
            checked: checked.contains(&t.id),
        })
        .collect();
    sort_by_name(&mut choices, |choice| &choice.name);
    choices
}

pub async fn show_subscribe(
    State(state): State<AppState>,
    mut viewer: Viewer,
) -> AppResult<Response> {
    let themes = service::all_themes(&state.db).await?;
    let view = views::SubscribeView {
        email: viewer
            .user
            .as_ref()
            .map(|u| u.email.clone())
            .unwrap_or_default(),
        themes: theme_choices(viewer.lang, &themes, &[]),
        frequency: Frequency::Weekly.as_str().into(),
        language: viewer.lang.to_string(),
        sent: false,
    };
    Ok(page(
        StatusCode::OK,
        views::subscribe(&viewer.form_ctx().await?, &view, &FormErrors::default()),
    ))
}

pub async fn subscribe(
    State(state): State<AppState>,
    mut viewer: Viewer,
    ClientAddr(address): ClientAddr,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let submitted = Submitted::from_pairs(pairs);
    let themes = service::all_themes(&state.db).await?;
    let form::Subscription {
        email,
        choices,
        language,
    } = match submitted.subscription(&themes, viewer.lang) {
        Ok(subscription) => subscription,
        Err(errors) => {
            let view = views::SubscribeView {
                email: submitted.email.clone(),
                themes: theme_choices(viewer.lang, &themes, &submitted.checked(&themes)),
                frequency: submitted.frequency.clone(),
                language: submitted.language.clone(),
                sent: false,
            };
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::subscribe(&viewer.form_ctx().await?, &view, &errors),
            ));
        }
    };
    // Its own key, so subscribe requests never use up an account's sign-in attempts.
    let client_ok = state.limiter.mail_request(address);
    if !(state.limiter.newsletter_request(&email) && client_ok) {
        return Err(AppError::TooManyRequests { retry_after: 60 });
    }
    // The lookup, the write and the mail happen after the answer, so the answer is the same
    // in content and in time whether or not the address is known.
    let background = state.clone();
    let address_to_mail = email.clone();
    tokio::spawn(async move {
        if let Err(err) = request_and_mail(&background, &address_to_mail, &choices, language).await
        {
            tracing::warn!(error = %err, "newsletter subscription request not handled");
        }
    });
    let view = views::SubscribeView {
        email,
        themes: Vec::new(),
        frequency: Frequency::Weekly.as_str().into(),
        language: language.to_string(),
        sent: true,
    };
    Ok(page(
        StatusCode::OK,
        views::subscribe(&viewer.form_ctx().await?, &view, &FormErrors::default()),
    ))
}

async fn request_and_mail(
    state: &AppState,
    email: &str,
    choices: &Choices,
    lang: &str,
) -> anyhow::Result<()> {
    let txn = begin_write(&state.db).await?;
    let outcome = service::request(&txn, email, choices, lang, now()).await?;
    let (kind, rendered) = match outcome {
        Outcome::Nothing => return Ok(txn.commit().await?),
        Outcome::Confirm { token, language } => (
            Kind::NewsletterConfirm,
            templates::email::newsletter_confirm(
                templates::i18n::supported(&language),
                &state.config.absolute(&paths::newsletter_confirm(&token)),
            ),
        ),
        Outcome::AlreadyActive {
            subscriber_id,
            link_salt,
            language,
        } => {
            let token = service::link_token(&state.secret, subscriber_id, &link_salt);
            (
                Kind::NewsletterAlreadySubscribed,
                templates::email::newsletter_already_subscribed(
                    templates::i18n::supported(&language),
                    &state.config.absolute(&paths::newsletter_manage(&token)),
                    &state
                        .config
                        .absolute(&paths::newsletter_unsubscribe(&token)),
                ),
            )
        }
    };
    queue::enqueue(
        &txn,
        state.mail_origin(),
        kind,
        Email::new(email, None, rendered),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued();
    Ok(())
}

fn confirm_problem_page(ctx: &templates::Ctx, problem: TokenProblem) -> Response {
    let (status, key) = match problem {
        TokenProblem::Invalid => (StatusCode::NOT_FOUND, "newsletter.link_invalid"),
        TokenProblem::Used | TokenProblem::Withdrawn => (StatusCode::GONE, "newsletter.link_used"),
        TokenProblem::Expired => (StatusCode::GONE, "newsletter.link_expired"),
    };
    page(status, views::link_problem(ctx, key))
}

pub async fn show_confirm(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let ctx = viewer.form_ctx().await?;
    Ok(
        match service::check_confirm_token(&state.db, &token, now()).await {
            Err(Refusal::Refused(problem)) => confirm_problem_page(&ctx, problem),
            Ok(row) => page(StatusCode::OK, views::confirm(&ctx, &token, &row.email)),
            Err(Refusal::Db(err)) => return Err(err.into()),
        },
    )
}

pub async fn confirm_subscription(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let ctx = viewer.ctx();
    let txn = begin_write(&state.db).await?;
    let row = match service::confirm(&txn, &token, now()).await {
        Ok(row) => row,
        Err(Refusal::Refused(problem)) => return Ok(confirm_problem_page(&ctx, problem)),
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    txn.commit().await?;
    tracing::info!(subscriber_id = row.id, "newsletter subscription confirmed");
    Ok(page(
        StatusCode::OK,
        views::confirmed(
            &ctx,
            &paths::newsletter_manage(&service::link_token(&state.secret, row.id, &row.link_salt)),
        ),
    ))
}

pub async fn show_unsubscribe(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let row = service::find_by_token(&state.db, &state.secret, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let subscribed = matches!(
        row.status,
        SubscriberStatus::Active | SubscriberStatus::Pending
    );
    Ok(page(
        StatusCode::OK,
        views::unsubscribe(&viewer.ctx(), &token, &row.email, subscribed),
    ))
}

/// The page's button and the RFC 8058 one-click POST from mail clients (no cookie, no CSRF
/// token: the CSRF layer exempts this path). Whatever the body, it unsubscribes and answers
/// 200, never a redirect.
pub async fn unsubscribe(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let txn = begin_write(&state.db).await?;
    let Some(row) = service::find_by_token(&txn, &state.secret, &token).await? else {
        return Err(AppError::NotFound);
    };
    service::unsubscribe(&txn, row.id, now()).await?;
    txn.commit().await?;
    tracing::info!(subscriber_id = row.id, "unsubscribed from the newsletter");
    Ok(page(
        StatusCode::OK,
        views::unsubscribed(&viewer.ctx(), &row.email),
    ))
}

/// The themes as the manage page shows them: named in the subscriber's language (the one
/// their newsletter is written in), marked with it where the page is in another.
fn subscriber_theme_choices(
    page_lang: &str,
    row: &crate::entities::subscribers::Model,
    themes: &[Theme],
    checked: &[i32],
) -> Vec<ThemeChoice> {
    let theirs = templates::i18n::supported(&row.language);
    let mut choices = theme_choices(theirs, themes, checked);
    if theirs != page_lang {
        for choice in &mut choices {
            choice.lang = Some(theirs.to_string());
        }
    }
    choices
}

async fn manage_view(
    state: &AppState,
    lang: &str,
    token: &str,
    row: &crate::entities::subscribers::Model,
    saved: bool,
) -> AppResult<views::ManageView> {
    let themes = service::all_themes(&state.db).await?;
    let checked = service::theme_ids(&state.db, row.id).await?;
    Ok(views::ManageView {
        token: token.to_string(),
        email: row.email.clone(),
        active: row.status == SubscriberStatus::Active,
        themes: subscriber_theme_choices(lang, row, &themes, &checked),
        frequency: row.frequency.as_str().to_string(),
        language: row.language.clone(),
        saved,
    })
}

#[derive(Deserialize)]
pub struct ManageQuery {
    saved: Option<String>,
}

pub async fn show_manage(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
    Query(query): Query<ManageQuery>,
) -> AppResult<Response> {
    let row = service::find_by_token(&state.db, &state.secret, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = manage_view(&state, viewer.lang, &token, &row, query.saved.is_some()).await?;
    Ok(page(
        StatusCode::OK,
        views::manage(&viewer.form_ctx().await?, &view, &FormErrors::default()),
    ))
}

/// Changes themes, frequency and language by link: the link (mailed only to the address) is
/// the authority, and the form is CSRF-protected like every other.
pub async fn update_manage(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let row = service::find_by_token(&state.db, &state.secret, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let submitted = Submitted::from_pairs(pairs);
    let themes = service::all_themes(&state.db).await?;
    let changes = match submitted.changes(&themes, templates::i18n::supported(&row.language)) {
        Ok(changes) => changes,
        Err(errors) => {
            let mut view = manage_view(&state, viewer.lang, &token, &row, false).await?;
            view.themes =
                subscriber_theme_choices(viewer.lang, &row, &themes, &submitted.checked(&themes));
            view.frequency = submitted.frequency.clone();
            view.language = submitted.language.clone();
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::manage(&viewer.form_ctx().await?, &view, &errors),
            ));
        }
    };
    let txn = begin_write(&state.db).await?;
    service::update_choices(&txn, row.id, &changes.choices, now()).await?;
    service::set_language(&txn, row.id, changes.language, now()).await?;
    txn.commit().await?;
    Ok(Redirect::to(&format!("{}?saved=1", paths::newsletter_manage(&token))).into_response())
}
