//! Outside reviewers by invitation: a deployment with one admin has nobody to be the second
//! person of a learning's review, so an admin invites someone from outside by address and name.
//! The link (256 random bits; only its SHA-256 is stored) works once, for
//! [`INVITATION_LIFETIME`], and creates a reviewer account that is a member of no forum: it
//! sees the learnings it is named to review and the public library, never a private forum.
//!
//! The invitation, its log row and its mail (through the durable queue) are one transaction.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, SimpleExpr},
};

use super::{forms::ReviewerInvite, roles};
use crate::{
    accounts::{
        service::{self as accounts, INVITATION_LIFETIME},
        tokens::{self, TokenProblem},
    },
    db::{self, now},
    entities::{reviewer_invitations, users},
    forums::log::{self, Entry},
    mail::{
        Email,
        queue::{self, Kind},
    },
    refusal::Refusal,
    web::{AppState, forms::FieldProblem, paths},
};

/// What the moderation log calls an invitation (at most 16 characters: the column's width).
const TARGET: &str = "reviewer_invite";

/// Invites `invite.email` to review learnings, in `invite.language`, and returns the link
/// (also mailed). An address that already has an account is refused: that person is made a
/// reviewer from the list instead. An earlier open invitation of the same address stops
/// working (only the newest link does).
pub async fn invite(
    state: &AppState,
    actor: &users::Model,
    invite: &ReviewerInvite,
) -> anyhow::Result<Result<String, FieldProblem>> {
    let txn = db::begin_write(&state.db).await?;
    if accounts::find_by_email(&txn, &invite.email)
        .await?
        .is_some()
    {
        return Ok(Err(FieldProblem::new(
            "reviewer_email",
            "roles.has_account",
        )
        .naming(&invite.email)));
    }
    revoke_open(
        &txn,
        reviewer_invitations::Column::Email.eq(invite.email.clone()),
    )
    .await?;
    let token = tokens::generate();
    let at = now();
    let row = reviewer_invitations::ActiveModel {
        token_hash: Set(tokens::digest(&token)),
        email: Set(invite.email.clone()),
        display_name: Set(invite.display_name.clone()),
        language: Set(invite.language.to_owned()),
        invited_by_id: Set(Some(actor.id)),
        user_id: Set(None),
        expires_at: Set(at + INVITATION_LIFETIME),
        accepted_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    log::record(
        &txn,
        Entry {
            actor_id: actor.id,
            forum_id: None,
            action: "invite_reviewer",
            target_type: TARGET,
            target_id: row.id,
            reason: Some(&invite.email),
        },
    )
    .await?;
    let link = state.config.absolute(&paths::reviewer_invitation(&token));
    let rendered = templates::email::reviewer_invitation(
        invite.language,
        &invite.display_name,
        &actor.display_name,
        &link,
    );
    queue::enqueue(
        &txn,
        state.mail_origin(),
        Kind::ReviewerInvitation,
        Email::new(&invite.email, Some(&invite.display_name), rendered),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued();
    Ok(Ok(link))
}

/// An invitation still open (neither accepted nor withdrawn), with who sent it.
#[derive(Debug, FromQueryResult)]
pub struct OpenInvitation {
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub expires_at: time::OffsetDateTime,
    pub invited_by: Option<String>,
}

/// Open invitations, newest first (expired ones too, until withdrawn or sent again).
pub async fn open_invitations(db: &impl ConnectionTrait) -> Result<Vec<OpenInvitation>, DbErr> {
    use reviewer_invitations::Column as C;
    reviewer_invitations::Entity::find()
        .select_only()
        .columns([C::Id, C::Email, C::DisplayName, C::ExpiresAt])
        .column_as(
            Expr::cust("(SELECT u.display_name FROM users u WHERE u.id = reviewer_invitations.invited_by_id)"),
            "invited_by",
        )
        .filter(C::AcceptedAt.is_null())
        .filter(C::RevokedAt.is_null())
        .order_by_desc(C::Id)
        .limit(200)
        .into_model::<OpenInvitation>()
        .all(db)
        .await
}

pub async fn open_invitation(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<reviewer_invitations::Model>, DbErr> {
    reviewer_invitations::Entity::find_by_id(id)
        .filter(reviewer_invitations::Column::AcceptedAt.is_null())
        .filter(reviewer_invitations::Column::RevokedAt.is_null())
        .one(db)
        .await
}

/// Withdraws an open invitation, with its log row; `false` when it was accepted or withdrawn
/// in the meantime (nothing is logged then).
pub async fn revoke(
    db: &sea_orm::DatabaseConnection,
    actor: &users::Model,
    invitation: &reviewer_invitations::Model,
) -> Result<bool, DbErr> {
    let txn = db::begin_write(db).await?;
    let revoked = revoke_open(&txn, reviewer_invitations::Column::Id.eq(invitation.id)).await?;
    if revoked == 1 {
        log::record(
            &txn,
            Entry {
                actor_id: actor.id,
                forum_id: None,
                action: "revoke_reviewer_invite",
                target_type: TARGET,
                target_id: invitation.id,
                reason: Some(&invitation.email),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(revoked == 1)
}

async fn revoke_open(db: &impl ConnectionTrait, which: SimpleExpr) -> Result<u64, DbErr> {
    let updated = reviewer_invitations::Entity::update_many()
        .col_expr(reviewer_invitations::Column::RevokedAt, Expr::value(now()))
        .filter(which)
        .filter(reviewer_invitations::Column::AcceptedAt.is_null())
        .filter(reviewer_invitations::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(updated.rows_affected)
}

/// The invitation a link stands for, or why it cannot be used.
pub async fn check(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<reviewer_invitations::Model, Refusal<TokenProblem>> {
    if !tokens::well_formed(token) {
        return Err(Refusal::Refused(TokenProblem::Invalid));
    }
    let Some(row) = reviewer_invitations::Entity::find()
        .filter(reviewer_invitations::Column::TokenHash.eq(tokens::digest(token)))
        .one(db)
        .await?
    else {
        return Err(Refusal::Refused(TokenProblem::Invalid));
    };
    tokens::standing(
        row.accepted_at,
        row.revoked_at.is_some(),
        row.expires_at,
        now(),
    )
    .map_err(Refusal::Refused)?;
    Ok(row)
}

/// Why an invitation was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptRefused {
    /// Used, withdrawn or expired since the page was shown.
    Token(TokenProblem),
    /// The address got an account since the invitation was sent.
    HasAccount,
}

/// Creates the reviewer account an invitation promised (member of no forum), marks the
/// invitation used, and logs it, in one transaction; the invitation is used at most once,
/// however many answers race for it.
pub async fn accept(
    db: &sea_orm::DatabaseConnection,
    invitation: &reviewer_invitations::Model,
    display_name: &str,
    password_hash: String,
) -> Result<users::Model, Refusal<AcceptRefused>> {
    let txn = db::begin_write(db).await?;
    let at = now();
    let used = reviewer_invitations::Entity::update_many()
        .col_expr(reviewer_invitations::Column::AcceptedAt, Expr::value(at))
        .filter(reviewer_invitations::Column::Id.eq(invitation.id))
        .filter(reviewer_invitations::Column::AcceptedAt.is_null())
        .filter(reviewer_invitations::Column::RevokedAt.is_null())
        .filter(reviewer_invitations::Column::ExpiresAt.gt(at))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(Refusal::Refused(AcceptRefused::Token(TokenProblem::Used)));
    }
    if accounts::find_by_email(&txn, &invitation.email)
        .await?
        .is_some()
    {
        return Err(Refusal::Refused(AcceptRefused::HasAccount));
    }
    let user = accounts::create_user(
        &txn,
        &invitation.email,
        display_name,
        Some(password_hash),
        false,
    )
    .await?;
    let mut reviewer: users::ActiveModel = user.into();
    reviewer.is_reviewer = Set(true);
    reviewer.locale = Set(invitation.language.clone());
    let user = reviewer.update(&txn).await?;
    reviewer_invitations::Entity::update_many()
        .col_expr(reviewer_invitations::Column::UserId, Expr::value(user.id))
        .filter(reviewer_invitations::Column::Id.eq(invitation.id))
        .exec(&txn)
        .await?;
    log::record(&txn, roles::user_entry(user.id, "accept_reviewer", user.id)).await?;
    txn.commit().await?;
    Ok(user)
}
