//! Moderators' actions on threads, posts and reports. Each changes state and writes its log
//! row in one transaction, and is called alike by the pages, the command line and the tests.
//! Rights are checked by the caller (`access::…` then `require_moderator`): these functions
//! take an actor already known to moderate the forum.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};

use super::{
    access::ForumAccess,
    log::{self, Entry},
    posting,
};
use crate::{
    db::{self, now},
    entities::{
        flags, held_edits, invitations, memberships, posts, states::PostStatus, threads, users,
    },
    waiting::tell::{Event, tell},
    web::{AppError, AppState},
};

/// A request that cannot be carried out as asked; the key names the message.
#[derive(Debug)]
pub enum Refused {
    /// Rejecting needs a reason the author will read.
    ReasonRequired,
    /// Moving a thread to its own forum or to an archived one.
    BadTarget,
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("refused: {0:?}")]
    Refused(Refused),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl From<ActionError> for AppError {
    fn from(err: ActionError) -> AppError {
        match err {
            ActionError::Refused(Refused::ReasonRequired) => {
                AppError::BadRequest("mod.reason_required")
            }
            ActionError::Refused(Refused::BadTarget) => AppError::BadRequest("error.bad_form"),
            ActionError::Db(err) => err.into(),
        }
    }
}

/// The thread states a moderator switches, each a nullable timestamp column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadSwitch {
    Pin,
    Unpin,
    Lock,
    Unlock,
    Hide,
    Unhide,
    Feature,
    Unfeature,
}

