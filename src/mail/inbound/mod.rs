//! Mail that comes in: one message, as an MTA's `pipe` transport (or procmail, fetchmail)
//! hands it to `fora mail-in`, dispatched by the address it was sent to.
//!
//! Fora reads mail at addresses it made itself, each a mailbox name, `+`, and a signed token:
//! `bounces+TOKEN@FORA_BOUNCE_DOMAIN`, the return path of every message ([`super::verp`]),
//! and `reply+TOKEN@FORA_REPLY_DOMAIN`, the `Reply-To` of notifications
//! ([`super::reply_address`]). [`Mailbox`] lists them; anything else is an unknown address.
//! [`read`] checks a message and its token without the database and says what it asks of it
//! ([`Action`]): a bounce, which [`act`] counts, or a reply, which the forums feature posts
//! (the command line hands it over: this shared layer knows no feature). Each ends in an
//! [`Outcome`], whose [`Outcome::exit_code`] tells the MTA what to do (sysexits): 0 done, 65
//! not a message, 67 no such address (75, try again later, is a database error).

pub mod dsn;
pub mod reply;

use std::io::Read;

use mail_parser::{Message, MessageParser};
use sea_orm::{DatabaseConnection, DbErr};

use super::{
    bounces::{self, Holder, Recorded},
    reply_address::{self, ReplyAddress},
    verp::{self, Recipient, ReturnPath},
};

/// The largest message read: a report with the message it returns fits many times over.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Reads one message of at most `limit` bytes. A longer one is read to its end without being
/// kept (so the MTA sees a clean refusal rather than a broken pipe) and gives `None`.
pub fn read_limited(mut input: impl Read, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    // Reserved once, so the buffer never doubles past the limit; pages never written to are
    // never resident.
    let mut bytes = Vec::with_capacity(limit + 1);
    input
        .by_ref()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        drop(bytes);
        std::io::copy(&mut input, &mut std::io::sink())?;
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// The mailboxes Fora reads, by the name before the `+`.
#[derive(Clone, Copy, Debug)]
enum Mailbox<'a> {
    /// Reports about mail Fora sent: the return path.
    Bounces(&'a ReturnPath),
    /// Members' answers to notifications.
    Reply(&'a ReplyAddress),
}

/// The addresses Fora reads mail at, as configured (`FORA_BOUNCE_DOMAIN`,
/// `FORA_REPLY_DOMAIN`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Addresses<'a> {
    pub return_path: Option<&'a ReturnPath>,
    pub reply: Option<&'a ReplyAddress>,
}

/// What an address is to Fora: one of its mailboxes and the token after the `+`.
fn route<'a, 'b>(address: &'a str, addresses: Addresses<'b>) -> Option<(Mailbox<'b>, &'a str)> {
    let address = address.trim().trim_matches(['<', '>']);
    let (local, domain) = address.rsplit_once('@')?;
    let (name, token) = local.split_once('+')?;
    if let Some(path) = addresses.return_path
        && name.eq_ignore_ascii_case(verp::BOUNCES)
        && domain.eq_ignore_ascii_case(path.domain())
    {
        return Some((Mailbox::Bounces(path), token));
    }
    let reply = addresses.reply?;
    (name.eq_ignore_ascii_case(reply_address::REPLY) && domain.eq_ignore_ascii_case(reply.domain()))
        .then_some((Mailbox::Reply(reply), token))
}

/// What a message asks of the database, once it has been read and its token checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    CountBounce {
        holder: Holder,
        severity: bounces::Severity,
        reason: String,
    },
    /// Post a member's answer to a notification in its thread, or tell them why not.
    Reply(reply::Reply),
}

/// What became of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A bounce counted against a subscriber or member.
    Counted {
        holder: Holder,
        points: i32,
        suppressed: bool,
    },
    /// A reply by mail posted in its thread (`held`: waiting for a moderator's approval).
    Posted { post_id: i32, held: bool },
    /// A reply by mail not posted, for this reason; `answered`: the member was told by mail
    /// (not when they were told too often in the last hour).
    Refused { reason: String, answered: bool },
    /// Understood, and nothing to change (a delay already counted today, an auto-reply, a
    /// loop, a newcomer's address): why, for the log.
    Ignored(String),
    /// Not a message, or larger than [`MAX_BYTES`].
    Malformed(String),
    /// Not an address of Fora's, or a token that Fora did not make.
    UnknownAddress(String),
}

