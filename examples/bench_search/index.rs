//! index: the tantivy index of a bench database, built by the application's own rebuild
//! (`SearchIndex::reindex`, what `fora search reindex` runs) and cached beside the data.

use std::{path::Path, time::Instant};

use anyhow::{Context, bail};
use fora::search::{Reindexed, SearchIndex, engine::Engine};

/// Bytes of every file under `dir`.
pub fn folder_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => folder_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Makes sure `DATA_DIR/search-index` holds a complete index of the database at `url`
/// (building it when it does not), and prints `documents=… build_seconds=… bytes=…`; the
/// build time is that of the build that made the cached index.
pub async fn ensure_index(url: &str, data_dir: &str) -> anyhow::Result<()> {
    let data_dir = Path::new(data_dir);
    let dir = data_dir.join("search-index");
    let record = data_dir.join("build.txt");
    if record.exists() {
        let opened = {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || Engine::open(&dir).map(|e| e.count())).await?
        };
        if let Ok(documents) = opened {
            let built = std::fs::read_to_string(&record)?;
            eprintln!(
                "bench-search: cached index {} ({documents} documents)",
                dir.display()
            );
            println!("{} bytes={}", built.trim(), folder_size(&dir));
            return Ok(());
        }
    }
    let _ = std::fs::remove_file(&record);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let db = fora::db::connect(url).await?;
    let index = SearchIndex::new(db.clone(), data_dir);
    eprintln!(
        "bench-search: building the search index in {}",
        dir.display()
    );
    let started = Instant::now();
    let documents = match index.reindex().await? {
        Reindexed::Built(n) => n,
        Reindexed::Requested => bail!("another process owns {}", data_dir.display()),
    };
    let seconds = started.elapsed().as_secs_f64();
    drop(index);
    db.close().await?;
    let built = format!("documents={documents} build_seconds={seconds:.1}");
    std::fs::write(&record, format!("{built}\n"))?;
    eprintln!("bench-search: indexed {documents} learnings in {seconds:.1} s");
    println!("{built} bytes={}", folder_size(&dir));
    Ok(())
}
