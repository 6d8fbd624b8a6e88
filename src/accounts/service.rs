//! Account rules: who may sign in, password tokens, invitations. Functions take any connection
//! so they run the same inside transactions, handlers, jobs, the CLI and tests.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use time::Duration;

use super::tokens::{self, TokenProblem};
use crate::{
    db::now,
    entities::{
        invitations, memberships, password_tokens,
        states::{MemberRole, NotifyMode},
        users,
    },
    refusal::Refusal,
};

pub const INVITATION_LIFETIME: Duration = Duration::days(7);
pub const RESET_LIFETIME: Duration = Duration::hours(1);
pub const SETUP_LIFETIME: Duration = Duration::days(1);

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<users::Model>, sea_orm::DbErr> {
    users::Entity::find()
        .filter(users::Column::Email.eq(normalise_email(email)))
        .one(db)
        .await
}

/// Creates an account. The display name is cleaned of control characters (it goes into mail
/// headers).
pub async fn create_user(
    db: &impl ConnectionTrait,
    email: &str,
    display_name: &str,
    password_hash: Option<String>,
    is_admin: bool,
) -> Result<users::Model, sea_orm::DbErr> {
    let now = now();
    users::ActiveModel {
        email: Set(normalise_email(email)),
        display_name: Set(display_name
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .trim()
            .to_string()),
        password_hash: Set(password_hash),
        is_admin: Set(is_admin),
        disabled_at: Set(None),
        locale: Set("en".into()),
        notify_mode: Set(NotifyMode::Immediate),
        session_generation: Set(0),
        reply_generation: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Sets a new password, withdraws every open password link of the user and invalidates every
/// existing session (by generation). Returns the new generation so the caller can keep its own
/// session.
pub async fn set_password(
    db: &impl ConnectionTrait,
    user_id: i32,
    hash: String,
) -> Result<i32, sea_orm::DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(
            users::Column::SessionGeneration,
            Expr::col(users::Column::SessionGeneration).add(1),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    revoke_password_tokens(db, user_id).await?;
    let user = users::Entity::find_by_id(user_id).one(db).await?;
    Ok(user.map(|u| u.session_generation).unwrap_or_default())
}

/// Renames an account (the name others see on posts and in the members list).
pub async fn set_display_name(
    db: &impl ConnectionTrait,
    user_id: i32,
    name: &str,
) -> Result<(), sea_orm::DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::DisplayName, Expr::value(name))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The account with this id, enabled or not.
pub async fn user(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<users::Model>, sea_orm::DbErr> {
    users::Entity::find_by_id(id).one(db).await
}

/// Whether any account exists yet (the first-run setup is open until one does).
pub async fn any_user(db: &impl ConnectionTrait) -> Result<bool, sea_orm::DbErr> {
    Ok(users::Entity::find().count(db).await? > 0)
}

/// Saves what a person chose on their profile (fields already checked).
pub async fn save_profile(
    db: &impl ConnectionTrait,
    user: &users::Model,
    display_name: String,
    locale: &str,
    notify_mode: NotifyMode,
) -> Result<users::Model, sea_orm::DbErr> {
    let mut active: users::ActiveModel = user.clone().into();
    active.display_name = Set(display_name);
    active.locale = Set(locale.to_string());
    active.notify_mode = Set(notify_mode);
    active.updated_at = Set(now());
    active.update(db).await
}

/// The names others see of these people, where they exist.
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<std::collections::HashMap<i32, String>, sea_orm::DbErr> {
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(users::Entity::find()
        .select_only()
        .columns([users::Column::Id, users::Column::DisplayName])
        .filter(users::Column::Id.is_in(ids))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Ends every session of a user at once (sign out everywhere, disable).
pub async fn bump_generation(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<i32, sea_orm::DbErr> {
    users::Entity::update_many()
        .col_expr(
            users::Column::SessionGeneration,
            Expr::col(users::Column::SessionGeneration).add(1),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    let user = users::Entity::find_by_id(user_id).one(db).await?;
    Ok(user.map(|u| u.session_generation).unwrap_or_default())
}

/// Revokes every reply address mailed to a user so far (`mail::reply_address`): their reply
/// generation moves on, and only addresses made with the new one are read.
pub async fn renew_reply_addresses(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<(), sea_orm::DbErr> {
    users::Entity::update_many()
        .col_expr(
            users::Column::ReplyGeneration,
            Expr::col(users::Column::ReplyGeneration).add(1),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// At most this many reset links are sent to one account per hour, whoever asks.
pub const RESET_LINKS_PER_HOUR: u64 = 3;

/// A new password link for the user; every earlier open one stops working (only the newest
/// link works).
pub async fn create_password_token(
    db: &impl ConnectionTrait,
    user_id: i32,
    kind: &str,
    lifetime: Duration,
) -> Result<String, sea_orm::DbErr> {
    let token = tokens::generate();
    let now = now();
    revoke_password_tokens(db, user_id).await?;
    password_tokens::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(tokens::digest(&token)),
        kind: Set(kind.into()),
        expires_at: Set(now + lifetime),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// A reset link for the user unless `RESET_LINKS_PER_HOUR` were already sent in the last
/// hour. Counted in the database, so the limit holds across restarts and instances; the user's
/// row is locked first (PostgreSQL) so that simultaneous requests are counted one by one (on
/// SQLite the write transaction does that).
pub async fn create_reset_token_within_limit(
    txn: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Option<String>, sea_orm::DbErr> {
    users::Entity::find_by_id(user_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    let recent = password_tokens::Entity::find()
        .filter(password_tokens::Column::UserId.eq(user_id))
        .filter(password_tokens::Column::Kind.eq("reset"))
        .filter(password_tokens::Column::CreatedAt.gt(now() - Duration::hours(1)))
        .count(txn)
        .await?;
    if recent >= RESET_LINKS_PER_HOUR {
        return Ok(None);
    }
    Ok(Some(
        create_password_token(txn, user_id, "reset", RESET_LIFETIME).await?,
    ))
}

/// Withdraws every open password link of a user.
async fn revoke_password_tokens(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<(), sea_orm::DbErr> {
    password_tokens::Entity::update_many()
        .col_expr(password_tokens::Column::RevokedAt, Expr::value(now()))
        .filter(password_tokens::Column::UserId.eq(user_id))
        .filter(password_tokens::Column::UsedAt.is_null())
        .filter(password_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Looks a password token up without using it (for showing the form).
pub async fn check_password_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<password_tokens::Model, Refusal<TokenProblem>> {
    if !tokens::well_formed(token) {
        return Err(Refusal::Refused(TokenProblem::Invalid));
    }
    let Some(row) = password_tokens::Entity::find()
        .filter(password_tokens::Column::TokenHash.eq(tokens::digest(token)))
        .one(db)
        .await?
    else {
        return Err(Refusal::Refused(TokenProblem::Invalid));
    };
    if row.used_at.is_some() {
        return Err(Refusal::Refused(TokenProblem::Used));
    }
    if row.revoked_at.is_some() || newer_password_token_exists(db, &row).await? {
        return Err(Refusal::Refused(TokenProblem::Withdrawn));
    }
    if row.expires_at < now() {
        return Err(Refusal::Refused(TokenProblem::Expired));
    }
    Ok(row)
}

/// Two links issued at the same instant could both miss the other when revoking: only the
/// newest one works either way.
async fn newer_password_token_exists(
    db: &impl ConnectionTrait,
    row: &password_tokens::Model,
) -> Result<bool, sea_orm::DbErr> {
    let newer = password_tokens::Entity::find()
        .filter(password_tokens::Column::UserId.eq(row.user_id))
        .filter(password_tokens::Column::Id.gt(row.id))
        .count(db)
        .await?;
    Ok(newer > 0)
}

/// Uses a password token: one conditional UPDATE, so two requests cannot both succeed. The
/// caller sets the password in the same transaction, which withdraws the user's other links.
pub async fn consume_password_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<password_tokens::Model, Refusal<TokenProblem>> {
    let row = check_password_token(db, token).await?;
    let updated = password_tokens::Entity::update_many()
        .col_expr(password_tokens::Column::UsedAt, Expr::value(now()))
        .filter(password_tokens::Column::Id.eq(row.id))
        .filter(password_tokens::Column::UsedAt.is_null())
        .filter(password_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(Refusal::Refused(TokenProblem::Used));
    }
    Ok(row)
}

/// A new invitation: its row (for the log) and the secret of its link (only in the mail).
pub struct NewInvitation {
    pub id: i32,
    pub token: String,
}

/// Creates an invitation. Whether the address has an account plays no part: it is the same
/// invitation, and nothing joins anyone until they accept it. An earlier invitation of the
/// same address to the same forum that is still open stops working (only the newest link does).
pub async fn create_invitation(
    db: &impl ConnectionTrait,
    email: &str,
    forum_id: i32,
    role: MemberRole,
    invited_by: Option<i32>,
    language: &str,
) -> Result<NewInvitation, sea_orm::DbErr> {
    let email = normalise_email(email);
    let token = tokens::generate();
    let now = now();
    revoke_open_invitations(
        db,
        invitations::Column::ForumId
            .eq(forum_id)
            .and(invitations::Column::Email.eq(email.clone())),
    )
    .await?;
    let row = invitations::ActiveModel {
        token_hash: Set(tokens::digest(&token)),
        email: Set(email),
        forum_id: Set(forum_id),
        role: Set(role),
        invited_by_id: Set(invited_by),
        expires_at: Set(now + INVITATION_LIFETIME),
        accepted_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        language: Set(templates::i18n::supported(language).to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(NewInvitation { id: row.id, token })
}

/// Withdraws one invitation; false when it was already accepted or withdrawn.
pub async fn revoke_invitation(
    db: &impl ConnectionTrait,
    invitation_id: i32,
) -> Result<bool, sea_orm::DbErr> {
    let revoked = revoke_open_invitations(db, invitations::Column::Id.eq(invitation_id)).await?;
    Ok(revoked == 1)
}

async fn revoke_open_invitations(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
) -> Result<u64, sea_orm::DbErr> {
    let updated = invitations::Entity::update_many()
        .col_expr(invitations::Column::RevokedAt, Expr::value(now()))
        .filter(which)
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(updated.rows_affected)
}

pub async fn check_invitation(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<invitations::Model, Refusal<TokenProblem>> {
    if !tokens::well_formed(token) {
        return Err(Refusal::Refused(TokenProblem::Invalid));
    }
    let Some(row) = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(tokens::digest(token)))
        .one(db)
        .await?
    else {
        return Err(Refusal::Refused(TokenProblem::Invalid));
    };
    let withdrawn = row.revoked_at.is_some() || newer_invitation_exists(db, &row).await?;
    tokens::standing(row.accepted_at, withdrawn, row.expires_at, now())
        .map_err(Refusal::Refused)?;
    Ok(row)
}

/// Two invitations sent at the same instant could both miss the other when revoking: the
/// newest one is the only one that works either way.
async fn newer_invitation_exists(
    db: &impl ConnectionTrait,
    row: &invitations::Model,
) -> Result<bool, sea_orm::DbErr> {
    let newer = invitations::Entity::find()
        .filter(invitations::Column::ForumId.eq(row.forum_id))
        .filter(invitations::Column::Email.eq(row.email.clone()))
        .filter(invitations::Column::Id.gt(row.id))
        .count(db)
        .await?;
    Ok(newer > 0)
}

/// Marks an invitation used; false when another request got there first or it was withdrawn
/// in the meantime.
pub async fn consume_invitation(
    db: &impl ConnectionTrait,
    invitation_id: i32,
) -> Result<bool, sea_orm::DbErr> {
    let updated = invitations::Entity::update_many()
        .col_expr(invitations::Column::AcceptedAt, Expr::value(now()))
        .filter(invitations::Column::Id.eq(invitation_id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Adds or upgrades a membership. A moderator role is never downgraded by a member invitation.
pub async fn grant_membership(
    db: &impl ConnectionTrait,
    forum_id: i32,
    user_id: i32,
    role: MemberRole,
) -> Result<(), sea_orm::DbErr> {
    let mut on_conflict =
        OnConflict::columns([memberships::Column::ForumId, memberships::Column::UserId]);
    if role == MemberRole::Moderator {
        on_conflict.update_column(memberships::Column::Role);
    } else {
        on_conflict.do_nothing();
    }
    memberships::Entity::insert(memberships::ActiveModel {
        forum_id: Set(forum_id),
        user_id: Set(user_id),
        role: Set(role),
        created_at: Set(now()),
        ..Default::default()
    })
    .on_conflict(on_conflict.to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The forums a user belongs to, by title: (slug, title, role).
pub async fn memberships_of(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<(String, String, String)>, sea_orm::DbErr> {
    use sea_orm::{ActiveEnum, QueryOrder};

    use crate::entities::forums;

    let rows = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let forums = forums::Entity::find()
        .filter(forums::Column::Id.is_in(rows.iter().map(|row| row.forum_id)))
        .order_by_asc(forums::Column::Title)
        .all(db)
        .await?;
    Ok(forums
        .into_iter()
        .filter_map(|forum| {
            let row = rows.iter().find(|row| row.forum_id == forum.id)?;
            Some((forum.slug, forum.title, row.role.to_value()))
        })
        .collect())
}
