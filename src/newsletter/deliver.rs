//! Delivering editions: the durable outbox (`deliveries`, one row per edition and subscriber,
//! unique) and the worker that empties it.
//!
//! The worker claims a batch of due rows by setting a lease (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`, so instances never claim the same row; SQLite: one writer at a time), sends each
//! message through the pooled SMTP transport, and marks a row `sent` only after the server has
//! accepted the message — never when it was fetched. A crash between acceptance and the mark
//! leaves the row queued with its lease; when the lease runs out the row is sent again, with
//! the same `Message-ID`. A message holds a place in a bounded window (`in_flight`) from before
//! it is sent until its mark is written, so the messages that can be sent twice after a crash
//! are at most the messages in flight.
//!
//! Each run holds its leases under a name of its own. A message is written to the SMTP server
//! only before the usable part of its lease is over (the transport checks a [`Deadline`] just
//! before writing it; once one has passed, the run sends nothing more and leaves the rest to
//! the next claim), and a row is marked `sent`, released or retried only while that run still
//! holds it. Another instance claims a row only after its lease ended, so it never sends a row
//! this one still may: the one message both can send is one written just before its deadline
//! whose answer and mark took longer than the rest of the lease (the instance stalled in
//! between), at most the messages in flight, with the same `Message-ID`.
//!
//! Temporary failures (4xx, dropped connections, timeouts) are retried with growing delays;
//! permanent ones (5xx) are recorded and counted as hard bounces (`mail::bounces`), so an
//! address refused again and again is suppressed. Subscribers are read afresh for every
//! batch: someone who unsubscribed (their queued rows are cancelled at once) or left a forum
//! is sent nothing more or nothing of it.

use std::{
    collections::{HashMap, HashSet, hash_map::Entry},
    fmt,
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Statement,
    sea_query::{Expr, Query},
};
use time::OffsetDateTime;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use super::compose::{self, EditionContent};
use crate::{
    config::NewsletterConfig,
    db::{begin_write, now},
    entities::{
        deliveries,
        states::{DeliveryStatus, EditionStatus, SubscriberStatus},
        subscribers,
    },
    mail::{
        Deadline, Mailer, Prepared, SendError, bounces,
        lease::{self, backoff, usable_part},
    },
    web::AppState,
};

/// The most messages in flight for a number of senders: being sent, or accepted with their
/// `sent` mark not yet stored. Eight per sender, so a sender goes on while its last marks are
/// written: waiting for each mark halved the rate on PostgreSQL, and 8 sent 5–10 % more than
/// 4 (docs/BENCHMARKS.md). A crash can send at most these again, with the same `Message-ID`:
/// at 13,000 messages a second, the last 5 ms of sending.
pub fn in_flight(senders: usize) -> usize {
    senders.max(1) * 8
}
/// How many rows are checked at once, just before they are sent, for a cancellation since
/// their claim: a subscriber who unsubscribes while their edition is being sent gets nothing
/// unless their message is among the next this many (or already in flight).
const RECHECK_EVERY: usize = 32;
/// Most rows claimed at once.
const MAX_BATCH: u64 = 500;
/// The queue table.
const TABLE: &str = "deliveries";
/// After this many temporary failures a delivery is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// How often the idle worker looks for due rows (it is also woken at once by `enqueue`).
const IDLE_POLL: Duration = Duration::from_secs(5);
/// A stored error message is cut to this many characters.
const ERROR_CHARS: usize = 500;

