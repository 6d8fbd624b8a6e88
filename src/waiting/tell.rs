//! Telling people that something reached them, by mail through the durable queue, in the
//! transaction that hands it over: the forum's moderators of a held post, a held edit or a
//! report (the admins when a forum has no moderator); the knowledge managers of a proposed
//! learning; the reviewer named for a learning; an author of the decision on their post or
//! learning, with the words that explain it. Each person in their own language, as their
//! notification setting says: at once, or not by mail at all ("never"). A daily reader gets
//! nothing at once; their daily mail lists what is still waiting (see [`super::daily`]).
//! Whoever acted is never told of their own act.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Query, SimpleExpr},
};
use templates::waiting::Handoff;

use crate::web::paths;
use crate::{
    entities::{
        memberships,
        states::{MemberRole, NotifyMode},
        users,
    },
    mail::{
        Email,
        queue::{self, EnqueueError, Kind},
    },
    web::AppState,
};

/// Something handed to someone.
pub enum Event<'a> {
    HeldPost {
        forum_id: i32,
        forum_slug: &'a str,
        forum: &'a str,
        thread: &'a str,
    },
    HeldEdit {
        forum_id: i32,
        forum_slug: &'a str,
        forum: &'a str,
        thread: &'a str,
    },
    Report {
        forum_id: i32,
        forum_slug: &'a str,
        forum: &'a str,
        thread: &'a str,
        reason: &'a str,
    },
    Proposed {
        learning_id: i32,
        title: &'a str,
    },
    ReviewerNamed {
        learning_id: i32,
        title: &'a str,
        reviewer_id: i32,
    },
    ChangesRequested {
        learning_id: i32,
        title: &'a str,
        author_id: i32,
        comment: &'a str,
    },
    Published {
        learning_id: i32,
        title: &'a str,
        author_id: i32,
    },
    PostRejected {
        forum_slug: &'a str,
        forum: &'a str,
        thread: &'a str,
        author_id: i32,
        reason: &'a str,
    },
    PostHidden {
        thread_id: i32,
        forum: &'a str,
        thread: &'a str,
        author_id: i32,
        reason: &'a str,
    },
    /// An edit held for approval was not approved: the post keeps its approved text.
    EditRejected {
        thread_id: i32,
        forum: &'a str,
        thread: &'a str,
        author_id: i32,
        reason: &'a str,
    },
}

#[derive(FromQueryResult)]
struct Recipient {
    id: i32,
    email: String,
    display_name: String,
    locale: String,
}

/// The accounts matching `condition` that may get hand-off mail now: enabled, and not
/// reading by mail daily or never.
async fn people(db: &impl ConnectionTrait, condition: SimpleExpr) -> Result<Vec<Recipient>, DbErr> {
    users::Entity::find()
        .select_only()
        .columns([
            users::Column::Id,
            users::Column::Email,
            users::Column::DisplayName,
            users::Column::Locale,
        ])
        .filter(users::Column::DisabledAt.is_null())
        .filter(users::Column::NotifyMode.is_not_in([NotifyMode::Daily, NotifyMode::Never]))
        .filter(condition)
        .order_by_asc(users::Column::Id)
        .into_model::<Recipient>()
        .all(db)
        .await
}

/// A forum's moderators; its admins when it has none (someone must hear of it).
async fn moderators(db: &impl ConnectionTrait, forum_id: i32) -> Result<Vec<Recipient>, DbErr> {
    let moderating = Query::select()
        .column(memberships::Column::UserId)
        .from(memberships::Entity)
        .and_where(memberships::Column::ForumId.eq(forum_id))
        .and_where(memberships::Column::Role.eq(MemberRole::Moderator))
        .to_owned();
    let has_moderators = people(db, users::Column::Id.in_subquery(moderating)).await?;
    if has_moderators.is_empty() {
        admins(db).await
    } else {
        Ok(has_moderators)
    }
}

async fn admins(db: &impl ConnectionTrait) -> Result<Vec<Recipient>, DbErr> {
    people(db, users::Column::IsAdmin.eq(true)).await
}

async fn person(db: &impl ConnectionTrait, id: i32) -> Result<Vec<Recipient>, DbErr> {
    people(db, users::Column::Id.eq(id)).await
}

/// What the mail says and where it leads, for one event.
struct Message<'a> {
    subject_key: &'static str,
    intro_key: &'static str,
    button_key: &'static str,
    args: Vec<(&'static str, &'a str)>,
    quote: Option<&'a str>,
    path: String,
}

