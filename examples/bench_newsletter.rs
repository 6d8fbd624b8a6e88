//! Helpers for `scripts/bench-newsletter.sh` (see docs/BENCHMARKS.md, "Newsletter delivery").
//!
//! ```text
//! bench_newsletter seed DATABASE_URL COUNT [ITEMS]
//!     Migrates a fresh database, adds COUNT active weekly subscribers (no themes, so each gets
//!     every item), ITEMS published learnings (default 1) and one weekly edition carrying them,
//!     and queues the edition with `newsletter::deliver::enqueue`. Prints `key=value` lines:
//!     `edition`, `queued`, `seed_seconds`, and `message_bytes`, the size of one rendered
//!     message as handed to the SMTP server (`compose::message_for`, then `Mailer::build`).
//!     The message depends on FORA_FROM, FORA_BASE_URL and FORA_REPLY_TO: give it the
//!     environment `fora newsletter send-due` gets.
//!
//! bench_newsletter requeue DATABASE_URL EDITION
//!     Puts every delivery of EDITION back in the queue (due now, no lease), for another round
//!     on the same data; on PostgreSQL also VACUUM ANALYZE the table.
//!
//! bench_newsletter progress DATABASE_URL EDITION
//!     Prints the edition's deliveries by state: `queued=… sent=… failed=… cancelled=… skipped=…`.
//!
//! bench_newsletter send
//!     What `fora newsletter send-due` does, from the environment (DATABASE_URL, SMTP_URL,
//!     FORA_MAIL_CONCURRENCY, …): `fora::init`, then `newsletter::deliver::drain`. For
//!     measuring before the CLI has the command; prints the summary.
//!
//! bench_newsletter phases DATABASE_URL EDITION [BATCHES]
//!     Where the worker's time goes: runs the steps of one worker batch — claim, recipients,
//!     render (message_for + Mailer::build + formatted), SMTP (the mailer from the
//!     environment, FORA_MAIL_CONCURRENCY messages in flight), mark — one step at a time over
//!     BATCHES batches (default 20) of the worker's size, and prints the time of each. The
//!     claim and mark statements are copies of the worker's (they are private to it). Leaves
//!     the rows it sent marked `sent`.
//! ```

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fora::{
    config::Config,
    db::now,
    entities::states::{DeliveryStatus, EditionStatus, Frequency, SubscriberStatus},
    learnings::{fields::RawLearning, store},
    mail::Mailer,
    newsletter::{compose, deliver},
    secret::ServerSecret,
    taxonomy::Taxonomy,
};
use futures_util::StreamExt;
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

/// Subscribers per transaction, and rows per multi-row INSERT.
const ROWS_PER_TRANSACTION: usize = 5_000;
const ROWS_PER_INSERT: usize = 500;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args[i].as_str();
    match (args.get(1).map(String::as_str), args.len()) {
        (Some("seed"), 4 | 5) => {
            let items = match args.get(4) {
                Some(items) => items.parse().context("ITEMS")?,
                None => 1,
            };
            seed(arg(2), arg(3).parse().context("COUNT")?, items).await
        }
        (Some("requeue"), 4) => requeue(arg(2), arg(3).parse().context("EDITION")?).await,
        (Some("progress"), 4) => progress(arg(2), arg(3).parse().context("EDITION")?).await,
        (Some("send"), 2) => send().await,
        (Some("phases"), 4 | 5) => {
            let batches = match args.get(4) {
                Some(b) => b.parse().context("BATCHES")?,
                None => 20,
            };
            phases(arg(2), arg(3).parse().context("EDITION")?, batches).await
        }
        _ => {
            eprintln!(
                "usage:\n  bench_newsletter seed DATABASE_URL COUNT [ITEMS]\n  \
                 bench_newsletter requeue DATABASE_URL EDITION\n  \
                 bench_newsletter progress DATABASE_URL EDITION\n  bench_newsletter send\n  \
                 bench_newsletter phases DATABASE_URL EDITION [BATCHES]"
            );
            std::process::exit(2);
        }
    }
}

