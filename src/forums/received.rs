//! The replies received by mail (`mail_replies`): each message's `Message-ID`, who sent it to
//! which thread, and the post it became or why it was refused. The id is unique, so a message
//! delivered twice is recognised, and the refusals answered per member keep a flood from
//! turning into as many answers.

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};
use time::OffsetDateTime;

use crate::db::now;

/// What became of one received message.
pub struct Received<'a> {
    pub message_id: &'a str,
    pub user_id: i32,
    pub thread_id: i32,
    pub post_id: Option<i32>,
    /// Why it was not posted.
    pub refusal: Option<&'a str>,
    /// Whether the member was answered by mail: told why it was refused, or, for a post, sent
    /// its confirmation.
    pub answered: bool,
}

/// Whether a message with this id was received before.
pub async fn seen(db: &impl ConnectionTrait, message_id: &str) -> Result<bool, DbErr> {
    let found = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT id FROM mail_replies WHERE message_id = $1",
            [message_id.into()],
        ))
        .await?;
    Ok(found.is_some())
}

/// Records a received message (in the transaction that posts or refuses it). A second
/// record of the same id fails on the unique key: the transaction rolls back and the MTA's
/// next try finds the first ([`seen`]).
pub async fn record(db: &impl ConnectionTrait, received: Received<'_>) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO mail_replies (message_id, user_id, thread_id, post_id, refusal, answered, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            received.message_id.into(),
            received.user_id.into(),
            received.thread_id.into(),
            received.post_id.into(),
            received.refusal.map(str::to_string).into(),
            received.answered.into(),
            now().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Which answers to count: to refused messages, or confirmations of posted ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Refusal,
    Confirmation,
}

/// How many answers of this kind the member was sent since `since`.
pub async fn answered_since(
    db: &impl ConnectionTrait,
    user_id: i32,
    since: OffsetDateTime,
    answer: Answer,
) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let count = Count::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "SELECT COUNT(*) AS n FROM mail_replies
             WHERE user_id = $1 AND answered AND created_at >= $2 AND refusal IS {} NULL",
            match answer {
                Answer::Refusal => "NOT",
                Answer::Confirmation => "",
            }
        ),
        [user_id.into(), since.into()],
    ))
    .one(db)
    .await?;
    Ok(count.map_or(0, |c| c.n))
}
