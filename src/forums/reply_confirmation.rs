//! The short answer to a reply by mail that was posted: "your reply is posted" with its link,
//! or, in a forum whose moderators approve posts first, that it waits for them. Queued in the
//! transaction that writes the post ([`super::posting::create_reply`]), so the post and its
//! confirmation exist together or not at all, and sent through the mail queue like every
//! other message (`Auto-Submitted: auto-replied`, to the member's stored address, never to
//! the `From` of what came in, in the member's language).
//!
//! At most [`CONFIRMATIONS_PER_HOUR`] a member and hour: a mail loop that keeps posting (a
//! rule forwarding mail back to a reply address) cannot make Fora answer each message.

use sea_orm::{ConnectionTrait, DbErr};

use super::received;
use crate::{
    db::now,
    entities::{threads, users},
    mail::{
        Email,
        queue::{self, EnqueueError, Kind},
    },
    web::{AppState, paths},
};

/// Confirmations a member gets at most in an hour.
pub const CONFIRMATIONS_PER_HOUR: i64 = 20;

/// Queues the confirmation of `post_id`, written by `member` in `thread` from a reply by mail,
/// unless the member had [`CONFIRMATIONS_PER_HOUR`] already. Returns whether it was queued
/// (the caller records it and wakes the mail worker after its commit).
pub async fn queue(
    txn: &impl ConnectionTrait,
    state: &AppState,
    member: &users::Model,
    thread: &threads::Model,
    post_id: i32,
    held: bool,
) -> Result<bool, DbErr> {
    let hour_ago = now() - time::Duration::hours(1);
    let confirmed =
        received::answered_since(txn, member.id, hour_ago, received::Answer::Confirmation).await?;
    if confirmed >= CONFIRMATIONS_PER_HOUR {
        tracing::info!(
            member = member.id,
            "reply by mail posted, not confirmed: too many this hour"
        );
        return Ok(false);
    }
    let lang = templates::i18n::supported(&member.locale);
    let link = state.config.absolute(&paths::post(thread.id, post_id));
    let rendered = templates::email::reply_posted(lang, &thread.title, &link, held);
    let email = Email::new(&member.email, Some(&member.display_name), rendered);
    match queue::enqueue(txn, state.mail_origin(), Kind::ReplyPosted, email).await {
        Ok(()) => Ok(true),
        Err(EnqueueError::Unbuildable(err)) => {
            tracing::warn!(error = %err, member = member.id, "reply by mail posted, not confirmed: no usable address");
            Ok(false)
        }
        Err(EnqueueError::Db(err)) => Err(err),
    }
}
