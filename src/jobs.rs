//! Background work inside `fora serve`: notification mail (at once and daily summaries),
//! composing and queuing newsletter editions at their time (the delivery worker in
//! `newsletter::deliver` sends them), expired-session, sent-mail and search-change-log clean-up. State lives in the database, so restarts lose nothing queued.

use std::time::Duration;

use time::{OffsetDateTime, Time};
use tokio::sync::watch;

use crate::{forums::notify, web::AppState};

const TICK: Duration = Duration::from_secs(20);
const CLEANUP_EVERY: Duration = Duration::from_secs(3600);

/// The daily summary cut-off: during the configured hour, everything queued before it.
pub fn daily_cutoff(now: OffsetDateTime, hour: u8) -> Option<OffsetDateTime> {
    (now.hour() == hour)
        .then(|| now.replace_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT)))
}

pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut last_cleanup: Option<std::time::Instant> = None;
    loop {
        let now = OffsetDateTime::now_utc();
        if let Err(err) =
            notify::deliver_due(&state, daily_cutoff(now, state.config.daily_summary_hour)).await
        {
            tracing::warn!(error = %err, "notification delivery failed; will retry");
        }
        if let Some(day) = daily_cutoff(now, state.config.daily_summary_hour)
            && let Err(err) = crate::waiting::daily::queue_daily(&state, day).await
        {
            tracing::warn!(error = %err, "daily waiting lists not queued; will retry");
        }
        if let Err(err) = crate::newsletter::schedule::tick(&state).await {
            tracing::warn!(error = %err, "newsletter scheduling failed; will retry");
        }
        if last_cleanup.is_none_or(|at| at.elapsed() >= CLEANUP_EVERY) {
            last_cleanup = Some(std::time::Instant::now());
            match state.sessions.delete_expired().await {
                Ok(removed) if removed > 0 => tracing::info!(removed, "expired sessions removed"),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "session clean-up failed"),
            }
            state.limiter.forget_stale();
            let before = OffsetDateTime::now_utc() - crate::mail::queue::KEEP_SETTLED;
            if let Err(err) = crate::mail::queue::prune(&state.db, before).await {
                tracing::warn!(error = %err, "mail queue clean-up failed");
            }
            let before = OffsetDateTime::now_utc() - crate::search::change::KEEP;
            match crate::search::change::prune(&state.db, before).await {
                Ok(removed) if removed > 0 => tracing::info!(removed, "search change log pruned"),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "search change log clean-up failed"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = state.wake_jobs.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Makes this instance's caches stale when another one (or another process on the same
/// database: `fora mail-in`, `fora import`) changes something.
pub async fn listen_for_changes(state: AppState, shutdown: watch::Receiver<bool>) {
    match state.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => listen_on_postgres(state, shutdown).await,
        sea_orm::DbBackend::Sqlite => watch_sqlite_file(state, shutdown).await,
        _ => {}
    }
}

/// How often an SQLite instance looks for changes other processes made to the file.
const SQLITE_WATCH: Duration = Duration::from_secs(1);

/// SQLite has no NOTIFY. `PRAGMA data_version`, asked again on the same connection, differs
/// when any other connection committed in between: a connection of its own (outside the
/// pool, with the pool's options) asks every second. Its own instance's writes count too;
/// they bumped the caches already, so that costs one more bump at most each second.
async fn watch_sqlite_file(state: AppState, mut shutdown: watch::Receiver<bool>) {
    use sea_orm::sqlx::{ConnectOptions, sqlite::SqliteConnection};
    let options = state.db.get_sqlite_connection_pool().connect_options();
    let mut watcher: Option<SqliteConnection> = None;
    let mut seen: Option<i64> = None;
    loop {
        if watcher.is_none() {
            match options.connect().await {
                Ok(connection) => watcher = Some(connection),
                Err(err) => tracing::warn!(error = %err, "cannot open the change watcher"),
            }
        }
        if let Some(connection) = watcher.as_mut() {
            match sea_orm::sqlx::query_scalar::<_, i64>("PRAGMA data_version")
                .fetch_one(&mut *connection)
                .await
            {
                Ok(version) => {
                    if seen.is_some_and(|before| before != version) {
                        state.caches.bump();
                    }
                    seen = Some(version);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "change watcher lost its connection");
                    watcher = None;
                    seen = None;
                    state.caches.bump();
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(SQLITE_WATCH) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// On PostgreSQL, other instances announce their changes on a channel; each one makes this
/// instance's caches stale. A lost connection may have dropped announcements, so it counts
/// as a change too.
async fn listen_on_postgres(state: AppState, mut shutdown: watch::Receiver<bool>) {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = state.db.get_postgres_connection_pool().clone();
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(err) = listener.listen(crate::cache::CHANGES_CHANNEL).await {
                    tracing::warn!(error = %err, "cannot listen for changes");
                } else {
                    state.caches.bump();
                    loop {
                        tokio::select! {
                            notification = listener.recv() => match notification {
                                Ok(_) => state.caches.bump(),
                                Err(err) => {
                                    tracing::warn!(error = %err, "change listener lost its connection");
                                    break;
                                }
                            },
                            _ = shutdown.changed() => return,
                        }
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot connect the change listener"),
        }
        state.caches.bump();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