/// How many subscribers an edition would be sent to now: the active ones of its frequency,
/// as [`enqueue`] chooses them. What the admin is told before sending.
pub async fn audience_size(db: &impl ConnectionTrait, edition_id: i32) -> Result<u64, DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let count = Count::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT COUNT(*) AS n FROM subscribers s
         WHERE s.status = $2 AND s.frequency = (SELECT frequency FROM editions WHERE id = $1)",
        [edition_id.into(), SubscriberStatus::Active.into()],
    ))
    .one(db)
    .await?;
    Ok(count.map_or(0, |c| c.n.max(0) as u64))
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
                EditionStatus::Sending.into(),
                at.into(),
                edition_id.into(),
                EditionStatus::Scheduled.into(),
                EditionStatus::Empty.into(),
            ],
        ))
        .await?;
    if moved.rows_affected() == 0 {
        txn.rollback().await?;
        return Ok(0);
    }
    // Dated by the day it goes out, not the day it was due (it may go out ahead of time).
    if let Some(edition) = crate::entities::editions::Entity::find_by_id(edition_id)
        .one(&txn)
        .await?
    {
        crate::entities::editions::Entity::update_many()
            .col_expr(
                crate::entities::editions::Column::Subject,
                Expr::value(super::editions::subject(
                    edition.frequency,
                    compose::dated(&edition),
                )),
            )
            .filter(crate::entities::editions::Column::Id.eq(edition_id))
            .exec(&txn)
            .await?;
    }
    let added = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO deliveries
                 (edition_id, subscriber_id, status, attempts, next_attempt_at, created_at, updated_at)
             SELECT $1, s.id, $2, 0, $3, $3, $3 FROM subscribers s
             WHERE s.status = $4 AND s.frequency = (SELECT frequency FROM editions WHERE id = $1)
             ON CONFLICT (edition_id, subscriber_id) DO NOTHING",
            [
                edition_id.into(),
                DeliveryStatus::Queued.into(),
                at.into(),
                SubscriberStatus::Active.into(),
            ],
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
                DeliveryStatus::Queued.into(),
                at.into(),
                edition_id.into(),
                DeliveryStatus::Failed.into(),
                SubscriberStatus::Active.into(),
            ],
        ))
        .await?
        .rows_affected();
    if requeued > 0 {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE editions SET status = $1, finished_at = NULL, updated_at = $2
             WHERE id = $3 AND status = $4",
            [
                EditionStatus::Sending.into(),
                at.into(),
                edition_id.into(),
                EditionStatus::Sent.into(),
            ],
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
        let slot = match DeliveryStatus::parse(&row.status) {
            Some(DeliveryStatus::Queued) => &mut progress.queued,
            Some(DeliveryStatus::Sent) => &mut progress.sent,
            Some(DeliveryStatus::Failed) => &mut progress.failed,
            Some(DeliveryStatus::Cancelled) => &mut progress.cancelled,
            Some(DeliveryStatus::Skipped) => &mut progress.skipped,
            None => continue,
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

/// Claims up to `limit` due rows for `owner` (see [`lease::claim`]), in id order.
pub async fn claim(
    db: &DatabaseConnection,
    owner: &str,
    lease: Duration,
    limit: u64,
) -> Result<Vec<Claimed>, DbErr> {
    lease::claim(
        db,
        TABLE,
        "id, edition_id, subscriber_id, attempts",
        owner,
        lease,
        limit,
    )
    .await
    .map(|mut rows: Vec<Claimed>| {
        rows.sort_by_key(|r| r.id);
        rows
    })
}

/// The worker: one per process. Each run (`send_due`) holds its leases under a name of its
/// own, so that nothing a run does after its leases ran out can touch rows claimed since.
///
/// It is a pipeline. A feeder task claims a batch, reads its subscribers and the edition
/// afresh, builds every message, and hands the rows to the senders through a channel that
/// holds one batch, so the next batch is claimed and built while the current one is being
/// sent. Just before they are sent, rows are checked again in small groups (one cancelled
/// meanwhile is dropped); `concurrency` senders send them and hand their `sent` marks to the
/// marker, within a window that bounds the messages in flight.
pub struct Worker {
    state: AppState,
    limiter: Option<DefaultDirectRateLimiter>,
}

/// A claimed row on its way to a sender: its message built (or why it could not be), and the
/// moment its lease stops being usable.
struct Ready {
    row: Claimed,
    message: Result<Prepared, SendError>,
    deadline: Deadline,
}

/// Why a run stops early: it was asked to (shutting down), or a lease ran out before all of
/// its rows were sent (the process stalled, or the relay is too slow for the lease): the rest
/// is left to the next claim, by this instance or another.
#[derive(Clone)]
struct Halt {
    stop: watch::Receiver<bool>,
    lease_ran_out: Arc<AtomicBool>,
}

impl Halt {
    fn now(&self) -> bool {
        *self.stop.borrow() || self.lease_ran_out.load(Ordering::Relaxed)
    }
}

impl Worker {
    pub fn new(state: AppState) -> Worker {
        let limiter = NonZeroU32::new(state.config.newsletter.rate_per_second)
            .map(|rate| RateLimiter::direct(Quota::per_second(rate)));
        Worker { state, limiter }
    }

    /// Sends everything due, batch after batch, until a claim finds nothing (or `stop` is
    /// set). Returns what happened; an empty summary means nothing was due.
    pub async fn send_due(&self, stop: &watch::Receiver<bool>) -> anyhow::Result<Summary> {
        let config = &self.state.config.newsletter;
        let owner = lease::run_owner();
        let halt = Halt {
            stop: stop.clone(),
            lease_ran_out: Arc::default(),
        };
        let (ready_tx, mut ready_rx) = mpsc::channel::<Ready>(batch_size(config) as usize);
        let feeder = tokio::spawn(feed(
            self.state.clone(),
            owner.clone(),
            halt.clone(),
            ready_tx,
        ));
        let (marks, marker) = start_marker(self.state.db.clone(), owner.clone());
        let window = Arc::new(Semaphore::new(in_flight(config.concurrency)));
        let mut summary = Summary::default();
        let mut untried = Vec::new();
        let mut failure = None;
        {
            let halt = &halt;
            let outcomes = futures_util::stream::poll_fn(|cx| ready_rx.poll_recv(cx))
                .ready_chunks(RECHECK_EVERY)
                .then(|chunk| still_queued(self.state.db.clone(), owner.clone(), chunk))
                .flat_map(futures_util::stream::iter)
                .map(move |checked| {
                    let (window, marks) = (window.clone(), marks.clone());
                    async move {
                        match checked {
                            Ok(ready) => self.send_one(ready, window, marks, halt).await,
                            Err(outcome) => outcome,
                        }
                    }
                })
                .buffer_unordered(config.concurrency);
            futures_util::pin_mut!(outcomes);
            while let Some(outcome) = outcomes.next().await {
                match outcome {
                    Outcome::Accepted => {}
                    Outcome::Withdrawn => summary.cancelled += 1,
                    Outcome::NotTried(id) => untried.push(id),
                    Outcome::LeaseRanOut(id) => {
                        if !halt.lease_ran_out.swap(true, Ordering::Relaxed) {
                            tracing::warn!(
                                delivery = id,
                                "a lease ran out before its deliveries were sent; the rest is \
                                 left to the next claim"
                            );
                        }
                        untried.push(id);
                    }
                    Outcome::Failed(row, error) => {
                        let threshold = self.state.config.bounces.threshold_points;
                        match record_failure(&self.state.db, &owner, &row, &error, threshold).await
                        {
                            Ok(recorded) => summary.add(recorded),
                            // The row keeps its lease and is tried again when that runs out.
                            Err(err) => {
                                failure.get_or_insert(err);
                            }
                        }
                    }
                }
                if untried.len() >= MAX_BATCH as usize {
                    lease::release(&self.state.db, TABLE, &owner, &std::mem::take(&mut untried))
                        .await?;
                }
            }
        }
        // Every sender is gone with the stream: the marker stores the last marks and ends.
        summary.sent += marker.await.unwrap_or(0);
        lease::release(&self.state.db, TABLE, &owner, &untried).await?;
        summary.add(feeder.await??);
        match failure {
            Some(err) => Err(err.into()),
            None => Ok(summary),
        }
    }

    /// Sends one row's message and hands its `sent` mark to the marker. The message holds a
    /// place in the in-flight window from before it is sent until its mark is stored, so the
    /// messages that a crash could leave accepted but unrecorded are never more than the
    /// window, while a sender goes on with its next row as soon as the server has answered.
    async fn send_one(
        &self,
        ready: Ready,
        window: Arc<Semaphore>,
        marks: mpsc::Sender<Mark>,
        halt: &Halt,
    ) -> Outcome {
        let Ready {
            row,
            message,
            deadline,
        } = ready;
        let Ok(place) = window.acquire_owned().await else {
            return Outcome::NotTried(row.id);
        };
        if halt.now() {
            return Outcome::NotTried(row.id);
        }
        let message = match message {
            Ok(message) => message,
            Err(error) => return Outcome::Failed(row, error),
        };
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        match self
            .state
            .mailer
            .deliver_prepared(&message, &deadline)
            .await
        {
            Ok(()) => {}
            Err(SendError::Expired) => return Outcome::LeaseRanOut(row.id),
            Err(error) => return Outcome::Failed(row, error),
        }
        // Should the marker be gone, the row keeps its lease and is sent again after it.
        let _ = marks.send((row.id, place)).await;
        Outcome::Accepted
    }
}

/// Keeps the rows still queued just before they are sent: one unsubscribed (or suppressed)
/// since its batch was claimed had its row cancelled, and gets nothing. When the check
/// cannot be made, the rows are given back untried.
async fn still_queued(
    db: DatabaseConnection,
    owner: String,
    chunk: Vec<Ready>,
) -> Vec<Result<Ready, Outcome>> {
    let ids = chunk.iter().map(|ready| ready.row.id);
    let found: Result<Vec<i32>, DbErr> = deliveries::Entity::find()
        .select_only()
        .column(deliveries::Column::Id)
        .filter(deliveries::Column::LeaseOwner.eq(owner))
        .filter(deliveries::Column::Status.eq(DeliveryStatus::Queued))
        .filter(deliveries::Column::Id.is_in(ids))
        .into_tuple()
        .all(&db)
        .await;
    let queued: HashSet<i32> = match found {
        Ok(ids) => ids.into_iter().collect(),
        Err(err) => {
            tracing::warn!(error = %err, "could not check deliveries before sending them");
            return chunk
                .into_iter()
                .map(|ready| Err(Outcome::NotTried(ready.row.id)))
                .collect();
        }
    };
    chunk
        .into_iter()
        .map(|ready| {
            if queued.contains(&ready.row.id) {
                Ok(ready)
            } else {
                Err(Outcome::Withdrawn)
            }
        })
        .collect()
}

/// The feeder: claims batches while anything is due and the senders are there, and hands
/// their rows over with their messages built. Rows with nobody to send to (unsubscribed since
/// they were queued) or nothing for this subscriber are settled here. Returns how many.
async fn feed(
    state: AppState,
    owner: String,
    halt: Halt,
    ready: mpsc::Sender<Ready>,
) -> Result<Summary, DbErr> {
    let config = &state.config.newsletter;
    let mut summary = Summary::default();
    while !halt.now() {
        // Counted from before the claim, whose lease runs from a moment just before it.
        let deadline = Deadline::after(usable_part(config.lease));
        let claimed = claim(&state.db, &owner, config.lease, batch_size(config)).await?;
        if claimed.is_empty() {
            break;
        }
        let (rows, settled) = build_batch(&state, claimed).await?;
        settle(&state.db, &owner, &settled).await?;
        for (state, _) in &settled {
            match *state {
                DeliveryStatus::Cancelled => summary.cancelled += 1,
                _ => summary.skipped += 1,
            }
        }
        for (row, message) in rows {
            let row = Ready {
                row,
                message,
                deadline,
            };
            if ready.send(row).await.is_err() {
                // The senders stopped (an error); the rest keep their lease until it ends.
                return Ok(summary);
            }
        }
    }
    Ok(summary)
}

type Built = (Claimed, Result<Prepared, SendError>);

/// Reads a batch's subscribers and editions afresh (an item unpublished, a subscriber gone or
/// removed from a forum since the last batch changes what is sent) and builds each message.
/// Returns the rows to send, and the rows to settle without sending with their final state.
async fn build_batch(
    state: &AppState,
    claimed: Vec<Claimed>,
) -> Result<(Vec<Built>, Vec<(DeliveryStatus, i32)>), DbErr> {
    let ids: Vec<i32> = claimed.iter().map(|c| c.subscriber_id).collect();
    let recipients: HashMap<i32, compose::Recipient> = compose::recipients(&state.db, &ids)
        .await?
        .into_iter()
        .map(|r| (r.subscriber_id, r))
        .collect();
    let mut editions: HashMap<i32, Option<EditionContent>> = HashMap::new();
    let mut rows = Vec::with_capacity(claimed.len());
    let mut settled = Vec::new();
    for row in claimed {
        if let Entry::Vacant(slot) = editions.entry(row.edition_id) {
            slot.insert(compose::load(&state.db, &state.config, row.edition_id).await?);
        }
        let content = editions.get(&row.edition_id).and_then(Option::as_ref);
        let (Some(recipient), Some(content)) = (recipients.get(&row.subscriber_id), content) else {
            settled.push((DeliveryStatus::Cancelled, row.id));
            continue;
        };
        match compose::message_for(&state.config, &state.secret, content, recipient) {
            Some(email) => {
                let message = Mailer::prepare(state.mail_origin(), &email);
                rows.push((row, message));
            }
            None => settled.push((DeliveryStatus::Skipped, row.id)),
        }
    }
    Ok((rows, settled))
}

/// Writes final states for rows that were never sent (cancelled, skipped).
async fn settle(
    db: &DatabaseConnection,
    owner: &str,
    rows: &[(DeliveryStatus, i32)],
) -> Result<(), DbErr> {
    for state in [DeliveryStatus::Cancelled, DeliveryStatus::Skipped] {
        let ids: Vec<i32> = rows
            .iter()
            .filter(|(s, _)| *s == state)
            .map(|(_, id)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        deliveries::Entity::update_many()
            .col_expr(deliveries::Column::Status, Expr::value(state))
            .col_expr(deliveries::Column::UpdatedAt, Expr::value(now()))
            .col_expr(deliveries::Column::LeaseOwner, Expr::value(None::<String>))
            .col_expr(
                deliveries::Column::LeaseUntil,
                Expr::value(None::<OffsetDateTime>),
            )
            .filter(deliveries::Column::LeaseOwner.eq(owner))
            .filter(deliveries::Column::Id.is_in(ids))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Records a message that was not accepted: queued again after a growing delay (temporary
/// failures), or failed (permanent ones, or too many attempts).
async fn record_failure(
    db: &DatabaseConnection,
    owner: &str,
    row: &Claimed,
    error: &SendError,
    threshold_points: i32,
) -> Result<Summary, DbErr> {
    let backend = db.get_database_backend();
    let at = now();
    let message: String = error.to_string().chars().take(ERROR_CHARS).collect();
    let attempts = row.attempts + 1;
    let permanent = matches!(error, SendError::Permanent(_) | SendError::Invalid(_));
    let retry = !permanent && attempts < MAX_ATTEMPTS;
    let (state, next_attempt_at) = if retry {
        tracing::info!(delivery = row.id, attempts, error = %message, "delivery will be retried");
        (DeliveryStatus::Queued, at + backoff(attempts))
    } else {
        tracing::warn!(delivery = row.id, attempts, error = %message, "delivery failed");
        (DeliveryStatus::Failed, at)
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
            message.clone().into(),
            at.into(),
            row.id.into(),
            owner.into(),
            DeliveryStatus::Queued.into(),
        ],
    ))
    .await?;
    if permanent {
        count_refusal(&txn, row.subscriber_id, &message, threshold_points, at).await?;
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

/// Counts a permanent refusal as a hard bounce (`mail::bounces`: the score that delivery
/// reports read by `fora mail-in` add to); a subscriber suppressed by it has their queued
/// deliveries cancelled.
async fn count_refusal(
    db: &impl ConnectionTrait,
    subscriber_id: i32,
    reason: &str,
    threshold_points: i32,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE subscribers SET permanent_failures = permanent_failures + 1 WHERE id = $1",
        [subscriber_id.into()],
    ))
    .await?;
    let recorded = bounces::record_in(
        db,
        bounces::Holder::Subscriber(subscriber_id),
        bounces::Severity::Hard,
        reason,
        threshold_points,
        at,
    )
    .await?;
    if matches!(
        recorded,
        bounces::Recorded::Counted {
            suppressed: true,
            ..
        }
    ) {
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
                DeliveryStatus::Cancelled.into(),
                at.into(),
                subscriber_id.into(),
                DeliveryStatus::Queued.into(),
            ],
        ))
        .await?
        .rows_affected())
}

enum Outcome {
    /// No longer queued when it was about to be sent (cancelled meanwhile): not sent.
    Withdrawn,
    /// Accepted by the server; the marker records it (or, if it cannot, the row stays leased
    /// and is sent again when the lease ends: the one duplicate the design allows).
    Accepted,
    NotTried(i32),
    /// Not sent: the usable part of its lease was over by the time it would have been written.
    LeaseRanOut(i32),
    Failed(Claimed, SendError),
}

/// An accepted row, with its place in the in-flight window (given back once it is recorded).
type Mark = (i32, OwnedSemaphorePermit);

/// Starts the task that writes `sent` marks for accepted messages, as many as are waiting in
/// one statement (at most the in-flight window), and gives their places in the window back
/// once the statement is done. Returns how many marks it stored.
fn start_marker(
    db: DatabaseConnection,
    owner: String,
) -> (mpsc::Sender<Mark>, tokio::task::JoinHandle<u64>) {
    let (sender, mut receiver) = mpsc::channel::<Mark>(MAX_BATCH as usize);
    let task = tokio::spawn(async move {
        let mut stored = 0;
        let mut waiting: Vec<Mark> = Vec::new();
        while let Some(first) = receiver.recv().await {
            waiting.push(first);
            while let Ok(more) = receiver.try_recv() {
                waiting.push(more);
            }
            let ids: Vec<i32> = waiting.iter().map(|(id, _)| *id).collect();
            match mark_sent(&db, &owner, &ids).await {
                Ok(marked) => stored += marked,
                Err(err) => {
                    tracing::error!(error = %err, "could not record sent deliveries; they will be sent again when their lease ends")
                }
            }
            waiting.clear();
        }
        stored
    });
    (sender, task)
}

/// Marks the given rows still leased by `owner` as sent (the server accepted their messages);
/// returns how many. A row claimed by another run since (this run's lease ran out) is theirs
/// to send and mark.
pub async fn mark_sent(db: &DatabaseConnection, owner: &str, ids: &[i32]) -> Result<u64, DbErr> {
    use sea_orm::sea_query::ExprTrait;

    let at = now();
    let marked = deliveries::Entity::update_many()
        .col_expr(
            deliveries::Column::Status,
            Expr::value(DeliveryStatus::Sent),
        )
        .col_expr(deliveries::Column::SentAt, Expr::value(at))
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(at))
        .col_expr(deliveries::Column::LeaseOwner, Expr::value(None::<String>))
        .col_expr(
            deliveries::Column::LeaseUntil,
            Expr::value(None::<OffsetDateTime>),
        )
        .col_expr(deliveries::Column::LastError, Expr::value(None::<String>))
        .col_expr(
            deliveries::Column::Attempts,
            Expr::col(deliveries::Column::Attempts).add(1),
        )
        .filter(deliveries::Column::LeaseOwner.eq(owner))
        .filter(deliveries::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    let their_subscribers = Query::select()
        .column(deliveries::Column::SubscriberId)
        .from(deliveries::Entity)
        .and_where(deliveries::Column::Id.is_in(ids.iter().copied()))
        .to_owned();
    let to = Expr::col(subscribers::Column::Id).in_subquery(their_subscribers);
    bounces::accepted(db, "subscribers", to, at).await?;
    Ok(marked.rows_affected)
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
            [
                EditionStatus::Sent.into(),
                at.into(),
                EditionStatus::Sending.into(),
                DeliveryStatus::Queued.into(),
            ],
        ))
        .await?
        .rows_affected())
}

/// Sends everything due now, then returns (`fora newsletter send-due`). Retries scheduled for
/// later stay queued for the server's worker or the next run.
pub async fn drain(state: &AppState) -> anyhow::Result<Summary> {
    let (_keep, stop) = watch::channel(false);
    let state = state.clone();
    // On the runtime's workers, where the sockets' readiness is seen, rather than on the
    // thread that called (the CLI's main thread): every SMTP answer would wake that thread.
    tokio::spawn(async move {
        let summary = Worker::new(state.clone()).send_due(&stop).await?;
        finish_editions(&state.db).await?;
        Ok(summary)
    })
    .await?
}

/// The worker inside `fora serve`: sends while anything is due, then waits to be woken (an
/// edition queued) or for its next look. Stops between messages when asked to.
pub async fn run(state: AppState, stop: watch::Receiver<bool>) {
    let worker = Worker::new(state.clone());
    let mut stop_wait = stop.clone();
    loop {
        if *stop.borrow() {
            return;
        }
        match worker.send_due(&stop).await {
            Ok(summary) if summary.handled() > 0 => {
                tracing::info!(%summary, "newsletter deliveries");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "newsletter delivery failed; will retry"),
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
