//! When editions are due, and the scheduler's tick.
//!
//! Due times come from the configuration (`weekly: mon 06:00`, `monthly: 1 06:00`, UTC). An
//! edition covers the period that ends at its due time and is sent then. The tick keeps one
//! edition composed ahead for the next due time (so knowledge managers can preview it and
//! write its introduction); when its time comes its items are brought up to date and it is
//! queued for delivery. It never composes a backlog: a fresh install starts with the next due
//! time, and after downtime only the latest due period is sent (a stale edition composed ahead
//! is moved forward to it rather than sent as a second message).
//!
//! Safe with several instances: editions are unique per (frequency, period end), and every
//! state change is a conditional update.

use sea_orm::{DatabaseConnection, DbErr, Statement};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::editions;
use crate::{
    config::NewsletterConfig,
    db::now,
    entities::states::{EditionStatus, Frequency},
    web::AppState,
};

/// The newest due time at or before `now` for a frequency.
/// Exactly at the due minute, that minute is the latest due time.
pub fn latest_due(
    config: &NewsletterConfig,
    frequency: Frequency,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let now = now.to_offset(time::UtcOffset::UTC);
    match frequency {
        Frequency::Weekly => {
            let at = config.weekly;
            let back = (i64::from(now.weekday().number_days_from_monday())
                - i64::from(at.weekday.number_days_from_monday()))
            .rem_euclid(7);
            let candidate = at_time(now.date() - Duration::days(back), at.hour, at.minute)?;
            Some(if candidate > now {
                candidate - Duration::weeks(1)
            } else {
                candidate
            })
        }
        Frequency::Monthly => {
            let at = config.monthly;
            let this = monthly_at(now.year(), now.month(), at.day, at.hour, at.minute)?;
            if this <= now {
                Some(this)
            } else {
                let (year, month) = previous_month(now.year(), now.month());
                monthly_at(year, month, at.day, at.hour, at.minute)
            }
        }
    }
}

/// The due time after `due` (which is a due time of this frequency).
pub fn next_due(
    config: &NewsletterConfig,
    frequency: Frequency,
    due: OffsetDateTime,
) -> Option<OffsetDateTime> {
    neighbour_due(config, frequency, due, true)
}

/// The due time before `due`: the start of the period that ends at `due`.
pub fn previous_due(
    config: &NewsletterConfig,
    frequency: Frequency,
    due: OffsetDateTime,
) -> Option<OffsetDateTime> {
    neighbour_due(config, frequency, due, false)
}

fn neighbour_due(
    config: &NewsletterConfig,
    frequency: Frequency,
    due: OffsetDateTime,
    later: bool,
) -> Option<OffsetDateTime> {
    match frequency {
        Frequency::Weekly if later => Some(due + Duration::weeks(1)),
        Frequency::Weekly => Some(due - Duration::weeks(1)),
        Frequency::Monthly => {
            let (year, month) = if later {
                next_month(due.year(), due.month())
            } else {
                previous_month(due.year(), due.month())
            };
            let at = config.monthly;
            monthly_at(year, month, at.day, at.hour, at.minute)
        }
    }
}

/// The period `[previous due, latest due)` that ended most recently.
pub fn latest_period(
    config: &NewsletterConfig,
    frequency: Frequency,
    now: OffsetDateTime,
) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let end = latest_due(config, frequency, now)?;
    Some((previous_due(config, frequency, end)?, end))
}

/// The period `[latest due, next due)` running now.
pub fn current_period(
    config: &NewsletterConfig,
    frequency: Frequency,
    now: OffsetDateTime,
) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let start = latest_due(config, frequency, now)?;
    Some((start, next_due(config, frequency, start)?))
}

fn next_month(year: i32, month: Month) -> (i32, Month) {
    if month == Month::December {
        (year + 1, Month::January)
    } else {
        (year, month.next())
    }
}

