//! A worker that stalls past its lease sends nothing more: another instance has claimed its
//! rows by then, and sends them once.
//!
//! The stall is made deterministic with a fake SMTP server that holds back its `354` to the
//! first message's DATA: the first instance waits there, its 2-second lease runs out, a second
//! instance (its own process state, same database and server) claims and sends every row, and
//! only then does the first get its answer — as an instance paused by SIGSTOP would.

use std::{collections::HashMap, time::Duration};

use fora::{config::NewsletterConfig, entities::states::DeliveryStatus, newsletter::deliver};

use crate::{
    fake_smtp::FakeSmtp,
    newsletter_delivery::{delivery_states, edition_with_a_learning, seed_named},
    support::{Backend, TestApp, skip},
};

const LEASE: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stalled_past_its_lease_sends_nothing_more_sqlite() {
    a_worker_stalled_past_its_lease_sends_nothing_more(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stalled_past_its_lease_sends_nothing_more_postgres() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        skip(
            "a_worker_stalled_past_its_lease_sends_nothing_more_postgres",
            "TEST_DATABASE_URL is not set",
        );
        return;
    }
    a_worker_stalled_past_its_lease_sends_nothing_more(Backend::Postgres).await;
}

async fn a_worker_stalled_past_its_lease_sends_nothing_more(backend: Backend) {
    let smtp = FakeSmtp::start(true).await;
    // One sender, so the first instance's other rows wait behind the stalled message.
    let newsletter = NewsletterConfig {
        lease: LEASE,
        concurrency: 1,
        ..Default::default()
    };
    let first = TestApp::start(backend, smtp.options(newsletter.clone())).await;
    let second = first.second_instance_with(smtp.options(newsletter)).await;
    let locals = ["stall", "reader1", "reader2", "reader3", "reader4"];
    seed_named(&first, &locals).await;
    let edition = edition_with_a_learning(&first, "weekly").await;
    deliver::enqueue(first.db(), edition)
        .await
        .expect("enqueue");

    let state = first.state.clone();
    let stalled = tokio::spawn(async move { deliver::drain(&state).await });
    smtp.stall.started().await;
    // The first instance claimed every row before its first message: once the lease is over,
    // they are free to claim.
    tokio::time::sleep(LEASE + Duration::from_millis(300)).await;
    let summary = deliver::drain(&second.state).await.expect("second drain");
    assert_eq!(
        summary.sent, 5,
        "the second instance sent every row: {summary}"
    );

    smtp.stall.release();
    let summary = tokio::time::timeout(Duration::from_secs(10), stalled)
        .await
        .expect("the stalled worker returns")
        .expect("join")
        .expect("first drain");
    assert_eq!(
        summary.sent, 0,
        "the stalled worker recorded nothing: {summary}"
    );

    let mut copies: HashMap<String, usize> = HashMap::new();
    for to in smtp.accepted() {
        *copies.entry(to).or_default() += 1;
    }
    let expected: HashMap<String, usize> = locals
        .iter()
        .map(|local| (format!("{local}@example.org"), 1))
        .collect();
    assert_eq!(copies, expected, "each recipient got exactly one copy");
    assert_eq!(
        delivery_states(&first, edition).await,
        HashMap::from([(DeliveryStatus::Sent, 5)])
    );
}
