//! Delivering editions: the durable outbox (`deliveries`, one row per edition and subscriber,
//! unique) and the worker that empties it.
//!
//! The worker claims a batch of due rows by setting a lease (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`, so instances never claim the same row; SQLite: one writer at a time), sends each
//! message through the pooled SMTP transport, and marks a row `sent` only after the server has
//! accepted the message — never when it was fetched. A crash between acceptance and the mark
//! leaves the row queued with its lease; when the lease runs out the row is sent again, with
//! the same `Message-ID`. Each sender waits for its mark to be written before it takes the next
//! message, so the messages that can be sent twice after a crash are at most the messages in
//! flight (the concurrency). A lease is never used past its end minus a safety margin, so two
//! instances never send the same row.
//!
//! Temporary failures (4xx, dropped connections, timeouts) are retried with growing delays;
//! permanent ones (5xx) are recorded, and an address refused permanently again and again is
//! suppressed. Subscribers are read afresh for every batch: someone who unsubscribed (their
//! queued rows are cancelled at once) or left a forum is sent nothing more or nothing of it.

use std::{
    collections::HashMap,
    fmt,
    num::NonZeroU32,
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Statement, Value,
};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot, watch};

use super::{
    compose::{self, EditionContent},
    edition_status::{EMPTY, SCHEDULED, SENDING, SENT},
    subscriber_status::{ACTIVE, SUPPRESSED},
};
use crate::{
    config::NewsletterConfig,
    db::{begin_write, now},
    mail::SendError,
    web::AppState,
};

/// Delivery states.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const CANCELLED: &str = "cancelled";
    pub const SKIPPED: &str = "skipped";
}
use status::{CANCELLED, FAILED, QUEUED, SKIPPED};

/// The part of a lease (configured by `FORA_MAIL_LEASE`) in which nothing new is sent: it
/// leaves room for the last message's SMTP exchange (bounded by `SMTP_TIMEOUT` in mail.rs) and
/// for clocks that differ a little between instances.
fn usable_part(lease: Duration) -> Duration {
    lease.mul_f64(0.7)
}
/// Most rows claimed at once.
const MAX_BATCH: u64 = 500;
/// After this many temporary failures a delivery is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// Permanent refusals (over all editions) after which an address is suppressed.
pub const SUPPRESS_AFTER: i32 = 3;
/// How often the idle worker looks for due rows (it is also woken at once by `enqueue`).
const IDLE_POLL: Duration = Duration::from_secs(5);
/// A stored error message is cut to this many characters.
const ERROR_CHARS: usize = 500;

/// The wait before the next try after `attempts` temporary failures: 1, 2, 4, … minutes,
/// at most 2 hours.
pub fn backoff(attempts: i32) -> Duration {
    let minutes = 1u64 << attempts.clamp(1, 8).saturating_sub(1);
    Duration::from_secs((minutes * 60).min(7_200))
}

/// Queues an edition for every active subscriber of its frequency, and moves it to `sending`.
/// Safe to call twice or from two instances: the unique (edition, subscriber) key adds nobody
/// twice. Returns how many deliveries were added. An edition already sent is left alone.
pub async fn enqueue(db: &DatabaseConnection, edition_id: i32) -> Result<u64, DbErr> {
    let txn = begin_write(db).await?;
    let backend = txn.get_database_backend();
    let at = now();
    let moved = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE editions SET status = $1, queued_at = COALESCE(queued_at, $2), updated_at = $2
             WHERE id = $3 AND status IN ($4, $5, $1)",
            [
                SENDING.into(),
                at.into(),
                edition_id.into(),
                SCHEDULED.into(),
                EMPTY.into(),
            ],
        ))
        .await?;
    if moved.rows_affected() == 0 {
        txn.rollback().await?;
        return Ok(0);
    }
    let added = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO deliveries
                 (edition_id, subscriber_id, status, attempts, next_attempt_at, created_at, updated_at)
             SELECT $1, s.id, $2, 0, $3, $3, $3 FROM subscribers s
             WHERE s.status = $4 AND s.frequency = (SELECT frequency FROM editions WHERE id = $1)
             ON CONFLICT (edition_id, subscriber_id) DO NOTHING",
            [edition_id.into(), QUEUED.into(), at.into(), ACTIVE.into()],
        ))
        .await?
        .rows_affected();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE editions SET recipients = (SELECT COUNT(*) FROM deliveries WHERE edition_id = $1)
         WHERE id = $1",
        [edition_id.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(added)
}

