//! engine-profile: the engine step of each search one at a time, split into its parts (exact
//! counts alone, the top ten alone, both as the application runs them), to see where a
//! search's time goes as the collection grows.

use std::{path::Path, time::Instant};

use anyhow::Context;
use fora::{
    learnings::search::{Audience, PER_PAGE, Search, SearchParams},
    search::{
        analysis,
        collect::FacetCounts,
        engine::{self, Ranking},
        facet_table::FacetTables,
        filters::FilterCache,
        query::{Builder, Filter},
        schema::Fields,
        spelling::Speller,
    },
    taxonomy::Taxonomy,
};
use tantivy::{
    Index, ReloadPolicy,
    collector::{Count, TopDocs},
};

use crate::{
    queries::{query_of, read_paths},
    tantivy_bare::filters,
};

struct Totals {
    label: &'static str,
    seconds: f64,
}

pub async fn engine_profile(index_dir: &str, url: &str, file: &str) -> anyhow::Result<()> {
    let paths = read_paths(file)?;
    let index = Index::open_in_dir(Path::new(index_dir))
        .with_context(|| format!("cannot open the index in {index_dir}"))?;
    analysis::register(&index);
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let db = fora::db::connect(url).await?;
    let taxonomy = Taxonomy::load(&db).await?;
    db.close().await?;
    let fields = Fields::new();
    let cache = std::sync::Arc::new(FilterCache::default());
    let tables = std::sync::Arc::new(FacetTables::default());
    let searcher = reader.searcher();
    println!(
        "{} segments, {} documents, {} searches",
        searcher.segment_readers().len(),
        searcher.num_docs(),
        paths.len()
    );
    let mut totals = [
        Totals {
            label: "check the words' spelling",
            seconds: 0.0,
        },
        Totals {
            label: "build the query",
            seconds: 0.0,
        },
        Totals {
            label: "count only (no scoring)",
            seconds: 0.0,
        },
        Totals {
            label: "exact facet counts only (no scoring)",
            seconds: 0.0,
        },
        Totals {
            label: "top 10 by the words' score only",
            seconds: 0.0,
        },
        Totals {
            label: "find without the boost",
            seconds: 0.0,
        },
        Totals {
            label: "find (counts + top 10, as the app)",
            seconds: 0.0,
        },
    ];
    let mut matched = 0u64;
    let mut corrected = 0usize;
    let mut slowest: Vec<(f64, u64, &str)> = Vec::new();
    for round in 0..2 {
        for path in &paths {
            let search = Search::resolve(
                SearchParams::from_query(query_of(path)),
                &taxonomy,
                Audience::Public,
            );
            let filters = filters(&search, &fields);
            let started = Instant::now();
            let corrections = Speller::new(
                &fields,
                &searcher,
                cache.clone(),
                filters.iter().map(Filter::term).collect(),
            )
            .corrections(&search.text);
            let spelling = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let built =
                Builder::new(&fields, &searcher, cache.clone()).build(&search.text, &filters);
            let query = &built.query;
            let building = started.elapsed().as_secs_f64();
            let time =
                |f: &mut dyn FnMut() -> tantivy::Result<u64>| -> tantivy::Result<(f64, u64)> {
                    let started = Instant::now();
                    let n = f()?;
                    Ok((started.elapsed().as_secs_f64(), n))
                };
            let (count, n) = time(&mut || Ok(searcher.search(&*query, &Count)? as u64))?;
            let (facets, _) = time(&mut || {
                Ok(searcher
                    .search(
                        &*query,
                        &FacetCounts {
                            tables: tables.clone(),
                        },
                    )?
                    .total)
            })?;
            let (top, _) = time(&mut || {
                Ok(searcher
                    .search(
                        &*query,
                        &TopDocs::with_limit(PER_PAGE as usize).order_by_score(),
                    )?
                    .len() as u64)
            })?;
            let (unboosted, _) = time(&mut || {
                Ok(engine::find(
                    &searcher,
                    &tables,
                    &**query,
                    None,
                    Ranking::Relevance,
                    0,
                    PER_PAGE as usize,
                )?
                .counts
                .total)
            })?;
            let (find, _) = time(&mut || {
                Ok(engine::find(
                    &searcher,
                    &tables,
                    &**query,
                    built.boost.as_deref(),
                    Ranking::Relevance,
                    0,
                    PER_PAGE as usize,
                )?
                .counts
                .total)
            })?;
            if round == 1 {
                slowest.push((find, n, path));
                matched += n;
                corrected += usize::from(!corrections.is_empty());
                for (total, seconds) in totals
                    .iter_mut()
                    .zip([spelling, building, count, facets, top, unboosted, find])
                {
                    total.seconds += seconds;
                }
            }
        }
    }
    let n = paths.len() as f64;
    println!(
        "mean matches per search: {:.0}; searches with a word to correct: {corrected}",
        matched as f64 / n
    );
    for total in totals {
        println!("{:>40}: {:8.3} ms", total.label, total.seconds * 1000.0 / n);
    }
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    // The mean hides the shape: a few broad questions (a third of the collection) can weigh
    // as much as all the others.
    // `slowest` runs from the slowest down: the median is at half, the p90 at a tenth.
    let at =
        |share: f64| slowest[((slowest.len() as f64 * share) as usize).min(slowest.len() - 1)].0;
    let all: f64 = slowest.iter().map(|s| s.0).sum();
    let broadest = slowest.len().div_ceil(20);
    let mut by_matches: Vec<_> = slowest.iter().collect();
    by_matches.sort_by_key(|s| std::cmp::Reverse(s.1));
    let broad: f64 = by_matches.iter().take(broadest).map(|s| s.0).sum();
    println!(
        "find: median {:.3} ms, p90 {:.3} ms; the {broadest} broadest searches (most matches) take {:.0} % of the time",
        at(0.5) * 1000.0,
        at(0.1) * 1000.0,
        broad * 100.0 / all.max(f64::MIN_POSITIVE)
    );
    println!("slowest searches (find):");
    for (seconds, matches, path) in slowest.iter().take(8) {
        println!("{:8.3} ms {matches:>8} matches  {path}", seconds * 1000.0);
    }
    Ok(())
}