impl Outcome {
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Counted { .. }
            | Outcome::Posted { .. }
            | Outcome::Refused { .. }
            | Outcome::Ignored(_) => 0,
            Outcome::Malformed(_) => 65,
            Outcome::UnknownAddress(_) => 67,
        }
    }

    /// Whether something changed that other instances should see.
    pub fn changed(&self) -> bool {
        matches!(self, Outcome::Counted { .. } | Outcome::Posted { .. })
    }
}

/// Reads one message sent to `recipient` (the MTA's `${recipient}`), else to the address its
/// delivery headers name (`X-Original-To`, `Delivered-To`, `To`), and says what it asks of
/// the database, or, when nothing, how it ends. `sender`: the envelope sender, when the MTA
/// gives it (`${sender}`). Needs no database: mail to unknown addresses and forged tokens is
/// answered without one.
pub fn read(
    addresses: Addresses<'_>,
    raw: &[u8],
    recipient: Option<&str>,
    sender: Option<&str>,
) -> Result<Action, Outcome> {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Err(Outcome::Malformed("no message headers".into()));
    };
    let candidates = match recipient {
        Some(address) => vec![address.to_string()],
        None => addressed_to(&message),
    };
    let routed = candidates
        .iter()
        .find_map(|address| route(address, addresses));
    let Some((mailbox, token)) = routed else {
        return Err(Outcome::UnknownAddress(format!(
            "not an address Fora reads: {}",
            candidates.first().map_or("(none)", String::as_str)
        )));
    };
    match mailbox {
        Mailbox::Bounces(path) => bounce(path, &message, token),
        Mailbox::Reply(reply_addresses) => {
            let Some(tag) = reply_addresses.verify(token) else {
                return Err(Outcome::UnknownAddress(format!(
                    "a reply address Fora did not make: reply+{token}"
                )));
            };
            let own: Vec<&str> = [addresses.return_path.map(ReturnPath::domain)]
                .into_iter()
                .flatten()
                .chain([reply_addresses.domain()])
                .collect();
            reply::read(&message, raw, tag, sender, &own).map(Action::Reply)
        }
    }
}

/// Counts a bounce that [`read`] found, in one write transaction.
pub async fn act(
    db: &DatabaseConnection,
    threshold_points: i32,
    holder: Holder,
    severity: bounces::Severity,
    reason: String,
) -> Result<Outcome, DbErr> {
    let at = crate::db::now();
    let recorded = bounces::record(db, holder, severity, &reason, threshold_points, at).await?;
    Ok(match recorded {
        Recorded::Counted { points, suppressed } => Outcome::Counted {
            holder,
            points,
            suppressed,
        },
        Recorded::Unknown => Outcome::Ignored(format!("{holder:?} is gone")),
    })
}

/// The addresses a message was delivered to, as its headers say, the MTA's own first.
fn addressed_to(message: &Message<'_>) -> Vec<String> {
    let mut found = Vec::new();
    for name in ["X-Original-To", "Delivered-To"] {
        for value in message.header_values(name) {
            if let Some(text) = value.as_text() {
                found.push(text.trim().to_string());
            }
        }
    }
    for address in message.to().into_iter().flat_map(|to| to.iter()) {
        if let Some(address) = address.address() {
            found.push(address.to_string());
        }
    }
    found
}

fn bounce(path: &ReturnPath, message: &Message<'_>, token: &str) -> Result<Action, Outcome> {
    let Some(tag) = path.verify(token) else {
        return Err(Outcome::UnknownAddress(format!(
            "a return path Fora did not make: bounces+{token}"
        )));
    };
    let (severity, reason) = match dsn::read(message, path.domain()) {
        dsn::Report::Failure { severity, reason } => (severity, reason),
        dsn::Report::NoFailure => return Err(Outcome::Ignored("no failed delivery".into())),
        dsn::Report::AutoReply => return Err(Outcome::Ignored("an automatic reply".into())),
        dsn::Report::Loop => return Err(Outcome::Ignored("a report about a report".into())),
    };
    let holder = match tag.recipient {
        Recipient::Subscriber(id) => Holder::Subscriber(id),
        Recipient::Member(id) => Holder::Member(id),
        Recipient::Newcomer => {
            return Err(Outcome::Ignored(
                "a bounce for an address with no account or subscription".into(),
            ));
        }
    };
    Ok(Action::CountBounce {
        holder,
        severity,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_read_whole_up_to_the_limit_and_refused_past_it() {
        let small = vec![b'a'; 100];
        assert_eq!(
            read_limited(&small[..], 100).expect("read"),
            Some(small.clone())
        );
        assert_eq!(read_limited(&small[..], 99).expect("read"), None);
    }
}
