//! gen: cached databases, generated and written when missing or stale.

use std::{path::PathBuf, time::Instant};

use anyhow::{Context, bail};
use fora::{
    entities::{
        learning_countries, learning_themes,
        learnings::{self, LearningStatus},
        themes,
    },
    learnings::store,
    taxonomy::{Taxonomy, Vocabulary},
};
use migration::MigratorTrait;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, EntityTrait,
    Statement, TransactionTrait,
};

use crate::{
    corpus::Corpus,
    generate::{Generator, Ids, Row},
    rng::Rng,
    shape::THEMES,
    sql_search,
};

/// Bump when the generated data changes, so cached databases are regenerated.
const GEN_VERSION: i64 = 2;
/// Rows per multi-row INSERT and rows per transaction.
const BATCH: usize = 500;
const ROWS_PER_TRANSACTION: usize = 20_000;
const DEFAULT_PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn parse_size(size: &str) -> anyhow::Result<usize> {
    let lower = size.to_ascii_lowercase();
    let (digits, factor) = if let Some(d) = lower.strip_suffix('k') {
        (d, 1_000)
    } else if let Some(d) = lower.strip_suffix('m') {
        (d, 1_000_000)
    } else {
        (lower.as_str(), 1)
    };
    let n: usize = digits
        .parse()
        .with_context(|| format!("SIZE must be like 100k, 1m or 20000, got {size:?}"))?;
    if n == 0 {
        bail!("SIZE must be positive");
    }
    Ok(n * factor)
}

fn marker(n: usize) -> String {
    format!("fora-bench-search v{GEN_VERSION} n={n}")
}

async fn count_learnings(db: &DatabaseConnection) -> Option<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM learnings",
        ))
        .await
        .ok()??;
    row.try_get::<i64>("", "n").ok()
}

async fn scalar_string(db: &DatabaseConnection, sql: &str) -> Option<String> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .ok()??;
    row.try_get_by_index::<Option<String>>(0).ok().flatten()
}

pub async fn generate_cached(backend: &str, size: &str) -> anyhow::Result<()> {
    let n = parse_size(size)?;
    let label = size.to_ascii_lowercase();
    let url = match backend {
        "sqlite" => {
            let dir = match std::env::var("FORA_BENCH_CACHE") {
                Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
                _ => {
                    PathBuf::from(std::env::var("HOME").context("HOME")?).join(".cache/fora-bench")
                }
            };
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(format!("learnings-{label}.db"));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            if path.exists() {
                let db = fora::db::connect(&url).await?;
                let version = db
                    .query_one_raw(Statement::from_string(
                        DatabaseBackend::Sqlite,
                        "PRAGMA user_version",
                    ))
                    .await?
                    .and_then(|r| r.try_get_by_index::<i64>(0).ok());
                let count = count_learnings(&db).await;
                db.close().await?;
                if version == Some(GEN_VERSION) && count == Some(n as i64) {
                    eprintln!("bench-search: cached {} ({n} learnings)", path.display());
                    migrate(&url).await?;
                    ensure_sql_search(&url).await?;
                    println!("{url}");
                    return Ok(());
                }
                eprintln!(
                    "bench-search: {} is stale or incomplete (version {version:?}, {count:?} learnings); regenerating",
                    path.display()
                );
            }
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                if file.exists() {
                    std::fs::remove_file(&file)?;
                }
            }
            url
        }
        "postgres" => {
            let admin_url = std::env::var("PG_ADMIN_URL")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| DEFAULT_PG_ADMIN.into());
            let name = format!("fora_bench_{label}");
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!("bad database name {name}");
            }
            let base = admin_url
                .rsplit_once('/')
                .map(|(base, _)| base.to_string())
                .context("PG_ADMIN_URL must end in /DATABASE")?;
            let url = format!("{base}/{name}");
            let admin = Database::connect(&admin_url)
                .await
                .with_context(|| format!("cannot connect to {admin_url}"))?;
            let comment = scalar_string(
                &admin,
                &format!(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'"
                ),
            )
            .await;
            if comment.as_deref() == Some(marker(n).as_str()) {
                let db = Database::connect(&url).await?;
                let count = count_learnings(&db).await;
                db.close().await?;
                if count == Some(n as i64) {
                    eprintln!("bench-search: cached PostgreSQL database {name} ({n} learnings)");
                    migrate(&url).await?;
                    ensure_sql_search(&url).await?;
                    println!("{url}");
                    return Ok(());
                }
            }
            eprintln!("bench-search: creating PostgreSQL database {name}");
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await?;
            url
        }
        other => bail!("backend must be sqlite or postgres, got {other:?}"),
    };

    let started = Instant::now();
    generate(&url, n).await?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "bench-search: generated {n} learnings in {seconds:.1} s ({:.0} learnings/s)",
        n as f64 / seconds
    );
    // Mark the data complete only now, so an interrupted run is redone next time.
    match backend {
        "sqlite" => {
            let db = fora::db::connect(&url).await?;
            db.execute_unprepared(&format!("PRAGMA user_version = {GEN_VERSION}"))
                .await?;
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
            db.close().await?;
        }
        _ => {
            let db = Database::connect(&url).await?;
            let name = url.rsplit('/').next().expect("a name").to_string();
            db.execute_unprepared(&format!("COMMENT ON DATABASE {name} IS '{}'", marker(n)))
                .await?;
            db.close().await?;
        }
    }
    ensure_sql_search(&url).await?;
    println!("{url}");
    Ok(())
}