/// The configuration `fora` itself would read (FORA_FROM, FORA_BASE_URL, …), for this database.
fn config_for(url: &str) -> anyhow::Result<Config> {
    let mut config = Config::from_env()?;
    config.database_url = url.to_owned();
    Ok(config)
}

async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let db = fora::db::connect(url)
        .await
        .with_context(|| format!("cannot open {url}"))?;
    migration::Migrator::up(&db, None).await?;
    Ok(db)
}

async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("a count")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

// =============================================================================================
// seed
// =============================================================================================

/// Learnings of the kind an edition carries: a title and a few sentences.
const LEARNINGS: &[(&str, &str)] = &[
    (
        "Cash transfers kept girls in school through the harvest",
        "Families who received a small monthly transfer, paid just before the cocoa harvest, kept \
         their daughters in school during the weeks when children are most often taken to the \
         farms. Attendance in the pilot districts stayed above 90 % while it fell by a third \
         elsewhere; the effect faded within a term once the transfers stopped.",
    ),
    (
        "Labour inspectors need transport before they need training",
        "Three rounds of training for district labour inspectors changed little until the \
         project paid for fuel and motorbikes: inspections of rural workplaces rose from four to \
         thirty a month. Training without the means to reach farms and quarries was the \
         project's most common mistake.",
    ),
    (
        "Community monitoring committees outlast the project when the district funds them",
        "Where the district assembly put the committees' running costs in its own budget, nine \
         in ten were still meeting two years after the project ended; where the project paid, \
         fewer than one in five were. Ownership was decided by who paid, not by who was trained.",
    ),
    (
        "Bridging classes work when teachers are paid on time",
        "Children withdrawn from domestic work caught up two grades in a year in bridging \
         classes, but only in the schools where the volunteer teachers' allowance arrived every \
         month; elsewhere half the classes had closed by the second term.",
    ),
    (
        "Savings groups raised household income more than grants did",
        "Village savings and loan groups, started with the mothers of working children, raised \
         household income by about a fifth and kept growing after the project; one-off grants \
         for income-generating activities were mostly spent within months.",
    ),
];

