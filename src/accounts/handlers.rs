use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use templates::components::FormErrors;

use super::{
    forms::{AcceptForm, ChangePasswordForm, ForgotForm, PasswordForm, ProfileForm},
    service,
    tokens::TokenProblem,
};
use crate::{
    db::{self, now},
    entities::{invitations, users},
    forums::queries as forum_queries,
    mail::{
        Email,
        queue::{self, Kind},
    },
    refusal::Refusal,
    web::{
        AppError, AppResult, AppState, SignedIn, Viewer,
        client_addr::ClientAddr,
        extract::{GENERATION_KEY, sign_in},
        flash,
        forms::Form,
        paths,
    },
};

/// Only same-site relative paths; anything else goes to the forum list.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => paths::FORUMS.to_string(),
    }
}

fn page(status: StatusCode, markup: templates::Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

pub fn token_problem_page(
    viewer_ctx: &templates::Ctx,
    problem: TokenProblem,
    invitation: bool,
) -> Response {
    let (status, key) = match (problem, invitation) {
        (TokenProblem::Invalid, true) => (StatusCode::NOT_FOUND, "invite.invalid"),
        (TokenProblem::Used, true) => (StatusCode::GONE, "invite.used"),
        (TokenProblem::Expired, true) => (StatusCode::GONE, "invite.expired"),
        (TokenProblem::Withdrawn, true) => (StatusCode::GONE, "invite.withdrawn"),
        (TokenProblem::Invalid, false) => (StatusCode::NOT_FOUND, "error.reset_invalid"),
        (TokenProblem::Used, false) => (StatusCode::GONE, "error.reset_used"),
        (TokenProblem::Withdrawn, false) => (StatusCode::GONE, "error.reset_withdrawn"),
        (TokenProblem::Expired, false) => (StatusCode::GONE, "error.reset_expired"),
    };
    page(status, templates::errors::token_problem(viewer_ctx, key))
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show_login(mut viewer: Viewer, Query(query): Query<NextQuery>) -> AppResult<Response> {
    if viewer.user.is_some() {
        return Ok(Redirect::to(&safe_next(query.next.as_deref())).into_response());
    }
    let view = templates::accounts::LoginView {
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        error: None,
        notice: flash::take(&viewer.session).await,
    };
    Ok(page(
        StatusCode::OK,
        templates::accounts::login(&viewer.form_ctx().await?, &view),
    ))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    mut viewer: Viewer,
    ClientAddr(address): ClientAddr,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let email = service::normalise_email(&form.email);
    state.limiter.attempt(&email, address)?;
    let user = if email.is_empty() {
        None
    } else {
        service::find_by_email(&state.db, &email).await?
    };
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    // Always one argon2 verification, known address or not, so timing tells nothing.
    let password_ok = state
        .hashing
        .verify(form.password.clone(), stored_hash)
        .await?;
    match user {
        Some(user) if password_ok && user.disabled_at.is_none() => {
            state.limiter.succeeded(&email, address);
            sign_in(&viewer.session, &user).await?;
            tracing::info!(user_id = user.id, "signed in");
            Ok(Redirect::to(&safe_next(form.next.as_deref())).into_response())
        }
        _ => {
            let view = templates::accounts::LoginView {
                email: form.email.chars().take(254).collect(),
                next: safe_next(form.next.as_deref()),
                error: Some("auth.bad_login"),
                notice: None,
            };
            Ok(page(
                StatusCode::UNAUTHORIZED,
                templates::accounts::login(&viewer.form_ctx().await?, &view),
            ))
        }
    }
}

pub async fn logout(viewer: Viewer) -> AppResult<Redirect> {
    viewer.session.flush().await.map_err(AppError::internal)?;
    Ok(Redirect::to(paths::HOME))
}

pub async fn show_forgot(mut viewer: Viewer) -> AppResult<Response> {
    Ok(page(
        StatusCode::OK,
        templates::accounts::forgot(&viewer.form_ctx().await?, "", false, &FormErrors::default()),
    ))
}

pub async fn request_reset(
    State(state): State<AppState>,
    mut viewer: Viewer,
    ClientAddr(address): ClientAddr,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    let email = match form.validate() {
        Ok(email) => email,
        Err(errors) => {
            let typed: String = form.email.chars().take(254).collect();
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                templates::accounts::forgot(&viewer.form_ctx().await?, &typed, false, &errors),
            ));
        }
    };
    // Only this client's pace counts here: sign-in attempts never stop a reset, and how many
    // links an account gets is limited where the link is made, out of sight of this answer.
    if !state.limiter.mail_request(address) {
        return Err(AppError::TooManyRequests { retry_after: 60 });
    }
    // The lookup, token and mail happen after the answer, so the answer is the same in
    // content and in time whether or not the address is known, or over its hourly limit.
    let background = state.clone();
    let lookup_email = email.clone();
    tokio::spawn(async move {
        if let Err(err) = send_reset(&background, &lookup_email).await {
            tracing::warn!(error = %err, "password reset mail not sent");
        }
    });
    Ok(page(
        StatusCode::OK,
        templates::accounts::forgot(
            &viewer.form_ctx().await?,
            &email,
            true,
            &FormErrors::default(),
        ),
    ))
}

