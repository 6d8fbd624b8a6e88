//! The daily mail of what still waits, for people who chose a daily summary: during the
//! daily hour, one message per person and day that has anything waiting. Its `Message-ID`
//! names the person and the day, so queuing it again (the next tick, another instance) adds
//! nothing.

use sea_orm::{DbErr, EntityTrait, FromQueryResult, Statement};
use time::OffsetDateTime;

use crate::{
    entities::{
        states::{LearningStatus, MemberRole},
        users,
    },
    mail::{
        Email,
        queue::{self, EnqueueError, Kind},
    },
    web::AppState,
};

#[derive(FromQueryResult)]
struct Candidate {
    id: i32,
}

/// Queues today's waiting list for every daily reader who may have one. Returns how many
/// people had something waiting.
pub async fn queue_daily(state: &AppState, day: OffsetDateTime) -> Result<u64, DbErr> {
    let db = &state.db;
    let candidates = Candidate::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT u.id FROM users u
         WHERE u.notify_mode = 'daily' AND u.disabled_at IS NULL
           AND (u.is_admin
                OR u.id IN (SELECT user_id FROM memberships WHERE role = $1)
                OR u.id IN (SELECT reviewer_id FROM learnings WHERE status = $2 AND reviewer_id IS NOT NULL))
         ORDER BY u.id",
        [MemberRole::Moderator.into(), LearningStatus::InReview.into()],
    ))
    .all(db)
    .await?;
    let domain = state.config.mail_domain();
    let mut queued = 0;
    for candidate in candidates {
        let Some(user) = users::Entity::find_by_id(candidate.id).one(db).await? else {
            continue;
        };
        let lang = templates::i18n::supported(&user.locale);
        let view = super::items::list(db, &user, lang).await?;
        if view.count() == 0 {
            continue;
        }
        let rendered = templates::waiting::daily_mail(
            lang,
            &view,
            &state.config.absolute("/waiting"),
            &state.config.absolute("/profile"),
        );
        let mut email = Email::new(&user.email, Some(&user.display_name), rendered);
        email.message_id = Some(format!("waiting.{}.{}@{domain}", user.id, day.date()));
        match queue::enqueue(db, state.config.mail_origin(), Kind::WaitingDigest, email).await {
            Ok(()) => queued += 1,
            Err(EnqueueError::Unbuildable(err)) => {
                tracing::warn!(error = %err, user_id = user.id, "waiting list not mailed: no usable address");
            }
            Err(EnqueueError::Db(err)) => return Err(err),
        }
    }
    if queued > 0 {
        state.mail_queued();
    }
    Ok(queued)
}
