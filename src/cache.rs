//! In-process caches that keep the database off the read path.
//!
//! Correctness rests on one counter, the *epoch*: every state-changing request (every POST:
//! rule 2 makes that the only way to change anything) bumps it when it ends, and on
//! PostgreSQL tells the other instances to bump theirs (`NOTIFY fora_changes`). Entries
//! remember the epoch they were loaded in and are used only while it is current, so a
//! removed member, a disabled account or a hidden thread is never served from a cache.
//!
//! - sessions (in `web::session_store`): the session record behind each cookie;
//! - `users`: the signed-in user of each request;
//! - `readers`: a thread together with one reader's role in its forum, follow and read state;
//! - `thread_pages`: the posts of one page of a thread, keyed by the thread's `version`
//!   (every write to a thread bumps it), so they survive unrelated writes elsewhere;
//! - `taxonomy`: the vocabularies and themes of the learnings library.

use std::{
    hash::Hash,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use moka::future::Cache;

use crate::{
    entities::users,
    forums::{
        reading::OpenThread,
        thread_page::{ThreadPageData, ThreadPageKey},
    },
    learnings::search::{Audience, Outcome, Sort},
    taxonomy::Taxonomy,
};

/// The PostgreSQL channel on which instances announce that something changed.
pub const CHANGES_CHANNEL: &str = "fora_changes";

/// A cache whose entries are valid only in the epoch they were loaded in.
pub struct EpochCache<K, V> {
    entries: Cache<K, (u64, V)>,
}

impl<K, V> EpochCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(capacity)
                // A safety net only: the epoch is what keeps entries correct.
                .time_to_live(Duration::from_secs(300))
                .build(),
        }
    }

    pub async fn get(&self, key: &K, epoch: u64) -> Option<V> {
        match self.entries.get(key).await {
            Some((loaded_in, value)) if loaded_in == epoch => Some(value),
            _ => None,
        }
    }

    pub async fn remove(&self, key: &K) {
        self.entries.invalidate(key).await;
    }

    /// Stores a value loaded in `epoch` (read *before* loading, so a change that raced with
    /// the load leaves the entry already stale).
    pub async fn insert(&self, key: K, epoch: u64, value: V) {
        self.entries.insert(key, (epoch, value)).await;
    }
}

/// The shared change counter; the session store holds a handle to it too.
#[derive(Clone, Debug, Default)]
pub struct Epoch(Arc<AtomicU64>);

impl Epoch {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

pub struct Caches {
    epoch: Epoch,
    pub users: EpochCache<i32, users::Model>,
    /// Each signed-in person's count of hand-offs waiting for them (the header's).
    pub waiting: EpochCache<i32, u32>,
    pub readers: EpochCache<(i32, i32), Arc<OpenThread>>,
    pub thread_pages: Cache<ThreadPageKey, Arc<ThreadPageData>>,
    /// Vocabularies and themes (a few hundred rows every library page needs).
    pub taxonomy: EpochCache<(), Arc<Taxonomy>>,
    /// Unfiltered learnings listings (facets over the whole library are the costly part),
    /// keyed by the search index's change-log position too, so that a change made by another
    /// process (an import from the command line) is never hidden by an entry.
    pub listings: EpochCache<(Audience, Sort, u64, i64), Arc<Outcome>>,
}

impl Caches {
    pub fn new(epoch: Epoch) -> Self {
        Self {
            epoch,
            users: EpochCache::new(20_000),
            waiting: EpochCache::new(20_000),
            readers: EpochCache::new(100_000),
            thread_pages: Cache::builder()
                .max_capacity(2_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            taxonomy: EpochCache::new(1),
            listings: EpochCache::new(200),
        }
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.current()
    }

    /// Something changed: every epoch-validated entry is stale from now on.
    pub fn bump(&self) {
        self.epoch.bump();
    }
}
