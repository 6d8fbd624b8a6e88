//! The mail queue: every message that is not a newsletter edition (invitations, password
//! links and notices, newsletter confirmations, notifications and summaries).
//!
//! [`enqueue`] builds the message once — its `Message-ID` and `Date` fixed — and stores it in
//! `mail_queue` within the caller's transaction, so the mail exists exactly when the change
//! that causes it does: a crash before the commit loses both, a crash after it loses neither.
//! The worker ([`run`] in `fora serve`, [`drain`] for the command line) claims due rows under
//! a lease (see [`super::lease`]), writes each to the transport only before the usable part
//! of its lease is over, and marks a row `sent` only once the server accepted it. A crash
//! between acceptance and the mark sends that message again when the lease runs out: the very
//! same bytes, so with the same `Message-ID`. Temporary failures are retried with growing
//! delays, permanent ones recorded. A row's body is emptied once it is sent or given up (it
//! may hold a password link), and settled rows are pruned after [`KEEP_SETTLED`].

use std::time::Duration;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, Statement,
};
use tokio::sync::watch;

use super::{
    AutoSubmitted, Deadline, Email, Mailer, Origin, Prepared, SendError, bounces,
    lease::{self, backoff, usable_part},
    new_message_id,
    verp::{Recipient, Sent, Tag},
};
use crate::{
    db::now,
    entities::{states::DeliveryStatus, users},
};

const TABLE: &str = "mail_queue";
/// Most rows claimed at once.
const BATCH: u64 = 50;
/// After this many temporary failures a message is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// How often the idle worker looks for due rows (it is also woken at once after a change).
const IDLE_POLL: Duration = Duration::from_secs(2);
/// How long sent and failed rows are kept (without their bodies) before they are pruned.
pub const KEEP_SETTLED: Duration = Duration::from_secs(30 * 24 * 3600);
/// A stored error message is cut to this many characters.
const ERROR_CHARS: usize = 500;

/// What a queued message is; it names the message (`Message-ID`) and the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Invitation,
    PasswordReset,
    PasswordChanged,
    NewsletterConfirm,
    NewsletterAlreadySubscribed,
    Notification,
    Summary,
    /// Something handed to someone: a held post, a report, a learning to review, a decision.
    Handoff,
    /// The daily list of what still waits for someone.
    WaitingDigest,
    /// The answer to a reply by mail that was not posted (why, and the thread's link).
    ReplyRefused,
    /// The answer to a reply by mail that was posted (or is held for approval): its link.
    ReplyPosted,
    /// An admin's invitation to review learnings from outside (an account in no forum).
    ReviewerInvitation,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::PasswordReset => "password-reset",
            Kind::PasswordChanged => "password-changed",
            Kind::NewsletterConfirm => "newsletter-confirm",
            Kind::NewsletterAlreadySubscribed => "newsletter-subscribed",
            Kind::Notification => "notification",
            Kind::Summary => "summary",
            Kind::Handoff => "handoff",
            Kind::WaitingDigest => "waiting",
            Kind::ReplyRefused => "reply-refused",
            Kind::ReplyPosted => "reply-posted",
            Kind::ReviewerInvitation => "reviewer-invitation",
        }
    }

    /// Why no person wrote it: an invitation is a member's act, everything else is Fora's,
    /// and an answer to mail that came in says so.
    const fn automatic(self) -> Option<AutoSubmitted> {
        match self {
            Kind::Invitation | Kind::ReviewerInvitation => None,
            Kind::ReplyRefused | Kind::ReplyPosted => Some(AutoSubmitted::Replied),
            _ => Some(AutoSubmitted::Generated),
        }
    }

    /// Every kind, in the order of their numbers in return paths: new kinds go at the end,
    /// since the numbers are in return paths already mailed.
    const ALL: [Kind; 12] = [
        Kind::Invitation,
        Kind::PasswordReset,
        Kind::PasswordChanged,
        Kind::NewsletterConfirm,
        Kind::NewsletterAlreadySubscribed,
        Kind::Notification,
        Kind::Summary,
        Kind::Handoff,
        Kind::WaitingDigest,
        Kind::ReplyRefused,
        Kind::ReplyPosted,
        Kind::ReviewerInvitation,
    ];

    /// Its number in return paths (`verp::Sent::Queued`).
    pub fn code(self) -> u8 {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0) as u8
    }

    pub fn from_code(code: u8) -> Option<Kind> {
        Kind::ALL.get(usize::from(code)).copied()
    }

    fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether it goes to a subscription rather than to an account.
    const fn for_subscriber(self) -> bool {
        matches!(
            self,
            Kind::NewsletterConfirm | Kind::NewsletterAlreadySubscribed
        )
    }

    /// Sent even to an address suppressed after bounces: a password link the person asked
    /// for just now, without which a member whose address works again could never sign in
    /// to say so.
    const fn sent_when_suppressed(self) -> bool {
        matches!(self, Kind::PasswordReset)
    }

    /// Whether it is held back for an address suppressed as a subscriber's, not only as a
    /// member's: mail to a subscription or a newcomer. A member's own mail follows the
    /// member's record, whose bounces they are told about when they sign in.
    const fn held_for_a_subscriber(self) -> bool {
        self.for_subscriber() || matches!(self, Kind::Invitation | Kind::ReviewerInvitation)
    }

    /// Whether a message of this kind to `address` must not be sent.
    fn held_back(self, suppressed: &bounces::Suppressed, address: &str) -> bool {
        !self.sent_when_suppressed()
            && (suppressed.members.contains(address)
                || (self.held_for_a_subscriber() && suppressed.subscribers.contains(address)))
    }
}