/// Puts an edition's failed deliveries (and only those) back in the queue, due now. Addresses
/// that are suppressed or unsubscribed stay out. Returns how many were requeued.
pub async fn retry_failed(db: &DatabaseConnection, edition_id: i32) -> Result<u64, DbErr> {
    let txn = begin_write(db).await?;
    let backend = txn.get_database_backend();
    let at = now();
    let requeued = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE deliveries SET status = $1, attempts = 0, next_attempt_at = $2, updated_at = $2,
                    lease_owner = NULL, lease_until = NULL
             WHERE edition_id = $3 AND status = $4
               AND subscriber_id IN (SELECT id FROM subscribers WHERE status = $5)",
            [
                QUEUED.into(),
                at.into(),
                edition_id.into(),
                FAILED.into(),
                ACTIVE.into(),
            ],
        ))
        .await?
        .rows_affected();
    if requeued > 0 {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE editions SET status = $1, finished_at = NULL, updated_at = $2
             WHERE id = $3 AND status = $4",
            [SENDING.into(), at.into(), edition_id.into(), SENT.into()],
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(requeued)
}

/// Counts of one edition's deliveries by state, for the admin pages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub cancelled: i64,
    pub skipped: i64,
}

pub async fn progress(db: &impl ConnectionTrait, edition_id: i32) -> Result<Progress, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        status: String,
        n: i64,
    }
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT status, COUNT(*) AS n FROM deliveries WHERE edition_id = $1 GROUP BY status",
        [edition_id.into()],
    ))
    .all(db)
    .await?;
    let mut progress = Progress::default();
    for row in rows {
        let slot = match row.status.as_str() {
            QUEUED => &mut progress.queued,
            status::SENT => &mut progress.sent,
            FAILED => &mut progress.failed,
            CANCELLED => &mut progress.cancelled,
            SKIPPED => &mut progress.skipped,
            _ => continue,
        };
        *slot = row.n;
    }
    Ok(progress)
}

/// What a run of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub sent: u64,
    pub retry_later: u64,
    pub failed: u64,
    pub skipped: u64,
    pub cancelled: u64,
}

impl Summary {
    fn add(&mut self, other: Summary) {
        self.sent += other.sent;
        self.retry_later += other.retry_later;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.cancelled += other.cancelled;
    }

    fn handled(&self) -> u64 {
        self.sent + self.retry_later + self.failed + self.skipped + self.cancelled
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} sent, {} to retry later, {} failed, {} with nothing new, {} cancelled",
            self.sent, self.retry_later, self.failed, self.skipped, self.cancelled
        )
    }
}

/// One claimed row.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Claimed {
    pub id: i32,
    pub edition_id: i32,
    pub subscriber_id: i32,
    pub attempts: i32,
}

/// How many rows one claim takes: enough to keep every sender busy, and — when the rate is
/// limited — no more than can be sent well within the lease.
pub fn batch_size(config: &NewsletterConfig) -> u64 {
    let by_concurrency = config.concurrency as u64 * 32;
    let by_rate = match config.rate_per_second {
        0 => MAX_BATCH,
        rate => u64::from(rate) * 60,
    };
    by_concurrency.min(by_rate).clamp(1, MAX_BATCH)
}

/// Claims up to `limit` due rows for `owner`: queued, due, and not leased by anyone (or
/// leased by a worker that is gone: its lease ran out). The order follows the
/// `(status, next_attempt_at)` index, so a claim reads only the rows it takes instead of
/// sorting the whole queue. Returned in id order.
pub async fn claim(
    db: &DatabaseConnection,
    owner: &str,
    lease: Duration,
    limit: u64,
) -> Result<Vec<Claimed>, DbErr> {
    let at = now();
    let lock = match db.get_database_backend() {
        DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "UPDATE deliveries SET lease_owner = $1, lease_until = $2, updated_at = $3
             WHERE id IN (
                 SELECT id FROM deliveries
                 WHERE status = $4 AND next_attempt_at <= $3
                   AND (lease_until IS NULL OR lease_until < $3)
                 ORDER BY next_attempt_at, id LIMIT {limit} {lock})
             RETURNING id, edition_id, subscriber_id, attempts"
        ),
        [owner.into(), (at + lease).into(), at.into(), QUEUED.into()],
    );
    let txn = begin_write(db).await?;
    let mut rows = Claimed::find_by_statement(statement).all(&txn).await?;
    txn.commit().await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// The worker: one per process, named so its leases can be told apart.
pub struct Worker {
    state: AppState,
    owner: String,
    limiter: Option<DefaultDirectRateLimiter>,
    /// The editions of the batch being sent.
    editions: HashMap<i32, Arc<EditionContent>>,
}

