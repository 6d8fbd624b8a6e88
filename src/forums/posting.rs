//! Writing threads and posts: Markdown rendered once and stored, held for approval in
//! pre-moderated forums, followers told. Each write is one transaction, opened only once the
//! Markdown is rendered (off the async threads): no lock is held while rendering.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{access::ForumAccess, notify, received, reply_confirmation};
use crate::{
    db::{self, now},
    entities::{
        follows, held_edits, post_revisions, posts,
        states::{ModerationMode, PostStatus},
        threads, users,
    },
    learnings::links,
    markdown,
    waiting::tell::{Event, tell},
    web::{AppError, AppResult, AppState},
};

pub struct Written {
    pub thread_id: i32,
    pub post_id: i32,
    /// Waiting in the moderation queue.
    pub held: bool,
}

fn status_for(access: &ForumAccess) -> PostStatus {
    if access.forum.moderation_mode == ModerationMode::Pre && !access.role.moderates() {
        PostStatus::Pending
    } else {
        PostStatus::Published
    }
}

pub async fn follow(
    db: &impl ConnectionTrait,
    user_id: i32,
    thread_id: i32,
) -> Result<(), sea_orm::DbErr> {
    follows::Entity::insert(follows::ActiveModel {
        user_id: Set(user_id),
        thread_id: Set(thread_id),
        link_salt: Set(crate::link_tokens::new_salt()),
        created_at: Set(now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([follows::Column::UserId, follows::Column::ThreadId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn unfollow(
    db: &impl ConnectionTrait,
    user_id: i32,
    thread_id: i32,
) -> Result<(), sea_orm::DbErr> {
    follows::Entity::delete_many()
        .filter(follows::Column::UserId.eq(user_id))
        .filter(follows::Column::ThreadId.eq(thread_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn insert_post(
    db: &impl ConnectionTrait,
    thread_id: i32,
    author_id: i32,
    body_md: &str,
    body_html: String,
    language: &str,
    status: PostStatus,
) -> Result<posts::Model, sea_orm::DbErr> {
    let now = now();
    posts::ActiveModel {
        thread_id: Set(thread_id),
        author_id: Set(author_id),
        body_md: Set(body_md.to_owned()),
        body_html: Set(body_html),
        render_version: Set(markdown::RENDER_VERSION),
        language: Set(language.to_owned()),
        status: Set(status),
        reject_reason: Set(None),
        hidden_at: Set(None),
        edited_at: Set(None),
        edited_by_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Marks every thread an author wrote in as changed (their name is shown in each).
pub async fn touch_threads_of_author(
    db: &impl ConnectionTrait,
    author_id: i32,
) -> Result<(), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        "UPDATE threads SET version = version + 1 WHERE id IN (SELECT DISTINCT thread_id FROM posts WHERE author_id = $1)",
        [author_id.into()],
    ))
    .await?;
    Ok(())
}

/// Marks a thread as changed: anything cached for its pages is stale from now on, on every
/// instance (the version is part of the cache key and is read fresh on each view).
pub async fn touch(db: &impl ConnectionTrait, thread_id: i32) -> Result<(), sea_orm::DbErr> {
    threads::Entity::update_many()
        .col_expr(
            threads::Column::Version,
            Expr::col(threads::Column::Version).add(1),
        )
        .col_expr(threads::Column::UpdatedAt, Expr::value(now()))
        .filter(threads::Column::Id.eq(thread_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A published post moves its thread up the forum, links the learnings it cites, and reaches
/// followers and mentioned members.
pub async fn on_published(
    db: &impl ConnectionTrait,
    post: &posts::Model,
    forum_id: i32,
) -> Result<(), sea_orm::DbErr> {
    threads::Entity::update_many()
        .col_expr(threads::Column::LastPostAt, Expr::value(post.created_at))
        .filter(threads::Column::Id.eq(post.thread_id))
        .exec(db)
        .await?;
    links::record_citations(db, post.thread_id, post.author_id, &post.body_md, now()).await?;
    notify::enqueue(db, post, forum_id).await
}

/// Tells the forum's moderators that a post (or, with `edit`, a post's new text) waits for
/// them.
async fn tell_held(
    txn: &impl ConnectionTrait,
    state: &AppState,
    access: &ForumAccess,
    thread: &str,
    author_id: i32,
    edit: bool,
) -> Result<(), sea_orm::DbErr> {
    let forum = &access.forum;
    let (forum_id, forum_slug, forum) = (forum.id, forum.slug.as_str(), forum.title.as_str());
    let event = if edit {
        Event::HeldEdit {
            forum_id,
            forum_slug,
            forum,
            thread,
        }
    } else {
        Event::HeldPost {
            forum_id,
            forum_slug,
            forum,
            thread,
        }
    };
    tell(txn, state, event, author_id).await
}

/// A new thread and its first post, both in `language` (`en`, `fr` or `es`, already checked).
pub async fn create_thread(
    state: &AppState,
    access: &ForumAccess,
    author: &users::Model,
    title: &str,
    body_md: &str,
    language: &str,
) -> AppResult<Written> {
    if access.forum.archived_at.is_some() {
        return Err(AppError::BadRequest("forum.archived_notice"));
    }
    let status = status_for(access);
    let body_html = markdown::render_off_thread(body_md.to_owned()).await;
    let txn = db::begin_write(&state.db).await?;
    let now = now();
    let thread = threads::ActiveModel {
        forum_id: Set(access.forum.id),
        author_id: Set(author.id),
        title: Set(title.to_owned()),
        language: Set(language.to_owned()),
        pinned_at: Set(None),
        locked_at: Set(None),
        hidden_at: Set(None),
        featured_at: Set(None),
        summary_md: Set(None),
        summary_html: Set(None),
        last_post_at: Set(now),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let post = insert_post(
        &txn, thread.id, author.id, body_md, body_html, language, status,
    )
    .await?;
    follow(&txn, author.id, thread.id).await?;
    if status == PostStatus::Published {
        on_published(&txn, &post, access.forum.id).await?;
    } else {
        tell_held(&txn, state, access, title, author.id, false).await?;
    }
    txn.commit().await?;
    Ok(Written {
        thread_id: thread.id,
        post_id: post.id,
        held: status == PostStatus::Pending,
    })
}

/// A reply in a thread. `received`: the `Message-ID` of the mail it came in (a reply by
/// mail), recorded with the post in its transaction, so that the same message delivered
/// again is known ([`received::seen`]), and the author's confirmation by mail queued in it
/// too ([`reply_confirmation`]). `language`: the post's own (`en`, `fr` or `es`, already
/// checked), which may differ from the thread's.
pub async fn create_reply(
    state: &AppState,
    access: &ForumAccess,
    thread: &threads::Model,
    author: &users::Model,
    body_md: &str,
    language: &str,
    received: Option<&str>,
) -> AppResult<Written> {
    if access.forum.archived_at.is_some() {
        return Err(AppError::BadRequest("forum.archived_notice"));
    }
    if thread.locked_at.is_some() && !access.role.moderates() {
        return Err(AppError::BadRequest("thread.locked_notice"));
    }
    let status = status_for(access);
    let body_html = markdown::render_off_thread(body_md.to_owned()).await;
    let txn = db::begin_write(&state.db).await?;
    let post = insert_post(
        &txn, thread.id, author.id, body_md, body_html, language, status,
    )
    .await?;
    // A reply by mail: recorded by its Message-ID, and confirmed to its author by mail.
    let mut confirmed = false;
    if let Some(message_id) = received {
        let held = status == PostStatus::Pending;
        confirmed = reply_confirmation::queue(&txn, state, author, thread, post.id, held).await?;
        received::record(
            &txn,
            received::Received {
                message_id,
                user_id: author.id,
                thread_id: thread.id,
                post_id: Some(post.id),
                refusal: None,
                answered: confirmed,
            },
        )
        .await?;
    }
    touch(&txn, thread.id).await?;
    follow(&txn, author.id, thread.id).await?;
    if status == PostStatus::Published {
        on_published(&txn, &post, access.forum.id).await?;
    } else {
        tell_held(&txn, state, access, &thread.title, author.id, false).await?;
    }
    txn.commit().await?;
    if confirmed {
        state.mail_queued();
    }
    Ok(Written {
        thread_id: thread.id,
        post_id: post.id,
        held: status == PostStatus::Pending,
    })
}

/// Whether an edit by this editor waits for approval: an author's edit of a published post in
/// a pre-moderated forum does (the approved text stays until a moderator approves the new
/// one); moderators' edits and edits of posts still in the queue do not.
fn edit_is_held(access: &ForumAccess, post: &posts::Model, editor: &users::Model) -> bool {
    status_for(access) == PostStatus::Pending
        && post.status == PostStatus::Published
        && post.author_id == editor.id
}

/// Edits a post, keeping the previous text in its history. A moderator editing someone
/// else's post is marked as such and logged. Returns true when the edit is held for approval.
pub async fn edit_post(
    state: &AppState,
    access: &ForumAccess,
    post: &posts::Model,
    editor: &users::Model,
    body_md: &str,
    language: &str,
) -> AppResult<bool> {
    let own = post.author_id == editor.id;
    if !own && !access.role.moderates() {
        return Err(AppError::NotFound);
    }
    let body_html = markdown::render_off_thread(body_md.to_owned()).await;
    let txn = db::begin_write(&state.db).await?;
    if edit_is_held(access, post, editor) {
        let edit = NewText {
            body_md,
            body_html,
            render_version: markdown::RENDER_VERSION,
            language,
        };
        hold_edit(&txn, post.id, editor.id, edit).await?;
        let thread = threads::Entity::find_by_id(post.thread_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        tell_held(&txn, state, access, &thread.title, editor.id, true).await?;
        txn.commit().await?;
        return Ok(true);
    }
    let edit = NewText {
        body_md,
        body_html,
        render_version: markdown::RENDER_VERSION,
        language,
    };
    apply_edit(&txn, post, editor.id, edit).await?;
    if !own {
        super::log::record(
            &txn,
            super::log::Entry {
                actor_id: editor.id,
                forum_id: Some(access.forum.id),
                action: "edit",
                target_type: "post",
                target_id: post.id,
                reason: None,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(false)
}

/// Keeps an edit for approval; a newer edit of the same post replaces the one waiting.
async fn hold_edit(
    db: &impl ConnectionTrait,
    post_id: i32,
    editor_id: i32,
    edit: NewText<'_>,
) -> Result<(), sea_orm::DbErr> {
    held_edits::Entity::insert(held_edits::ActiveModel {
        post_id: Set(post_id),
        editor_id: Set(editor_id),
        body_md: Set(edit.body_md.to_owned()),
        body_html: Set(edit.body_html),
        render_version: Set(edit.render_version),
        language: Set(edit.language.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(held_edits::Column::PostId)
            .update_columns([
                held_edits::Column::EditorId,
                held_edits::Column::BodyMd,
                held_edits::Column::BodyHtml,
                held_edits::Column::RenderVersion,
                held_edits::Column::Language,
                held_edits::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A post's new text: its Markdown, the sanitized HTML rendered from it (by the renderer of
/// `render_version`), and its language.
pub struct NewText<'a> {
    pub body_md: &'a str,
    pub body_html: String,
    pub render_version: i32,
    pub language: &'a str,
}

/// Puts new text into a post: the previous text and its language go to its history, citations
/// are linked and the thread's cached pages go stale.
pub async fn apply_edit(
    db: &impl ConnectionTrait,
    post: &posts::Model,
    editor_id: i32,
    edit: NewText<'_>,
) -> Result<(), sea_orm::DbErr> {
    let body_md = edit.body_md;
    post_revisions::ActiveModel {
        post_id: Set(post.id),
        editor_id: Set(post.edited_by_id.unwrap_or(post.author_id)),
        body_md: Set(post.body_md.clone()),
        language: Set(post.language.clone()),
        created_at: Set(post.edited_at.unwrap_or(post.created_at)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut active: posts::ActiveModel = post.clone().into();
    active.body_md = Set(body_md.to_owned());
    active.body_html = Set(edit.body_html);
    active.render_version = Set(edit.render_version);
    active.language = Set(edit.language.to_owned());
    active.edited_at = Set(Some(now()));
    active.edited_by_id = Set(Some(editor_id));
    active.updated_at = Set(now());
    active.update(db).await?;
    if post.status == PostStatus::Published {
        links::record_citations(db, post.thread_id, editor_id, body_md, now()).await?;
    }
    touch(db, post.thread_id).await
}