fn previous_month(year: i32, month: Month) -> (i32, Month) {
    if month == Month::January {
        (year - 1, Month::December)
    } else {
        (year, month.previous())
    }
}

fn at_time(date: Date, hour: u8, minute: u8) -> Option<OffsetDateTime> {
    let time = Time::from_hms(hour, minute, 0).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn monthly_at(year: i32, month: Month, day: u8, hour: u8, minute: u8) -> Option<OffsetDateTime> {
    // The configuration allows days 1-28 only; clamp anyway so that no month lacks its day.
    let day = day.clamp(1, time::util::days_in_month(month, year));
    at_time(
        Date::from_calendar_date(year, month, day).ok()?,
        hour,
        minute,
    )
}

/// One pass of the scheduler (every ~20 s in `fora serve`, once in `fora newsletter send-due`).
pub async fn tick(state: &AppState) -> anyhow::Result<()> {
    let db = &state.db;
    let config = &state.config;
    let at = now();
    for frequency in Frequency::ALL {
        if let Err(err) = plan(db, config, frequency, at).await {
            tracing::warn!(
                frequency = frequency.as_str(),
                error = %err,
                "newsletter: could not compose the edition"
            );
        }
    }
    for edition_id in due_editions(db, at).await? {
        match release(db, config, edition_id).await {
            Ok(Some(added)) => {
                tracing::info!(edition_id, deliveries = added, "newsletter edition queued");
                state.wake_newsletter.notify_one();
            }
            Ok(None) => tracing::info!(edition_id, "newsletter edition had nothing new: not sent"),
            Err(err) => {
                tracing::warn!(edition_id, error = %err, "newsletter: could not queue the edition")
            }
        }
    }
    Ok(())
}

/// Makes sure the editions of one frequency exist: the latest due one (only if an earlier
/// edition exists: a fresh install has no backlog) and the upcoming one.
async fn plan(
    db: &DatabaseConnection,
    config: &crate::config::Config,
    frequency: Frequency,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    let nl = &config.newsletter;
    let (Some(due), Some(upcoming)) = (
        latest_due(nl, frequency, at),
        latest_due(nl, frequency, at).and_then(|d| next_due(nl, frequency, d)),
    ) else {
        return Ok(());
    };
    if editions::find(db, frequency, due).await?.is_none() {
        // A stale edition still waiting (the server was down at its time) becomes this one,
        // so that subscribers get one message covering the whole gap, not two at once.
        let moved = editions::move_forward(db, frequency, due).await?;
        if !moved && editions::any_before(db, frequency, due).await? {
            let start = previous_due(nl, frequency, due).unwrap_or(due);
            editions::compose(db, frequency, start, due, due).await?;
        }
    }
    if editions::find(db, frequency, upcoming).await?.is_none() {
        editions::compose(db, frequency, due, upcoming, upcoming).await?;
    }
    Ok(())
}

/// The edition that goes out at the next due time of a frequency: composed now if it does not
/// exist yet, brought up to date if it is still scheduled. When that one was already sent
/// ahead of its time (an admin's "send now"), the edition after it. `None` when no due time
/// can be computed.
pub async fn compose_upcoming(
    db: &DatabaseConnection,
    config: &crate::config::Config,
    frequency: Frequency,
    at: OffsetDateTime,
) -> Result<Option<crate::entities::editions::Model>, DbErr> {
    let nl = &config.newsletter;
    let Some(due) = latest_due(nl, frequency, at) else {
        return Ok(None);
    };
    let Some(upcoming) = next_due(nl, frequency, due) else {
        return Ok(None);
    };
    let mut edition = editions::compose(db, frequency, due, upcoming, upcoming).await?;
    if edition.status != EditionStatus::Scheduled
        && let Some(after) = next_due(nl, frequency, upcoming)
    {
        edition = editions::compose(db, frequency, upcoming, after, after).await?;
    }
    if edition.status == EditionStatus::Scheduled {
        editions::refresh(db, edition.id).await?;
    }
    Ok(Some(edition))
}

/// The edition to preview from the command line when none is named: the latest one of this
/// frequency that is due or went out, else the upcoming one (composed if need be).
pub async fn current_edition(
    db: &DatabaseConnection,
    config: &crate::config::Config,
    frequency: Frequency,
    at: OffsetDateTime,
) -> Result<Option<crate::entities::editions::Model>, DbErr> {
    let Some(due) = latest_due(&config.newsletter, frequency, at) else {
        return Ok(None);
    };
    if let Some(edition) = editions::find(db, frequency, due).await? {
        return Ok(Some(edition));
    }
    compose_upcoming(db, config, frequency, at).await
}

async fn due_editions(db: &DatabaseConnection, at: OffsetDateTime) -> Result<Vec<i32>, DbErr> {
    #[derive(sea_orm::FromQueryResult)]
    struct Row {
        id: i32,
    }
    use sea_orm::FromQueryResult;
    Ok(Row::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT id FROM editions WHERE status = $1 AND scheduled_for <= $2
         ORDER BY scheduled_for, id",
        [EditionStatus::Scheduled.into(), at.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| r.id)
    .collect())
}

/// Sends a scheduled edition now: brings its items up to date, then either marks it `empty`
/// (nothing to say, and empty editions are not sent) or queues its deliveries. `Some(n)`: queued
/// with `n` deliveries added; `None`: not sent (empty, or no longer scheduled).
pub async fn release(
    db: &DatabaseConnection,
    config: &crate::config::Config,
    edition_id: i32,
) -> anyhow::Result<Option<u64>> {
    if !editions::refresh(db, edition_id).await? {
        // Already queued (by another instance or an admin) or marked empty.
        return Ok(None);
    }
    let items = super::compose::load(db, config, edition_id)
        .await?
        .map_or(0, |content| content.items.len());
    if items == 0 && !config.newsletter.send_empty {
        editions::mark_empty(db, edition_id).await?;
        return Ok(None);
    }
    Ok(Some(super::deliver::enqueue(db, edition_id).await?))
}

#[cfg(test)]
mod tests {
    use time::{Weekday, macros::datetime};

    use super::*;
    use crate::config::{MonthlyAt, WeeklyAt};

    fn config(weekday: Weekday, day: u8) -> NewsletterConfig {
        NewsletterConfig {
            weekly: WeeklyAt {
                weekday,
                hour: 6,
                minute: 0,
            },
            monthly: MonthlyAt {
                day,
                hour: 6,
                minute: 0,
            },
            ..NewsletterConfig::default()
        }
    }

    #[test]
    fn weekly_due_times() {
        let c = config(Weekday::Monday, 1);
        // 2026-11-23 is a Monday.
        let monday_6 = datetime!(2026-11-23 06:00 UTC);
        assert_eq!(
            latest_due(&c, Frequency::Weekly, monday_6),
            Some(monday_6),
            "exactly at the minute"
        );
        assert_eq!(
            latest_due(
                &c,
                Frequency::Weekly,
                datetime!(2026-11-23 05:59:59.999 UTC)
            ),
            Some(datetime!(2026-11-16 06:00 UTC)),
            "a moment before"
        );
        assert_eq!(
            latest_due(&c, Frequency::Weekly, datetime!(2026-11-29 23:59 UTC)),
            Some(monday_6),
            "Sunday night"
        );
        assert_eq!(
            latest_due(&c, Frequency::Weekly, datetime!(2026-11-30 06:00:01 UTC)),
            Some(datetime!(2026-11-30 06:00 UTC))
        );
        // Wrap across the week: due Saturday, now Monday.
        let c = config(Weekday::Saturday, 1);
        assert_eq!(
            latest_due(&c, Frequency::Weekly, monday_6),
            Some(datetime!(2026-11-21 06:00 UTC))
        );
        // Due Sunday, now Sunday before the time: the Sunday before.
        let c = config(Weekday::Sunday, 1);
        assert_eq!(
            latest_due(&c, Frequency::Weekly, datetime!(2026-11-22 05:00 UTC)),
            Some(datetime!(2026-11-15 06:00 UTC))
        );
        // Across a year end.
        let c = config(Weekday::Thursday, 1);
        assert_eq!(
            latest_due(&c, Frequency::Weekly, datetime!(2027-01-02 12:00 UTC)),
            Some(datetime!(2026-12-31 06:00 UTC))
        );
        assert_eq!(
            latest_period(&c, Frequency::Weekly, datetime!(2027-01-02 12:00 UTC)),
            Some((
                datetime!(2026-12-24 06:00 UTC),
                datetime!(2026-12-31 06:00 UTC)
            ))
        );
        assert_eq!(
            current_period(&c, Frequency::Weekly, datetime!(2027-01-02 12:00 UTC)),
            Some((
                datetime!(2026-12-31 06:00 UTC),
                datetime!(2027-01-07 06:00 UTC)
            ))
        );
    }

    #[test]
    fn monthly_due_times() {
        let c = config(Weekday::Monday, 1);
        assert_eq!(
            latest_due(&c, Frequency::Monthly, datetime!(2026-12-01 06:00 UTC)),
            Some(datetime!(2026-12-01 06:00 UTC)),
            "exactly at the minute"
        );
        assert_eq!(
            latest_due(&c, Frequency::Monthly, datetime!(2026-12-01 05:59 UTC)),
            Some(datetime!(2026-11-01 06:00 UTC))
        );
        assert_eq!(
            latest_due(&c, Frequency::Monthly, datetime!(2027-01-01 00:00 UTC)),
            Some(datetime!(2026-12-01 06:00 UTC)),
            "new year's night"
        );
        assert_eq!(
            latest_period(&c, Frequency::Monthly, datetime!(2027-01-15 00:00 UTC)),
            Some((
                datetime!(2026-12-01 06:00 UTC),
                datetime!(2027-01-01 06:00 UTC)
            )),
            "period across the year end"
        );
        // The 28th exists in February, leap year or not.
        let c = config(Weekday::Monday, 28);
        assert_eq!(
            latest_due(&c, Frequency::Monthly, datetime!(2027-03-27 00:00 UTC)),
            Some(datetime!(2027-02-28 06:00 UTC))
        );
        assert_eq!(
            next_due(&c, Frequency::Monthly, datetime!(2027-01-28 06:00 UTC)),
            Some(datetime!(2027-02-28 06:00 UTC))
        );
        assert_eq!(
            next_due(&c, Frequency::Monthly, datetime!(2026-12-28 06:00 UTC)),
            Some(datetime!(2027-01-28 06:00 UTC))
        );
        assert_eq!(
            previous_due(&c, Frequency::Monthly, datetime!(2027-03-28 06:00 UTC)),
            Some(datetime!(2027-02-28 06:00 UTC))
        );
        // A day the month lacks (not configurable, but never a panic or a skipped month).
        let c = config(Weekday::Monday, 31);
        assert_eq!(
            latest_due(&c, Frequency::Monthly, datetime!(2027-03-01 00:00 UTC)),
            Some(datetime!(2027-02-28 06:00 UTC))
        );
        // An unknown frequency is not a `Frequency`: there is no due time to ask for.
        assert_eq!(Frequency::parse("daily"), None);
    }

    #[test]
    fn other_offsets_are_read_as_utc() {
        let c = config(Weekday::Monday, 1);
        // 07:30 in UTC+2 is 05:30 UTC: before Monday's 06:00.
        assert_eq!(
            latest_due(&c, Frequency::Weekly, datetime!(2026-11-23 07:30 +2)),
            Some(datetime!(2026-11-16 06:00 UTC))
        );
    }
}
