//! The daily mail of what still waits, for people who chose a daily summary: during the
//! daily hour, one message per person and day that has anything waiting. Its `Message-ID`
//! names the person and the day, so queuing it again (the next tick, another instance) adds
//! nothing.

use sea_orm::{DbErr, EntityTrait, Statement};
use time::OffsetDateTime;

use crate::web::paths;
use crate::{
    entities::{
        states::{LearningStatus, MemberRole, NotifyMode},
        users,
    },
    mail::{
        Email,
        queue::{self, EnqueueError, Kind},
    },
    web::AppState,
};

/// Queues today's waiting list for every daily reader who may have one and has not had
/// today's yet. Returns how many lists were queued.
pub async fn queue_daily(state: &AppState, day: OffsetDateTime) -> Result<u64, DbErr> {
    let db = &state.db;
    let domain = state.config.mail_domain();
    // `waiting.<user id>.<day>@<domain>`, written here once for both the query and the mail.
    let (prefix, suffix) = ("waiting.", format!(".{}@{domain}", day.date()));
    // Every tick of the daily hour comes here: who already has today's list is left out
    // before anything is read or rendered for them.
    let candidates = users::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT u.* FROM users u
             WHERE u.notify_mode = $5 AND u.disabled_at IS NULL
               AND (u.is_admin
                    OR u.id IN (SELECT user_id FROM memberships WHERE role = $1)
                    OR u.id IN (SELECT reviewer_id FROM learnings WHERE status = $2 AND reviewer_id IS NOT NULL))
               AND NOT EXISTS (SELECT 1 FROM mail_queue q
                               WHERE q.message_id = $3 || CAST(u.id AS TEXT) || $4)
             ORDER BY u.id",
            [
                MemberRole::Moderator.into(),
                LearningStatus::InReview.into(),
                prefix.into(),
                suffix.clone().into(),
                NotifyMode::Daily.into(),
            ],
        ))
        .all(db)
        .await?;
    let mut queued = 0;
    for user in candidates {
        let lang = templates::i18n::supported(&user.locale);
        let view = super::items::list(db, &user, lang).await?;
        if view.count() == 0 {
            continue;
        }
        let rendered = templates::waiting::daily_mail(
            lang,
            &view,
            &state.config.absolute(paths::WAITING),
            &state.config.absolute(paths::PROFILE),
        );
        let mut email = Email::new(&user.email, Some(&user.display_name), rendered);
        email.message_id = Some(format!("{prefix}{}{suffix}", user.id));
        match queue::enqueue(db, state.mail_origin(), Kind::WaitingDigest, email).await {
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
