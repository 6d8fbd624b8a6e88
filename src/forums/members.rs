//! Forum membership: the member list, invitations (one address or a pasted list), removal.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use templates::{components::FormErrors, forums as views};

use super::{
    access::{self, ForumAccess, Role},
    actions,
    forms::{InviteForm, Invites},
    log::{self, Entry},
    queries,
};
use crate::{
    accounts::service,
    db,
    entities::{forums, invitations, states::MemberRole, users},
    mail::{
        Email,
        queue::{self, Kind},
    },
    web::{AppError, AppResult, AppState, SignedIn, flash, forms::Form, html, paths},
};

/// The session key holding the last invitations' outcome until the member list shows it.
const INVITE_REPORT: &str = "invite_report";

/// Invites one address to a forum and returns the link (also emailed). `inviter` is None for
/// the command line. The mail is written in `language` (already checked: `en`, `fr` or
/// `es`), or else in the forum's language — not the inviter's, which the invitee may not
/// share. Whether the address has an account is not looked at: the answer, the member list
/// and the log are the same either way, and nobody joins until they accept.
pub async fn invite(
    state: &AppState,
    inviter: Option<&users::Model>,
    forum: &forums::Model,
    email: &str,
    role: MemberRole,
    language: Option<&str>,
) -> anyhow::Result<String> {
    let lang = templates::i18n::supported(language.unwrap_or(&forum.language));
    let txn = db::begin_write(&state.db).await?;
    let invitation =
        service::create_invitation(&txn, email, forum.id, role, inviter.map(|u| u.id), lang)
            .await?;
    if let Some(inviter) = inviter {
        log::record(
            &txn,
            Entry {
                actor_id: inviter.id,
                forum_id: Some(forum.id),
                action: if role == MemberRole::Moderator {
                    "name_moderator"
                } else {
                    "invite"
                },
                target_type: "invitation",
                target_id: invitation.id,
                reason: Some(email),
            },
        )
        .await?;
    }
    let link = state.config.absolute(&paths::invitation(&invitation.token));
    let inviter_name = inviter.map_or("Fora", |u| u.display_name.as_str());
    let rendered = templates::email::invitation(lang, &forum.title, inviter_name, &link);
    queue::enqueue(
        &txn,
        state.mail_origin(),
        Kind::Invitation,
        Email::new(email, None, rendered),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued();
    Ok(link)
}

/// Invites every address of a checked list, except those of members; an address with an open
/// invitation gets a new link (the earlier one stops working), and the report says so.
pub async fn invite_all(
    state: &AppState,
    inviter: &users::Model,
    forum: &forums::Model,
    invites: &Invites,
    role: MemberRole,
) -> anyhow::Result<views::InviteReport> {
    let members = queries::member_addresses(&state.db, forum.id, &invites.addresses).await?;
    let open = queries::open_invitation_addresses(&state.db, forum.id, &invites.addresses).await?;
    let mut report = views::InviteReport::default();
    for address in &invites.addresses {
        if let Some(member) = members.iter().find(|m| &m.email == address) {
            let left_out = if member.disabled {
                &mut report.disabled_accounts
            } else {
                &mut report.already_members
            };
            left_out.push(address.clone());
            continue;
        }
        invite(
            state,
            Some(inviter),
            forum,
            address,
            role,
            Some(invites.language),
        )
        .await?;
        report.sent += 1;
        if open.contains(address) {
            report.resent.push(address.clone());
        }
    }
    Ok(report)
}

async fn remember_report(signed_in: &SignedIn, report: views::InviteReport) -> AppResult<()> {
    signed_in
        .session
        .insert(INVITE_REPORT, report)
        .await
        .map_err(AppError::internal)
}

#[derive(FromQueryResult)]
struct MemberQueryRow {
    user_id: i32,
    display_name: String,
    email: String,
    role: MemberRole,
}

async fn members_view(
    db: &impl ConnectionTrait,
    access: &ForumAccess,
    viewer: &users::Model,
    emails: String,
    role: String,
    language: String,
    report: Option<views::InviteReport>,
) -> AppResult<views::MembersView> {
    let rows = MemberQueryRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT u.id AS user_id, u.display_name, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.forum_id = $1 AND u.disabled_at IS NULL ORDER BY m.role DESC, u.display_name",
        [access.forum.id.into()],
    ))
    .all(db)
    .await?;
    let invitations = if access.role.moderates() {
        open_invitations(db, access).await?
    } else {
        Vec::new()
    };
    Ok(views::MembersView {
        forum_slug: access.forum.slug.clone(),
        forum_title: access.forum.title.clone(),
        members: rows
            .into_iter()
            .map(|r| views::MemberRow {
                display_name: r.display_name,
                email: r.email,
                role: r.role.to_value(),
                removable: r.role == MemberRole::Member,
                user_id: r.user_id,
            })
            .collect(),
        invitations,
        can_manage: access.role.moderates(),
        can_name_moderators: viewer.is_admin,
        emails,
        role,
        language,
        forum_language: access.forum.language.clone(),
        report,
    })
}