async fn seed(url: &str, count_subscribers: usize, items: usize) -> anyhow::Result<()> {
    let config = config_for(url)?;
    let db = connect(url).await?;
    let backend = db.get_database_backend();
    let existing = count(&db, "SELECT COUNT(*) FROM subscribers").await?;
    if existing != 0 {
        bail!("{url} already holds {existing} subscribers: give a fresh database");
    }
    let started = Instant::now();

    // Subscribers: multi-row INSERTs, one transaction per ROWS_PER_TRANSACTION rows. Every
    // value is made here (no user input), so the rows are written as literals; the timestamp
    // is the one bound value.
    let at = now();
    let mut first = 0;
    while first < count_subscribers {
        let last = (first + ROWS_PER_TRANSACTION).min(count_subscribers);
        let txn = db.begin().await?;
        for chunk in (first..last).step_by(ROWS_PER_INSERT) {
            let end = (chunk + ROWS_PER_INSERT).min(last);
            let rows: Vec<String> = (chunk..end)
                .map(|i| {
                    format!(
                        "('reader{i}@example.org', '{weekly}', 'en', '{active}', '{}', $1, 0, $1, $1)",
                        link_salt(i),
                        weekly = Frequency::Weekly.as_str(),
                        active = SubscriberStatus::Active.as_str(),
                    )
                })
                .collect();
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "INSERT INTO subscribers (email, frequency, language, status, link_salt,
                         confirmed_at, permanent_failures, created_at, updated_at)
                     VALUES {}",
                    rows.join(",\n")
                ),
                [at.into()],
            ))
            .await?;
        }
        txn.commit().await?;
        first = last;
    }
    let seeded_subscribers = started.elapsed();

    // Published learnings of no theme, made as the library makes them.
    let taxonomy = Taxonomy::load(&db).await?;
    let mut learning_ids = Vec::new();
    for n in 0..items {
        let (title, description) = LEARNINGS[n % LEARNINGS.len()];
        let raw = RawLearning {
            title: if n < LEARNINGS.len() {
                title.to_owned()
            } else {
                format!("{title} ({})", n / LEARNINGS.len() + 1)
            },
            description: description.to_owned(),
            project_title: "Pilares: civil society against child labour in Colombia".into(),
            ..RawLearning::default()
        };
        let fields = raw
            .validate(&taxonomy)
            .map_err(|problems| anyhow::anyhow!("invalid learning: {problems:?}"))?;
        learning_ids.push(
            store::insert(
                &db,
                &fields,
                &fora::markdown::render(&fields.description),
                fora::entities::learnings::LearningStatus::Published,
                None,
                now(),
            )
            .await?
            .id,
        );
    }

    // One weekly edition carrying them, scheduled now.
    let at = now();
    let week_ago = at - Duration::from_secs(7 * 86_400);
    let edition = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO editions (frequency, period_start, period_end, scheduled_for, status,
                     subject, intro_md, intro_html, recipients, created_at, updated_at)
                 VALUES ('{weekly}', $1, $2, $2, '{scheduled}', $3, '', '', 0, $2, $2)
                 RETURNING id",
                weekly = Frequency::Weekly.as_str(),
                scheduled = EditionStatus::Scheduled.as_str(),
            ),
            [
                week_ago.into(),
                at.into(),
                "Fora weekly: what programmes against child labour learned this week".into(),
            ],
        ))
        .await?
        .context("the new edition")?
        .try_get_by_index::<i32>(0)?;
    for (position, learning) in learning_ids.iter().enumerate() {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO edition_items (edition_id, kind, item_id, position)
             VALUES ($1, 'learning', $2, $3)",
            [edition.into(), (*learning).into(), (position as i32).into()],
        ))
        .await?;
    }

    let queued = deliver::enqueue(&db, edition).await?;
    let seconds = started.elapsed().as_secs_f64();
    if backend == DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await?;
    } else {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    println!("edition={edition}");
    println!("queued={queued}");
    println!("seed_seconds={seconds:.1}");
    println!(
        "subscribers_per_second={:.0}",
        count_subscribers as f64 / seeded_subscribers.as_secs_f64().max(1e-9)
    );

    // One message, exactly as the worker builds it.
    let content = compose::load(&db, &config, edition)
        .await?
        .context("the edition's content")?;
    let first_subscriber =
        count(&db, "SELECT CAST(MIN(id) AS BIGINT) FROM subscribers").await? as i32;
    let recipients = compose::recipients(&db, &[first_subscriber]).await?;
    let recipient = recipients.first().context("the first subscriber")?;
    let secret = ServerSecret::load_or_create(config.secret_key_file.as_deref(), &config.data_dir)?;
    let email = compose::message_for(&config, &secret, &content, recipient)
        .context("the edition has nothing for the first subscriber")?;
    let bytes = Mailer::build(&config.from, &email)?.formatted();
    println!("message_bytes={}", bytes.len());
    db.close().await?;
    Ok(())
}

/// 64 hex digits, like a real link salt, unique by its first 16.
fn link_salt(i: usize) -> String {
    let mut state = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut salt = format!("{i:016x}");
    while salt.len() < 64 {
        // SplitMix64 steps for the random-looking rest.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        salt.push_str(&format!("{z:016x}"));
    }
    salt
}

// =============================================================================================
// requeue, progress, send
// =============================================================================================

async fn requeue(url: &str, edition: i32) -> anyhow::Result<()> {
    let db = connect(url).await?;
    let backend = db.get_database_backend();
    let at = now();
    let rows = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE deliveries SET status = '{queued}', attempts = 0, next_attempt_at = $1,
                        lease_owner = NULL, lease_until = NULL, last_error = NULL, sent_at = NULL,
                        updated_at = $1
                 WHERE edition_id = $2",
                queued = DeliveryStatus::Queued.as_str(),
            ),
            [at.into(), edition.into()],
        ))
        .await?
        .rows_affected();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "UPDATE editions SET status = '{sending}', finished_at = NULL, updated_at = $1
             WHERE id = $2",
            sending = EditionStatus::Sending.as_str(),
        ),
        [at.into(), edition.into()],
    ))
    .await?;
    if backend == DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE deliveries").await?;
    } else {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    println!("requeued={rows}");
    db.close().await?;
    Ok(())
}

