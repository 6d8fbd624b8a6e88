//! People's roles on the whole site, changed by an admin from `/admin/users`: administrator,
//! reviewer, and whether the account may sign in at all. Each change is one transaction with
//! its moderation-log row. The rules that keep the site administrable live here, not in the
//! pages: nobody removes their own administrator role or disables themselves, and the last
//! active administrator keeps the role and the account.
//!
//! A change takes effect at the next request of everyone concerned: every POST moves the
//! caches' epoch on (see `crate::cache`), so no signed-in session keeps a role it lost.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
};

use crate::{
    accounts,
    db::{self, now},
    entities::users,
    forums::log::{self, Entry},
    refusal::Refusal,
};

/// What an admin can do to another person's account from the users page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleChange {
    MakeAdmin,
    RemoveAdmin,
    MakeReviewer,
    RemoveReviewer,
    Disable,
    Enable,
}

impl RoleChange {
    pub const ALL: [RoleChange; 6] = [
        RoleChange::MakeAdmin,
        RoleChange::RemoveAdmin,
        RoleChange::MakeReviewer,
        RoleChange::RemoveReviewer,
        RoleChange::Disable,
        RoleChange::Enable,
    ];

    /// The last segment of its address, `/admin/users/{id}/{segment}`.
    pub const fn segment(self) -> &'static str {
        match self {
            RoleChange::MakeAdmin => "make-admin",
            RoleChange::RemoveAdmin => "remove-admin",
            RoleChange::MakeReviewer => "make-reviewer",
            RoleChange::RemoveReviewer => "remove-reviewer",
            RoleChange::Disable => "disable",
            RoleChange::Enable => "enable",
        }
    }

    pub fn from_segment(segment: &str) -> Option<RoleChange> {
        RoleChange::ALL.into_iter().find(|c| c.segment() == segment)
    }

    /// The word the moderation log records (and its page translates as `log.action_…`).
    pub const fn logged_as(self) -> &'static str {
        match self {
            RoleChange::MakeAdmin => "make_admin",
            RoleChange::RemoveAdmin => "remove_admin",
            RoleChange::MakeReviewer => "make_reviewer",
            RoleChange::RemoveReviewer => "remove_reviewer",
            RoleChange::Disable => "disable_user",
            RoleChange::Enable => "enable_user",
        }
    }

    /// Whether the change would take something away from the last active administrator.
    const fn takes_admin_away(self) -> bool {
        matches!(self, RoleChange::RemoveAdmin | RoleChange::Disable)
    }
}

/// Why a role change was not made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleRefused {
    /// An admin tried to remove their own administrator role.
    OwnAdminRole,
    /// An admin tried to disable their own account.
    OwnAccount,
    /// The person is the last active administrator.
    LastAdmin,
    /// The account is gone.
    Gone,
}

/// Refuses what an admin may never do to themselves, before anything is asked or read.
pub fn check_self(
    actor: &users::Model,
    user_id: i32,
    change: RoleChange,
) -> Result<(), RoleRefused> {
    match change {
        RoleChange::RemoveAdmin if actor.id == user_id => Err(RoleRefused::OwnAdminRole),
        RoleChange::Disable if actor.id == user_id => Err(RoleRefused::OwnAccount),
        _ => Ok(()),
    }
}

/// Makes `change` to `user` on behalf of `actor` (an admin: the caller checked), with its log
/// row; `false` when the account already was that way (nothing is written then). Disabling
/// also ends every session of the account (its generation moves on; the caller drops the
/// stored sessions too).
pub async fn change(
    db: &DatabaseConnection,
    actor: &users::Model,
    user: &users::Model,
    change: RoleChange,
) -> Result<bool, Refusal<RoleRefused>> {
    check_self(actor, user.id, change).map_err(Refusal::Refused)?;
    let txn = db::begin_write(db).await?;
    // Read again inside the transaction: the page the admin clicked on may be old.
    let Some(current) = users::Entity::find_by_id(user.id).one(&txn).await? else {
        return Err(Refusal::Refused(RoleRefused::Gone));
    };
    if change.takes_admin_away() && current.is_admin && current.disabled_at.is_none() {
        // The rows of every active admin, locked on PostgreSQL until the commit, so two
        // admins removing each other at the same instant cannot leave none.
        let admins: Vec<i32> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::IsAdmin.eq(true))
            .filter(users::Column::DisabledAt.is_null())
            .lock_exclusive()
            .into_tuple()
            .all(&txn)
            .await?;
        if !admins.iter().any(|id| *id != current.id) {
            return Err(Refusal::Refused(RoleRefused::LastAdmin));
        }
    }
    let unchanged = match change {
        RoleChange::MakeAdmin => current.is_admin,
        RoleChange::RemoveAdmin => !current.is_admin,
        RoleChange::MakeReviewer => current.is_reviewer,
        RoleChange::RemoveReviewer => !current.is_reviewer,
        RoleChange::Disable => current.disabled_at.is_some(),
        RoleChange::Enable => current.disabled_at.is_none(),
    };
    if unchanged {
        return Ok(false);
    }
    let mut active: users::ActiveModel = current.clone().into();
    match change {
        RoleChange::MakeAdmin => active.is_admin = Set(true),
        RoleChange::RemoveAdmin => active.is_admin = Set(false),
        RoleChange::MakeReviewer => active.is_reviewer = Set(true),
        RoleChange::RemoveReviewer => active.is_reviewer = Set(false),
        RoleChange::Disable => active.disabled_at = Set(Some(now())),
        RoleChange::Enable => active.disabled_at = Set(None),
    }
    active.updated_at = Set(now());
    active.update(&txn).await?;
    if change == RoleChange::Disable {
        accounts::service::bump_generation(&txn, current.id).await?;
    }
    log::record(&txn, user_entry(actor.id, change.logged_as(), current.id)).await?;
    txn.commit().await?;
    Ok(true)
}

/// A log row about a person's account.
pub fn user_entry(actor_id: i32, action: &'static str, user_id: i32) -> Entry<'static> {
    Entry {
        actor_id,
        forum_id: None,
        action,
        target_type: "user",
        target_id: user_id,
        reason: None,
    }
}
