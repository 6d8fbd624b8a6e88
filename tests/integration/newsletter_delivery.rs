//! Delivering editions: once per subscriber, through a real SMTP server, across crashes
//! (`kill -9` of the real `fora serve` process) and with two instances on one PostgreSQL
//! database; temporary failures retried, permanent ones recorded and, repeated, suppressed.

use std::{
    collections::HashMap,
    path::Path,
    process::{Child, Command, Stdio},
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use fora::entities::states::{DeliveryStatus, EditionStatus, SubscriberStatus};
use fora::{
    db::now,
    entities::{deliveries, edition_items, editions, subscribers},
    newsletter::deliver::{self, Summary},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    fake_smtp::FakeSmtp,
    smtp::SmtpSink,
    support::{Backend, Options, TestApp, edition_row, skip, subscriber_row},
};

crate::on_both_databases!(
    each_subscriber_gets_the_edition_once,
    unsubscribed_during_sending_gets_nothing,
);

/// Adds `count` active subscribers of a frequency, numbered from `first`; returns their ids
/// in that order.
pub async fn seed_subscribers(
    app: &TestApp,
    first: usize,
    count: usize,
    frequency: &str,
) -> Vec<i32> {
    for chunk_start in (first..first + count).step_by(1000) {
        let chunk_end = (chunk_start + 1000).min(first + count);
        let rows = (chunk_start..chunk_end).map(|i| {
            subscriber_row(
                &format!("reader{i}@example.org"),
                frequency,
                &format!("{i:0>43}"),
            )
        });
        subscribers::Entity::insert_many(rows)
            .exec(app.db())
            .await
            .expect("insert subscribers");
    }
    let by_email: HashMap<String, i32> = subscribers::Entity::find()
        .all(app.db())
        .await
        .expect("subscribers")
        .into_iter()
        .map(|s| (s.email, s.id))
        .collect();
    (first..first + count)
        .map(|i| by_email[&format!("reader{i}@example.org")])
        .collect()
}

/// A scheduled edition carrying one new published learning (of no theme: every subscriber
/// gets it).
pub async fn edition_with_a_learning(app: &TestApp, frequency: &str) -> i32 {
    static EDITIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = EDITIONS.fetch_add(1, Ordering::SeqCst);
    let learning = crate::library_search::learning(
        app,
        crate::library_search::raw(
            "Cash transfers kept girls in school",
            &format!(
                "Families who received a monthly transfer kept their daughters in school ({n})."
            ),
        ),
        "published",
    )
    .await;
    let edition = edition_row(frequency, now(), "scheduled")
        .insert(app.db())
        .await
        .expect("edition");
    edition_items::ActiveModel {
        edition_id: Set(edition.id),
        kind: Set("learning".into()),
        item_id: Set(learning),
        position: Set(0),
    }
    .insert(app.db())
    .await
    .expect("edition item");
    edition.id
}

pub async fn delivery_states(app: &TestApp, edition: i32) -> HashMap<DeliveryStatus, usize> {
    let mut states = HashMap::new();
    for row in deliveries::Entity::find()
        .filter(deliveries::Column::EditionId.eq(edition))
        .all(app.db())
        .await
        .expect("deliveries")
    {
        *states.entry(row.status).or_insert(0) += 1;
    }
    states
}

fn header<'a>(mail: &'a crate::support::Mail, name: &str) -> Option<&'a str> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    mail.raw
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
        .map(|line| line[prefix.len()..].trim())
}