/// Who a message to `address` goes to, for its return path: the subscription (for the
/// newsletter's own mail) or the account with that address, else a newcomer.
async fn recipient(
    db: &impl ConnectionTrait,
    kind: Kind,
    address: &str,
) -> Result<Recipient, DbErr> {
    #[derive(FromQueryResult)]
    struct Found {
        id: i32,
    }
    let table = if kind.for_subscriber() {
        "subscribers"
    } else {
        "users"
    };
    let found = Found::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!("SELECT id FROM {table} WHERE email = $1"),
        [address.to_lowercase().into()],
    ))
    .one(db)
    .await?;
    Ok(match (found, kind.for_subscriber()) {
        (Some(row), true) => Recipient::Subscriber(row.id),
        (Some(row), false) => Recipient::Member(row.id),
        (None, _) => Recipient::Newcomer,
    })
}

/// Why a message was not queued.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    /// It cannot be built (an address that is not one): queuing it again cannot help.
    #[error("message not built: {0}")]
    Unbuildable(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Builds (and signs) `email` and stores it to be sent, in the caller's transaction. A
/// message that already has a `Message-ID` is queued at most once: that id makes queuing it
/// idempotent (several instances may try to queue the same daily message).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    origin: Origin<'_>,
    kind: Kind,
    mut email: Email,
) -> Result<(), EnqueueError> {
    let sender: lettre::message::Mailbox = origin
        .from
        .parse()
        .map_err(|err| EnqueueError::Unbuildable(format!("FORA_FROM: {err}")))?;
    if email.message_id.is_none() {
        email.message_id = Some(new_message_id(kind.as_str(), sender.email.domain()));
    }
    email.automatic = kind.automatic();
    if origin.return_path.is_some() {
        email.tag = Some(Tag {
            recipient: recipient(db, kind, &email.to).await?,
            sent: Sent::Queued(kind.code()),
        });
    }
    let message = Mailer::prepare(origin, &email)
        .map_err(|err| EnqueueError::Unbuildable(err.to_string()))?;
    let (sender, recipient) = message.addresses();
    let at = now();
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO mail_queue
             (kind, sender, recipient, message_id, message, status, attempts, next_attempt_at,
              created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $7)
         ON CONFLICT (message_id) DO NOTHING",
        [
            kind.as_str().into(),
            sender.into(),
            recipient.into(),
            email.message_id.into(),
            message.bytes().to_vec().into(),
            DeliveryStatus::Queued.into(),
            at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// What a run of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub sent: u64,
    pub retry_later: u64,
    pub failed: u64,
}

#[derive(FromQueryResult)]
struct Claimed {
    id: i32,
    kind: String,
    sender: String,
    recipient: String,
    message: Vec<u8>,
    attempts: i32,
}

/// What the worker needs: the database, the transport, and the length of a lease
/// (`FORA_MAIL_LEASE`, shared with the newsletter).
#[derive(Clone, Copy)]
pub struct Sender<'a> {
    pub db: &'a DatabaseConnection,
    pub mailer: &'a Mailer,
    pub lease: Duration,
}

