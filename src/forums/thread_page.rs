//! One page of a thread, rendered once for everyone who sees it and kept in `reading::ThreadCaches`.

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct ThreadPageKey {
    pub thread_id: i32,
    pub version: i32,
    pub page: u64,
    /// Moderators also see hidden posts.
    pub moderator: bool,
    pub lang: &'static str,
    /// Whether posts offer "Quote" (not in locked threads or archived forums).
    pub can_reply: bool,
}

/// One post, rendered once for everyone who sees it.
#[derive(Debug)]
pub struct CachedPost {
    pub id: i32,
    pub author_id: i32,
    pub status: crate::entities::states::PostStatus,
    pub hidden: bool,
    /// Header and body.
    pub main: String,
    /// Member actions as the author sees them, and as other members do.
    pub actions_own: String,
    pub actions_other: String,
}

/// One page of a thread as every reader without posts that only they see sees it.
#[derive(Debug)]
pub struct ThreadPageData {
    pub total: u64,
    pub posts: Vec<CachedPost>,
    /// Authors of posts only they (and moderators) see: awaiting approval, rejected or hidden.
    /// They see those too, marked, so their pages are read past the cache and never stored.
    pub own_view_authors: Vec<i32>,
}
