//! Subscription rules: every read and write of `subscribers` and `subscriber_themes` made on
//! a subscriber's behalf. Functions take any connection, so they run inside the caller's
//! transaction. Nothing here sends mail: callers decide that after their commit.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Statement,
};
use time::{Duration, OffsetDateTime};

use crate::{
    accounts::tokens::{self, TokenProblem},
    entities::{
        states::{Frequency, SubscriberStatus},
        subscriber_themes, subscribers, themes, users,
    },
    link_tokens::{self, Purpose},
    refusal::Refusal,
    secret::ServerSecret,
    taxonomy::Translated,
};

/// How long a confirmation link works.
pub const CONFIRM_LIFETIME: Duration = Duration::hours(48);
/// At most one mail (confirmation or "already subscribed") per address in this window.
pub const MAIL_WINDOW: Duration = Duration::minutes(15);

/// A theme a subscriber may choose, named in each language.
pub struct Theme {
    pub id: i32,
    pub names: Translated,
}

pub async fn all_themes(db: &impl ConnectionTrait) -> Result<Vec<Theme>, DbErr> {
    Ok(themes::Entity::find()
        .order_by_asc(themes::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|t| Theme {
            id: t.id,
            names: Translated::new(t.name, t.name_fr, t.name_es),
        })
        .collect())
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<subscribers::Model>, DbErr> {
    subscribers::Entity::find()
        .filter(subscribers::Column::Email.eq(email))
        .one(db)
        .await
}

/// The subscriber behind an unsubscribe (or manage) link (`link_tokens`). Malformed tokens
/// never reach the database; a forged, altered or outdated one finds nobody.
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    secret: &ServerSecret,
    token: &str,
) -> Result<Option<subscribers::Model>, DbErr> {
    link_tokens::find::<subscribers::Entity>(
        db,
        secret,
        Purpose::Newsletter,
        subscribers::Column::LinkSalt,
        token,
    )
    .await
}

/// The token of a subscriber's unsubscribe and manage links, made when the mail is written.
pub fn link_token(secret: &ServerSecret, subscriber_id: i32, link_salt: &str) -> String {
    link_tokens::issue(secret, Purpose::Newsletter, subscriber_id, link_salt)
}

/// A member's subscription: the row tied to their account, else an anonymous row for their
/// address (which the member may take over).
pub async fn find_for_member(
    db: &impl ConnectionTrait,
    user: &users::Model,
) -> Result<Option<subscribers::Model>, DbErr> {
    if let Some(row) = subscribers::Entity::find()
        .filter(subscribers::Column::UserId.eq(user.id))
        .one(db)
        .await?
    {
        return Ok(Some(row));
    }
    find_by_email(db, &user.email).await
}

pub async fn theme_ids(db: &impl ConnectionTrait, subscriber_id: i32) -> Result<Vec<i32>, DbErr> {
    Ok(subscriber_themes::Entity::find()
        .filter(subscriber_themes::Column::SubscriberId.eq(subscriber_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.theme_id)
        .collect())
}

async fn set_themes(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    theme_ids: &[i32],
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "DELETE FROM subscriber_themes WHERE subscriber_id = $1",
        [subscriber_id.into()],
    ))
    .await?;
    for theme_id in theme_ids {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO subscriber_themes (subscriber_id, theme_id) VALUES ($1, $2)
             ON CONFLICT (subscriber_id, theme_id) DO NOTHING",
            [subscriber_id.into(), (*theme_id).into()],
        ))
        .await?;
    }
    Ok(())
}

/// What one subscriber chose. An empty theme list means every theme.
#[derive(Clone, Debug)]
pub struct Choices {
    pub themes: Vec<i32>,
    pub frequency: Frequency,
}

/// What an anonymous subscribe request leads to, for the caller to mail after commit.
#[derive(Debug)]
pub enum Outcome {
    /// New or renewed confirmation: mail this token.
    Confirm { token: String, language: String },
    /// Already active: mail links to manage or unsubscribe (made from the row's id and link
    /// salt), nothing changed.
    AlreadyActive {
        subscriber_id: i32,
        link_salt: String,
        language: String,
    },
    /// A mail already went to this address within the window (or another request is
    /// handling it right now): nothing more.
    Nothing,
}

fn recently_mailed(row: &subscribers::Model, at: OffsetDateTime) -> bool {
    row.confirm_sent_at
        .is_some_and(|sent| at - sent < MAIL_WINDOW)
}