impl Worker {
    pub fn new(state: AppState) -> Worker {
        let owner = format!(
            "{}-{}",
            std::process::id(),
            crate::accounts::tokens::generate()
                .get(..12)
                .unwrap_or("worker")
        );
        let limiter = NonZeroU32::new(state.config.newsletter.rate_per_second)
            .map(|rate| RateLimiter::direct(Quota::per_second(rate)));
        Worker {
            state,
            owner,
            limiter,
            editions: HashMap::new(),
        }
    }

    async fn content(&mut self, edition_id: i32) -> Result<Option<Arc<EditionContent>>, DbErr> {
        if let Some(content) = self.editions.get(&edition_id) {
            return Ok(Some(content.clone()));
        }
        let Some(content) = compose::load(&self.state.db, &self.state.config, edition_id).await?
        else {
            return Ok(None);
        };
        let content = Arc::new(content);
        self.editions.insert(edition_id, content.clone());
        Ok(Some(content))
    }

    /// Claims one batch and handles every row of it. Returns what happened; an empty summary
    /// means nothing was due.
    pub async fn run_batch(&mut self, stop: &watch::Receiver<bool>) -> anyhow::Result<Summary> {
        let config = &self.state.config.newsletter;
        let claimed = claim(
            &self.state.db,
            &self.owner,
            config.lease,
            batch_size(config),
        )
        .await?;
        if claimed.is_empty() {
            return Ok(Summary::default());
        }
        // Items are read again for every batch: one unpublished or hidden since the last
        // batch does not go out any more.
        self.editions.clear();
        let claimed_at = Instant::now();
        let ids: Vec<i32> = claimed.iter().map(|c| c.subscriber_id).collect();
        let recipients: HashMap<i32, compose::Recipient> =
            compose::recipients(&self.state.db, &ids)
                .await?
                .into_iter()
                .map(|r| (r.subscriber_id, r))
                .collect();
        let mut summary = Summary::default();
        let mut to_send = Vec::with_capacity(claimed.len());
        let mut settled: Vec<(i32, &'static str)> = Vec::new();
        for row in claimed {
            let Some(recipient) = recipients.get(&row.subscriber_id) else {
                settled.push((row.id, CANCELLED));
                summary.cancelled += 1;
                continue;
            };
            let Some(content) = self.content(row.edition_id).await? else {
                settled.push((row.id, CANCELLED));
                summary.cancelled += 1;
                continue;
            };
            match compose::message_for(&self.state.config, &content, recipient) {
                Some(email) => to_send.push((row, email)),
                None => {
                    settled.push((row.id, SKIPPED));
                    summary.skipped += 1;
                }
            }
        }
        self.settle(&settled).await?;

        let (marks, marker) = start_marker(self.state.db.clone(), self.owner.clone());
        let deadline = claimed_at + usable_part(self.state.config.newsletter.lease);
        let concurrency = self.state.config.newsletter.concurrency;
        let state = &self.state;
        let limiter = self.limiter.as_ref();
        let outcomes: Vec<Outcome> = futures_util::stream::iter(to_send)
            .map(|(row, email)| {
                let marks = marks.clone();
                let stop = stop.clone();
                async move {
                    if *stop.borrow() || Instant::now() >= deadline {
                        return Outcome::NotTried(row.id);
                    }
                    if let Some(limiter) = limiter {
                        limiter.until_ready().await;
                    }
                    let result = state.mailer.deliver(&state.config.from, &email).await;
                    match result {
                        Ok(()) => {
                            let (done, written) = oneshot::channel();
                            if marks.send((row.id, done)).await.is_err() {
                                return Outcome::Unmarked;
                            }
                            match written.await {
                                Ok(true) => Outcome::Sent,
                                _ => Outcome::Unmarked,
                            }
                        }
                        Err(error) => Outcome::Failed(row, error),
                    }
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        drop(marks);
        marker.await.ok();

        let mut untried = Vec::new();
        for outcome in outcomes {
            match outcome {
                Outcome::Sent => summary.sent += 1,
                Outcome::Unmarked => {}
                Outcome::NotTried(id) => untried.push(id),
                Outcome::Failed(row, error) => {
                    summary.add(self.record_failure(&row, &error).await?);
                }
            }
        }
        self.release(&untried).await?;
        Ok(summary)
    }

    /// Writes final states for rows that were never sent (cancelled, skipped).
    async fn settle(&self, rows: &[(i32, &'static str)]) -> Result<(), DbErr> {
        for state in [CANCELLED, SKIPPED] {
            let ids: Vec<i32> = rows
                .iter()
                .filter(|(_, s)| *s == state)
                .map(|(id, _)| *id)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let (list, mut values) = id_list(&ids, 4);
            values.splice(
                0..0,
                [state.into(), now().into(), self.owner.clone().into()],
            );
            self.state
                .db
                .execute_raw(Statement::from_sql_and_values(
                    self.state.db.get_database_backend(),
                    format!(
                        "UPDATE deliveries SET status = $1, updated_at = $2, lease_owner = NULL,
                                lease_until = NULL
                         WHERE lease_owner = $3 AND id IN ({list})"
                    ),
                    values,
                ))
                .await?;
        }
        Ok(())
    }

    /// Gives rows back at once (shutting down, or the lease is nearly over).
    async fn release(&self, ids: &[i32]) -> Result<(), DbErr> {
        if ids.is_empty() {
            return Ok(());
        }
        let (list, mut values) = id_list(ids, 2);
        values.insert(0, self.owner.clone().into());
        self.state
            .db
            .execute_raw(Statement::from_sql_and_values(
                self.state.db.get_database_backend(),
                format!(
                    "UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
                     WHERE lease_owner = $1 AND id IN ({list})"
                ),
                values,
            ))
            .await?;
        Ok(())
    }

    async fn record_failure(&self, row: &Claimed, error: &SendError) -> Result<Summary, DbErr> {
        let db = &self.state.db;
        let backend = db.get_database_backend();
        let at = now();
        let message: String = error.to_string().chars().take(ERROR_CHARS).collect();
        let attempts = row.attempts + 1;
        let permanent = matches!(error, SendError::Permanent(_) | SendError::Invalid(_));
        let retry = !permanent && attempts < MAX_ATTEMPTS;
        let (state, next_attempt_at) = if retry {
            tracing::info!(delivery = row.id, attempts, error = %message, "delivery will be retried");
            (QUEUED, at + backoff(attempts))
        } else {
            tracing::warn!(delivery = row.id, attempts, error = %message, "delivery failed");
            (FAILED, at)
        };
        let txn = begin_write(db).await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE deliveries SET status = $1, attempts = $2, next_attempt_at = $3,
                    last_error = $4, lease_owner = NULL, lease_until = NULL, updated_at = $5
             WHERE id = $6 AND lease_owner = $7 AND status = $8",
            [
                state.into(),
                attempts.into(),
                next_attempt_at.into(),
                message.into(),
                at.into(),
                row.id.into(),
                self.owner.clone().into(),
                QUEUED.into(),
            ],
        ))
        .await?;
        if permanent {
            suppress_if_refused_again(&txn, row.subscriber_id, at).await?;
        }
        txn.commit().await?;
        Ok(if retry {
            Summary {
                retry_later: 1,
                ..Default::default()
            }
        } else {
            Summary {
                failed: 1,
                ..Default::default()
            }
        })
    }
}

/// Counts a permanent refusal; at `SUPPRESS_AFTER` the address is suppressed and its queued
/// deliveries cancelled.
async fn suppress_if_refused_again(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    #[derive(FromQueryResult)]
    struct Now {
        status: String,
    }
    let now_status = Now::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE subscribers SET permanent_failures = permanent_failures + 1, updated_at = $1,
                status = CASE WHEN permanent_failures + 1 >= $2 AND status = $3 THEN $4
                              ELSE status END
         WHERE id = $5
         RETURNING status",
        [
            at.into(),
            SUPPRESS_AFTER.into(),
            ACTIVE.into(),
            SUPPRESSED.into(),
            subscriber_id.into(),
        ],
    ))
    .one(db)
    .await?;
    if now_status.is_some_and(|row| row.status == SUPPRESSED) {
        cancel_queued(db, subscriber_id, at).await?;
    }
    Ok(())
}

/// Cancels every delivery still queued for a subscriber (unsubscribed or suppressed): the
/// worker skips them from its next claim on.
pub async fn cancel_queued(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    at: OffsetDateTime,
) -> Result<u64, DbErr> {
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE deliveries SET status = $1, updated_at = $2
             WHERE subscriber_id = $3 AND status = $4",
            [
                CANCELLED.into(),
                at.into(),
                subscriber_id.into(),
                QUEUED.into(),
            ],
        ))
        .await?
        .rows_affected())
}

