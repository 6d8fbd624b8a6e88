//! Helpers for `scripts/bench-search.sh` (see docs/BENCHMARKS.md, "Learnings search").
//!
//! ```text
//! bench_search gen sqlite|postgres SIZE
//!     Makes sure a cached database of SIZE (100k, 1m, or a number such as 20000 or 20k)
//!     generated learnings exists, generating it when it does not (or holds the wrong count),
//!     adds the previous SQL search's structures to it once (`sql_search::prepare`: the
//!     facet_keys column, the FTS5 table on SQLite, the tsvector column and GIN index on
//!     PostgreSQL), and prints its DATABASE_URL as the last line on stdout. SQLite files live
//!     in $FORA_BENCH_CACHE (default ~/.cache/fora-bench/learnings-SIZE.db); PostgreSQL
//!     databases are fora_bench_SIZE, created through $PG_ADMIN_URL
//!     (default postgres://postgres@127.0.0.1:5432/postgres).
//!
//! bench_search index DATABASE_URL DATA_DIR
//!     Makes sure DATA_DIR/search-index holds the tantivy index of that database, building it
//!     with the application's rebuild (`SearchIndex::reindex`, as `fora search reindex`) when
//!     it does not; prints `documents=N build_seconds=S bytes=B` (S: the build that made it).
//!
//! bench_search queries COUNT FILE
//!     Writes COUNT distinct search paths (/learnings?q=…&country=…&…), one per line: a text
//!     query and two filters each, drawn from the same distributions as the data.
//!
//! bench_search bare-tantivy PORT INDEX_DIR DATABASE_URL
//!     Baseline (a): a bare axum handler (no middleware) on 127.0.0.1:PORT that opens the same
//!     index read-only with tantivy directly and answers every GET by building the query with
//!     the application's `query::Builder` from the same parameters (filter codes resolved by
//!     `Search::resolve` against the taxonomy, read once at start), running it with the exact
//!     facet collector and the top 10, and returning the total and ids as plain text.
//!
//! bench_search bare-sql PORT DATABASE_URL
//!     Baseline (b): the previous SQL search (`sql_search`: its facet statement and page
//!     statement, built from the same parameters) behind a bare axum handler, on a pool opened
//!     like the application's (`fora::db::connect`, 4 connections); returns the total and the
//!     hits as a few lines of plain text.
//!
//! bench_search direct DATABASE_URL FILE CONCURRENCY SECONDS
//!     The two SQL statements without HTTP: CONCURRENCY tasks run the paths of FILE in turn
//!     for SECONDS; prints requests/s and latency percentiles as `key=value` pairs.
//!
//! bench_search profile DATABASE_URL FILE [LIMIT]
//!     Runs each search of FILE once, one at a time, timing the facet statement and the page
//!     statement separately, grouped by the size of the match set: where the time goes.
//!
//! bench_search explain DATABASE_URL PATH
//!     Prints the plans of both statements for one search (SQLite: EXPLAIN QUERY PLAN;
//!     PostgreSQL: EXPLAIN (ANALYZE, BUFFERS)).
//!
//! For experiments, `direct`, `profile` and `explain` (never `bare-sql`) take
//!     BENCH_VARIANT=facets-in,status-column   rewrites of the two statements (see `variant`)
//!     BENCH_MMAP=BYTES                        SQLite pool with another mmap_size
//! ```
//!
//! The text of the generated learnings comes from real evaluation learnings shipped with the
//! repository (data/seed-learnings.csv and data/seeds/*.txt; $FORA_BENCH_CORPUS names another
//! directory holding seed-learnings.csv and seeds/*.txt):
//! a word-pair chain over that text, so word frequencies follow its Zipf curve, with topic
//! phrases that fit each learning's sector, intervention and themes (the small corpus lacks
//! most topic words, such as "cocoa" or "birth registration") and a long tail of place names
//! that grows with the size of the collection, as real vocabularies do.

mod bare;
mod corpus;
mod dataset;
mod direct;
mod engine_profile;
mod experiments;
mod generate;
mod index;
mod profile;
mod queries;
mod rng;
mod shape;
mod sql_search;
mod tantivy_bare;
mod text;

use anyhow::Context;

use crate::{
    bare::bare_sql,
    dataset::generate_cached,
    direct::direct,
    engine_profile::engine_profile,
    index::ensure_index,
    profile::{explain, profile},
    queries::write_queries,
    tantivy_bare::bare_tantivy,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args[i].as_str();
    match (args.get(1).map(String::as_str), args.len()) {
        (Some("gen"), 4) => generate_cached(arg(2), arg(3)).await,
        (Some("queries"), 4) => write_queries(arg(2).parse().context("COUNT")?, arg(3)),
        (Some("index"), 4) => ensure_index(arg(2), arg(3)).await,
        (Some("bare-sql"), 4) => bare_sql(arg(2), arg(3)).await,
        (Some("bare-tantivy"), 5) => bare_tantivy(arg(2), arg(3), arg(4)).await,
        (Some("direct"), 6) => {
            direct(
                arg(2),
                arg(3),
                arg(4).parse().context("CONCURRENCY")?,
                arg(5).parse().context("SECONDS")?,
            )
            .await
        }
        (Some("profile"), 4 | 5) => {
            let limit = args.get(4).map(|l| l.parse()).transpose()?;
            profile(arg(2), arg(3), limit.unwrap_or(usize::MAX)).await
        }
        (Some("explain"), 4) => explain(arg(2), arg(3)).await,
        (Some("engine-profile"), 5) => engine_profile(arg(2), arg(3), arg(4)).await,
        _ => {
            eprintln!(
                "usage:\n  bench_search gen sqlite|postgres SIZE\n  bench_search index DATABASE_URL DATA_DIR\n  \
                 bench_search queries COUNT FILE\n  bench_search bare-tantivy PORT INDEX_DIR DATABASE_URL\n  \
                 bench_search bare-sql PORT DATABASE_URL\n  bench_search direct DATABASE_URL FILE CONCURRENCY SECONDS\n  \
                 bench_search profile DATABASE_URL FILE [LIMIT]\n  bench_search explain DATABASE_URL PATH\n  \
                 bench_search engine-profile INDEX_DIR DATABASE_URL FILE"
            );
            std::process::exit(2);
        }
    }
}
