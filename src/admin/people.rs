//! The users page and what it does: role changes (each through a confirmation page that says
//! what follows), and outside reviewers invited by email. The rules are in `roles` and
//! `reviewers`; this module asks, answers and redirects.

use axum::{
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use templates::{
    components::{FormErrors, Pager},
    confirm::Confirmation,
    i18n::{t, tf},
    roles as views,
};

use super::{
    forms::ReviewerInviteForm,
    queries, reviewers,
    roles::{self, RoleChange, RoleRefused},
};
use crate::{
    accounts::{forms::AcceptForm, tokens::TokenProblem},
    db::now,
    refusal::Refusal,
    web::{
        AdminUser, AppError, AppResult, AppState, Viewer, confirm::ConfirmForm, dates::iso,
        extract::sign_in, flash, forms::Form, html, paging::page_number, path_id::parse_id, paths,
        query::read_lenient,
    },
};

/// What `/admin/users` lists: `?q=` part of a name or address, `?page=`, or `?user=` the page
/// that holds this person (where the log's links and a change lead). Read leniently.
#[derive(Default)]
pub struct UsersQuery {
    find: String,
    page: u64,
    user: Option<i32>,
}

impl UsersQuery {
    pub fn read(raw: Option<&str>) -> UsersQuery {
        let mut query = UsersQuery {
            page: 1,
            ..UsersQuery::default()
        };
        read_lenient(raw, 256, |name, value| match name {
            "q" => {
                query.find = value.trim().to_string();
                true
            }
            "page" => {
                query.page = page_number(Some(&value));
                true
            }
            "user" => {
                query.user = value.trim().parse().ok();
                true
            }
            _ => false,
        });
        query
    }
}

async fn users_view(
    state: &AppState,
    admin: &AdminUser,
    query: UsersQuery,
    form: views::ReviewerInviteForm,
    notice: Option<&'static str>,
) -> AppResult<views::UsersView> {
    let AdminUser(admin) = admin;
    let (find, requested) = match query.user {
        Some(id) => (
            String::new(),
            queries::page_holding_user(&state.db, id)
                .await?
                .unwrap_or(1),
        ),
        None => (query.find, query.page),
    };
    let listing = queries::users_page(&state.db, &find, requested).await?;
    let ids: Vec<i32> = listing.rows.iter().map(|u| u.id).collect();
    let memberships = queries::memberships_of(&state.db, &ids).await?;
    let pending = reviewers::open_invitations(&state.db).await?;
    let now = now();
    let base = if find.is_empty() {
        format!("{}?", paths::ADMIN_USERS)
    } else {
        let encoded: String = url::form_urlencoded::byte_serialize(find.as_bytes()).collect();
        format!("{}?q={encoded}&", paths::ADMIN_USERS)
    };
    let rows = listing
        .rows
        .into_iter()
        .map(|u| views::UserRow {
            id: u.id,
            memberships: memberships
                .iter()
                .filter(|m| m.user_id == u.id)
                .map(|m| (m.slug.clone(), m.role.clone()))
                .collect(),
            is_self: u.id == admin.user.id,
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            is_reviewer: u.is_reviewer,
            disabled: u.disabled_at.is_some(),
        })
        .collect();
    Ok(views::UsersView {
        listing: views::UsersListing {
            rows,
            find,
            total: listing.total,
            first: (listing.page - 1) * queries::USERS_PER_PAGE + 1,
            pager: Pager {
                page: listing.page,
                pages: listing.pages,
                base,
            },
        },
        pending: pending
            .into_iter()
            .map(|p| views::PendingReviewer {
                id: p.id,
                email: p.email,
                display_name: p.display_name,
                invited_by: p.invited_by.unwrap_or_default(),
                expired: p.expires_at < now,
                expires_at: iso(p.expires_at),
            })
            .collect(),
        form,
        notice,
    })
}

pub async fn list_users(
    State(state): State<AppState>,
    admin: AdminUser,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let notice = flash::take(&admin.0.session).await;
    let query = UsersQuery::read(raw.as_deref());
    let view = users_view(&state, &admin, query, Default::default(), notice).await?;
    Ok(html(
        StatusCode::OK,
        views::users(&admin.0.ctx(), &view, &FormErrors::default()),
    ))
}

/// The sentence a refusal page shows.
fn refusal_text(lang: &str, refused: RoleRefused, name: &str) -> String {
    match refused {
        RoleRefused::OwnAdminRole => t(lang, "roles.refused_own_admin").into_owned(),
        RoleRefused::OwnAccount => t(lang, "admin.cannot_disable_self").into_owned(),
        RoleRefused::LastAdmin => tf(lang, "roles.refused_last_admin", &[("name", name)]),
        RoleRefused::Gone => t(lang, "error.not_found").into_owned(),
    }
}

fn refusal_page(admin: &AdminUser, refused: RoleRefused, name: &str) -> Response {
    let ctx = admin.0.ctx();
    let text = refusal_text(ctx.lang, refused, name);
    html(StatusCode::CONFLICT, views::refused(&ctx, &text))
}

/// The notice after a change.
const fn done_notice(change: RoleChange) -> &'static str {
    match change {
        RoleChange::MakeAdmin => "roles.done_make_admin",
        RoleChange::RemoveAdmin => "roles.done_remove_admin",
        RoleChange::MakeReviewer => "roles.done_make_reviewer",
        RoleChange::RemoveReviewer => "roles.done_remove_reviewer",
        RoleChange::Disable => "roles.done_disable",
        RoleChange::Enable => "roles.done_enable",
    }
}

