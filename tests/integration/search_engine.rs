//! The search index follows the database: the change log is written in the writer's
//! transaction, every instance applies it (and sees the others' publish and retire within two
//! seconds), and an index that is missing, corrupt, outdated (its schema or its thesaurus),
//! deleted while serving or killed half-built is rebuilt from the database without anything
//! failing. The log is pruned: an index stopped for longer than it is kept rebuilds, and never
//! answers from what it missed.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use fora::{
    entities::learnings::LearningStatus,
    learnings::{
        search::{Audience, Search, SearchParams, index_filters},
        store,
    },
    search::{Availability, SearchIndex, change, engine::Ranking, schema::Kind},
};
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};

use crate::{
    library_search::{learning, raw},
    support::TestApp,
};

crate::on_both_databases!(
    publish_and_retire_reach_the_other_instance_within_two_seconds,
    the_change_log_is_part_of_the_writers_transaction,
    missing_corrupt_and_outdated_indexes_are_rebuilt,
    a_deleted_index_is_rebuilt_while_searches_keep_answering,
    reindex_while_a_server_owns_the_index_asks_it_to_rebuild,
    an_index_killed_while_building_is_rebuilt_on_start,
    absurd_page_numbers_answer_the_last_page,
    an_index_stopped_past_the_pruned_log_rebuilds_and_never_shows_what_it_missed,
);

/// Whether the public search page for `q` lists the learning `id`.
async fn lists(app: &TestApp, q: &str, id: i32) -> bool {
    let page = app.client().get(&format!("/learnings?q={q}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body.contains(&format!("href=\"/learnings/{id}\""))
}

