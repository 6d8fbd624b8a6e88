//! Background work inside `fora serve`: notification mail (at once and daily summaries),
//! expired-session clean-up. State lives in the database, so restarts lose nothing queued.

use std::time::Duration;

use time::{OffsetDateTime, Time};
use tokio::sync::watch;

use crate::{forums::notify, web::AppState};

const TICK: Duration = Duration::from_secs(20);

/// The daily summary cut-off: during the configured hour, everything queued before it.
pub fn daily_cutoff(now: OffsetDateTime, hour: u8) -> Option<OffsetDateTime> {
    (now.hour() == hour)
        .then(|| now.replace_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT)))
}

pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut ticks: u64 = 0;
    loop {
        let now = OffsetDateTime::now_utc();
        if let Err(err) =
            notify::deliver_due(&state, daily_cutoff(now, state.config.daily_summary_hour)).await
        {
            tracing::warn!(error = %err, "notification delivery failed; will retry");
        }
        if ticks.is_multiple_of(180) {
            match state.sessions.delete_expired().await {
                Ok(removed) if removed > 0 => tracing::info!(removed, "expired sessions removed"),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "session clean-up failed"),
            }
            state.limiter.forget_stale();
        }
        ticks += 1;
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => return,
        }
    }
}
