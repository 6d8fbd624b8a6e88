//! Who may see and do what in a forum. A forum the user may not see does not exist for them:
//! every check here fails with `NotFound`, never with "forbidden".

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    entities::{
        forums, memberships, posts,
        states::{MemberRole, PostStatus},
        threads, users,
    },
    web::{AppError, AppResult},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Member,
    Moderator,
    /// Knowledge managers see every forum and may act as moderators in all of them.
    Admin,
}

impl Role {
    pub fn moderates(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }
}

#[derive(Clone, Debug)]
pub struct ForumAccess {
    pub forum: forums::Model,
    pub role: Role,
}

impl ForumAccess {
    pub fn require_moderator(&self) -> AppResult<()> {
        if self.role.moderates() {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}

pub async fn role_in(
    db: &impl ConnectionTrait,
    user: &users::Model,
    forum_id: i32,
) -> AppResult<Option<Role>> {
    if user.is_admin {
        return Ok(Some(Role::Admin));
    }
    let membership = memberships::Entity::find()
        .filter(memberships::Column::ForumId.eq(forum_id))
        .filter(memberships::Column::UserId.eq(user.id))
        .one(db)
        .await?;
    Ok(membership.map(|m| {
        if m.role == MemberRole::Moderator {
            Role::Moderator
        } else {
            Role::Member
        }
    }))
}

pub async fn forum_by_id(
    db: &impl ConnectionTrait,
    user: &users::Model,
    forum_id: i32,
) -> AppResult<ForumAccess> {
    let forum = super::queries::forum(db, forum_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = role_in(db, user, forum.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ForumAccess { forum, role })
}

pub async fn forum_by_slug(
    db: &impl ConnectionTrait,
    user: &users::Model,
    slug: &str,
) -> AppResult<ForumAccess> {
    let forum = super::queries::forum_with_slug(db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = role_in(db, user, forum.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ForumAccess { forum, role })
}

/// A thread the user may see: in a forum they belong to, and not hidden unless they moderate.
pub async fn thread(
    db: &impl ConnectionTrait,
    user: &users::Model,
    thread_id: i32,
) -> AppResult<(threads::Model, ForumAccess)> {
    let thread = threads::Entity::find_by_id(thread_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = forum_by_id(db, user, thread.forum_id).await?;
    if !access.role.moderates()
        && (thread.hidden_at.is_some() || !has_visible_post(db, thread.id, user.id).await?)
    {
        return Err(AppError::NotFound);
    }
    Ok((thread, access))
}

/// In a pre-moderated forum a new thread stays invisible to others until its first post is
/// approved; its author sees it (with the post marked as waiting).
async fn has_visible_post(
    db: &impl ConnectionTrait,
    thread_id: i32,
    user_id: i32,
) -> AppResult<bool> {
    let found = posts::Entity::find()
        .filter(posts::Column::ThreadId.eq(thread_id))
        .filter(
            sea_orm::Condition::any()
                .add(posts::Column::Status.eq(PostStatus::Published))
                .add(
                    sea_orm::Condition::all()
                        .add(posts::Column::Status.eq(PostStatus::Pending))
                        .add(posts::Column::AuthorId.eq(user_id)),
                ),
        )
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// A post the user may see: published and not hidden, their own (even waiting for approval),
/// or anything in a forum they moderate.
pub async fn post(
    db: &impl ConnectionTrait,
    user: &users::Model,
    post_id: i32,
) -> AppResult<(posts::Model, threads::Model, ForumAccess)> {
    let post = posts::Entity::find_by_id(post_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (thread, access) = thread(db, user, post.thread_id).await?;
    let visible = access.role.moderates()
        || (post.status == PostStatus::Published && post.hidden_at.is_none())
        || (post.author_id == user.id && post.status == PostStatus::Pending);
    if !visible {
        return Err(AppError::NotFound);
    }
    Ok((post, thread, access))
}