enum Outcome {
    Sent,
    /// Accepted by the server, but the mark could not be written: the row stays leased and is
    /// sent again when the lease ends (the one duplicate the design allows).
    Unmarked,
    NotTried(i32),
    Failed(Claimed, SendError),
}

type Mark = (i32, oneshot::Sender<bool>);

/// Starts the task that writes `sent` marks for accepted messages, as many as are waiting in
/// one statement (at most the messages in flight), and tells each sender when its mark is
/// stored.
fn start_marker(
    db: DatabaseConnection,
    owner: String,
) -> (mpsc::Sender<Mark>, tokio::task::JoinHandle<()>) {
    let (sender, mut receiver) = mpsc::channel::<Mark>(256);
    let task = tokio::spawn(async move {
        let mut waiting: Vec<Mark> = Vec::new();
        while let Some(first) = receiver.recv().await {
            waiting.push(first);
            while let Ok(more) = receiver.try_recv() {
                waiting.push(more);
            }
            let ids: Vec<i32> = waiting.iter().map(|(id, _)| *id).collect();
            let stored = mark_sent(&db, &owner, &ids).await;
            if let Err(err) = &stored {
                tracing::error!(error = %err, "could not record sent deliveries; they will be sent again when their lease ends");
            }
            for (_, done) in waiting.drain(..) {
                let _ = done.send(stored.is_ok());
            }
        }
    });
    (sender, task)
}