async fn progress(url: &str, edition: i32) -> anyhow::Result<()> {
    let db = fora::db::connect(url).await?;
    let p = deliver::progress(&db, edition).await?;
    println!(
        "queued={} sent={} failed={} cancelled={} skipped={}",
        p.queued, p.sent, p.failed, p.cancelled, p.skipped
    );
    db.close().await?;
    Ok(())
}

async fn send() -> anyhow::Result<()> {
    let state = fora::init(Config::from_env()?).await?;
    let started = Instant::now();
    let summary = deliver::drain(&state).await?;
    println!("{summary} in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

// =============================================================================================
// phases
// =============================================================================================

#[derive(Default)]
struct Times {
    claim: Duration,
    recipients: Duration,
    render: Duration,
    smtp: Duration,
    mark: Duration,
    messages: usize,
    bytes: usize,
}

async fn phases(url: &str, edition: i32, batches: usize) -> anyhow::Result<()> {
    let config = config_for(url)?;
    let state = fora::init(config.clone()).await?;
    let db = &state.db;
    let concurrency = config.newsletter.concurrency;
    let batch = deliver::batch_size(&config.newsletter);
    let content = compose::load(db, &config, edition)
        .await?
        .context("the edition's content")?;
    let owner = "bench-phases";
    let mut t = Times::default();
    let whole = Instant::now();
    for _ in 0..batches {
        // claim (what `Worker` calls)
        let start = Instant::now();
        let claimed = deliver::claim(db, owner, config.newsletter.lease, batch).await?;
        t.claim += start.elapsed();
        if claimed.is_empty() {
            break;
        }

        // recipients
        let start = Instant::now();
        let ids: Vec<i32> = claimed.iter().map(|c| c.subscriber_id).collect();
        let recipients: std::collections::HashMap<i32, compose::Recipient> =
            compose::recipients(db, &ids)
                .await?
                .into_iter()
                .map(|r| (r.subscriber_id, r))
                .collect();
        t.recipients += start.elapsed();

        // render: the message, then the bytes (the mailer builds them again when it sends)
        let start = Instant::now();
        let mut emails = Vec::with_capacity(claimed.len());
        for row in &claimed {
            let recipient = recipients.get(&row.subscriber_id).context("a recipient")?;
            let secret =
                ServerSecret::load_or_create(config.secret_key_file.as_deref(), &config.data_dir)?;
            let email =
                compose::message_for(&config, &secret, &content, recipient).context("a message")?;
            t.bytes += Mailer::build(&config.from, &email)?.formatted().len();
            emails.push((row.id, email));
        }
        t.render += start.elapsed();

        // SMTP: as the worker does, `concurrency` messages in flight
        let start = Instant::now();
        let mailer = &state.mailer;
        let from = state.mail_origin();
        let sent: Vec<i32> = futures_util::stream::iter(emails)
            .map(|(id, email)| async move { mailer.deliver(from, &email).await.map(|()| id) })
            .buffer_unordered(concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        t.smtp += start.elapsed();
        t.messages += sent.len();

        // mark (deliver.rs `mark_sent`, here once for the whole batch)
        let start = Instant::now();
        deliver::mark_sent(db, owner, &sent).await?;
        t.mark += start.elapsed();
    }
    let total = whole.elapsed();
    let n = t.messages.max(1) as f64;
    println!(
        "messages={} batch={batch} concurrency={concurrency} total_seconds={:.2} rate={:.0}/s mean_bytes={:.0}",
        t.messages,
        total.as_secs_f64(),
        t.messages as f64 / total.as_secs_f64(),
        t.bytes as f64 / n
    );
    println!("| phase | total (s) | per message (µs) | share |");
    println!("|---|---:|---:|---:|");
    for (name, d) in [
        ("claim", t.claim),
        ("recipients", t.recipients),
        ("render (message_for + build + formatted)", t.render),
        ("SMTP (deliver, concurrent)", t.smtp),
        ("mark", t.mark),
    ] {
        println!(
            "| {name} | {:.2} | {:.0} | {:.0} % |",
            d.as_secs_f64(),
            d.as_secs_f64() * 1e6 / n,
            100.0 * d.as_secs_f64() / total.as_secs_f64()
        );
    }
    Ok(())
}