impl ThreadSwitch {
    /// The action as it appears in `/threads/{id}/{action}` and in the log.
    pub fn parse(action: &str) -> Option<ThreadSwitch> {
        Some(match action {
            "pin" => ThreadSwitch::Pin,
            "unpin" => ThreadSwitch::Unpin,
            "lock" => ThreadSwitch::Lock,
            "unlock" => ThreadSwitch::Unlock,
            "hide" => ThreadSwitch::Hide,
            "unhide" => ThreadSwitch::Unhide,
            "feature" => ThreadSwitch::Feature,
            "unfeature" => ThreadSwitch::Unfeature,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            ThreadSwitch::Pin => "pin",
            ThreadSwitch::Unpin => "unpin",
            ThreadSwitch::Lock => "lock",
            ThreadSwitch::Unlock => "unlock",
            ThreadSwitch::Hide => "hide",
            ThreadSwitch::Unhide => "unhide",
            ThreadSwitch::Feature => "feature",
            ThreadSwitch::Unfeature => "unfeature",
        }
    }

    /// The column it sets, and whether it sets it (to now) or clears it.
    fn column(self) -> (threads::Column, bool) {
        match self {
            ThreadSwitch::Pin => (threads::Column::PinnedAt, true),
            ThreadSwitch::Unpin => (threads::Column::PinnedAt, false),
            ThreadSwitch::Lock => (threads::Column::LockedAt, true),
            ThreadSwitch::Unlock => (threads::Column::LockedAt, false),
            ThreadSwitch::Hide => (threads::Column::HiddenAt, true),
            ThreadSwitch::Unhide => (threads::Column::HiddenAt, false),
            ThreadSwitch::Feature => (threads::Column::FeaturedAt, true),
            ThreadSwitch::Unfeature => (threads::Column::FeaturedAt, false),
        }
    }
}

/// Writes the moderation log row for an action on a thread or a post.
async fn record(
    db: &impl ConnectionTrait,
    actor: &users::Model,
    forum_id: i32,
    action: &'static str,
    (target_type, target_id): (&'static str, i32),
    reason: Option<&str>,
) -> Result<(), sea_orm::DbErr> {
    log::record(
        db,
        Entry {
            actor_id: actor.id,
            forum_id: Some(forum_id),
            action,
            target_type,
            target_id,
            reason,
        },
    )
    .await
}

pub async fn switch_thread(
    db: &sea_orm::DatabaseConnection,
    actor: &users::Model,
    access: &ForumAccess,
    thread: &threads::Model,
    switch: ThreadSwitch,
    reason: Option<&str>,
) -> Result<(), ActionError> {
    let (column, on) = switch.column();
    let txn = db::begin_write(db).await?;
    let mut update = threads::Entity::update_many().col_expr(column, Expr::value(on.then(now)));
    if matches!(switch, ThreadSwitch::Hide | ThreadSwitch::Unhide) {
        // The author of a hidden thread reads why; showing it again clears the reason.
        update = update.col_expr(
            threads::Column::HiddenReason,
            Expr::value(reason.filter(|_| on).map(str::to_owned)),
        );
    }
    update
        .filter(threads::Column::Id.eq(thread.id))
        .exec(&txn)
        .await?;
    posting::touch(&txn, thread.id).await?;
    record(
        &txn,
        actor,
        access.forum.id,
        switch.name(),
        ("thread", thread.id),
        reason,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a thread to another forum the actor moderates; logged in both forums.
pub async fn move_thread(
    db: &sea_orm::DatabaseConnection,
    actor: &users::Model,
    thread: &threads::Model,
    from: &ForumAccess,
    to: &ForumAccess,
) -> Result<(), ActionError> {
    if to.forum.id == from.forum.id || to.forum.archived_at.is_some() {
        return Err(ActionError::Refused(Refused::BadTarget));
    }
    let txn = db::begin_write(db).await?;
    threads::Entity::update_many()
        .col_expr(threads::Column::ForumId, Expr::value(to.forum.id))
        .filter(threads::Column::Id.eq(thread.id))
        .exec(&txn)
        .await?;
    posting::touch(&txn, thread.id).await?;
    let reason = format!("{} → {}", from.forum.slug, to.forum.slug);
    for forum_id in [from.forum.id, to.forum.id] {
        record(
            &txn,
            actor,
            forum_id,
            "move",
            ("thread", thread.id),
            Some(&reason),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The thread's summary (Markdown and its rendering, both `None` to remove it).
pub async fn write_summary(
    db: &sea_orm::DatabaseConnection,
    actor: &users::Model,
    access: &ForumAccess,
    thread: &threads::Model,
    summary: Option<(String, String)>,
) -> Result<(), ActionError> {
    let (summary_md, summary_html) = summary.unzip();
    let txn = db::begin_write(db).await?;
    let mut active: threads::ActiveModel = thread.clone().into();
    active.summary_html = Set(summary_html);
    active.summary_md = Set(summary_md);
    active.update(&txn).await?;
    posting::touch(&txn, thread.id).await?;
    record(
        &txn,
        actor,
        access.forum.id,
        "summary",
        ("thread", thread.id),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What a moderator does to one post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostAction {
    Hide,
    Unhide,
    Approve,
    Reject,
}

impl PostAction {
    /// The last segment of its address, `/posts/{id}/{name}` (and the log's word).
    pub fn name(self) -> &'static str {
        match self {
            PostAction::Hide => "hide",
            PostAction::Unhide => "unhide",
            PostAction::Approve => "approve",
            PostAction::Reject => "reject",
        }
    }

    /// Whether it changes anything for a post in this state: a double click, or two
    /// moderators at once, finds the work done and changes nothing.
    fn applies_to(self, post: &posts::Model) -> bool {
        let pending = post.status == PostStatus::Pending;
        match self {
            PostAction::Hide => post.hidden_at.is_none(),
            PostAction::Unhide => post.hidden_at.is_some(),
            PostAction::Approve | PostAction::Reject => pending,
        }
    }
}

/// Whether the action changed the post.
pub async fn moderate_post(
    state: &AppState,
    actor: &users::Model,
    access: &ForumAccess,
    thread: &threads::Model,
    post: &posts::Model,
    action: PostAction,
    reason: Option<&str>,
) -> Result<bool, ActionError> {
    let db = &state.db;
    if !action.applies_to(post) {
        return Ok(false);
    }
    if action == PostAction::Reject && reason.is_none() {
        return Err(ActionError::Refused(Refused::ReasonRequired));
    }
    let txn = db::begin_write(db).await?;
    let mut active: posts::ActiveModel = post.clone().into();
    match action {
        PostAction::Hide => {
            active.hidden_at = Set(Some(now()));
            active.hidden_reason = Set(reason.map(str::to_owned));
        }
        PostAction::Unhide => {
            active.hidden_at = Set(None);
            active.hidden_reason = Set(None);
        }
        PostAction::Approve => active.status = Set(PostStatus::Published),
        PostAction::Reject => {
            active.status = Set(PostStatus::Rejected);
            active.reject_reason = Set(reason.map(str::to_owned));
        }
    }
    active.updated_at = Set(now());
    let updated = active.update(&txn).await?;
    posting::touch(&txn, post.thread_id).await?;
    match action {
        PostAction::Approve => posting::on_published(&txn, &updated, access.forum.id).await?,
        PostAction::Hide => resolve_flags(&txn, post.id, actor.id).await?,
        PostAction::Unhide | PostAction::Reject => {}
    }
    let (forum, thread_title, author_id) = (&access.forum.title, &thread.title, post.author_id);
    let said = reason.unwrap_or("");
    let told = match action {
        PostAction::Reject => Some(Event::PostRejected {
            forum_slug: &access.forum.slug,
            forum,
            thread: thread_title,
            author_id,
            reason: said,
        }),
        PostAction::Hide => Some(Event::PostHidden {
            thread_id: thread.id,
            forum,
            thread: thread_title,
            author_id,
            reason: said,
        }),
        PostAction::Approve | PostAction::Unhide => None,
    };
    if let Some(event) = told {
        tell(&txn, state, event, actor.id).await?;
    }
    record(
        &txn,
        actor,
        access.forum.id,
        action.name(),
        ("post", post.id),
        reason,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Approves an edit held for approval (its text and language replace the post's, the old
/// ones go to the history) or rejects it (the post keeps its approved text, and its author is
/// told why). Logged either way; whether there was still an edit to decide.
pub async fn decide_held_edit(
    state: &AppState,
    actor: &users::Model,
    access: &ForumAccess,
    thread: &threads::Model,
    post: &posts::Model,
    approve: bool,
    reason: Option<&str>,
) -> Result<bool, ActionError> {
    let db = &state.db;
    if !approve && reason.is_none() {
        return Err(ActionError::Refused(Refused::ReasonRequired));
    }
    let txn = db::begin_write(db).await?;
    let Some(held) = held_edits::Entity::find()
        .filter(held_edits::Column::PostId.eq(post.id))
        .one(&txn)
        .await?
    else {
        // Decided already (a double click, two moderators at once).
        return Ok(false);
    };
    held_edits::Entity::delete_by_id(held.id).exec(&txn).await?;
    if approve {
        let edit = posting::NewText {
            body_md: &held.body_md,
            body_html: held.body_html,
            render_version: held.render_version,
            language: &held.language,
        };
        posting::apply_edit(&txn, post, held.editor_id, edit).await?;
    } else {
        let event = Event::EditRejected {
            thread_id: thread.id,
            forum: &access.forum.title,
            thread: &thread.title,
            author_id: held.editor_id,
            reason: reason.unwrap_or(""),
        };
        tell(&txn, state, event, actor.id).await?;
    }
    let action = if approve {
        "approve_edit"
    } else {
        "reject_edit"
    };
    record(
        &txn,
        actor,
        access.forum.id,
        action,
        ("post", post.id),
        reason,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

async fn resolve_flags(
    db: &impl ConnectionTrait,
    post_id: i32,
    moderator_id: i32,
) -> Result<(), sea_orm::DbErr> {
    flags::Entity::update_many()
        .col_expr(flags::Column::ResolvedAt, Expr::value(now()))
        .col_expr(flags::Column::ResolvedById, Expr::value(moderator_id))
        .filter(flags::Column::PostId.eq(post_id))
        .filter(flags::Column::ResolvedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Closes one report without acting on the post.
pub async fn dismiss_flag(
    db: &sea_orm::DatabaseConnection,
    actor: &users::Model,
    access: &ForumAccess,
    flag: &flags::Model,
) -> Result<(), ActionError> {
    let txn = db::begin_write(db).await?;
    flags::Entity::update_many()
        .col_expr(flags::Column::ResolvedAt, Expr::value(now()))
        .col_expr(flags::Column::ResolvedById, Expr::value(actor.id))
        .filter(flags::Column::Id.eq(flag.id))
        .exec(&txn)
        .await?;
    record(
        &txn,
        actor,
        access.forum.id,
        "dismiss_flag",
        ("post", flag.post_id),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A member reports a post: the report waits in the queue, and the forum's moderators are told.
pub async fn report_post(
    state: &AppState,
    access: &ForumAccess,
    thread: &threads::Model,
    post: &posts::Model,
    reporter: &users::Model,
    reason: &str,
) -> Result<(), sea_orm::DbErr> {
    let txn = db::begin_write(&state.db).await?;
    flags::ActiveModel {
        post_id: Set(post.id),
        user_id: Set(reporter.id),
        reason: Set(reason.to_owned()),
        resolved_at: Set(None),
        resolved_by_id: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let forum = &access.forum;
    let event = Event::Report {
        forum_id: forum.id,
        forum_slug: &forum.slug,
        forum: &forum.title,
        thread: &thread.title,
        reason,
    };
    tell(&txn, state, event, reporter.id).await?;
    txn.commit().await?;
    state.mail_queued();
    Ok(())
}

/// Withdraws an invitation: its link stops working at once. `false` when it was accepted or
/// withdrawn by someone else in the meantime (nothing left to do or log).
pub async fn revoke_invitation(
    db: &sea_orm::DatabaseConnection,
    actor: &users::Model,
    access: &ForumAccess,
    invitation: &invitations::Model,
) -> Result<bool, sea_orm::DbErr> {
    let txn = db::begin_write(db).await?;
    let revoked = crate::accounts::service::revoke_invitation(&txn, invitation.id).await?;
    if revoked {
        let entry = Entry {
            actor_id: actor.id,
            forum_id: Some(access.forum.id),
            action: "revoke_invitation",
            target_type: "invitation",
            target_id: invitation.id,
            reason: Some(&invitation.email),
        };
        log::record(&txn, entry).await?;
    }
    txn.commit().await?;
    Ok(revoked)
}

/// Takes a member out of a forum (rights checked by the caller: moderators remove members,
/// only an admin removes a moderator).
pub async fn remove_member(
    db: &sea_orm::DatabaseConnection,
    actor: &users::Model,
    access: &ForumAccess,
    membership: &memberships::Model,
) -> Result<(), sea_orm::DbErr> {
    let txn = db::begin_write(db).await?;
    memberships::Entity::delete_by_id(membership.id)
        .exec(&txn)
        .await?;
    let entry = Entry {
        actor_id: actor.id,
        forum_id: Some(access.forum.id),
        action: "remove_member",
        target_type: "user",
        target_id: membership.user_id,
        reason: None,
    };
    log::record(&txn, entry).await?;
    txn.commit().await
}
