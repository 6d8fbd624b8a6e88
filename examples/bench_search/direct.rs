//! direct: the bare statements from concurrent tasks, without HTTP.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use fora::taxonomy::Taxonomy;
use sea_orm::DbErr;

use crate::{
    bare::bare_search,
    experiments::{connect, variants},
    queries::{query_of, read_paths},
};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

pub async fn direct(url: &str, file: &str, concurrency: usize, seconds: f64) -> anyhow::Result<()> {
    let paths = Arc::new(read_paths(file)?);
    let db = connect(url).await?;
    let taxonomy = Arc::new(Taxonomy::load(&db).await?);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..concurrency {
        let (db, taxonomy, paths) = (db.clone(), taxonomy.clone(), paths.clone());
        let variants = variants();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = task * 97;
            while Instant::now() < deadline {
                let path = &paths[i % paths.len()];
                i += 1;
                let t = Instant::now();
                bare_search(&db, &taxonomy, query_of(path), &variants).await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, DbErr>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "requests={} rps={:.1} p50_ms={:.2} p99_ms={:.2}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0)
    );
    Ok(())
}
