//! Replies by mail: a member answers a notification, `fora mail-in` reads the answer
//! (`mail::inbound::reply`: token, sender, the member's own text) and hands it here, where it
//! becomes a reply through the same service as the web's ([`posting::create_reply`]),
//! under the same rules: an active account, still in the forum, a forum not archived, a
//! thread not locked or hidden, the forum's moderation mode, the size of a post. Its
//! notifications and hand-offs follow as they do on the web.
//!
//! A reply address carries the member's reply generation; once the member has moved it on
//! ("Stop replies from old emails" on their profile), an older address posts nothing: the
//! member is told so when they wrote, and anyone else gets "no such address" (67).
//!
//! A posted reply is confirmed to the member by mail, in the transaction that posts it
//! ([`super::reply_confirmation`]). Anything refused is answered to the member's stored
//! address (never to the message's `From`), in their language, through the mail queue, with
//! why and, when they may still see it, the thread's link; at most [`ANSWERS_PER_HOUR`] such answers a member and hour, so a
//! loop or a flood cannot make Fora send mail without end. Every message is recorded by its
//! `Message-ID` (`received`): delivered twice, it is posted or answered once.

use sea_orm::EntityTrait;
use templates::email::ReplyRefusal;

use super::{access, posting, received};
use crate::{
    db::{begin_write, now},
    entities::{threads, users},
    mail::{
        Email,
        inbound::{Outcome, reply::Reply},
        queue::{self, EnqueueError, Kind},
    },
    web::{AppError, AppState, forms, paths},
};

/// Answers to refused replies a member gets at most in an hour.
pub const ANSWERS_PER_HOUR: i64 = 3;

/// Posts `reply` as its member's reply in its thread, or refuses it and tells them why.
/// `Err` only for what may work on a later try (the database).
pub async fn receive(state: &AppState, reply: Reply) -> anyhow::Result<Outcome> {
    let db = &state.db;
    let Some(member) = users::Entity::find_by_id(reply.tag.member_id)
        .one(db)
        .await?
    else {
        return Ok(Outcome::UnknownAddress(format!(
            "a reply address of a member who is gone ({})",
            reply.tag.member_id
        )));
    };
    if received::seen(db, &reply.message_id).await? {
        return Ok(Outcome::Ignored(format!(
            "received before: {}",
            reply.message_id
        )));
    }
    if reply.tag.generation != member.reply_generation {
        // An address the member revoked on their profile. Told so when it is the member
        // writing; anyone else (whom an old notification reached) learns nothing from Fora:
        // the MTA tells them the address does not exist.
        if !sent_by(&member, &reply) {
            return Ok(Outcome::UnknownAddress(format!(
                "a revoked reply address of member {}, from another sender",
                member.id
            )));
        }
        return refuse(state, &member, &reply, ReplyRefusal::Revoked).await;
    }
    let thread = threads::Entity::find_by_id(reply.tag.thread_id)
        .one(db)
        .await?;
    let refusal = match check(state, &member, &reply, thread.as_ref()).await? {
        Checked::Refused(refusal) => refusal,
        Checked::Allowed(allowed) => {
            let (access, thread, body) = *allowed;
            let written = posting::create_reply(
                state,
                &access,
                &thread,
                &member,
                &body,
                // No form to choose on: the member's own language, as on the web's reply form.
                templates::i18n::supported(&member.locale),
                Some(&reply.message_id),
            )
            .await;
            match written {
                Ok(written) => {
                    return Ok(Outcome::Posted {
                        post_id: written.post_id,
                        held: written.held,
                    });
                }
                // The thread or forum changed since the checks.
                Err(AppError::BadRequest("thread.locked_notice")) => ReplyRefusal::Locked,
                Err(AppError::BadRequest("forum.archived_notice")) => ReplyRefusal::Archived,
                Err(AppError::NotFound) => ReplyRefusal::Gone,
                Err(err) => return Err(anyhow::Error::new(err)),
            }
        }
    };
    refuse(state, &member, &reply, refusal).await
}

/// Whether the reply comes from the member's own address (compared in lower case).
fn sent_by(member: &users::Model, reply: &Reply) -> bool {
    reply.sender.as_deref() == Some(member.email.to_lowercase().as_str())
}

enum Checked {
    /// Where and what to post: the forum as the member may act in it, the thread, the text.
    Allowed(Box<(access::ForumAccess, threads::Model, String)>),
    Refused(ReplyRefusal),
}

