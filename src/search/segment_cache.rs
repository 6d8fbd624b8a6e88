//! What the per-segment caches (filter sets, facet tables) do when segments go: a merged or
//! emptied segment is never searched again, so its entries only hold memory, and, the caches
//! being full, they would keep a new segment's entries out.

use std::{collections::HashSet, hash::Hash};

use tantivy::{Searcher, index::SegmentId};

/// The segments `searcher` reads.
pub fn live_segments(searcher: &Searcher) -> HashSet<SegmentId> {
    searcher
        .segment_readers()
        .iter()
        .map(|reader| reader.segment_id())
        .collect()
}

/// Drops the entries of `cache` whose segment (`segment_of` its key) is not `live`.
pub fn forget_gone<K, V>(
    cache: &moka::sync::Cache<K, V>,
    live: &HashSet<SegmentId>,
    segment_of: impl Fn(&K) -> SegmentId,
) where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    for (key, _) in cache.iter() {
        if !live.contains(&segment_of(&key)) {
            cache.invalidate(&*key);
        }
    }
}

/// The segments `cache` holds entries of.
#[cfg(test)]
pub fn cached<K, V>(
    cache: &moka::sync::Cache<K, V>,
    segment_of: impl Fn(&K) -> SegmentId,
) -> HashSet<SegmentId>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    cache.iter().map(|(key, _)| segment_of(&key)).collect()
}