/// The previous SQL search's structures (facet tokens, FTS5 / tsvector), for the comparison
/// only: added once to the generated data, and kept with it.
async fn ensure_sql_search(url: &str) -> anyhow::Result<()> {
    let db = fora::db::connect(url).await?;
    if !sql_search::prepared(&db).await {
        eprintln!("bench-search: adding the previous SQL search (facet_keys, full-text index)");
        let started = Instant::now();
        sql_search::prepare(&db).await?;
        eprintln!(
            "bench-search: SQL search structures added in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    db.close().await?;
    Ok(())
}

async fn migrate(url: &str) -> anyhow::Result<()> {
    let db = fora::db::connect(url).await?;
    migration::Migrator::up(&db, None).await?;
    db.close().await?;
    Ok(())
}

async fn generate(url: &str, n: usize) -> anyhow::Result<()> {
    let db = fora::db::connect(url).await?;
    migration::Migrator::up(&db, None).await?;
    let backend = db.get_database_backend();
    let existing = count_learnings(&db).await.unwrap_or(0);
    if existing != 0 {
        bail!("{url} already holds {existing} learnings");
    }
    // The demo's themes, created as an admin would.
    let now = fora::db::now();
    let mut theme_ids = Vec::new();
    for (slug, name) in THEMES {
        let existing = themes::Entity::find()
            .all(&db)
            .await?
            .into_iter()
            .find(|t| t.slug == *slug);
        let id = match existing {
            Some(t) => t.id,
            None => {
                themes::Entity::insert(themes::ActiveModel {
                    slug: Set(slug.to_string()),
                    name: Set(name.to_string()),
                    description: Set(String::new()),
                    created_at: Set(now),
                    ..Default::default()
                })
                .exec(&db)
                .await?
                .last_insert_id
            }
        };
        theme_ids.push(id);
    }
    let taxonomy = Taxonomy::load(&db).await?;
    let all_countries = taxonomy
        .terms_of(Vocabulary::Country)
        .map(|t| t.id)
        .collect();
    let ids = Ids {
        taxonomy,
        themes: theme_ids,
        all_countries,
    };
    let corpus = Corpus::load()?;
    eprintln!(
        "bench-search: corpus of {} words ({} distinct); generating {n} learnings into {url}",
        corpus.tokens.len(),
        corpus.successors.len()
    );

    // One thread writes the rows (text, rendered HTML) while this one inserts.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<learnings::ActiveModel>>(8);
    let (pair_sender, mut pair_receiver) = tokio::sync::mpsc::channel::<(
        Vec<learning_themes::ActiveModel>,
        Vec<learning_countries::ActiveModel>,
    )>(8);
    let producer = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut rng = Rng(20_261_124);
        let mut generator = Generator::new(&corpus, &ids, n, &mut rng);
        let mut id = 0;
        while id < n {
            let mut rows = Vec::with_capacity(BATCH);
            let mut themes = Vec::new();
            let mut countries = Vec::new();
            for _ in 0..BATCH.min(n - id) {
                id += 1;
                let row = generator.learning(id as i32, &mut rng);
                themes.extend(row.fields.theme_ids.iter().map(|&theme_id| {
                    learning_themes::ActiveModel {
                        learning_id: Set(row.id),
                        theme_id: Set(theme_id),
                    }
                }));
                countries.extend(row.fields.country_ids.iter().map(|&country_id| {
                    learning_countries::ActiveModel {
                        learning_id: Set(row.id),
                        country_id: Set(country_id),
                    }
                }));
                rows.push(active_model(&row));
            }
            if sender.blocking_send(rows).is_err()
                || pair_sender.blocking_send((themes, countries)).is_err()
            {
                break;
            }
        }
        Ok(())
    });

    let mut written = 0usize;
    let mut txn = db.begin().await?;
    let mut in_txn = 0;
    let started = Instant::now();
    while let Some(rows) = receiver.recv().await {
        let (themes, countries) = pair_receiver.recv().await.context("pairs")?;
        let count = rows.len();
        learnings::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        learning_themes::Entity::insert_many(themes)
            .exec_without_returning(&txn)
            .await?;
        // Country rows are fewer than 2·BATCH, well within both backends' parameter limits.
        learning_countries::Entity::insert_many(countries)
            .exec_without_returning(&txn)
            .await?;
        written += count;
        in_txn += count;
        if in_txn >= ROWS_PER_TRANSACTION {
            txn.commit().await?;
            txn = db.begin().await?;
            in_txn = 0;
        }
        if written % 50_000 < count {
            eprintln!(
                "bench-search: {written}/{n} ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    txn.commit().await?;
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the generator thread panicked"))??;
    if written != n {
        bail!("wrote {written} of {n} learnings");
    }
    if backend == DatabaseBackend::Postgres {
        // Explicit ids: move the sequence past them; statistics as autovacuum would leave them.
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('learnings', 'id'), (SELECT MAX(id) FROM learnings))",
        )
        .await?;
        eprintln!("bench-search: VACUUM ANALYZE");
        for table in ["learnings", "learning_themes", "learning_countries"] {
            db.execute_unprepared(&format!("VACUUM ANALYZE {table}"))
                .await?;
        }
    }
    db.close().await?;
    Ok(())
}

fn active_model(row: &Row) -> learnings::ActiveModel {
    let f = &row.fields;
    learnings::ActiveModel {
        id: Set(row.id),
        external_id: Set(f.external_id.clone()),
        content_key: Set(store::content_key(&f.project_title, &f.description)),
        title: Set(f.title.clone()),
        description: Set(f.description.clone()),
        description_html: Set(fora::markdown::render(&f.description)),
        learning_type: Set(f.learning_type.clone()),
        project_title: Set(f.project_title.clone()),
        evaluation_type_id: Set(f.evaluation_type_id),
        year: Set(f.year),
        sector_id: Set(f.sector_id),
        intervention_type_id: Set(f.intervention_type_id),
        cycle_stage_id: Set(f.cycle_stage_id),
        criterion_id: Set(f.criterion_id),
        source_url: Set(f.source_url.clone()),
        language: Set(f.language.clone()),
        status: Set(row.status),
        author_id: Set(None),
        reviewer_id: Set(None),
        published_at: Set((row.status == LearningStatus::Published).then_some(row.at)),
        created_at: Set(row.at),
        updated_at: Set(row.at),
    }
}