/// Invitations neither accepted nor withdrawn, newest first (expired ones too: they can be
/// sent again).
async fn open_invitations(
    db: &impl ConnectionTrait,
    access: &ForumAccess,
) -> AppResult<Vec<views::PendingInvitation>> {
    let now = db::now();
    let rows = invitations::Entity::find()
        .filter(invitations::Column::ForumId.eq(access.forum.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .order_by_desc(invitations::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| views::PendingInvitation {
            can_manage: may_manage(access, &row),
            id: row.id,
            expires_at: crate::web::dates::iso(row.expires_at),
            expired: row.expires_at < now,
            email: row.email,
            role: row.role.to_value(),
        })
        .collect())
}

/// Moderators manage member invitations; moderator invitations are an admin's.
fn may_manage(access: &ForumAccess, invitation: &invitations::Model) -> bool {
    access.role.moderates() && (invitation.role == MemberRole::Member || access.role == Role::Admin)
}

/// An open invitation of this forum that the moderator may act on; 404 otherwise.
async fn manageable_invitation(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    invitation_id: i32,
) -> AppResult<(ForumAccess, invitations::Model)> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, slug).await?;
    access.require_moderator()?;
    let invitation = queries::open_invitation(&state.db, access.forum.id, invitation_id)
        .await?
        .filter(|invitation| may_manage(&access, invitation))
        .ok_or(AppError::NotFound)?;
    Ok((access, invitation))
}

/// Withdraws an invitation: its link stops working at once.
pub async fn revoke_invitation(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, invitation_id)): Path<(String, i32)>,
) -> AppResult<Redirect> {
    let (access, invitation) =
        manageable_invitation(&state, &signed_in, &slug, invitation_id).await?;
    actions::revoke_invitation(&state.db, &signed_in.user, &access, &invitation).await?;
    Ok(Redirect::to(&paths::forum_members(&slug)))
}

/// Sends an invitation again, in the language it was written in: a new link, and the earlier
/// one stops working.
pub async fn resend_invitation(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, invitation_id)): Path<(String, i32)>,
) -> AppResult<Response> {
    let (access, invitation) =
        manageable_invitation(&state, &signed_in, &slug, invitation_id).await?;
    invite(
        &state,
        Some(&signed_in.user),
        &access.forum,
        &invitation.email,
        invitation.role,
        Some(&invitation.language),
    )
    .await?;
    let report = views::InviteReport {
        sent: 1,
        ..Default::default()
    };
    remember_report(&signed_in, report).await?;
    Ok(Redirect::to(&paths::forum_members(&slug)).into_response())
}

pub async fn show_members(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    let report = signed_in
        .session
        .remove::<views::InviteReport>(INVITE_REPORT)
        .await
        .ok()
        .flatten();
    let view = members_view(
        &state.db,
        &access,
        &signed_in.user,
        String::new(),
        "member".into(),
        access.forum.language.clone(),
        report,
    )
    .await?;
    Ok(html(
        StatusCode::OK,
        views::members_page(&signed_in.ctx(), &view, &FormErrors::default()),
    ))
}

pub async fn invite_members(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    access.require_moderator()?;
    let role = match MemberRole::from_form(&form.role) {
        Some(MemberRole::Moderator) if !signed_in.user.is_admin => {
            return Err(AppError::BadRequest("error.bad_form"));
        }
        Some(role) => role,
        None => return Err(AppError::BadRequest("error.bad_form")),
    };
    let invites = match form.validate(&access.forum.language) {
        Ok(invites) => invites,
        Err(errors) => {
            let typed: String = form.emails.chars().take(20_000).collect();
            let view = members_view(
                &state.db,
                &access,
                &signed_in.user,
                typed,
                role.to_value(),
                form.language.clone(),
                None,
            )
            .await?;
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::members_page(&signed_in.ctx(), &view, &errors),
            ));
        }
    };
    let report = invite_all(&state, &signed_in.user, &access.forum, &invites, role).await?;
    remember_report(&signed_in, report).await?;
    Ok(Redirect::to(&paths::forum_members(&slug)).into_response())
}

pub async fn remove_member(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, user_id)): Path<(String, i32)>,
) -> AppResult<Redirect> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    access.require_moderator()?;
    let membership = queries::membership(&state.db, access.forum.id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Moderators remove members; only an admin removes a moderator.
    if membership.role == MemberRole::Moderator && access.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    actions::remove_member(&state.db, &signed_in.user, &access, &membership).await?;
    flash::set(&signed_in.session, "notice.saved").await;
    Ok(Redirect::to(&paths::forum_members(&slug)))
}
