//! Search: an embedded tantivy index per instance, in `FORA_DATA_DIR/search-index`, that
//! follows the database through the change log (`change`). The database stays the only source
//! of truth: the index can always be rebuilt from it, and is, in the background, when it is
//! missing, unfinished, corrupt or of an older schema — the server answers meanwhile, and
//! searches say that the index is being rebuilt rather than show partial counts.
//!
//! Every search first applies the changes this instance has not seen yet (one indexed
//! `MAX(id)` lookup when there are none), so a change is visible at once to whoever made it and
//! to everyone else at their next search; a background loop applies them every second too.

pub mod analysis;
pub mod change;
pub mod collect;
pub mod documents;
pub mod engine;
pub mod facet_table;
pub mod filters;
pub mod known_phrases;
pub mod page;
pub mod query;
pub mod query_text;
pub mod question_language;
pub mod schema;
pub mod seeking;
mod segment_cache;
pub mod spelling;
mod statistics;
pub mod synonyms;
mod written_forms;

use std::{
    fs::File,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, Weak, atomic::Ordering as AtomicOrdering},
    time::{Duration, Instant},
};

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::watch;

use self::{
    change::Item,
    documents::Labels,
    engine::{Engine, OpenError},
    schema::Kind,
};

/// Changes applied per commit while catching up.
const BATCH: u64 = 2_000;
/// Learnings read per step of a rebuild.
const REBUILD_PAGE: u64 = 2_000;
/// How often the background loop looks for changes made elsewhere.
const POLL: Duration = Duration::from_secs(1);
/// How long a search waits for a rebuild in progress before answering "being rebuilt": a
/// small library is rebuilt before anyone notices.
const WAIT_FOR_REBUILD: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("search index: {0}")]
    Engine(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(err: tantivy::TantivyError) -> Self {
        SearchError::Engine(err.to_string())
    }
}

impl From<OpenError> for SearchError {
    fn from(err: OpenError) -> Self {
        SearchError::Engine(err.to_string())
    }
}

#[derive(Clone)]
enum Phase {
    /// Nobody has searched yet: nothing is opened.
    Closed,
    Ready(Arc<Engine>),
    /// A rebuild is under way; the previous index (if any) keeps answering.
    Rebuilding(Option<Arc<Engine>>),
    /// Another process owns this data folder.
    Unavailable(String),
}

struct Shared {
    db: DatabaseConnection,
    dir: PathBuf,
    phase: Mutex<Phase>,
    /// Bumped at every change of phase, for searches waiting on a rebuild.
    generation: watch::Sender<u64>,
    /// One writer at a time: catching up, and the swap at the end of a rebuild.
    apply: tokio::sync::Mutex<()>,
    /// Held for the life of the process that owns the folder.
    owner: Mutex<Option<File>>,
    following: std::sync::atomic::AtomicBool,
    /// A background rebuild is under way (one at a time).
    rebuild_running: std::sync::atomic::AtomicBool,
}

/// This instance's search index.
#[derive(Clone)]
pub struct SearchIndex(Arc<Shared>);

pub enum Reindexed {
    /// Rebuilt here, with this many learnings.
    Built(u64),
    /// A running server owns the index and was asked to rebuild it.
    Requested,
}

/// What searches get while an index is rebuilt.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Meanwhile {
    /// The index being replaced: complete up to its position (a rebuild asked for, a damaged
    /// folder).
    AnswerFromOld,
    /// Nothing: the old index missed changes that can no longer be replayed (it may still
    /// show a retired learning), so searches say the index is being rebuilt.
    Wait,
}

/// What a search can be answered from.
pub enum Availability {
    Ready(Arc<Engine>),
    Rebuilding,
}