/// What the web checks before a reply, for this member, thread and text.
async fn check(
    state: &AppState,
    member: &users::Model,
    reply: &Reply,
    thread: Option<&threads::Model>,
) -> anyhow::Result<Checked> {
    if !sent_by(member, reply) {
        return Ok(Checked::Refused(ReplyRefusal::WrongSender));
    }
    if member.disabled_at.is_some() {
        return Ok(Checked::Refused(ReplyRefusal::Disabled));
    }
    let Some(thread) = thread else {
        return Ok(Checked::Refused(ReplyRefusal::Gone));
    };
    let seen = match access::role_in(&state.db, member, thread.forum_id).await {
        Ok(None) => return Ok(Checked::Refused(ReplyRefusal::NotMember)),
        Ok(Some(_)) => access::thread(&state.db, member, thread.id).await,
        Err(err) => Err(err),
    };
    let (thread, access) = match seen {
        Ok(found) => found,
        Err(AppError::NotFound) => return Ok(Checked::Refused(ReplyRefusal::Gone)),
        Err(err) => return Err(anyhow::Error::new(err)),
    };
    if access.forum.archived_at.is_some() {
        return Ok(Checked::Refused(ReplyRefusal::Archived));
    }
    if thread.locked_at.is_some() && !access.role.moderates() {
        return Ok(Checked::Refused(ReplyRefusal::Locked));
    }
    // Files are not posted; readers are told, in the forum's language, that there were some.
    let text = if reply.attachments > 0 && !reply.text.trim().is_empty() {
        let lang = templates::i18n::supported(&access.forum.language);
        format!(
            "{}\n\n*{}*",
            reply.text,
            templates::i18n::t(lang, "reply_mail.attachments_dropped")
        )
    } else {
        reply.text.clone()
    };
    Ok(match forms::markdown_body(&text) {
        Ok(body) => Checked::Allowed(Box::new((access, thread, body))),
        Err(forms::TextProblem::TooLong) => Checked::Refused(ReplyRefusal::TooLong),
        Err(forms::TextProblem::Missing) => Checked::Refused(ReplyRefusal::Empty),
    })
}

/// Records the refusal and, unless the member was answered too often this last hour, queues
/// the answer, in one transaction.
async fn refuse(
    state: &AppState,
    member: &users::Model,
    reply: &Reply,
    refusal: ReplyRefusal,
) -> anyhow::Result<Outcome> {
    // The thread's title and link only while the member may see it.
    let visible = match refusal {
        ReplyRefusal::NotMember
        | ReplyRefusal::Gone
        | ReplyRefusal::Disabled
        | ReplyRefusal::Revoked => None,
        _ => threads::Entity::find_by_id(reply.tag.thread_id)
            .one(&state.db)
            .await?
            .map(|thread| {
                let link = state.config.absolute(&paths::thread(thread.id));
                (thread.title, link)
            }),
    };
    let reason = refusal.name().to_string();
    let txn = begin_write(&state.db).await?;
    let hour_ago = now() - time::Duration::hours(1);
    let mut answered =
        received::answered_since(&txn, member.id, hour_ago, received::Answer::Refusal).await?
            < ANSWERS_PER_HOUR;
    if answered {
        let lang = templates::i18n::supported(&member.locale);
        let rendered = templates::email::reply_refused(
            lang,
            refusal,
            visible
                .as_ref()
                .map(|(title, link)| (title.as_str(), link.as_str())),
        );
        let email = Email::new(&member.email, Some(&member.display_name), rendered);
        match queue::enqueue(&txn, state.mail_origin(), Kind::ReplyRefused, email).await {
            Ok(()) => {}
            Err(EnqueueError::Unbuildable(err)) => {
                tracing::warn!(error = %err, member = member.id, "reply refused, not answered: no usable address");
                answered = false;
            }
            Err(EnqueueError::Db(err)) => return Err(err.into()),
        }
    }
    received::record(
        &txn,
        received::Received {
            message_id: &reply.message_id,
            user_id: member.id,
            thread_id: reply.tag.thread_id,
            post_id: None,
            refusal: Some(&reason),
            answered,
        },
    )
    .await?;
    txn.commit().await?;
    if answered {
        state.mail_queued();
    }
    Ok(Outcome::Refused { reason, answered })
}