/// An unauthenticated subscribe request for `email` (already validated and normalised).
/// Never changes an active subscriber's settings; at most one mail per address per window.
pub async fn request(
    db: &impl ConnectionTrait,
    email: &str,
    choices: &Choices,
    language: &str,
    at: OffsetDateTime,
) -> Result<Outcome, DbErr> {
    let backend = db.get_database_backend();
    let Some(row) = find_by_email(db, email).await? else {
        let token = tokens::generate();
        // Two first requests for one address at once: the unique email lets one in.
        let inserted = db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO subscribers
                     (email, user_id, frequency, language, status, link_salt,
                      confirm_token_hash, confirm_expires_at, confirm_sent_at, permanent_failures,
                      created_at, updated_at)
                 VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, 0, $8, $8)
                 ON CONFLICT (email) DO NOTHING",
                [
                    email.into(),
                    choices.frequency.into(),
                    language.into(),
                    SubscriberStatus::Pending.into(),
                    link_tokens::new_salt().into(),
                    tokens::digest(&token).into(),
                    (at + CONFIRM_LIFETIME).into(),
                    at.into(),
                ],
            ))
            .await?;
        if inserted.rows_affected() != 1 {
            return Ok(Outcome::Nothing);
        }
        let Some(row) = find_by_email(db, email).await? else {
            return Ok(Outcome::Nothing);
        };
        set_themes(db, row.id, &choices.themes).await?;
        return Ok(Outcome::Confirm {
            token,
            language: language.to_string(),
        });
    };
    if recently_mailed(&row, at) {
        return Ok(Outcome::Nothing);
    }
    // Claims the window with a conditional update, so two requests at once mail once.
    let window_start = at - MAIL_WINDOW;
    if row.status == SubscriberStatus::Active {
        let claimed = db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE subscribers SET confirm_sent_at = $1
                 WHERE id = $2 AND status = $3
                   AND (confirm_sent_at IS NULL OR confirm_sent_at <= $4)",
                [
                    at.into(),
                    row.id.into(),
                    SubscriberStatus::Active.into(),
                    window_start.into(),
                ],
            ))
            .await?;
        if claimed.rows_affected() != 1 {
            return Ok(Outcome::Nothing);
        }
        return Ok(Outcome::AlreadyActive {
            subscriber_id: row.id,
            link_salt: row.link_salt,
            language: row.language,
        });
    }
    // Pending, unsubscribed or suppressed: a new confirmation (which replaces any earlier
    // link) with the settings of this request. Nothing is sent to the address until confirmed.
    let token = tokens::generate();
    let renewed = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE subscribers SET status = $1, frequency = $2, language = $3,
                    confirm_token_hash = $4, confirm_expires_at = $5, confirm_sent_at = $6,
                    updated_at = $6
             WHERE id = $7 AND status IN ($1, $8, $9)
               AND (confirm_sent_at IS NULL OR confirm_sent_at <= $10)",
            [
                SubscriberStatus::Pending.into(),
                choices.frequency.into(),
                language.into(),
                tokens::digest(&token).into(),
                (at + CONFIRM_LIFETIME).into(),
                at.into(),
                row.id.into(),
                SubscriberStatus::Unsubscribed.into(),
                SubscriberStatus::Suppressed.into(),
                window_start.into(),
            ],
        ))
        .await?;
    if renewed.rows_affected() != 1 {
        return Ok(Outcome::Nothing);
    }
    set_themes(db, row.id, &choices.themes).await?;
    Ok(Outcome::Confirm {
        token,
        language: language.to_string(),
    })
}

/// A confirmation link as it arrives: usable, or why not.
pub async fn check_confirm_token(
    db: &impl ConnectionTrait,
    token: &str,
    at: OffsetDateTime,
) -> Result<subscribers::Model, Refusal<TokenProblem>> {
    if !tokens::well_formed(token) {
        return Err(Refusal::Refused(TokenProblem::Invalid));
    }
    let Some(row) = subscribers::Entity::find()
        .filter(subscribers::Column::ConfirmTokenHash.eq(tokens::digest(token)))
        .one(db)
        .await?
    else {
        // Confirming clears the hash: a used link is indistinguishable from a made-up one.
        return Err(Refusal::Refused(TokenProblem::Invalid));
    };
    if row.status != SubscriberStatus::Pending {
        return Err(Refusal::Refused(TokenProblem::Used));
    }
    if row.confirm_expires_at.is_none_or(|expires| expires <= at) {
        return Err(Refusal::Refused(TokenProblem::Expired));
    }
    Ok(row)
}