/// Marks the given rows leased by `owner` as sent (the server accepted their messages).
pub async fn mark_sent(db: &DatabaseConnection, owner: &str, ids: &[i32]) -> Result<(), DbErr> {
    let (list, mut values) = id_list(ids, 4);
    let at = now();
    values.splice(0..0, [status::SENT.into(), at.into(), owner.into()]);
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "UPDATE deliveries SET status = $1, sent_at = $2, updated_at = $2,
                    lease_owner = NULL, lease_until = NULL, last_error = NULL,
                    attempts = attempts + 1
             WHERE lease_owner = $3 AND id IN ({list})"
        ),
        values,
    ))
    .await?;
    Ok(())
}

/// `$first, $first+1, …` for the ids, and the ids as values.
fn id_list(ids: &[i32], first: usize) -> (String, Vec<Value>) {
    let list = (first..first + ids.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    (list, ids.iter().map(|id| (*id).into()).collect())
}

/// Marks as sent the editions with nothing left queued.
pub async fn finish_editions(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let at = now();
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE editions SET status = $1, finished_at = $2, updated_at = $2
             WHERE status = $3 AND NOT EXISTS (
                 SELECT 1 FROM deliveries d WHERE d.edition_id = editions.id AND d.status = $4)",
            [SENT.into(), at.into(), SENDING.into(), QUEUED.into()],
        ))
        .await?
        .rows_affected())
}

/// Sends everything due now, then returns (`fora newsletter send-due`). Retries scheduled for
/// later stay queued for the server's worker or the next run.
pub async fn drain(state: &AppState) -> anyhow::Result<Summary> {
    let (_keep, stop) = watch::channel(false);
    let mut worker = Worker::new(state.clone());
    let mut total = Summary::default();
    loop {
        let summary = worker.run_batch(&stop).await?;
        if summary.handled() == 0 {
            break;
        }
        total.add(summary);
    }
    finish_editions(&state.db).await?;
    Ok(total)
}

/// The worker inside `fora serve`: sends while anything is due, then waits to be woken (an
/// edition queued) or for its next look. Stops between messages when asked to.
pub async fn run(state: AppState, stop: watch::Receiver<bool>) {
    let mut worker = Worker::new(state.clone());
    let mut stop_wait = stop.clone();
    loop {
        if *stop.borrow() {
            return;
        }
        let busy = match worker.run_batch(&stop).await {
            Ok(summary) => {
                if summary.handled() > 0 {
                    tracing::debug!(%summary, "newsletter batch");
                }
                summary.handled() > 0
            }
            Err(err) => {
                tracing::warn!(error = %err, "newsletter delivery failed; will retry");
                false
            }
        };
        if busy {
            continue;
        }
        if let Err(err) = finish_editions(&state.db).await {
            tracing::warn!(error = %err, "could not close finished editions");
        }
        tokio::select! {
            _ = tokio::time::sleep(IDLE_POLL) => {}
            _ = state.wake_newsletter.notified() => {}
            _ = stop_wait.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(2), Duration::from_secs(120));
        assert_eq!(backoff(3), Duration::from_secs(240));
        assert_eq!(backoff(7), Duration::from_secs(64 * 60));
        assert_eq!(backoff(8), Duration::from_secs(7_200));
        assert_eq!(backoff(100), Duration::from_secs(7_200));
        assert_eq!(backoff(-5), Duration::from_secs(60));
    }

    #[test]
    fn id_lists_number_their_placeholders() {
        let (list, values) = id_list(&[7, 8, 9], 3);
        assert_eq!(list, "$3, $4, $5");
        assert_eq!(values.len(), 3);
    }
}
