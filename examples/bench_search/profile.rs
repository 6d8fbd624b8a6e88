//! profile and explain: one search at a time, where the time goes.

use std::time::Duration;

use fora::{
    learnings::search::{Audience, Search, SearchParams},
    taxonomy::Taxonomy,
};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::{
    bare::bare_search,
    experiments::{connect, variant, variants},
    queries::{query_of, read_paths},
    sql_search::{self, SqlSearch},
};

pub async fn profile(url: &str, file: &str, limit: usize) -> anyhow::Result<()> {
    let paths = read_paths(file)?;
    let db = connect(url).await?;
    let taxonomy = Taxonomy::load(&db).await?;
    // (upper bound of the match set, label)
    let buckets: [(u64, &str); 5] = [
        (0, "0"),
        (100, "1–100"),
        (1_000, "101–1,000"),
        (10_000, "1,001–10,000"),
        (u64::MAX, "> 10,000"),
    ];
    let mut stats: Vec<(usize, Duration, Duration)> = vec![(0, Duration::ZERO, Duration::ZERO); 5];
    let mut totals = Vec::new();
    let (mut all_facets, mut all_page) = (Duration::ZERO, Duration::ZERO);
    let mut facet_rows = 0;
    let mut hit_count = 0;
    for path in paths.iter().take(limit) {
        let result = bare_search(&db, &taxonomy, query_of(path), &variants()).await?;
        let bucket = buckets
            .iter()
            .position(|(upper, _)| result.total <= *upper)
            .expect("a bucket");
        stats[bucket].0 += 1;
        stats[bucket].1 += result.facets_time;
        stats[bucket].2 += result.page_time;
        all_facets += result.facets_time;
        all_page += result.page_time;
        facet_rows += result.facet_rows;
        hit_count += result.hits.len();
        totals.push(result.total);
    }
    let runs = totals.len().max(1);
    totals.sort_unstable();
    let ms = |d: Duration, n: usize| d.as_secs_f64() * 1000.0 / n.max(1) as f64;
    println!(
        "searches={} median_total={} mean_total={:.0} max_total={} mean_facets_ms={:.2} mean_page_ms={:.2} facet_rows/search={:.0} hits/search={:.1}",
        totals.len(),
        totals.get(totals.len() / 2).copied().unwrap_or(0),
        totals.iter().sum::<u64>() as f64 / runs as f64,
        totals.last().copied().unwrap_or(0),
        ms(all_facets, runs),
        ms(all_page, runs),
        facet_rows as f64 / runs as f64,
        hit_count as f64 / runs as f64,
    );
    println!("| matches | searches | facets (ms, mean) | page (ms, mean) |");
    println!("|---|---:|---:|---:|");
    for ((_, label), (count, facets, page)) in buckets.iter().zip(&stats) {
        if *count > 0 {
            println!(
                "| {label} | {count} | {:.2} | {:.2} |",
                ms(*facets, *count),
                ms(*page, *count)
            );
        }
    }
    Ok(())
}

pub async fn explain(url: &str, path: &str) -> anyhow::Result<()> {
    let db = connect(url).await?;
    let backend = db.get_database_backend();
    let taxonomy = Taxonomy::load(&db).await?;
    let search = SqlSearch::of(&Search::resolve(
        SearchParams::from_query(query_of(path).or(Some(path))),
        &taxonomy,
        Audience::Public,
    ));
    let result = bare_search(&db, &taxonomy, query_of(path).or(Some(path)), &variants()).await?;
    println!(
        "{path}: {} matches; facets {:.2} ms, page {:.2} ms",
        result.total,
        result.facets_time.as_secs_f64() * 1000.0,
        result.page_time.as_secs_f64() * 1000.0
    );
    for (name, statement) in [
        (
            "facets",
            variant(sql_search::facets_statement(&search, backend), &variants()),
        ),
        (
            "page",
            variant(sql_search::page_statement(&search, backend, 0), &variants()),
        ),
    ] {
        let prefix = match backend {
            DatabaseBackend::Postgres => "EXPLAIN (ANALYZE, BUFFERS) ",
            _ => "EXPLAIN QUERY PLAN ",
        };
        println!("\n--- {name} ---\n{}\n", statement.sql);
        if let Some(values) = &statement.values {
            println!("values: {:?}\n", values.0);
        }
        let plan = Statement {
            sql: format!("{prefix}{}", statement.sql),
            ..statement
        };
        for row in db.query_all_raw(plan).await? {
            let line = match backend {
                DatabaseBackend::Postgres => row.try_get_by_index::<String>(0)?,
                _ => format!(
                    "{} {} {}",
                    row.try_get_by_index::<i64>(0)?,
                    row.try_get_by_index::<i64>(1)?,
                    row.try_get_by_index::<String>(3)?
                ),
            };
            println!("{line}");
        }
    }
    Ok(())
}
