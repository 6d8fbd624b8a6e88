//! In-process caches that keep the database off the read path.
//!
//! Correctness rests on one counter, the *epoch*: every state-changing request (every POST:
//! rule 2 makes that the only way to change anything) bumps it when it ends, and on
//! PostgreSQL tells the other instances to bump theirs (`NOTIFY fora_changes`). Entries
//! remember the epoch they were loaded in and are used only while it is current, so a
//! removed member, a disabled account or a hidden thread is never served from a cache.
//!
//! The shared layer holds the caches every request needs (the signed-in user and the header's
//! waiting count); each feature owns the caches of its own data (a thread's readers and pages,
//! the taxonomy, library listings) and the composition root registers them in
//! [`FeatureCaches`], so this module names no feature's types.

use std::{
    hash::Hash,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use moka::future::Cache;

use crate::entities::users;

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

    /// The entry for `key` in `epoch`, else what `load` gives, stored for the rest of the
    /// epoch. The epoch is the caller's, read *before* anything it loads.
    pub async fn get_or_load<E, F>(&self, key: K, epoch: u64, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.get(&key, epoch).await {
            return Ok(value);
        }
        let value = load.await?;
        self.insert(key, epoch, value.clone()).await;
        Ok(value)
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

/// The caches features own, one of each type, registered by the composition root so that
/// shared code can hold them without naming them.
#[derive(Default)]
pub struct FeatureCaches(axum::http::Extensions);

impl FeatureCaches {
    pub fn with<T: Send + Sync + 'static>(mut self, cache: T) -> Self {
        self.0.insert(Arc::new(cache));
        self
    }

    /// The registered cache of type `T`. Every state is built with `fora::features()`, so a
    /// missing one is a programming error that any test of its feature finds.
    pub fn get<T: Send + Sync + 'static>(&self) -> &T {
        self.0
            .get::<Arc<T>>()
            .unwrap_or_else(|| panic!("no {} was registered", std::any::type_name::<T>()))
    }
}

pub struct Caches {
    epoch: Epoch,
    pub users: EpochCache<i32, users::Model>,
    /// Each signed-in person's count of hand-offs waiting for them (the header's).
    pub waiting: EpochCache<i32, u32>,
    features: FeatureCaches,
}

impl Caches {
    pub fn new(epoch: Epoch, features: FeatureCaches) -> Self {
        Self {
            epoch,
            users: EpochCache::new(20_000),
            waiting: EpochCache::new(20_000),
            features,
        }
    }

    /// A feature's own cache (see [`FeatureCaches`]).
    pub fn feature<T: Send + Sync + 'static>(&self) -> &T {
        self.features.get()
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.current()
    }

    /// Something changed: every epoch-validated entry is stale from now on.
    pub fn bump(&self) {
        self.epoch.bump();
    }
}