/// `POST /admin/users/{id}/{action}`: the first POST asks (naming the person and what follows),
/// the one from the question acts. What an admin may never do to themselves is refused at
/// once, with a page that says why.
pub async fn change_user(
    State(state): State<AppState>,
    admin: AdminUser,
    Path((raw_id, action)): Path<(String, String)>,
    Form(confirm): Form<ConfirmForm>,
) -> AppResult<Response> {
    let change = RoleChange::from_segment(&action).ok_or(AppError::NotFound)?;
    let user_id = parse_id(&raw_id)?;
    let user = crate::accounts::service::user(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(refused) = roles::check_self(&admin.0.user, user.id, change) {
        return Ok(refusal_page(&admin, refused, &user.display_name));
    }
    if !confirm.given() {
        let lang = admin.0.lang;
        let key = change.segment().replace('-', "_");
        let who = format!("{} <{}>", user.display_name, user.email);
        return Ok(html(
            StatusCode::OK,
            templates::confirm::page(
                &admin.0.ctx(),
                &Confirmation {
                    question: &tf(lang, &format!("roles.question_{key}"), &[("name", &who)]),
                    consequence: &tf(
                        lang,
                        &format!("roles.consequence_{key}"),
                        &[("name", &user.display_name)],
                    ),
                    action: &paths::admin_user_action(user.id, change.segment()),
                    button: &views::change_button(lang, change.segment(), &user.display_name),
                    cancel_href: &paths::admin_user(user.id),
                },
            ),
        ));
    }
    match roles::change(&state.db, &admin.0.user, &user, change).await {
        Ok(_) => {}
        Err(Refusal::Refused(RoleRefused::Gone)) => return Err(AppError::NotFound),
        Err(Refusal::Refused(refused)) => {
            return Ok(refusal_page(&admin, refused, &user.display_name));
        }
        Err(Refusal::Db(err)) => return Err(err.into()),
    }
    if change == RoleChange::Disable {
        state.sessions.delete_for_user(user.id, None).await?;
    }
    flash::set(&admin.0.session, done_notice(change)).await;
    Ok(Redirect::to(&paths::admin_user(user.id)).into_response())
}

/// `POST /admin/reviewer-invitations`: invites an outside reviewer; a form with problems is
/// shown again, at the top of its section, with what was typed.
pub async fn invite_reviewer(
    State(state): State<AppState>,
    admin: AdminUser,
    Form(form): Form<ReviewerInviteForm>,
) -> AppResult<Response> {
    let problems = match form.validate(admin.0.lang) {
        Ok(invite) => match reviewers::invite(&state, &admin.0.user, &invite).await? {
            Ok(_) => {
                flash::set(&admin.0.session, "roles.done_invite").await;
                return Ok(Redirect::to(paths::ADMIN_USERS).into_response());
            }
            Err(problem) => FormErrors::from(problem),
        },
        Err(errors) => errors,
    };
    let typed = views::ReviewerInviteForm {
        email: form.reviewer_email.chars().take(254).collect(),
        name: form.reviewer_name.chars().take(200).collect(),
        language: templates::i18n::known(&form.reviewer_language)
            .unwrap_or(admin.0.lang)
            .to_owned(),
    };
    let view = users_view(&state, &admin, UsersQuery::read(None), typed, None).await?;
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        views::users(&admin.0.ctx(), &view, &problems),
    ))
}