/// Sends everything due, batch after batch, until a claim finds nothing or `stop` is set.
pub async fn send_due(sender: Sender<'_>, stop: &watch::Receiver<bool>) -> Result<Summary, DbErr> {
    let Sender {
        db,
        mailer,
        lease: lease_length,
    } = sender;
    let owner = lease::run_owner();
    let mut summary = Summary::default();
    while !*stop.borrow() {
        let deadline = Deadline::after(usable_part(lease_length));
        let mut rows: Vec<Claimed> = lease::claim(
            db,
            TABLE,
            "id, kind, sender, recipient, message, attempts",
            &owner,
            lease_length,
            BATCH,
        )
        .await?;
        if rows.is_empty() {
            break;
        }
        rows.sort_by_key(|row| row.id);
        let recipients: Vec<String> = rows
            .iter()
            .map(|row| row.recipient.to_lowercase())
            .collect();
        let suppressed = bounces::suppressed_among(db, &recipients).await?;
        let mut untried = Vec::new();
        for row in rows {
            if *stop.borrow() || deadline.passed() {
                untried.push(row.id);
                continue;
            }
            let address = row.recipient.to_lowercase();
            let held = Kind::parse(&row.kind).is_some_and(|k| k.held_back(&suppressed, &address));
            if held {
                summary.failed += 1;
                settle(
                    db,
                    &owner,
                    row.id,
                    Some((&SendError::Suppressed, false)),
                    row.attempts,
                )
                .await?;
                continue;
            }
            let sent = match Prepared::stored(&row.sender, &row.recipient, row.message) {
                Ok(message) => mailer.deliver_prepared(&message, &deadline).await,
                Err(err) => Err(err),
            };
            match sent {
                Ok(()) => {
                    summary.sent += settle(db, &owner, row.id, None, row.attempts).await?;
                    let to = users::Column::Email.eq(address);
                    bounces::accepted(db, "users", to, now()).await?;
                }
                Err(SendError::Expired) => untried.push(row.id),
                Err(error) => {
                    let retry = retry_later(&error, row.attempts);
                    if retry {
                        summary.retry_later += 1;
                    } else {
                        summary.failed += 1;
                    }
                    settle(db, &owner, row.id, Some((&error, retry)), row.attempts).await?;
                }
            }
        }
        lease::release(db, TABLE, &owner, &untried).await?;
    }
    Ok(summary)
}

fn retry_later(error: &SendError, attempts: i32) -> bool {
    !matches!(error, SendError::Permanent(_) | SendError::Invalid(_)) && attempts + 1 < MAX_ATTEMPTS
}

