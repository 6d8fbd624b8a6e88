//! Variants: rewrites of the two statements, to measure a proposed fix on the same data
//! (BENCH_VARIANT=facets-in,status-column for `direct`, `profile` and `explain`; never used by
//! `bare`, whose statements are exactly the application's).

use std::time::Duration;

use anyhow::Context;
use fora::entities::learnings::LearningStatus;
use sea_orm::{Database, DatabaseBackend, DatabaseConnection, Statement};

pub fn variants() -> Vec<String> {
    std::env::var("BENCH_VARIANT")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn variant(statement: Statement, variants: &[String]) -> Statement {
    let mut statement = statement;
    for name in variants {
        statement = match name.as_str() {
            "facets-in" => facets_in(statement),
            "status-column" => status_column(statement),
            other => {
                panic!("unknown BENCH_VARIANT {other:?} (facets-in, status-column)")
            }
        };
    }
    statement
}

/// Country and theme counts as `… FROM pairs WHERE learning_id IN (SELECT id FROM m)`: the
/// planner then looks the pairs of each match up by primary key instead of scanning every pair
/// of the table and probing the match set (SQLite picks that when it is `m JOIN pairs`).
fn facets_in(statement: Statement) -> Statement {
    let pattern = regex::Regex::new(
        r"FROM m\s+JOIN (learning_countries|learning_themes) (\w) ON (\w)\.learning_id = m\.id",
    )
    .expect("a regex");
    let sql = pattern
        .replace_all(
            &statement.sql,
            "FROM $1 $2 WHERE $3.learning_id IN (SELECT id FROM m)",
        )
        .into_owned();
    Statement { sql, ..statement }
}

/// The public's "published only" as a column condition instead of the `zqspublished` token in
/// the full-text expression: that token is in 95 % of the rows, so intersecting with it (and,
/// on SQLite, bm25's walk over its doclist) costs in proportion to the whole collection.
fn status_column(statement: Statement) -> Statement {
    let published = crate::sql_search::tokens::status(LearningStatus::Published.as_str());
    let Some(values) = statement.values.clone() else {
        return statement;
    };
    let mut values = values.0;
    let mut changed = false;
    for value in values.iter_mut() {
        let sea_orm::Value::String(Some(text)) = value else {
            continue;
        };
        // SQLite: "… AND (facet_keys : (a AND b AND zqspublished))"; PostgreSQL: "a & zqspublished".
        for (separator, suffix) in [(" AND ", "))"), (" & ", "")] {
            let needle = format!("{separator}{published}{suffix}");
            if let Some(kept) = text.strip_suffix(needle.as_str()) {
                *text = format!("{kept}{suffix}");
                changed = true;
            }
        }
    }
    if !changed {
        return statement;
    }
    let sql = match statement.db_backend {
        DatabaseBackend::Postgres => statement.sql.replace(
            "to_tsquery('simple', $2))",
            "to_tsquery('simple', $2)) AND l.status = 'published'",
        ),
        // The unary plus keeps SQLite from driving the query by the (status, published_at)
        // index and probing the full-text index once per published row (minutes).
        _ => statement.sql.replace(
            "WHERE learnings_fts MATCH $1",
            "WHERE learnings_fts MATCH $1 AND +l.status = 'published'",
        ),
    };
    Statement::from_sql_and_values(statement.db_backend, sql, values)
}

/// The application's pool (`fora::db::connect`), or for experiments on SQLite the same
/// settings with another `mmap_size` (BENCH_MMAP=bytes).
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mmap = std::env::var("BENCH_MMAP").ok().filter(|m| !m.is_empty());
    match mmap {
        Some(bytes) if url.starts_with("sqlite:") => {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            let bytes: u64 = bytes
                .parse()
                .context("BENCH_MMAP must be a number of bytes")?;
            let mut options = sea_orm::ConnectOptions::new(url.to_owned());
            options
                .max_connections(4)
                .min_connections(1)
                .sqlx_logging(false)
                .map_sqlx_sqlite_opts(move |o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                        .pragma("mmap_size", bytes.to_string())
                });
            Ok(Database::connect(options).await?)
        }
        _ => Ok(fora::db::connect(url).await?),
    }
}