async fn send_reset(state: &AppState, email: &str) -> anyhow::Result<()> {
    let Some(user) = service::find_by_email(&state.db, email).await? else {
        return Ok(());
    };
    if user.disabled_at.is_some() {
        return Ok(());
    }
    let txn = db::begin_write(&state.db).await?;
    let Some(token) = service::create_reset_token_within_limit(&txn, user.id).await? else {
        tracing::info!(
            user_id = user.id,
            "reset link not sent: hourly limit reached"
        );
        return Ok(());
    };
    let link = state.config.absolute(&paths::password_reset(&token));
    let rendered =
        templates::email::password_reset(templates::i18n::supported(&user.locale), &link);
    queue::enqueue(
        &txn,
        state.mail_origin(),
        Kind::PasswordReset,
        Email::new(&user.email, Some(&user.display_name), rendered),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued();
    Ok(())
}

pub async fn show_reset(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let ctx = viewer.form_ctx().await?;
    Ok(
        match service::check_password_token(&state.db, &token).await {
            Err(Refusal::Refused(problem)) => token_problem_page(&ctx, problem, false),
            Err(Refusal::Db(err)) => return Err(err.into()),
            Ok(row) => {
                let user = service::user(&state.db, row.user_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                page(
                    StatusCode::OK,
                    templates::accounts::set_password(
                        &ctx,
                        &paths::password_reset(&token),
                        first_password_name(&user),
                        &FormErrors::default(),
                    ),
                )
            }
        },
    )
}

/// An account's first password (an administrator made from the command line) comes with
/// the name others will see: the one it was given is only a guess from the address.
fn first_password_name(user: &users::Model) -> Option<&str> {
    user.password_hash
        .is_none()
        .then_some(user.display_name.as_str())
}

pub async fn reset_password(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let ctx = viewer.form_ctx().await?;
    let row = match service::check_password_token(&state.db, &token).await {
        Ok(row) => row,
        Err(Refusal::Refused(problem)) => return Ok(token_problem_page(&ctx, problem, false)),
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    let user = service::user(&state.db, row.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let first_name = first_password_name(&user);
    let new_name = match form.validate(&user.email, first_name) {
        Ok(name) => name,
        Err(errors) => {
            let typed: Option<String> = first_name.map(|current| {
                form.display_name
                    .as_deref()
                    .unwrap_or(current)
                    .chars()
                    .take(200)
                    .collect()
            });
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                templates::accounts::set_password(
                    &ctx,
                    &paths::password_reset(&token),
                    typed.as_deref(),
                    &errors,
                ),
            ));
        }
    };
    let hash = state.hashing.hash(form.password).await?;
    let txn = db::begin_write(&state.db).await?;
    let row = match service::consume_password_token(&txn, &token).await {
        Ok(row) => row,
        Err(Refusal::Refused(problem)) => return Ok(token_problem_page(&ctx, problem, false)),
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    service::set_password(&txn, row.user_id, hash).await?;
    if let Some(name) = new_name {
        service::set_display_name(&txn, row.user_id, &name).await?;
    }
    if user.password_hash.is_some() {
        tell_password_changed(&txn, &state, &user).await?;
    }
    txn.commit().await?;
    state.mail_queued();
    state.sessions.delete_for_user(row.user_id, None).await?;
    // Holding the link is not proof enough to be signed in (it may have been forwarded, or
    // read from a shared mailbox): the person signs in with the new password.
    viewer.session.flush().await.map_err(AppError::internal)?;
    flash::set(&viewer.session, "auth.password_reset_sign_in").await;
    Ok(Redirect::to(paths::LOGIN).into_response())
}

/// Tells the account's address that its password changed, and what to do if that was not
/// its owner: queued in the transaction that changes it.
async fn tell_password_changed(
    txn: &impl sea_orm::ConnectionTrait,
    state: &AppState,
    user: &users::Model,
) -> anyhow::Result<()> {
    let rendered = templates::email::password_changed(
        templates::i18n::supported(&user.locale),
        &crate::web::dates::iso(now()),
        &state.config.absolute(paths::PASSWORD_FORGOT),
    );
    queue::enqueue(
        txn,
        state.mail_origin(),
        Kind::PasswordChanged,
        Email::new(&user.email, Some(&user.display_name), rendered),
    )
    .await?;
    Ok(())
}

/// What the holder of the link is asked to do: create an account, or accept as the account
/// that has the address — only from that account's own session.
fn invitation_step(
    account: Option<&users::Model>,
    viewer: Option<&users::Model>,
    token: &str,
    display_name: String,
) -> templates::accounts::InvitationStep {
    use templates::accounts::InvitationStep;
    match account {
        None => InvitationStep::NewAccount { display_name },
        Some(account) if viewer.is_some_and(|v| v.id == account.id) => InvitationStep::Accept,
        Some(_) => InvitationStep::SignIn {
            login_link: format!(
                "{}?next={}",
                paths::LOGIN,
                crate::web::error::urlencode(&paths::invitation(token))
            ),
            signed_in_elsewhere: viewer.is_some(),
        },
    }
}

async fn invitation_page(
    state: &AppState,
    ctx: &templates::Ctx,
    status: StatusCode,
    token: &str,
    invitation: &invitations::Model,
    step: templates::accounts::InvitationStep,
    errors: &FormErrors,
) -> AppResult<Response> {
    let forum = forum_queries::forum(&state.db, invitation.forum_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = templates::accounts::InvitationView {
        token: token.to_string(),
        forum_title: forum.title,
        email: invitation.email.clone(),
        step,
    };
    Ok(page(
        status,
        templates::accounts::accept_invitation(ctx, &view, errors),
    ))
}

pub async fn show_invitation(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let invitation = match service::check_invitation(&state.db, &token).await {
        Ok(invitation) => invitation,
        Err(Refusal::Refused(problem)) => {
            return Ok(token_problem_page(&viewer.form_ctx().await?, problem, true));
        }
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    viewer.prefer_language(&invitation.language);
    let ctx = viewer.form_ctx().await?;
    let account = service::find_by_email(&state.db, &invitation.email).await?;
    let step = invitation_step(
        account.as_ref(),
        viewer.user.as_ref(),
        &token,
        String::new(),
    );
    invitation_page(
        &state,
        &ctx,
        StatusCode::OK,
        &token,
        &invitation,
        step,
        &FormErrors::default(),
    )
    .await
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> AppResult<Response> {
    let invitation = match service::check_invitation(&state.db, &token).await {
        Ok(invitation) => invitation,
        Err(Refusal::Refused(problem)) => {
            return Ok(token_problem_page(&viewer.form_ctx().await?, problem, true));
        }
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    viewer.prefer_language(&invitation.language);
    let ctx = viewer.form_ctx().await?;
    let account = service::find_by_email(&state.db, &invitation.email).await?;
    let step = invitation_step(
        account.as_ref(),
        viewer.user.as_ref(),
        &token,
        form.display_name.chars().take(200).collect(),
    );
    let new_account = match step {
        templates::accounts::InvitationStep::Accept => None,
        templates::accounts::InvitationStep::NewAccount { .. } => {
            match form.validate(&invitation.email) {
                Ok(name) => Some((name, state.hashing.hash(form.password.clone()).await?)),
                Err(errors) => {
                    return invitation_page(
                        &state,
                        &ctx,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &token,
                        &invitation,
                        step,
                        &errors,
                    )
                    .await;
                }
            }
        }
        templates::accounts::InvitationStep::SignIn { .. } => {
            return refuse_for_other_account(&state, &ctx, &viewer, &token, &invitation).await;
        }
    };
    let txn = db::begin_write(&state.db).await?;
    if !service::consume_invitation(&txn, invitation.id).await? {
        return Ok(token_problem_page(&ctx, TokenProblem::Used, true));
    }
    let user = match (
        service::find_by_email(&txn, &invitation.email).await?,
        new_account,
    ) {
        (None, Some((name, hash))) => {
            let user =
                service::create_user(&txn, &invitation.email, &name, Some(hash), false).await?;
            // They keep reading in the language they accepted in.
            service::save_profile(
                &txn,
                &user,
                user.display_name.clone(),
                ctx.lang,
                user.notify_mode,
            )
            .await?
        }
        (Some(user), None) => user,
        // The address got an account between the page and this answer: that account
        // accepts for itself. Dropping the transaction leaves the invitation open.
        _ => {
            drop(txn);
            return refuse_for_other_account(&state, &ctx, &viewer, &token, &invitation).await;
        }
    };
    service::grant_membership(&txn, invitation.forum_id, user.id, invitation.role).await?;
    txn.commit().await?;
    let forum_path = paths::forum(
        &forum_queries::forum(&state.db, invitation.forum_id)
            .await?
            .ok_or(AppError::NotFound)?
            .slug,
    );
    if account.is_none() {
        sign_in(&viewer.session, &user).await?;
    }
    Ok(Redirect::to(&forum_path).into_response())
}

/// An invitation to an address that has an account is accepted only from that account.
async fn refuse_for_other_account(
    state: &AppState,
    ctx: &templates::Ctx,
    viewer: &Viewer,
    token: &str,
    invitation: &invitations::Model,
) -> AppResult<Response> {
    let account = service::find_by_email(&state.db, &invitation.email).await?;
    let step = invitation_step(account.as_ref(), viewer.user.as_ref(), token, String::new());
    invitation_page(
        state,
        ctx,
        StatusCode::FORBIDDEN,
        token,
        invitation,
        step,
        &FormErrors::default(),
    )
    .await
}

async fn profile_view(
    state: &AppState,
    user: &users::Model,
    saved: Option<&'static str>,
) -> AppResult<templates::accounts::ProfileView> {
    Ok(templates::accounts::ProfileView {
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        locale: user.locale.clone(),
        notify_mode: sea_orm::ActiveEnum::to_value(&user.notify_mode),
        memberships: service::memberships_of(&state.db, user.id).await?,
        saved,
        newsletter: crate::newsletter::subscriptions::member::profile_view(&state.db, user).await?,
        bounced: user
            .bounce_suppressed_at
            .map(|_| templates::bounces::Bounced {
                points: user.bounce_points,
                last_at: user.bounce_last_at.map(crate::web::dates::iso),
                reason: user.bounce_reason.clone(),
                suppressed: true,
            }),
        replies_by_mail: state.reply_address.is_some(),
    })
}

pub async fn show_profile(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let saved = flash::take(&signed_in.session).await;
    let view = profile_view(&state, &signed_in.user, saved).await?;
    Ok(page(
        StatusCode::OK,
        templates::accounts::profile(&signed_in.ctx(), &view, &FormErrors::default()),
    ))
}

pub async fn update_profile(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    let notify_mode = form
        .choices_offered()
        .ok_or(AppError::BadRequest("error.bad_form"))?;
    let fields = match form.validate(notify_mode) {
        Ok(fields) => fields,
        Err(errors) => {
            let mut view = profile_view(&state, &signed_in.user, None).await?;
            view.display_name = form.display_name.chars().take(200).collect();
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                templates::accounts::profile(&signed_in.ctx(), &view, &errors),
            ));
        }
    };
    let txn = db::begin_write(&state.db).await?;
    let user = service::save_profile(
        &txn,
        &signed_in.user,
        fields.display_name,
        fields.locale,
        fields.notify_mode,
    )
    .await?;
    // Their newsletter (if any) follows the profile's language.
    crate::newsletter::subscriptions::service::follow_profile_language(&txn, &user, now()).await?;
    // Cached thread pages show display names: those the user wrote in must be rebuilt.
    crate::forums::posting::touch_threads_of_author(&txn, signed_in.user.id).await?;
    txn.commit().await?;
    flash::set(&signed_in.session, "profile.saved").await;
    Ok(Redirect::to(paths::PROFILE).into_response())
}

/// The profile's newsletter section: subscribe (no confirmation), change choices, unsubscribe.
pub async fn update_newsletter(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    use crate::newsletter::subscriptions::member;
    let refused = match member::apply(&state.db, &signed_in.user, pairs).await {
        Ok(()) => None,
        Err(Refusal::Refused(refused)) => Some(refused),
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    if let Some((section, errors)) = refused {
        let mut view = profile_view(&state, &signed_in.user, None).await?;
        view.newsletter = section;
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            templates::accounts::profile(&signed_in.ctx(), &view, &errors),
        ));
    }
    flash::set(&signed_in.session, "profile.saved").await;
    Ok(Redirect::to(&format!("{}#newsletter", paths::PROFILE)).into_response())
}

/// "My address works again": a member whose mail stopped after bounces gets mail again
/// (their score starts from zero, so the next bounces count afresh).
pub async fn address_works(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let holder = crate::mail::bounces::Holder::Member(signed_in.user.id);
    crate::mail::bounces::reset(&state.db, holder, now()).await?;
    tracing::info!(
        user_id = signed_in.user.id,
        "member says their address works again"
    );
    flash::set(&signed_in.session, "bounce.member_works_saved").await;
    Ok(Redirect::to(paths::PROFILE).into_response())
}

pub async fn change_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ClientAddr(address): ClientAddr,
    Form(form): Form<ChangePasswordForm>,
) -> AppResult<Response> {
    let user = &signed_in.user;
    state.limiter.attempt(&user.email, address)?;
    let current_matches = state
        .hashing
        .verify(form.current_password.clone(), user.password_hash.clone())
        .await?;
    if current_matches {
        state.limiter.succeeded(&user.email, address);
    }
    if let Err(errors) = form.validate(&user.email, current_matches) {
        let view = profile_view(&state, user, None).await?;
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            templates::accounts::profile(&signed_in.ctx(), &view, &errors),
        ));
    }
    let hash = state.hashing.hash(form.password).await?;
    let txn = db::begin_write(&state.db).await?;
    let generation = service::set_password(&txn, user.id, hash).await?;
    tell_password_changed(&txn, &state, user)
        .await
        .map_err(AppError::internal)?;
    txn.commit().await?;
    state.mail_queued();
    keep_only_this_session(&state, &signed_in, generation).await?;
    flash::set(&signed_in.session, "auth.password_saved").await;
    Ok(Redirect::to(paths::PROFILE).into_response())
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let generation = service::bump_generation(&state.db, signed_in.user.id).await?;
    keep_only_this_session(&state, &signed_in, generation).await?;
    flash::set(&signed_in.session, "profile.signed_out_elsewhere").await;
    Ok(Redirect::to(paths::PROFILE).into_response())
}

/// "Stop replies from old emails": every reply address mailed to the member so far stops
/// working (their reply generation moves on); notifications sent from now on carry new ones.
pub async fn stop_old_replies(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<Response> {
    service::renew_reply_addresses(&state.db, signed_in.user.id).await?;
    tracing::info!(
        user_id = signed_in.user.id,
        "member stopped replies to older emails"
    );
    flash::set(&signed_in.session, "reply_mail.profile_stopped").await;
    Ok(Redirect::to(paths::PROFILE).into_response())
}

/// After the generation moved on, this session follows it under a new id (whoever may have
/// copied the old one is out too) and every other one is deleted.
async fn keep_only_this_session(
    state: &AppState,
    signed_in: &SignedIn,
    generation: i32,
) -> AppResult<()> {
    signed_in
        .session
        .cycle_id()
        .await
        .map_err(AppError::internal)?;
    signed_in
        .session
        .insert(GENERATION_KEY, generation)
        .await
        .map_err(AppError::internal)?;
    signed_in.session.save().await.map_err(AppError::internal)?;
    state
        .sessions
        .delete_for_user(signed_in.user.id, signed_in.session.id())
        .await?;
    Ok(())
}
