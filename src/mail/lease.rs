//! Work queues kept in the database and emptied under leases: the newsletter's `deliveries`
//! and the `mail_queue` of every other message. A run claims due rows by writing its own
//! owner name and a lease end on them (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances
//! never claim the same row; SQLite: one writer at a time); a row whose lease ran out (its
//! worker crashed or stalled) can be claimed again. Failures wait longer after every attempt.

use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, Statement,
    sea_query::{Alias, Expr, Query},
};

use crate::{
    db::{begin_write, now},
    entities::states::DeliveryStatus,
};

/// The wait before the next try after `attempts` temporary failures: 1, 2, 4, … minutes,
/// at most 2 hours.
pub fn backoff(attempts: i32) -> Duration {
    let minutes = 1u64 << attempts.clamp(1, 8).saturating_sub(1);
    Duration::from_secs((minutes * 60).min(7_200))
}

/// The part of a lease in which messages are written. The last 30 % leaves room for the
/// answer to the last message written (bounded by `SMTP_TIMEOUT`), for storing its mark, and
/// for clocks that differ a little between instances.
pub fn usable_part(lease: Duration) -> Duration {
    lease.mul_f64(0.7)
}

/// A lease owner's name, new for every run: the process id (to tell instances apart in the
/// database) and a random part.
pub fn run_owner() -> String {
    format!(
        "{}-{:012x}",
        std::process::id(),
        rand::random::<u64>() >> 16
    )
}

/// Claims up to `limit` due rows of `table` for `owner`: queued, due, and not leased by
/// anyone (or leased by a worker that is gone: its lease ran out). The order is that of the
/// table's partial index on `(next_attempt_at, id) WHERE status = 'queued'`, so a claim reads
/// only the rows it takes instead of sorting the whole queue; the status is written as a
/// literal because a database uses a partial index only when the query's condition visibly
/// implies the index's. `returning` names the columns read into `T`. Returned in id order.
pub async fn claim<T: FromQueryResult>(
    db: &DatabaseConnection,
    table: &'static str,
    returning: &'static str,
    owner: &str,
    lease: Duration,
    limit: u64,
) -> Result<Vec<T>, DbErr> {
    let at = now();
    let lock = match db.get_database_backend() {
        DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "UPDATE {table} SET lease_owner = $1, lease_until = $2, updated_at = $3
             WHERE id IN (
                 SELECT id FROM {table}
                 WHERE status = '{queued}' AND next_attempt_at <= $3
                   AND (lease_until IS NULL OR lease_until < $3)
                 ORDER BY next_attempt_at, id LIMIT {limit} {lock})
             RETURNING {returning}",
            queued = DeliveryStatus::Queued.as_str(),
        ),
        [owner.into(), (at + lease).into(), at.into()],
    );
    let txn = begin_write(db).await?;
    let rows = T::find_by_statement(statement).all(&txn).await?;
    txn.commit().await?;
    Ok(rows)
}

/// Gives rows still leased by `owner` back at once (shutting down, or the lease is nearly
/// over); rows claimed by someone else since are left alone.
pub async fn release(
    db: &DatabaseConnection,
    table: &'static str,
    owner: &str,
    ids: &[i32],
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    use sea_orm::sea_query::ExprTrait;

    let release = Query::update()
        .table(Alias::new(table))
        .values([
            (Alias::new("lease_owner"), None::<String>.into()),
            (
                Alias::new("lease_until"),
                None::<time::OffsetDateTime>.into(),
            ),
        ])
        .and_where(Expr::col(Alias::new("lease_owner")).eq(owner))
        .and_where(Expr::col(Alias::new("id")).is_in(ids.iter().copied()))
        .to_owned();
    db.execute_raw(db.get_database_backend().build(&release))
        .await?;
    Ok(())
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
    fn run_owners_differ_and_fit_their_column() {
        let (a, b) = (run_owner(), run_owner());
        assert_ne!(a, b);
        assert!(a.len() <= 64);
    }
}
