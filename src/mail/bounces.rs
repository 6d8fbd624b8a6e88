//! Bounce scores, as Mailman keeps them: a hard bounce counts 1, a soft one 0.5, at most one
//! bounce a day per recipient (a soft one and then a hard one on the same day count as one
//! hard one), and a recipient whose score reaches `FORA_BOUNCE_THRESHOLD` is suppressed: a
//! subscriber gets no more editions, a member no more mail (their account stays). Scores are
//! kept in half-bounces ("points"), so both databases store exact integers.
//!
//! Bounces come from two places, counted alike: delivery reports read by `fora mail-in`, and
//! permanent refusals during the SMTP conversation of a newsletter delivery.
//!
//! A relay accepts a message long before a report about it can come back, so acceptance
//! alone proves nothing. The first acceptance after a bounce is remembered (the "probe"); once
//! it is [`QUIET`] old with no bounce since, that message got through and the score goes back
//! to zero, which is applied at the next acceptance or bounce, whichever comes first.

use std::{collections::HashSet, time::Duration};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Statement,
    sea_query::{Alias, Expr, Query, SimpleExpr},
};
use time::OffsetDateTime;

use crate::{
    db::begin_write,
    entities::{states::SubscriberStatus, subscribers, users},
};

/// How long after its acceptance a message that has not bounced counts as delivered: mail
/// servers give up on a message after 5 days by default (Postfix `maximal_queue_lifetime`).
pub const QUIET: Duration = Duration::from_secs(5 * 24 * 3600);
/// Characters of a report kept as the reason.
pub const REASON_CHARS: usize = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The address does not work (5.x.x): counts 1.
    Hard,
    /// It did not work this time (4.x.x, delayed): counts 0.5.
    Soft,
}

impl Severity {
    const fn points(self) -> i32 {
        match self {
            Severity::Hard => 2,
            Severity::Soft => 1,
        }
    }
}

/// Whose score: a subscription or a member's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Subscriber(i32),
    Member(i32),
}

impl Holder {
    fn table(self) -> &'static str {
        match self {
            Holder::Subscriber(_) => "subscribers",
            Holder::Member(_) => "users",
        }
    }

    fn id(self) -> i32 {
        match self {
            Holder::Subscriber(id) | Holder::Member(id) => id,
        }
    }
}

/// A recipient's bounce record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct Score {
    pub bounce_points: i32,
    pub bounce_day_points: i32,
    pub bounce_last_at: Option<OffsetDateTime>,
    pub bounce_probe_at: Option<OffsetDateTime>,
}

impl Score {
    /// The score after a bounce at `at`.
    pub fn bounced(self, severity: Severity, at: OffsetDateTime) -> Score {
        let Score {
            mut bounce_points,
            mut bounce_day_points,
            ..
        } = if self.probe_got_through(at) {
            Score::default()
        } else {
            self
        };
        let weight = severity.points();
        let same_day = self
            .bounce_last_at
            .is_some_and(|last| last.to_offset(time::UtcOffset::UTC).date() == at.date());
        if same_day {
            bounce_points += (weight - bounce_day_points).max(0);
            bounce_day_points = bounce_day_points.max(weight);
        } else {
            bounce_points += weight;
            bounce_day_points = weight;
        }
        Score {
            bounce_points,
            bounce_day_points,
            bounce_last_at: Some(at),
            bounce_probe_at: None,
        }
    }

    fn probe_got_through(self, at: OffsetDateTime) -> bool {
        self.bounce_probe_at
            .is_some_and(|probe| probe + QUIET <= at)
    }
}

/// What recording a bounce did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Counted (or already counted today); the score now, and whether it suppressed the
    /// recipient just now.
    Counted { points: i32, suppressed: bool },
    /// Nobody by that id any more (unsubscribed and deleted, account removed).
    Unknown,
}