/// Records what happened to a row this run still holds: sent (`failure` is `None`), queued
/// again after a growing delay, or failed. A message that leaves the queue loses its body.
/// Returns how many rows were written (0 when the lease was lost meanwhile).
async fn settle(
    db: &DatabaseConnection,
    owner: &str,
    id: i32,
    failure: Option<(&SendError, bool)>,
    attempts: i32,
) -> Result<u64, DbErr> {
    let at = now();
    let attempts = attempts + 1;
    let (status, next_attempt_at, error) = match failure {
        None => (DeliveryStatus::Sent, at, None),
        Some((error, true)) => {
            let error: String = error.to_string().chars().take(ERROR_CHARS).collect();
            tracing::info!(mail = id, attempts, %error, "mail will be retried");
            (DeliveryStatus::Queued, at + backoff(attempts), Some(error))
        }
        Some((error, false)) => {
            let error: String = error.to_string().chars().take(ERROR_CHARS).collect();
            tracing::warn!(mail = id, attempts, %error, "mail not sent: given up");
            (DeliveryStatus::Failed, at, Some(error))
        }
    };
    let sent_at = (status == DeliveryStatus::Sent).then_some(at);
    let keeps_body = status == DeliveryStatus::Queued;
    let written = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE mail_queue SET status = $1, attempts = $2, next_attempt_at = $3,
                    last_error = $4, sent_at = $5, updated_at = $6,
                    message = CASE WHEN $7 THEN message ELSE $8 END,
                    lease_owner = NULL, lease_until = NULL
             WHERE id = $9 AND lease_owner = $10",
            [
                status.into(),
                attempts.into(),
                next_attempt_at.into(),
                error.into(),
                sent_at.into(),
                at.into(),
                keeps_body.into(),
                Vec::<u8>::new().into(),
                id.into(),
                owner.into(),
            ],
        ))
        .await?;
    Ok(written.rows_affected())
}

/// Deletes sent and failed rows last touched before `before`.
pub async fn prune(db: &DatabaseConnection, before: time::OffsetDateTime) -> Result<u64, DbErr> {
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "DELETE FROM mail_queue WHERE status IN ($1, $2) AND updated_at < $3",
            [
                DeliveryStatus::Sent.into(),
                DeliveryStatus::Failed.into(),
                before.into(),
            ],
        ))
        .await?
        .rows_affected())
}

/// Sends everything due now, then returns (the command line, before it exits). What cannot be
/// sent now stays queued for `fora serve`.
pub async fn drain(sender: Sender<'_>) -> Result<Summary, DbErr> {
    let (_keep, stop) = watch::channel(false);
    send_due(sender, &stop).await
}

/// The worker inside `fora serve`: sends while anything is due, then waits to be woken (mail
/// was queued) or for its next look. Stops between messages when asked to.
pub async fn run(sender: Sender<'_>, wake: &tokio::sync::Notify, stop: watch::Receiver<bool>) {
    let mut stop_wait = stop.clone();
    loop {
        if *stop.borrow() {
            return;
        }
        match send_due(sender, &stop).await {
            Ok(summary) if summary != Summary::default() => {
                tracing::info!(
                    sent = summary.sent,
                    retry_later = summary.retry_later,
                    failed = summary.failed,
                    "mail sent"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "mail queue not emptied; will retry"),
        }
        tokio::select! {
            _ = tokio::time::sleep(IDLE_POLL) => {}
            _ = wake.notified() => {}
            _ = stop_wait.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    /// Return paths already mailed carry these numbers: a new kind is appended, none moves.
    #[test]
    fn kinds_keep_their_numbers() {
        let numbered = [
            (Kind::Invitation, 0),
            (Kind::PasswordReset, 1),
            (Kind::PasswordChanged, 2),
            (Kind::NewsletterConfirm, 3),
            (Kind::NewsletterAlreadySubscribed, 4),
            (Kind::Notification, 5),
            (Kind::Summary, 6),
            (Kind::Handoff, 7),
            (Kind::WaitingDigest, 8),
            (Kind::ReplyRefused, 9),
            (Kind::ReplyPosted, 10),
            (Kind::ReviewerInvitation, 11),
        ];
        for (kind, code) in numbered {
            assert_eq!(kind.code(), code, "{kind:?}");
            assert_eq!(Kind::from_code(code), Some(kind));
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert!(kind.as_str().len() <= 32, "the kind column's width");
        }
        assert_eq!(Kind::from_code(12), None);
    }
}