/// Confirms a subscription: one conditional UPDATE whose affected-row count decides, so a
/// link works once, only while pending and before it expires. The subscription starts with a
/// new link salt: unsubscribe links mailed during an earlier subscription stop working.
/// Returns the row as it is now.
pub async fn confirm(
    db: &impl ConnectionTrait,
    token: &str,
    at: OffsetDateTime,
) -> Result<subscribers::Model, Refusal<TokenProblem>> {
    let mut row = check_confirm_token(db, token, at).await?;
    let salt = link_tokens::new_salt();
    let updated = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE subscribers SET status = $1, confirmed_at = $2, confirm_token_hash = NULL,
                    confirm_expires_at = NULL, unsubscribed_at = NULL, permanent_failures = 0,
                    link_salt = $6, updated_at = $2
             WHERE id = $3 AND confirm_token_hash = $4 AND status = $5 AND confirm_expires_at > $2",
            [
                SubscriberStatus::Active.into(),
                at.into(),
                row.id.into(),
                tokens::digest(token).into(),
                SubscriberStatus::Pending.into(),
                salt.clone().into(),
            ],
        ))
        .await?;
    if updated.rows_affected() != 1 {
        return Err(Refusal::Refused(TokenProblem::Used));
    }
    row.status = SubscriberStatus::Active;
    row.link_salt = salt;
    Ok(row)
}

/// Unsubscribes at once: the subscriber leaves (any pending confirmation link dies with it)
/// and every delivery still queued for them is cancelled. Call inside one write transaction.
/// A suppressed address stays suppressed; an already unsubscribed one keeps its date.
pub async fn unsubscribe(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE subscribers SET status = $1, unsubscribed_at = $2, confirm_token_hash = NULL,
                confirm_expires_at = NULL, updated_at = $2
         WHERE id = $3 AND status IN ($4, $5)",
        [
            SubscriberStatus::Unsubscribed.into(),
            at.into(),
            subscriber_id.into(),
            SubscriberStatus::Pending.into(),
            SubscriberStatus::Active.into(),
        ],
    ))
    .await?;
    crate::newsletter::deliver::cancel_queued(db, subscriber_id, at).await?;
    Ok(())
}

/// Changes themes and frequency (the manage link, the profile). Status is left alone.
pub async fn update_choices(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    choices: &Choices,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE subscribers SET frequency = $1, updated_at = $2 WHERE id = $3",
        [choices.frequency.into(), at.into(), subscriber_id.into()],
    ))
    .await?;
    set_themes(db, subscriber_id, &choices.themes).await
}

/// The language a subscriber's mail is written in (`en`, `fr` or `es`, already checked).
pub async fn set_language(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    language: &str,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE subscribers SET language = $1, updated_at = $2 WHERE id = $3",
        [
            templates::i18n::supported(language).into(),
            at.into(),
            subscriber_id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A member's newsletter follows the language of their profile: called when they change it.
pub async fn follow_profile_language(
    db: &impl ConnectionTrait,
    user: &users::Model,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE subscribers SET language = $1, updated_at = $2 WHERE user_id = $3",
        [
            templates::i18n::supported(&user.locale).into(),
            at.into(),
            user.id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A member subscribes (or changes their choices) from the profile: no confirmation, as the
/// account's address is verified. An anonymous row for the same address is taken over, never
/// duplicated; a row that was not active starts with a new link salt (as in [`confirm`]).
/// The newsletter comes in the language of their profile.
/// Call inside one write transaction.
pub async fn subscribe_member(
    db: &impl ConnectionTrait,
    user: &users::Model,
    choices: &Choices,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let id = match find_for_member(db, user).await? {
        Some(row) => {
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE subscribers SET user_id = $1, status = $2,
                        confirmed_at = COALESCE(confirmed_at, $3), unsubscribed_at = NULL,
                        confirm_token_hash = NULL, confirm_expires_at = NULL,
                        permanent_failures = 0, updated_at = $3, language = $6,
                        link_salt = CASE WHEN status = $2 THEN link_salt ELSE $5 END
                 WHERE id = $4",
                [
                    user.id.into(),
                    SubscriberStatus::Active.into(),
                    at.into(),
                    row.id.into(),
                    link_tokens::new_salt().into(),
                    templates::i18n::supported(&user.locale).into(),
                ],
            ))
            .await?;
            row.id
        }
        None => {
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO subscribers
                     (email, user_id, frequency, language, status, link_salt,
                      confirmed_at, permanent_failures, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $7, $7)",
                [
                    user.email.clone().into(),
                    user.id.into(),
                    choices.frequency.into(),
                    templates::i18n::supported(&user.locale).into(),
                    SubscriberStatus::Active.into(),
                    link_tokens::new_salt().into(),
                    at.into(),
                ],
            ))
            .await?;
            match find_for_member(db, user).await? {
                Some(row) => row.id,
                None => return Err(DbErr::RecordNotInserted),
            }
        }
    };
    update_choices(db, id, choices, at).await
}
