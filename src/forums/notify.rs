//! Telling members about new posts in threads they follow and about @mentions: rows queued
//! in `notifications` when a post is published, sent by the background worker at once or in
//! a daily summary. Whether the reader may still see the post is decided at send time, so a
//! member removed from a forum, a disabled account or a hidden post stops mail immediately.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Statement,
    sea_query::{Expr, OnConflict},
};
use time::OffsetDateTime;

use crate::web::paths;
use crate::{
    db::{begin_write, now},
    entities::{
        follows, notifications, posts,
        states::{NotifyMode, PostStatus},
    },
    mail::{
        Email,
        queue::{self, EnqueueError, Kind},
        reply_address::ReplyTag,
    },
    markdown,
    web::AppState,
};

#[derive(FromQueryResult)]
struct Candidate {
    id: i32,
    email: String,
    display_name: String,
}

/// Queues notifications for a newly published post.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    post: &posts::Model,
    forum_id: i32,
) -> Result<(), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let mut recipients: Vec<(i32, &'static str)> = Vec::new();
    let mentioned = markdown::mentions(&post.body_md);
    if !mentioned.is_empty() {
        let members = Candidate::find_by_statement(Statement::from_sql_and_values(
            backend,
            "SELECT u.id, u.email, u.display_name FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.forum_id = $1",
            [forum_id.into()],
        ))
        .all(db)
        .await?;
        for member in members {
            let local = member.email.split('@').next().unwrap_or("").to_lowercase();
            let name = member.display_name.to_lowercase();
            if member.id != post.author_id && mentioned.iter().any(|m| *m == local || *m == name) {
                recipients.push((member.id, "mention"));
            }
        }
    }
    let followers = follows::Entity::find()
        .filter(follows::Column::ThreadId.eq(post.thread_id))
        .filter(follows::Column::UserId.ne(post.author_id))
        .all(db)
        .await?;
    for follower in followers {
        if !recipients.iter().any(|(id, _)| *id == follower.user_id) {
            recipients.push((follower.user_id, "reply"));
        }
    }
    if recipients.is_empty() {
        return Ok(());
    }
    let created_at = now();
    let rows = recipients
        .into_iter()
        .map(|(user_id, reason)| notifications::ActiveModel {
            user_id: Set(user_id),
            post_id: Set(post.id),
            reason: Set(reason.into()),
            created_at: Set(created_at),
            sent_at: Set(None),
            ..Default::default()
        });
    notifications::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([notifications::Column::UserId, notifications::Column::PostId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

#[derive(FromQueryResult, Debug)]
struct Pending {
    id: i32,
    user_id: i32,
    reason: String,
    email: String,
    display_name: String,
    locale: String,
    notify_mode: NotifyMode,
    reply_generation: i32,
    post_id: i32,
    body_md: String,
    post_language: String,
    author: String,
    thread_id: i32,
    thread_title: String,
    forum_title: String,
    deliverable: i32,
    follow_id: Option<i32>,
    follow_salt: Option<String>,
}

const PENDING_SQL: &str = "
SELECT n.id, n.user_id, n.reason, u.email, u.display_name, u.locale, u.notify_mode, u.reply_generation,
       p.id AS post_id, p.body_md, p.language AS post_language, a.display_name AS author, t.id AS thread_id, t.title AS thread_title,
       f.title AS forum_title,
       CASE WHEN u.disabled_at IS NULL AND p.status = $3 AND p.hidden_at IS NULL
                 AND t.hidden_at IS NULL
                 AND (u.is_admin OR EXISTS (SELECT 1 FROM memberships m WHERE m.forum_id = f.id AND m.user_id = u.id))
            THEN 1 ELSE 0 END AS deliverable,
       fo.id AS follow_id, fo.link_salt AS follow_salt
FROM notifications n
JOIN users u ON u.id = n.user_id
JOIN posts p ON p.id = n.post_id
JOIN users a ON a.id = p.author_id
JOIN threads t ON t.id = p.thread_id
JOIN forums f ON f.id = t.forum_id
LEFT JOIN follows fo ON fo.user_id = u.id AND fo.thread_id = t.id
WHERE n.sent_at IS NULL AND n.created_at < $1 AND (u.notify_mode <> $4 OR $2 = 1)
ORDER BY n.user_id, n.id
LIMIT 500";

/// Claims one notification; false when another worker (or instance) already has it.
async fn claim(db: &impl ConnectionTrait, id: i32) -> Result<bool, sea_orm::DbErr> {
    let result = notifications::Entity::update_many()
        .col_expr(notifications::Column::SentAt, Expr::value(now()))
        .filter(notifications::Column::Id.eq(id))
        .filter(notifications::Column::SentAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

fn excerpt(markdown: &str) -> String {
    let mut text: String = markdown.chars().take(600).collect();
    if markdown.chars().count() > 600 {
        text.push('…');
    }
    text
}

/// Writes the mail that is due to the mail queue: immediate notifications always; daily
/// summaries when `daily_cutoff` is given (everything queued before it). A notification is
/// marked taken in the transaction that queues its mail, so each is mailed exactly once.
/// Returns the number of messages queued.
pub async fn deliver_due(
    state: &AppState,
    daily_cutoff: Option<OffsetDateTime>,
) -> anyhow::Result<usize> {
    let db = &state.db;
    let backend = db.get_database_backend();
    let cutoff = daily_cutoff.unwrap_or_else(now);
    let rows = Pending::find_by_statement(Statement::from_sql_and_values(
        backend,
        PENDING_SQL,
        [
            cutoff.into(),
            i32::from(daily_cutoff.is_some()).into(),
            PostStatus::Published.into(),
            NotifyMode::Daily.into(),
        ],
    ))
    .all(db)
    .await?;
    let mut queued = 0;
    let mut index = 0;
    while index < rows.len() {
        let user_id = rows[index].user_id;
        let end = rows[index..]
            .iter()
            .position(|r| r.user_id != user_id)
            .map_or(rows.len(), |p| index + p);
        let batch = &rows[index..end];
        index = end;
        let txn = begin_write(db).await?;
        let mut claimed = Vec::new();
        for row in batch {
            if claim(&txn, row.id).await?
                && row.deliverable == 1
                && row.notify_mode != NotifyMode::Never
            {
                claimed.push(row);
            }
        }
        let Some(first) = claimed.first().copied() else {
            txn.commit().await?;
            continue;
        };
        let lang = templates::i18n::supported(&first.locale);
        let daily = first.notify_mode == NotifyMode::Daily;
        let groups: Vec<Vec<&Pending>> = if daily {
            vec![claimed.clone()]
        } else {
            claimed.iter().map(|r| vec![*r]).collect()
        };
        for group in groups {
            let items: Vec<templates::email::NotificationItem> =
                group.iter().map(|r| item(state, r)).collect();
            let reply_to = reply_address(state, user_id, first.reply_generation, &group);
            let rendered = templates::email::notifications(
                lang,
                &items,
                daily,
                &state.config.absolute(paths::PROFILE),
                reply_to.is_some(),
            );
            let mut email = Email::new(&first.email, Some(&first.display_name), rendered);
            email.reply_to = reply_to;
            let kind = if daily {
                Kind::Summary
            } else {
                Kind::Notification
            };
            match queue::enqueue(&txn, state.mail_origin(), kind, email).await {
                Ok(()) => queued += 1,
                Err(EnqueueError::Unbuildable(err)) => {
                    tracing::warn!(error = %err, user_id, "notification not sent: no usable address");
                }
                Err(EnqueueError::Db(err)) => return Err(err.into()),
            }
        }
        txn.commit().await?;
    }
    if queued > 0 {
        state.mail_queued();
    }
    Ok(queued)
}

/// Where the member answers a notification to reply in its thread (`FORA_REPLY_DOMAIN`): a
/// message about one thread only (every at-once mail; a daily summary when all its posts are
/// in the same thread), since an answer goes to one thread.
fn reply_address(
    state: &AppState,
    user_id: i32,
    generation: i32,
    group: &[&Pending],
) -> Option<String> {
    let addresses = state.reply_address.as_ref()?;
    let thread_id = group.first()?.thread_id;
    group.iter().all(|row| row.thread_id == thread_id).then(|| {
        addresses.address(ReplyTag {
            member_id: user_id,
            thread_id,
            generation,
        })
    })
}

/// One post as a notification shows it.
fn item(state: &AppState, row: &Pending) -> templates::email::NotificationItem {
    templates::email::NotificationItem {
        thread_title: row.thread_title.clone(),
        forum_title: row.forum_title.clone(),
        author: row.author.clone(),
        excerpt: excerpt(&row.body_md),
        language: row.post_language.clone(),
        post_link: state
            .config
            .absolute(&paths::post(row.thread_id, row.post_id)),
        stop_link: row
            .follow_id
            .zip(row.follow_salt.as_deref())
            .map(|(id, salt)| {
                let token = crate::link_tokens::issue(
                    &state.secret,
                    crate::link_tokens::Purpose::StopFollowing,
                    id,
                    salt,
                );
                state.config.absolute(&paths::stop_following(&token))
            }),
        is_mention: row.reason == "mention",
    }
}