/// Waits up to two seconds for the page of `app` to list (or not) the learning.
async fn within_two_seconds(app: &TestApp, q: &str, id: i32, listed: bool) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        if lists(app, q, id).await == listed {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "learning {id} still {} after 2 s",
            if listed { "missing" } else { "listed" }
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn publish_and_retire_reach_the_other_instance_within_two_seconds(app: TestApp) {
    let other = app.second_instance().await;
    // Both instances have built their (empty) index.
    assert!(!lists(&app, "cocoa", 1).await);
    assert!(!lists(&other, "cocoa", 1).await);
    let id = learning(
        &app,
        raw(
            "Cocoa cooperatives",
            "Cocoa cooperatives kept children in school.",
        ),
        "published",
    )
    .await;
    within_two_seconds(&other, "cocoa", id, true).await;
    assert!(lists(&app, "cocoa", id).await);
    retire(&app, id).await;
    within_two_seconds(&other, "cocoa", id, false).await;
    within_two_seconds(&app, "cocoa", id, false).await;
    // The API and the feed follow the same index.
    let api = other.client().get("/api/v1/learnings?q=cocoa").await;
    assert_eq!(api.status, 200);
    assert!(api.body.contains("\"total\":0"), "{}", api.body);
}

async fn retire(app: &TestApp, id: i32) {
    let model = fora::entities::learnings::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    store::set_status(
        app.db(),
        model,
        LearningStatus::Retired,
        None,
        "retired",
        "",
        fora::db::now(),
    )
    .await
    .unwrap();
}

async fn the_change_log_is_part_of_the_writers_transaction(app: TestApp) {
    let changes = || async {
        app.db()
            .query_one_raw(sea_orm::Statement::from_string(
                app.db().get_database_backend(),
                "SELECT COUNT(*) AS n FROM search_changes",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap()
    };
    let before = changes().await;
    let taxonomy = fora::taxonomy::Taxonomy::load(app.db()).await.unwrap();
    let fields = raw("Rolled back", "This learning was never saved.")
        .validate(&taxonomy)
        .unwrap();
    let txn = app.db().begin().await.unwrap();
    store::insert(
        &txn,
        &fields,
        "",
        LearningStatus::Published,
        None,
        fora::db::now(),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(
        changes().await,
        before,
        "a rolled-back write leaves no change"
    );
    assert!(!lists(&app, "rolled", 1).await);
    let id = learning(&app, raw("Kept", "This learning was saved."), "published").await;
    assert_eq!(changes().await, before + 1);
    assert!(
        lists(&app, "saved", id).await,
        "visible to the next search at once"
    );
}

/// A search index of its own on the app's database, in `dir`.
async fn fresh_index(app: &TestApp, dir: &std::path::Path) -> SearchIndex {
    let index = SearchIndex::new(app.db().clone(), dir);
    index.start().await.expect("the folder is free");
    index
}

async fn documents(index: &SearchIndex) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match index.ready().await.expect("search index") {
            Availability::Ready(engine) => return engine.count(),
            Availability::Rebuilding => {
                assert!(Instant::now() < deadline, "rebuild did not finish");
            }
        }
    }
}

async fn missing_corrupt_and_outdated_indexes_are_rebuilt(app: TestApp) {
    for i in 0..5 {
        learning(
            &app,
            raw(&format!("Lesson {i}"), &format!("Text {i}.")),
            "published",
        )
        .await;
    }
    learning(&app, raw("A draft", "Draft text."), "draft").await;
    let data = tempfile::tempdir().unwrap();
    {
        let index = fresh_index(&app, data.path()).await;
        assert_eq!(
            documents(&index).await,
            6,
            "missing: built from the database"
        );
    }
    // Let the dropped instance's follower and writer go.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    // Rows written behind the change log's back: only a rebuild can find them.
    let unlogged = |n: i32| {
        format!(
            "INSERT INTO learnings (content_key, title, description, description_html, \
             learning_type, project_title, source_url, language, status, created_at, updated_at) \
             VALUES ('unlogged-{n}', 'Unlogged', 'Unlogged {n}', '', 'lesson_learned', '', '', \
             'en', 'published', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')"
        )
    };
    app.sql(&unlogged(1)).await;
    {
        let index = fresh_index(&app, data.path()).await;
        assert_eq!(
            documents(&index).await,
            6,
            "a sound index is opened, not rebuilt"
        );
    }
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let meta = data.path().join("search-index").join("meta.json");
    let version = fora::search::schema::SCHEMA_VERSION;
    restamp(
        &meta,
        "schema",
        &version.to_string(),
        &(version - 1).to_string(),
    );
    {
        let index = fresh_index(&app, data.path()).await;
        assert_eq!(documents(&index).await, 7, "outdated: rebuilt");
    }
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    app.sql(&unlogged(2)).await;
    // The thesaurus's phrases are found at indexing: another list means another index.
    let thesaurus = fora::search::synonyms::fingerprint();
    restamp(
        &meta,
        "thesaurus",
        &format!("\\\"{thesaurus}\\\""),
        "\\\"0123456789abcdef\\\"",
    );
    {
        let index = fresh_index(&app, data.path()).await;
        assert_eq!(documents(&index).await, 8, "another thesaurus: rebuilt");
    }
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    app.sql(&unlogged(3)).await;
    std::fs::write(&meta, "{ not json").unwrap();
    {
        let index = fresh_index(&app, data.path()).await;
        assert_eq!(documents(&index).await, 9, "corrupt: rebuilt");
    }
}

/// Rewrites one entry of the index's commit stamp (a JSON text inside `meta.json`, so its
/// quotes are escaped there) from `value` to `other`.
fn restamp(meta: &std::path::Path, key: &str, value: &str, other: &str) {
    let text = std::fs::read_to_string(meta).unwrap();
    let entry = |value: &str| format!("\\\"{key}\\\":{value}");
    let changed = text.replace(&entry(value), &entry(other));
    assert_ne!(
        changed, text,
        "{key} {value} is in the commit payload: {text}"
    );
    std::fs::write(meta, changed).unwrap();
}

async fn a_deleted_index_is_rebuilt_while_searches_keep_answering(app: TestApp) {
    let first = learning(
        &app,
        raw("Mining families", "Artisanal mining."),
        "published",
    )
    .await;
    assert!(lists(&app, "mining", first).await);
    std::fs::remove_dir_all(app.state.config.data_dir.join("search-index")).unwrap();
    let second = learning(&app, raw("Mining schools", "Mining towns."), "published").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // Every answer is a page, never an error, while the index is rebuilt.
        if lists(&app, "mining", second).await {
            break;
        }
        assert!(Instant::now() < deadline, "the index was not rebuilt");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(lists(&app, "mining", first).await);
    assert!(app.state.config.data_dir.join("search-index").exists());
}

fn fora(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fora"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("FORA_DATA_DIR", &app.state.config.data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run fora")
}

async fn reindex_while_a_server_owns_the_index_asks_it_to_rebuild(app: TestApp) {
    let id = learning(
        &app,
        raw("Domestic work", "Child domestic workers."),
        "published",
    )
    .await;
    assert!(lists(&app, "domestic", id).await);
    let output = fora(&app, &["search", "reindex"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("running server owns"), "{stdout}");
    // The server rebuilds beside the index it keeps answering from.
    for _ in 0..40 {
        assert!(lists(&app, "domestic", id).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn an_index_killed_while_building_is_rebuilt_on_start(app: TestApp) {
    app.sql(
        "INSERT INTO learnings (content_key, title, description, description_html, learning_type, \
         project_title, source_url, language, status, published_at, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) \
         SELECT 'k' || i, 'Lesson ' || i, 'Birth registration lesson number ' || i, '', \
         'lesson_learned', 'Project', '', 'en', 'published', '2026-01-01 00:00:00+00:00', \
         '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00' FROM n",
    )
    .await;
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fora"))
        .args(["search", "reindex"])
        .env("DATABASE_URL", &app.database_url)
        .env("FORA_DATA_DIR", data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run fora search reindex");
    // Kill it once it has started writing the new index.
    let building = data.path().join("search-index.new");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !building.exists() {
        assert!(Instant::now() < deadline, "the rebuild never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(100));
    let finished_before_kill = child.try_wait().unwrap().is_some();
    child.kill().expect("kill -9");
    child.wait().unwrap();
    if finished_before_kill {
        eprintln!("note: the rebuild finished before it could be killed");
    }
    let index = fresh_index(&app, data.path()).await;
    assert_eq!(documents(&index).await, 30_000);
}

async fn absurd_page_numbers_answer_the_last_page(app: TestApp) {
    for i in 0..12 {
        learning(
            &app,
            raw(
                &format!("Harvest lesson {i}"),
                &format!("Harvest text {i}."),
            ),
            "published",
        )
        .await;
    }
    let client = app.client();
    for page in [
        "2",
        "218077377",
        "18446744073709551614",
        "18446744073709551615",
    ] {
        for path in [
            format!("/learnings?q=harvest&page={page}"),
            format!("/learnings?page={page}"),
            format!("/products?page={page}"),
        ] {
            let answer = client.get(&path).await;
            assert_eq!(answer.status, 200, "{path}");
        }
        let api = client
            .get(&format!("/api/v1/learnings?q=harvest&page={page}"))
            .await;
        assert_eq!(api.status, 200, "{page}: {}", api.body);
        assert!(
            api.body.contains("\"page\":2"),
            "the last page: {}",
            api.body
        );
        let products = client.get(&format!("/api/v1/products?page={page}")).await;
        assert_eq!(products.status, 200, "{page}: {}", products.body);
    }
}

/// What a visitor's search for `q` lists from `index`; `None` while it is being rebuilt.
async fn public_ids(app: &TestApp, index: &SearchIndex, q: &str) -> Option<Vec<i32>> {
    let taxonomy = fora::taxonomy::Taxonomy::load(app.db()).await.unwrap();
    let params = SearchParams {
        q: q.into(),
        ..SearchParams::default()
    };
    let search = Search::resolve(params, &taxonomy, Audience::Public);
    let results = index
        .page(
            Kind::Learning,
            &search.text,
            |fields| index_filters(&search, fields),
            Ranking::Relevance,
            1,
            10,
        )
        .await
        .expect("search")?;
    let mut ids = results.found.ids;
    ids.sort_unstable();
    Some(ids)
}

async fn log_rows(app: &TestApp) -> i64 {
    app.db()
        .query_one_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT COUNT(*) AS n FROM search_changes",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

async fn an_index_stopped_past_the_pruned_log_rebuilds_and_never_shows_what_it_missed(
    app: TestApp,
) {
    let cocoa = |title: &str| raw(title, &format!("{title} kept children in school."));
    let first = learning(&app, cocoa("Cocoa cooperatives"), "published").await;
    let dir = tempfile::tempdir().unwrap();
    let stopped = fresh_index(&app, dir.path()).await;
    assert_eq!(documents(&stopped).await, 1);
    assert_eq!(public_ids(&app, &stopped, "cocoa").await, Some(vec![first]));
    drop(stopped);

    // While that instance is stopped: one learning retired, one published, the log pruned.
    retire(&app, first).await;
    let second = learning(&app, cocoa("Cocoa farmers"), "published").await;
    let nothing_old = change::prune(app.db(), fora::db::now() - change::KEEP)
        .await
        .unwrap();
    assert_eq!(nothing_old, 0, "rows younger than a week stay");
    let removed = change::prune(app.db(), fora::db::now() + Duration::from_secs(1))
        .await
        .unwrap();
    assert!(removed >= 2, "{removed} rows pruned");
    assert_eq!(log_rows(&app).await, 0);

    // Restarted on its old folder, it cannot replay the log: it rebuilds, and until the new
    // index is in place it says so rather than show the retired learning.
    let deadline = Instant::now() + Duration::from_secs(30);
    let restarted = loop {
        let index = SearchIndex::new(app.db().clone(), dir.path());
        match index.start().await {
            Ok(()) => break index,
            // The dropped instance's last task may still hold the folder for a moment.
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(err) => panic!("folder still taken: {err}"),
        }
    };
    loop {
        match public_ids(&app, &restarted, "cocoa").await {
            Some(ids) if ids == vec![second] => break,
            Some(ids) => assert!(
                !ids.contains(&first),
                "a retired learning was shown after the log was pruned: {ids:?}"
            ),
            None => {}
        }
        assert!(Instant::now() < deadline, "the rebuild did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Changes after the pruning are applied as before, by this index and the app's own.
    let third = learning(&app, cocoa("Cocoa traders"), "published").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while public_ids(&app, &restarted, "cocoa").await != Some(vec![second, third]) {
        assert!(Instant::now() < deadline, "the new change was not applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(lists(&app, "cocoa", third).await);
    assert!(!lists(&app, "cocoa", first).await);
}