/// Counts a bounce against `holder` and suppresses them at `threshold_points`, in one write
/// transaction. `reason` is what the report said (stored cut to [`REASON_CHARS`]).
pub async fn record(
    db: &DatabaseConnection,
    holder: Holder,
    severity: Severity,
    reason: &str,
    threshold_points: i32,
    at: OffsetDateTime,
) -> Result<Recorded, DbErr> {
    let txn = begin_write(db).await?;
    let recorded = record_in(&txn, holder, severity, reason, threshold_points, at).await?;
    txn.commit().await?;
    Ok(recorded)
}

/// [`record`] within the caller's transaction (which must hold the write lock on SQLite).
pub async fn record_in(
    db: &impl ConnectionTrait,
    holder: Holder,
    severity: Severity,
    reason: &str,
    threshold_points: i32,
    at: OffsetDateTime,
) -> Result<Recorded, DbErr> {
    let backend = db.get_database_backend();
    let table = holder.table();
    let Some(before) = Score::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT bounce_points, bounce_day_points, bounce_last_at, bounce_probe_at
             FROM {table} WHERE id = $1"
        ),
        [holder.id().into()],
    ))
    .one(db)
    .await?
    else {
        return Ok(Recorded::Unknown);
    };
    let after = before.bounced(severity, at);
    let reason: String = reason
        .chars()
        .filter(|c| !c.is_control())
        .take(REASON_CHARS)
        .collect();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "UPDATE {table} SET bounce_points = $1, bounce_day_points = $2, bounce_last_at = $3,
                    bounce_probe_at = NULL, bounce_reason = $4, updated_at = $5
             WHERE id = $6"
        ),
        [
            after.bounce_points.into(),
            after.bounce_day_points.into(),
            after.bounce_last_at.into(),
            reason.into(),
            at.into(),
            holder.id().into(),
        ],
    ))
    .await?;
    let suppressed = after.bounce_points >= threshold_points && suppress(db, holder, at).await?;
    Ok(Recorded::Counted {
        points: after.bounce_points,
        suppressed,
    })
}

/// Returns whether the holder was suppressed just now (not already).
async fn suppress(
    db: &impl ConnectionTrait,
    holder: Holder,
    at: OffsetDateTime,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let statement = match holder {
        Holder::Subscriber(id) => Statement::from_sql_and_values(
            backend,
            "UPDATE subscribers SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            [
                SubscriberStatus::Suppressed.into(),
                at.into(),
                id.into(),
                SubscriberStatus::Active.into(),
            ],
        ),
        Holder::Member(id) => Statement::from_sql_and_values(
            backend,
            "UPDATE users SET bounce_suppressed_at = $1
             WHERE id = $2 AND bounce_suppressed_at IS NULL",
            [at.into(), id.into()],
        ),
    };
    Ok(db.execute_raw(statement).await?.rows_affected() > 0)
}

/// Clears a holder's score and suppression (the admin's reset, a member's "my address works
/// again"): a suppressed subscriber is active again.
pub async fn reset(
    db: &impl ConnectionTrait,
    holder: Holder,
    at: OffsetDateTime,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let cleared = "bounce_points = 0, bounce_day_points = 0, bounce_last_at = NULL,
                   bounce_probe_at = NULL, bounce_reason = NULL";
    let statement = match holder {
        Holder::Subscriber(id) => Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE subscribers SET {cleared}, updated_at = $1,
                        status = CASE WHEN status = $2 THEN $3 ELSE status END
                 WHERE id = $4"
            ),
            [
                at.into(),
                SubscriberStatus::Suppressed.into(),
                SubscriberStatus::Active.into(),
                id.into(),
            ],
        ),
        Holder::Member(id) => Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE users SET {cleared}, bounce_suppressed_at = NULL, updated_at = $1
                 WHERE id = $2"
            ),
            [at.into(), id.into()],
        ),
    };
    Ok(db.execute_raw(statement).await?.rows_affected())
}