/// `POST /admin/reviewer-invitations/{id}/revoke`, through a confirmation.
pub async fn revoke_reviewer_invitation(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(raw_id): Path<String>,
    Form(confirm): Form<ConfirmForm>,
) -> AppResult<Response> {
    let id = parse_id(&raw_id)?;
    let invitation = reviewers::open_invitation(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !confirm.given() {
        let lang = admin.0.lang;
        return Ok(html(
            StatusCode::OK,
            templates::confirm::page(
                &admin.0.ctx(),
                &Confirmation {
                    question: &tf(
                        lang,
                        "roles.question_revoke",
                        &[("email", &invitation.email)],
                    ),
                    consequence: &t(lang, "roles.consequence_revoke"),
                    action: &paths::admin_reviewer_invitation_revoke(invitation.id),
                    button: &tf(lang, "roles.revoke", &[("email", &invitation.email)]),
                    cancel_href: paths::ADMIN_USERS,
                },
            ),
        ));
    }
    reviewers::revoke(&state.db, &admin.0.user, &invitation).await?;
    flash::set(&admin.0.session, "roles.done_revoke").await;
    Ok(Redirect::to(paths::ADMIN_USERS).into_response())
}

fn link_problem(ctx: &templates::Ctx, problem: TokenProblem) -> Response {
    let (status, key) = match problem {
        TokenProblem::Invalid => (StatusCode::NOT_FOUND, "roles.link_invalid"),
        TokenProblem::Used => (StatusCode::GONE, "roles.link_used"),
        TokenProblem::Expired => (StatusCode::GONE, "roles.link_expired"),
        TokenProblem::Withdrawn => (StatusCode::GONE, "roles.link_withdrawn"),
    };
    html(status, views::link_problem(ctx, key))
}

/// `GET /reviewer-invitations/{token}`: the outside reviewer chooses a name and a password.
pub async fn show_reviewer_invitation(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let invitation = match reviewers::check(&state.db, &token).await {
        Ok(invitation) => invitation,
        Err(Refusal::Refused(problem)) => {
            return Ok(link_problem(&viewer.form_ctx().await?, problem));
        }
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    viewer.prefer_language(&invitation.language);
    let ctx = viewer.form_ctx().await?;
    let view = views::ReviewerInvitationView {
        token,
        email: invitation.email,
        display_name: invitation.display_name,
    };
    Ok(html(
        StatusCode::OK,
        views::reviewer_invitation(&ctx, &view, &FormErrors::default()),
    ))
}

/// `POST /reviewer-invitations/{token}`: creates the reviewer account (a member of no forum)
/// and signs it in.
pub async fn accept_reviewer_invitation(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> AppResult<Response> {
    let invitation = match reviewers::check(&state.db, &token).await {
        Ok(invitation) => invitation,
        Err(Refusal::Refused(problem)) => {
            return Ok(link_problem(&viewer.form_ctx().await?, problem));
        }
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    viewer.prefer_language(&invitation.language);
    let ctx = viewer.form_ctx().await?;
    let name = match form.validate(&invitation.email) {
        Ok(name) => name,
        Err(errors) => {
            let view = views::ReviewerInvitationView {
                token,
                email: invitation.email,
                display_name: form.display_name.chars().take(200).collect(),
            };
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::reviewer_invitation(&ctx, &view, &errors),
            ));
        }
    };
    let hash = state.hashing.hash(form.password.clone()).await?;
    let user = match reviewers::accept(&state.db, &invitation, &name, hash).await {
        Ok(user) => user,
        Err(Refusal::Refused(reviewers::AcceptRefused::Token(problem))) => {
            return Ok(link_problem(&ctx, problem));
        }
        Err(Refusal::Refused(reviewers::AcceptRefused::HasAccount)) => {
            return Ok(html(
                StatusCode::CONFLICT,
                views::link_problem(&ctx, "roles.link_has_account"),
            ));
        }
        Err(Refusal::Db(err)) => return Err(err.into()),
    };
    sign_in(&viewer.session, &user).await?;
    Ok(Redirect::to(paths::WAITING).into_response())
}