impl SearchIndex {
    /// Nothing is opened until the first search (or `start`): CLI commands that never search
    /// leave the folder to the server.
    pub fn new(db: DatabaseConnection, data_dir: &Path) -> SearchIndex {
        SearchIndex(Arc::new(Shared {
            db,
            dir: data_dir.join("search-index"),
            phase: Mutex::new(Phase::Closed),
            generation: watch::Sender::new(0),
            apply: tokio::sync::Mutex::new(()),
            owner: Mutex::new(None),
            following: std::sync::atomic::AtomicBool::new(false),
            rebuild_running: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    pub fn dir(&self) -> &Path {
        &self.0.dir
    }

    fn phase(&self) -> Phase {
        self.0
            .phase
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_phase(&self, phase: Phase) {
        *self.0.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase;
        self.0.generation.send_modify(|g| *g += 1);
    }

    /// Takes the folder, opens the index (or starts rebuilding it) and starts the loop that
    /// follows the change log. Fails when another process owns the folder.
    pub async fn start(&self) -> anyhow::Result<()> {
        {
            let mut phase = self.0.phase.lock().unwrap_or_else(|e| e.into_inner());
            if !matches!(*phase, Phase::Closed) {
                return Ok(());
            }
            *phase = Phase::Rebuilding(None);
        }
        if let Err(err) = self.take_folder() {
            self.set_phase(Phase::Unavailable(err.to_string()));
            return Err(err);
        }
        match tokio::task::spawn_blocking({
            let dir = self.0.dir.clone();
            move || Engine::open(&dir)
        })
        .await?
        {
            Ok(engine) => self.set_phase(Phase::Ready(Arc::new(engine))),
            Err(reason) => {
                tracing::info!(%reason, dir = %self.0.dir.display(), "rebuilding the search index");
                self.spawn_rebuild(Meanwhile::AnswerFromOld);
            }
        }
        self.spawn_follower();
        Ok(())
    }

    fn take_folder(&self) -> anyhow::Result<()> {
        use anyhow::Context;
        if self
            .0
            .owner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
        {
            return Ok(());
        }
        let parent = self.0.dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the data folder {}", parent.display()))?;
        let path = parent.join("search-index.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                *self.0.owner.lock().unwrap_or_else(|e| e.into_inner()) = Some(file);
                Ok(())
            }
            Err(_) => anyhow::bail!(
                "the data folder {} is in use by another Fora process; give each instance its \
                 own FORA_DATA_DIR",
                parent.display()
            ),
        }
    }

    fn spawn_follower(&self) {
        if self.0.following.swap(true, AtomicOrdering::SeqCst) {
            return;
        }
        let weak: Weak<Shared> = Arc::downgrade(&self.0);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(POLL).await;
                let Some(shared) = weak.upgrade() else { return };
                SearchIndex(shared).follow().await;
            }
        });
    }

    /// Starts rebuilding in the background, unless a rebuild is under way already (then only
    /// what searches get meanwhile may change: an index found to have missed changes stops
    /// answering at once).
    fn spawn_rebuild(&self, meanwhile: Meanwhile) {
        let previous = match self.phase() {
            Phase::Ready(engine) | Phase::Rebuilding(Some(engine)) => Some(engine),
            Phase::Rebuilding(None) | Phase::Closed => None,
            Phase::Unavailable(_) => return,
        };
        let answering = match meanwhile {
            Meanwhile::AnswerFromOld => previous.clone(),
            Meanwhile::Wait => None,
        };
        let running = self.0.rebuild_running.swap(true, AtomicOrdering::SeqCst);
        if running {
            if meanwhile == Meanwhile::Wait {
                self.set_phase(Phase::Rebuilding(None));
            }
            return;
        }
        self.set_phase(Phase::Rebuilding(answering));
        let index = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = index.rebuild_now().await;
            index.0.rebuild_running.store(false, AtomicOrdering::SeqCst);
            match outcome {
                Ok(count) => tracing::info!(
                    learnings = count,
                    seconds = started.elapsed().as_secs_f64(),
                    "search index rebuilt"
                ),
                Err(err) => {
                    tracing::error!(error = %err, "search index rebuild failed");
                    index.set_phase(match previous {
                        Some(engine) => Phase::Ready(engine),
                        None => Phase::Closed,
                    });
                }
            }
        });
    }

    /// Builds a new index from the database beside the current one, then puts it in its
    /// place. Returns how many learnings it holds (knowledge products are indexed too).
    pub async fn rebuild_now(&self) -> Result<u64, SearchError> {
        let db = &self.0.db;
        let building = self.0.dir.with_extension("new");
        // The position is read before the data: changes made while reading are applied after.
        let position = change::last(db).await?;
        let engine = {
            let building = building.clone();
            tokio::task::spawn_blocking(move || {
                let _ = std::fs::remove_dir_all(&building);
                Engine::create(&building)
            })
            .await
            .map_err(|e| SearchError::Engine(e.to_string()))??
        };
        let engine = Arc::new(engine);
        let labels = Arc::new(Labels::load(db).await?);
        let fields = engine.fields.clone();
        let mut count = 0u64;
        let mut after = 0;
        loop {
            let page = documents::page_after(db, after, REBUILD_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.row.id;
            count += page.len() as u64;
            let docs = page
                .iter()
                .map(|learning| documents::learning_document(&fields, learning, &labels))
                .collect();
            let engine = engine.clone();
            tokio::task::spawn_blocking(move || engine.add(docs))
                .await
                .map_err(|e| SearchError::Engine(e.to_string()))??;
        }
        let mut after = 0;
        loop {
            let page = documents::products_after(db, after, REBUILD_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.row.id;
            let docs = page
                .iter()
                .map(|product| documents::product_document(&fields, product, &labels))
                .collect();
            let engine = engine.clone();
            tokio::task::spawn_blocking(move || engine.add(docs))
                .await
                .map_err(|e| SearchError::Engine(e.to_string()))??;
        }
        let finished = {
            tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
                engine.write(&[], Vec::new(), position)?;
                let engine = Arc::into_inner(engine)
                    .ok_or_else(|| SearchError::Engine("index still in use".into()))?;
                engine.finish()?;
                Ok(())
            })
        };
        finished
            .await
            .map_err(|e| SearchError::Engine(e.to_string()))??;
        let _writing = self.0.apply.lock().await;
        let dir = self.0.dir.clone();
        let engine = tokio::task::spawn_blocking(move || -> Result<Engine, SearchError> {
            let old = dir.with_extension("old");
            let _ = std::fs::remove_dir_all(&old);
            if dir.exists() {
                std::fs::rename(&dir, &old).map_err(|e| SearchError::Engine(e.to_string()))?;
            }
            std::fs::rename(&building, &dir).map_err(|e| SearchError::Engine(e.to_string()))?;
            let _ = std::fs::remove_dir_all(&old);
            Ok(Engine::open(&dir)?)
        })
        .await
        .map_err(|e| SearchError::Engine(e.to_string()))??;
        self.set_phase(Phase::Ready(Arc::new(engine)));
        Ok(count)
    }

    /// Catches up; when the index itself fails (its folder was deleted or damaged while
    /// serving), rebuilds it beside, answering from what is open meanwhile.
    async fn follow(&self) {
        match self.catch_up().await {
            Ok(()) => {}
            Err(SearchError::Db(err)) => {
                tracing::warn!(error = %err, "search index could not read the change log");
            }
            Err(err) => {
                tracing::error!(error = %err, "search index failed; rebuilding it");
                self.spawn_rebuild(Meanwhile::AnswerFromOld);
            }
        }
    }

    /// Applies every change the index has not seen, in order.
    pub async fn catch_up(&self) -> Result<(), SearchError> {
        let engine = match self.phase() {
            Phase::Ready(engine) | Phase::Rebuilding(Some(engine)) => engine,
            _ => return Ok(()),
        };
        let db = &self.0.db;
        let head = change::head(db).await?;
        if head.newest() <= engine.position() {
            return Ok(());
        }
        if head.lost_to(engine.position()) {
            tracing::info!(
                position = engine.position(),
                "the search change log was pruned past this index; rebuilding it"
            );
            self.spawn_rebuild(Meanwhile::Wait);
            return Ok(());
        }
        let _writing = self.0.apply.lock().await;
        // A rebuild may have swapped the index while this waited.
        let engine = match self.phase() {
            Phase::Ready(engine) | Phase::Rebuilding(Some(engine)) => engine,
            _ => return Ok(()),
        };
        let mut labels: Option<Arc<Labels>> = None;
        loop {
            let batch = change::after(db, engine.position(), BATCH).await?;
            if batch.up_to == engine.position() {
                return Ok(());
            }
            // Read after the batch: rows pruned before it was read are then known to be lost.
            if change::head(db).await?.lost_to(engine.position()) {
                self.spawn_rebuild(Meanwhile::Wait);
                return Ok(());
            }
            let mut learnings: Vec<i32> = Vec::new();
            let mut products: Vec<i32> = Vec::new();
            for item in &batch.items {
                match item {
                    Item::Learning(id) => learnings.push(*id),
                    Item::Product(id) => products.push(*id),
                    Item::Rebuild => self.spawn_rebuild(Meanwhile::AnswerFromOld),
                }
            }
            for ids in [&mut learnings, &mut products] {
                ids.sort_unstable();
                ids.dedup();
            }
            let labels = match &labels {
                Some(labels) => labels.clone(),
                None => labels.insert(Arc::new(Labels::load(db).await?)).clone(),
            };
            let fields = &engine.fields;
            let removed: Vec<u64> = learnings
                .iter()
                .map(|id| Kind::Learning.key(*id))
                .chain(products.iter().map(|id| Kind::Product.key(*id)))
                .collect();
            let mut docs: Vec<_> = documents::by_ids(db, &learnings)
                .await?
                .iter()
                .map(|learning| documents::learning_document(fields, learning, &labels))
                .collect();
            docs.extend(
                documents::products_by_ids(db, &products)
                    .await?
                    .iter()
                    .map(|product| documents::product_document(fields, product, &labels)),
            );
            let engine = engine.clone();
            tokio::task::spawn_blocking(move || engine.write(&removed, docs, batch.up_to))
                .await
                .map_err(|e| SearchError::Engine(e.to_string()))??;
        }
    }

    /// The index to search, caught up with the change log; `Rebuilding` while there is none
    /// yet (after waiting a little for a rebuild under way).
    pub async fn ready(&self) -> Result<Availability, SearchError> {
        if matches!(self.phase(), Phase::Closed)
            && let Err(err) = self.start().await
        {
            tracing::error!(error = %err, "search index unavailable");
        }
        let mut generation = self.0.generation.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT_FOR_REBUILD;
        loop {
            match self.phase() {
                Phase::Ready(_) | Phase::Rebuilding(Some(_)) => break,
                Phase::Unavailable(reason) => {
                    tracing::warn!(%reason, "search index unavailable");
                    return Ok(Availability::Rebuilding);
                }
                Phase::Closed => return Ok(Availability::Rebuilding),
                Phase::Rebuilding(None) => {
                    if tokio::time::timeout_at(deadline, generation.changed())
                        .await
                        .is_err()
                    {
                        return Ok(Availability::Rebuilding);
                    }
                }
            }
        }
        self.follow().await;
        match self.phase() {
            Phase::Ready(engine) | Phase::Rebuilding(Some(engine)) => {
                Ok(Availability::Ready(engine))
            }
            _ => Ok(Availability::Rebuilding),
        }
    }

    /// `fora search reindex`: rebuilds here, or, when a running server owns the folder, asks
    /// it to (through the change log, so every instance sharing the database rebuilds).
    pub async fn reindex(&self) -> Result<Reindexed, SearchError> {
        if self.take_folder().is_err() {
            change::record(&self.0.db, &[Item::Rebuild]).await?;
            return Ok(Reindexed::Requested);
        }
        Ok(Reindexed::Built(self.rebuild_now().await?))
    }

    /// Whether a rebuild is under way (pages say so).
    pub fn rebuilding(&self) -> bool {
        matches!(self.phase(), Phase::Rebuilding(_))
    }
}