/// Mail for recipients with a score was accepted at `at`: each gets a probe if they have
/// none, and a score whose probe is [`QUIET`] old goes back to zero. `which` picks the rows of
/// `table` the mail went to.
pub async fn accepted(
    db: &impl ConnectionTrait,
    table: &'static str,
    which: SimpleExpr,
    at: OffsetDateTime,
) -> Result<u64, DbErr> {
    use sea_orm::sea_query::ExprTrait;

    let col = |name: &'static str| Expr::col(Alias::new(name));
    // Every right-hand side reads the row as it was before the update (both databases).
    let got_through = || {
        col("bounce_probe_at")
            .is_not_null()
            .and(col("bounce_probe_at").lte(at - QUIET))
    };
    let update = Query::update()
        .table(Alias::new(table))
        .value(
            Alias::new("bounce_points"),
            Expr::case(got_through(), 0).finally(col("bounce_points")),
        )
        .value(
            Alias::new("bounce_day_points"),
            Expr::case(got_through(), 0).finally(col("bounce_day_points")),
        )
        .value(
            Alias::new("bounce_probe_at"),
            Expr::case(col("bounce_probe_at").is_null(), at)
                .case(got_through(), None::<OffsetDateTime>)
                .finally(col("bounce_probe_at")),
        )
        .and_where(col("bounce_points").gt(0))
        .and_where(which)
        .to_owned();
    Ok(db
        .execute_raw(db.get_database_backend().build(&update))
        .await?
        .rows_affected())
}

/// Which of some addresses (normalised, as stored) are suppressed, as a member's and as a
/// subscriber's.
#[derive(Debug, Default)]
pub struct Suppressed {
    pub members: HashSet<String>,
    pub subscribers: HashSet<String>,
}

pub async fn suppressed_among(
    db: &impl ConnectionTrait,
    addresses: &[String],
) -> Result<Suppressed, DbErr> {
    if addresses.is_empty() {
        return Ok(Suppressed::default());
    }
    let members: Vec<String> = users::Entity::find()
        .select_only()
        .column(users::Column::Email)
        .filter(users::Column::BounceSuppressedAt.is_not_null())
        .filter(users::Column::Email.is_in(addresses.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    let subscribers: Vec<String> = subscribers::Entity::find()
        .select_only()
        .column(subscribers::Column::Email)
        .filter(subscribers::Column::Status.eq(SubscriberStatus::Suppressed))
        .filter(subscribers::Column::Email.is_in(addresses.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    let suppressed = Suppressed {
        members: members.into_iter().collect(),
        subscribers: subscribers.into_iter().collect(),
    };
    Ok(suppressed)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn hard_counts_one_soft_half_and_a_day_counts_once() {
        let monday = datetime!(2026-11-30 08:00 UTC);
        let score = Score::default().bounced(Severity::Soft, monday);
        assert_eq!(score.bounce_points, 1);
        let score = score.bounced(Severity::Soft, monday + time::Duration::hours(2));
        assert_eq!(
            score.bounce_points, 1,
            "a second bounce the same day is not counted"
        );
        let score = score.bounced(Severity::Hard, monday + time::Duration::hours(3));
        assert_eq!(
            score.bounce_points, 2,
            "a hard one after a soft one counts as one hard"
        );
        let score = score.bounced(Severity::Hard, monday + time::Duration::hours(4));
        assert_eq!(score.bounce_points, 2);
        let score = score.bounced(Severity::Hard, monday + time::Duration::days(1));
        assert_eq!(score.bounce_points, 4, "the next day counts again");
    }

    #[test]
    fn a_message_that_got_through_resets_the_score() {
        let at = datetime!(2026-11-01 08:00 UTC);
        let score = Score::default().bounced(Severity::Hard, at);
        let probing = Score {
            bounce_probe_at: Some(at + time::Duration::days(1)),
            ..score
        };
        let soon = probing.bounced(Severity::Hard, at + time::Duration::days(2));
        assert_eq!(
            soon.bounce_points, 4,
            "a bounce soon after: the probe bounced"
        );
        let later = probing.bounced(Severity::Hard, at + time::Duration::days(10));
        assert_eq!(
            later.bounce_points, 2,
            "the probe got through: counting starts again"
        );
    }
}