async fn each_subscriber_gets_the_edition_once(app: TestApp) {
    let weekly = seed_subscribers(&app, 0, 25, "weekly").await;
    seed_subscribers(&app, 100, 3, "monthly").await;
    app.sql("UPDATE subscribers SET status = 'unsubscribed' WHERE email = 'reader24@example.org'")
        .await;
    app.sql("UPDATE subscribers SET status = 'pending' WHERE email = 'reader23@example.org'")
        .await;
    let edition = edition_with_a_learning(&app, "weekly").await;

    assert_eq!(
        deliver::enqueue(app.db(), edition).await.expect("enqueue"),
        23
    );
    assert_eq!(
        deliver::enqueue(app.db(), edition)
            .await
            .expect("enqueue again"),
        0,
        "queuing twice adds nobody twice"
    );
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(
        summary,
        Summary {
            sent: 23,
            ..Default::default()
        }
    );
    assert_eq!(
        deliver::drain(&app.state).await.expect("drain again"),
        Summary::default()
    );

    let mails = app.sent_mails();
    assert_eq!(mails.len(), 23);
    let domain = "127.0.0.1";
    let mut seen = std::collections::HashSet::new();
    for mail in &mails {
        let number: usize = mail
            .to
            .trim_start_matches("reader")
            .trim_end_matches("@example.org")
            .parse()
            .expect("a seeded reader");
        assert!(number < 23, "only active weekly subscribers: {}", mail.to);
        let subscriber = weekly[number];
        let message_id = header(mail, "Message-ID").expect("Message-ID");
        assert_eq!(
            message_id,
            format!("<edition-{edition}.subscriber-{subscriber}@{domain}>"),
            "stable Message-ID per (edition, subscriber)"
        );
        assert!(seen.insert(message_id.to_string()));
        assert_eq!(
            header(mail, "List-Id"),
            Some(format!("Fora newsletter <newsletter.{domain}>").as_str())
        );
        let unsubscribe = header(mail, "List-Unsubscribe").expect("List-Unsubscribe");
        assert!(
            unsubscribe.starts_with(&format!("<{}/newsletter/unsubscribe/", app.base))
                && unsubscribe.ends_with(&format!(
                    "/{}>",
                    app.newsletter_token_for(subscriber, &format!("{number:0>43}"))
                )),
            "{unsubscribe}"
        );
        assert_eq!(
            header(mail, "List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(header(mail, "Date").is_some());
        assert_eq!(header(mail, "From"), Some("Fora <fora@example.org>"));
    }

    let states = delivery_states(&app, edition).await;
    assert_eq!(states.get(&DeliveryStatus::Sent), Some(&23));
    assert_eq!(states.len(), 1);
    let progress = deliver::progress(app.db(), edition)
        .await
        .expect("progress");
    assert_eq!(progress.sent, 23);
    let stored = editions::Entity::find_by_id(edition)
        .one(app.db())
        .await
        .expect("db")
        .expect("edition");
    assert_eq!(stored.status, EditionStatus::Sent);
    assert_eq!(stored.recipients, 23);
    assert!(stored.finished_at.is_some());
    // A sent edition is not queued again (a second "send now" does nothing).
    assert_eq!(
        deliver::enqueue(app.db(), edition).await.expect("enqueue"),
        0
    );
}

async fn unsubscribed_during_sending_gets_nothing(app: TestApp) {
    seed_subscribers(&app, 0, 5, "weekly").await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    assert_eq!(
        deliver::enqueue(app.db(), edition).await.expect("enqueue"),
        5
    );
    // Unsubscribed (or suppressed) after the edition was queued: read afresh at send time.
    app.sql("UPDATE subscribers SET status = 'unsubscribed' WHERE email = 'reader1@example.org'")
        .await;
    app.sql("UPDATE subscribers SET status = 'suppressed' WHERE email = 'reader2@example.org'")
        .await;
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent, 3);
    assert_eq!(summary.cancelled, 2);
    let to: Vec<String> = app.sent_mails().into_iter().map(|m| m.to).collect();
    assert!(!to.contains(&"reader1@example.org".to_string()));
    assert!(!to.contains(&"reader2@example.org".to_string()));
    assert_eq!(
        delivery_states(&app, edition)
            .await
            .get(&DeliveryStatus::Cancelled),
        Some(&2)
    );
}

pub async fn seed_named(app: &TestApp, locals: &[&str]) {
    for (i, local) in locals.iter().enumerate() {
        subscriber_row(
            &format!("{local}@example.org"),
            "weekly",
            &format!("named{i:0>38}"),
        )
        .insert(app.db())
        .await
        .expect("subscriber");
    }
}

/// The subscriber `local@example.org`.
pub async fn subscriber(app: &TestApp, local: &str) -> subscribers::Model {
    subscribers::Entity::find()
        .filter(subscribers::Column::Email.eq(format!("{local}@example.org")))
        .one(app.db())
        .await
        .expect("db")
        .expect("subscriber")
}

pub async fn delivery_of(app: &TestApp, edition: i32, local: &str) -> deliveries::Model {
    let subscriber = subscriber(app, local).await;
    deliveries::Entity::find()
        .filter(deliveries::Column::EditionId.eq(edition))
        .filter(deliveries::Column::SubscriberId.eq(subscriber.id))
        .one(app.db())
        .await
        .expect("db")
        .expect("delivery")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_drops_and_slow_answers_lose_nothing_with_pipelining() {
    refusals_drops_and_slow_answers_lose_nothing(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_drops_and_slow_answers_lose_nothing_one_command_at_a_time() {
    refusals_drops_and_slow_answers_lose_nothing(false).await;
}

async fn refusals_drops_and_slow_answers_lose_nothing(pipelining: bool) {
    let smtp = FakeSmtp::start(pipelining).await;
    let app = smtp.app(Default::default()).await;
    seed_named(&app, &["fine", "later", "refuse", "drop", "slow"]).await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    deliver::enqueue(app.db(), edition).await.expect("enqueue");
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent, 2, "{summary}");
    assert_eq!(summary.retry_later, 2, "{summary}");
    assert_eq!(summary.failed, 1, "{summary}");
    let mut accepted = smtp.accepted();
    accepted.sort();
    assert_eq!(accepted, ["fine@example.org", "slow@example.org"]);

    let later = delivery_of(&app, edition, "later").await;
    assert_eq!(later.status, DeliveryStatus::Queued);
    assert_eq!(later.attempts, 1);
    assert!(
        later.next_attempt_at > now(),
        "retried after a pause, not at once"
    );
    assert!(later.last_error.as_deref().unwrap_or("").contains("451"));
    assert!(later.lease_owner.is_none());
    let dropped = delivery_of(&app, edition, "drop").await;
    assert_eq!(dropped.status, DeliveryStatus::Queued);
    let refused = delivery_of(&app, edition, "refuse").await;
    assert_eq!(refused.status, DeliveryStatus::Failed);
    assert!(refused.last_error.as_deref().unwrap_or("").contains("550"));
    assert_eq!(subscriber(&app, "refuse").await.permanent_failures, 1);
    // Nothing more is due now: the retries wait for their time.
    assert_eq!(
        deliver::drain(&app.state).await.expect("drain"),
        Summary::default()
    );

    // Retrying an edition's failures requeues those and only those.
    smtp.refusing.store(false, Ordering::SeqCst);
    assert_eq!(
        deliver::retry_failed(app.db(), edition)
            .await
            .expect("retry"),
        1
    );
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent, 1, "{summary}");
    assert_eq!(
        delivery_of(&app, edition, "refuse").await.status,
        DeliveryStatus::Sent
    );
    assert_eq!(
        delivery_of(&app, edition, "later").await.status,
        DeliveryStatus::Queued
    );
    assert_eq!(smtp.accepted().len(), 3, "nobody got it twice");
    let pipelined = smtp.pipelined.load(Ordering::SeqCst);
    if pipelining {
        assert!(pipelined > 0, "MAIL, RCPT and DATA were sent together");
    } else {
        assert_eq!(
            pipelined, 0,
            "one command at a time to a server without PIPELINING"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribing_while_the_edition_is_being_sent_stops_that_message() {
    let smtp = FakeSmtp::start(true).await;
    let app = smtp
        .app(fora::config::NewsletterConfig {
            concurrency: 1,
            ..Default::default()
        })
        .await;
    // One sender; the first message takes 1.5 s, the last subscriber comes well after the
    // next check, and their row is claimed and built before they unsubscribe.
    let mut locals = vec!["slow".to_string()];
    locals.extend((1..40).map(|i| format!("fine{i}")));
    let locals: Vec<&str> = locals.iter().map(String::as_str).collect();
    seed_named(&app, &locals).await;
    let leaving = subscriber(&app, "fine39").await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    deliver::enqueue(app.db(), edition).await.expect("enqueue");
    let state = app.state.clone();
    let sending = tokio::spawn(async move { deliver::drain(&state).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        delivery_of(&app, edition, "fine39")
            .await
            .lease_owner
            .is_some(),
        "the row was claimed before the unsubscription"
    );
    let response = reqwest::Client::new()
        .post(format!(
            "{}/newsletter/unsubscribe/{}",
            app.base,
            app.newsletter_token(&leaving)
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 200);
    let summary = sending.await.expect("join").expect("drain");
    assert_eq!(summary.sent, 39, "{summary}");
    assert_eq!(summary.cancelled, 1, "{summary}");
    assert!(!smtp.accepted().contains(&"fine39@example.org".to_string()));
    assert_eq!(
        delivery_of(&app, edition, "fine39").await.status,
        DeliveryStatus::Cancelled
    );
}

/// A permanent refusal is a hard bounce (`mail::bounces`): one counted a day, suppressed at
/// the threshold (5 by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_refused_again_and_again_is_suppressed() {
    let smtp = FakeSmtp::start(true).await;
    let app = smtp.app(Default::default()).await;
    seed_named(&app, &["fine", "refuse"]).await;
    let threshold = app.state.config.bounces.threshold_points / 2;
    for day in 0..threshold {
        let edition = edition_with_a_learning(&app, "weekly").await;
        deliver::enqueue(app.db(), edition).await.expect("enqueue");
        deliver::drain(&app.state).await.expect("drain");
        let refused = subscriber(&app, "refuse").await;
        assert_eq!(
            refused.bounce_points,
            2 * (day + 1),
            "one hard bounce a day"
        );
        // As if the next edition went out the next day.
        let mut row: subscribers::ActiveModel = refused.into();
        row.bounce_last_at = Set(Some(now() - time::Duration::days(1)));
        row.update(app.db()).await.expect("age the bounce");
    }
    let refused = subscriber(&app, "refuse").await;
    assert_eq!(refused.permanent_failures, threshold);
    assert_eq!(refused.status, SubscriberStatus::Suppressed);
    assert!(
        refused
            .bounce_reason
            .as_deref()
            .unwrap_or("")
            .contains("550")
    );
    let edition = edition_with_a_learning(&app, "weekly").await;
    assert_eq!(
        deliver::enqueue(app.db(), edition).await.expect("enqueue"),
        1,
        "a suppressed address is not queued"
    );
    assert_eq!(subscriber(&app, "fine").await.permanent_failures, 0);
}

// --- The real process: kill -9 in the middle, restart, repeat ---------------------------------

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn start_server(app: &TestApp, sink: &SmtpSink, dir: &Path, concurrency: usize) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_fora"))
        .arg("serve")
        .current_dir(dir)
        .env("DATABASE_URL", &app.database_url)
        .env("FORA_BIND", format!("127.0.0.1:{port}"))
        .env("FORA_BASE_URL", &app.base)
        .env("SMTP_URL", sink.url())
        .env("FORA_FROM", "Fora <fora@example.org>")
        .env("FORA_MAIL_CONCURRENCY", concurrency.to_string())
        .env("FORA_MAIL_LEASE", "5")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fora serve");
    Server(child)
}

fn received_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// Message-IDs of the messages the sink received for one edition, with how often each came.
fn received_ids(dir: &Path, edition: i32) -> HashMap<String, usize> {
    let marker = format!("edition-{edition}.subscriber-");
    let mut ids = HashMap::new();
    for entry in std::fs::read_dir(dir).expect("sink dir").flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        if let Some(line) = text
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("message-id:") && l.contains(&marker))
        {
            *ids.entry(line[11..].trim().to_string()).or_insert(0) += 1;
        }
    }
    ids
}

async fn queued(app: &TestApp, edition: i32) -> usize {
    delivery_states(app, edition)
        .await
        .get(&DeliveryStatus::Queued)
        .copied()
        .unwrap_or(0)
}

async fn wait_until_sent(app: &TestApp, edition: i32, limit: Duration) {
    let started = Instant::now();
    while queued(app, edition).await > 0 {
        assert!(
            started.elapsed() < limit,
            "deliveries still queued after {limit:?}: {:?}",
            delivery_states(app, edition).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn crash_and_restart(backend: Backend, test: &str) {
    let Some(sink) = SmtpSink::start(test) else {
        return;
    };
    let app = TestApp::start(backend, Options::default()).await;
    const SUBSCRIBERS: usize = 10_000;
    const CONCURRENCY: usize = 8;
    const KILLS: usize = 3;
    let ids = seed_subscribers(&app, 0, SUBSCRIBERS, "weekly").await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    assert_eq!(
        deliver::enqueue(app.db(), edition).await.expect("enqueue") as usize,
        SUBSCRIBERS
    );
    let work = tempfile::tempdir().expect("dir");
    for kill in 1..=KILLS {
        let mut server = start_server(&app, &sink, work.path(), CONCURRENCY);
        // Kill at about a quarter, a half and three quarters of the way.
        let target = SUBSCRIBERS * kill / (KILLS + 1);
        let started = Instant::now();
        while received_files(&sink.dir) < target {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "sending stalled at {} messages",
                received_files(&sink.dir)
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.0.kill().expect("kill -9");
        server.0.wait().expect("reap");
    }
    let _server = start_server(&app, &sink, work.path(), CONCURRENCY);
    wait_until_sent(&app, edition, Duration::from_secs(180)).await;
    // Files land a moment after the SMTP answer.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let received = received_ids(&sink.dir, edition);
    let missing: Vec<&i32> = ids
        .iter()
        .filter(|id| {
            !received.contains_key(&format!("<edition-{edition}.subscriber-{id}@127.0.0.1>"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} subscribers missed the edition",
        missing.len()
    );
    let duplicates: usize = received.values().map(|n| n - 1).sum();
    let bound = KILLS * deliver::in_flight(CONCURRENCY);
    assert!(
        duplicates <= bound,
        "{duplicates} duplicates, more than the {bound} messages that can be in flight at {KILLS} kills"
    );
    assert_eq!(received.len(), SUBSCRIBERS);
    assert_eq!(
        delivery_states(&app, edition)
            .await
            .get(&DeliveryStatus::Sent),
        Some(&SUBSCRIBERS)
    );
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!(
            "{test}: {SUBSCRIBERS} delivered through {KILLS} kill -9s, {duplicates} duplicates\n"
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_sending_misses_nobody_sqlite() {
    crash_and_restart(Backend::Sqlite, "newsletter_delivery::kill_9::sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_sending_misses_nobody_postgres() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        skip(
            "newsletter_delivery::kill_9::postgres",
            "TEST_DATABASE_URL is not set",
        );
        return;
    }
    crash_and_restart(Backend::Postgres, "newsletter_delivery::kill_9::postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_send_no_duplicate() {
    let test = "newsletter_delivery::two_instances";
    if std::env::var("TEST_DATABASE_URL").is_err() {
        skip(test, "TEST_DATABASE_URL is not set");
        return;
    }
    let Some(sink) = SmtpSink::start(test) else {
        return;
    };
    let app = TestApp::start(Backend::Postgres, Options::default()).await;
    const SUBSCRIBERS: usize = 5_000;
    seed_subscribers(&app, 0, SUBSCRIBERS, "weekly").await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    deliver::enqueue(app.db(), edition).await.expect("enqueue");
    let work = tempfile::tempdir().expect("dir");
    let _first = start_server(&app, &sink, work.path(), 4);
    let _second = start_server(&app, &sink, work.path(), 4);
    wait_until_sent(&app, edition, Duration::from_secs(180)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = received_ids(&sink.dir, edition);
    assert_eq!(received.len(), SUBSCRIBERS);
    let duplicates: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_spaces_messages_out() {
    let app = TestApp::start(
        Backend::Sqlite,
        Options {
            newsletter: fora::config::NewsletterConfig {
                rate_per_second: 5,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    seed_subscribers(&app, 0, 15, "weekly").await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    deliver::enqueue(app.db(), edition).await.expect("enqueue");
    let started = Instant::now();
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent, 15);
    // A burst of 5, then 5 a second: the last 10 need at least two seconds.
    assert!(
        started.elapsed() >= Duration::from_millis(1_900),
        "15 messages at 5 per second took only {:?}",
        started.elapsed()
    );
}
