//! In-process caches that keep the database off the read path.
//!
//! - `users`: the signed-in user for each request. Invalidated on every local write to a user;
//!   a short time-to-live bounds how long another instance can lag behind.
//! - `thread_pages`: the posts of one page of a thread, keyed by the thread's `version`, which
//!   every write bumps and every view reads fresh, so a stale page is never served.
//!
//! Concurrent misses for one key share a single load (`try_get_with`).

use std::{sync::Arc, time::Duration};

use moka::future::Cache;

use crate::{entities::users, forums::queries::PostRow};

/// How long another instance may serve a user record after a change made elsewhere.
pub const USER_TTL: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct ThreadPageKey {
    pub thread_id: i32,
    pub version: i32,
    pub page: u64,
    /// Moderators also see hidden posts.
    pub moderator: bool,
}

/// One page of a thread as every reader without posts of their own awaiting approval sees it.
#[derive(Debug)]
pub struct ThreadPageData {
    pub total: u64,
    pub rows: Vec<PostRow>,
    /// Authors with posts awaiting approval: they see those too, so they bypass the cache.
    pub pending_authors: Vec<i32>,
}

pub struct Caches {
    pub users: Cache<i32, users::Model>,
    pub thread_pages: Cache<ThreadPageKey, Arc<ThreadPageData>>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            users: Cache::builder()
                .max_capacity(20_000)
                .time_to_live(USER_TTL)
                .build(),
            thread_pages: Cache::builder()
                .max_capacity(2_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
        }
    }
}