fn message<'a>(event: &'a Event<'a>) -> Message<'a> {
    let queue = |slug: &str| paths::forum_queue(slug);
    let learning = |id: i32| paths::learning_workflow(id);
    match *event {
        Event::HeldPost {
            forum_slug,
            forum,
            thread,
            ..
        } => Message {
            subject_key: "waiting.held_subject",
            intro_key: "waiting.held_intro",
            button_key: "waiting.open_queue",
            args: vec![("forum", forum), ("thread", thread)],
            quote: None,
            path: queue(forum_slug),
        },
        Event::HeldEdit {
            forum_slug,
            forum,
            thread,
            ..
        } => Message {
            subject_key: "waiting.held_edit_subject",
            intro_key: "waiting.held_edit_intro",
            button_key: "waiting.open_queue",
            args: vec![("forum", forum), ("thread", thread)],
            quote: None,
            path: queue(forum_slug),
        },
        Event::Report {
            forum_slug,
            forum,
            thread,
            reason,
            ..
        } => Message {
            subject_key: "waiting.report_subject",
            intro_key: "waiting.report_intro",
            button_key: "waiting.open_queue",
            args: vec![("forum", forum), ("thread", thread)],
            quote: Some(reason),
            path: queue(forum_slug),
        },
        Event::Proposed { learning_id, title } => Message {
            subject_key: "waiting.proposed_subject",
            intro_key: "waiting.proposed_intro",
            button_key: "waiting.open_learning",
            args: vec![("title", title)],
            quote: None,
            path: learning(learning_id),
        },
        Event::ReviewerNamed {
            learning_id, title, ..
        } => Message {
            subject_key: "waiting.reviewer_subject",
            intro_key: "waiting.reviewer_intro",
            button_key: "waiting.open_learning",
            args: vec![("title", title)],
            quote: None,
            path: learning(learning_id),
        },
        Event::ChangesRequested {
            learning_id,
            title,
            comment,
            ..
        } => Message {
            subject_key: "waiting.changes_subject",
            intro_key: "waiting.changes_intro",
            button_key: "waiting.open_learning",
            args: vec![("title", title)],
            quote: Some(comment),
            path: learning(learning_id),
        },
        Event::Published {
            learning_id, title, ..
        } => Message {
            subject_key: "waiting.published_subject",
            intro_key: "waiting.published_intro",
            button_key: "waiting.open_learning",
            args: vec![("title", title)],
            quote: None,
            path: paths::learning(learning_id),
        },
        // The post was never shown: its thread may not exist for anyone but moderators.
        Event::PostRejected {
            forum_slug,
            forum,
            thread,
            reason,
            ..
        } => Message {
            subject_key: "waiting.rejected_subject",
            intro_key: "waiting.rejected_intro",
            button_key: "waiting.open_forum",
            args: vec![("forum", forum), ("thread", thread)],
            quote: Some(reason),
            path: paths::forum(forum_slug),
        },
        Event::PostHidden {
            thread_id,
            forum,
            thread,
            reason,
            ..
        } => Message {
            subject_key: "waiting.hidden_subject",
            intro_key: "waiting.hidden_intro",
            button_key: "waiting.open_thread",
            args: vec![("forum", forum), ("thread", thread)],
            quote: Some(reason),
            path: paths::thread(thread_id),
        },
        Event::EditRejected {
            thread_id,
            forum,
            thread,
            reason,
            ..
        } => Message {
            subject_key: "waiting.edit_rejected_subject",
            intro_key: "waiting.edit_rejected_intro",
            button_key: "waiting.open_thread",
            args: vec![("forum", forum), ("thread", thread)],
            quote: Some(reason),
            path: paths::thread(thread_id),
        },
    }
}

async fn recipients(db: &impl ConnectionTrait, event: &Event<'_>) -> Result<Vec<Recipient>, DbErr> {
    match *event {
        Event::HeldPost { forum_id, .. }
        | Event::HeldEdit { forum_id, .. }
        | Event::Report { forum_id, .. } => moderators(db, forum_id).await,
        Event::Proposed { .. } => admins(db).await,
        Event::ReviewerNamed { reviewer_id, .. } => person(db, reviewer_id).await,
        Event::ChangesRequested { author_id, .. }
        | Event::Published { author_id, .. }
        | Event::PostRejected { author_id, .. }
        | Event::PostHidden { author_id, .. }
        | Event::EditRejected { author_id, .. } => person(db, author_id).await,
    }
}

/// Queues the mail that announces `event`, done by `actor_id`, in the caller's transaction.
pub async fn tell(
    db: &impl ConnectionTrait,
    state: &AppState,
    event: Event<'_>,
    actor_id: i32,
) -> Result<(), DbErr> {
    let message = message(&event);
    let link = state.config.absolute(&message.path);
    let preferences = state.config.absolute(paths::PROFILE);
    for recipient in recipients(db, &event).await? {
        if recipient.id == actor_id {
            continue;
        }
        let lang = templates::i18n::supported(&recipient.locale);
        let rendered = templates::waiting::handoff_mail(
            lang,
            &Handoff {
                subject_key: message.subject_key,
                intro_key: message.intro_key,
                args: &message.args,
                quote: message.quote,
                link: &link,
                button_key: message.button_key,
            },
            &preferences,
        );
        let email = Email::new(&recipient.email, Some(&recipient.display_name), rendered);
        match queue::enqueue(db, state.mail_origin(), Kind::Handoff, email).await {
            Ok(()) => {}
            Err(EnqueueError::Unbuildable(err)) => {
                tracing::warn!(error = %err, user_id = recipient.id, "hand-off not mailed: no usable address");
            }
            Err(EnqueueError::Db(err)) => return Err(err),
        }
    }
    Ok(())
}
