//! The thread page's read path, built to stay off the database: one query for the thread,
//! its forum and the reader's role (always fresh, so access is never decided from a cache),
//! then posts from the in-process cache keyed by the thread's version.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use templates::forums as views;

use super::{
    access::{ForumAccess, Role},
    queries::{self, POSTS_PER_PAGE, PostRow},
    thread_page::{CachedPost, ThreadPageData, ThreadPageKey},
};
use crate::{
    cache::EpochCache,
    entities::{
        forums,
        states::{MemberRole, PostStatus},
        threads, users,
    },
    web::{AppError, AppResult, AppState},
};

const THREAD_WITH_FORUM_AND_ROLE: &str = "
SELECT t.*,
       f.id AS f_id, f.slug AS f_slug, f.theme_id AS f_theme_id, f.title AS f_title, f.purpose AS f_purpose,
       f.expected_outcome AS f_expected_outcome, f.moderation_mode AS f_moderation_mode,
       f.language AS f_language,
       f.archived_at AS f_archived_at, f.created_at AS f_created_at, f.updated_at AS f_updated_at,
       (SELECT m.role FROM memberships m WHERE m.forum_id = f.id AND m.user_id = $2) AS member_role,
       (SELECT COUNT(*) FROM follows fo WHERE fo.thread_id = t.id AND fo.user_id = $2) AS following,
       (SELECT r.last_read_post_id FROM thread_reads r WHERE r.thread_id = t.id AND r.user_id = $2) AS last_read
FROM threads t JOIN forums f ON f.id = t.forum_id
WHERE t.id = $1";

#[derive(Clone, Debug)]
pub struct OpenThread {
    pub thread: threads::Model,
    pub access: ForumAccess,
    pub following: bool,
    /// The last post this reader has seen (0 for none).
    pub last_read: i32,
    /// Published learnings the thread discusses: (id, title, language).
    pub learnings: Vec<(i32, String, String)>,
}

/// The forums' caches: each reader's standing in a thread (valid for the epoch it was loaded
/// in, so a removed member or a hidden thread is never served from it) and each page of a
/// thread rendered once for everyone who sees it, keyed by the thread's `version` (every write
/// to a thread bumps it), so pages survive unrelated writes elsewhere.
pub struct ThreadCaches {
    readers: EpochCache<(i32, i32), Arc<OpenThread>>,
    pages: moka::future::Cache<ThreadPageKey, Arc<ThreadPageData>>,
}

impl Default for ThreadCaches {
    fn default() -> Self {
        Self {
            readers: EpochCache::new(100_000),
            pages: moka::future::Cache::builder()
                .max_capacity(2_000)
                .time_to_idle(std::time::Duration::from_secs(600))
                .build(),
        }
    }
}

impl ThreadCaches {
    fn of(state: &AppState) -> &Self {
        state.caches.feature()
    }
}

/// A thread and the reader's standing in it, from the cache while nothing has changed, else
/// in one query; NotFound if they may not see it.
pub async fn open_thread_cached(
    state: &AppState,
    user: &users::Model,
    thread_id: i32,
) -> AppResult<Arc<OpenThread>> {
    let epoch = state.caches.epoch();
    ThreadCaches::of(state)
        .readers
        .get_or_load((user.id, thread_id), epoch, async {
            Ok(Arc::new(open_thread(&state.db, user, thread_id).await?))
        })
        .await
}

/// The reader got further: remember it in the database and in the cached entry.
pub async fn record_reading(
    state: &AppState,
    open: &OpenThread,
    user_id: i32,
    last_seen: i32,
) -> AppResult<()> {
    if last_seen <= open.last_read {
        return Ok(());
    }
    let epoch = state.caches.epoch();
    queries::mark_read(&state.db, user_id, open.thread.id, last_seen).await?;
    let updated = OpenThread {
        last_read: last_seen,
        ..open.clone()
    };
    ThreadCaches::of(state)
        .readers
        .insert((user_id, open.thread.id), epoch, Arc::new(updated))
        .await;
    Ok(())
}

/// A thread and the reader's standing in it, in one query, or NotFound if they may not see it.
pub async fn open_thread(
    db: &impl ConnectionTrait,
    user: &users::Model,
    thread_id: i32,
) -> AppResult<OpenThread> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            THREAD_WITH_FORUM_AND_ROLE,
            [thread_id.into(), user.id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    let thread = threads::Model::from_query_result(&row, "")?;
    let forum = forums::Model::from_query_result(&row, "f_")?;
    let member_role: Option<MemberRole> = row.try_get("", "member_role")?;
    let following: i64 = row.try_get("", "following")?;
    let last_read: Option<i32> = row.try_get("", "last_read")?;
    let role = match (user.is_admin, member_role) {
        (true, _) => Role::Admin,
        (false, Some(MemberRole::Moderator)) => Role::Moderator,
        (false, Some(_)) => Role::Member,
        (false, None) => return Err(AppError::NotFound),
    };
    // A hidden thread is there for moderators, and for its author, who sees it marked with the
    // moderator's reason; for everyone else it does not exist.
    if thread.hidden_at.is_some() && !role.moderates() && thread.author_id != user.id {
        return Err(AppError::NotFound);
    }
    let learnings = crate::learnings::links::linked_learnings(db, thread.id).await?;
    Ok(OpenThread {
        thread,
        access: ForumAccess { forum, role },
        following: following > 0,
        last_read: last_read.unwrap_or(0),
        learnings,
    })
}

#[derive(FromQueryResult)]
struct Totals {
    total: i64,
}

#[derive(FromQueryResult)]
struct Author {
    author_id: i32,
}

async fn load_totals(
    db: &impl ConnectionTrait,
    thread_id: i32,
    moderator: bool,
) -> Result<(u64, Vec<i32>), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let total = Totals::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT COUNT(*) AS total FROM posts p WHERE p.thread_id = $1 AND p.status = 'published' AND (p.hidden_at IS NULL OR $2 = 1)",
        [thread_id.into(), i32::from(moderator).into()],
    ))
    .one(db)
    .await?
    .map(|t| t.total.max(0) as u64)
    .unwrap_or(0);
    let pending = Author::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT DISTINCT author_id FROM posts WHERE thread_id = $1 AND (status <> 'published' OR hidden_at IS NOT NULL)",
        [thread_id.into()],
    ))
    .all(db)
    .await?;
    Ok((total, pending.into_iter().map(|a| a.author_id).collect()))
}

pub struct PostsPage {
    pub page: u64,
    pub pages: u64,
    pub data: Arc<ThreadPageData>,
}

/// What a page of posts looks like to one reader; part of the cache key.
#[derive(Clone, Copy)]
pub struct Audience {
    pub moderator: bool,
    pub lang: &'static str,
    pub can_reply: bool,
}

fn render_posts(rows: Vec<PostRow>, audience: Audience) -> Vec<CachedPost> {
    rows.into_iter()
        .map(|row| {
            let view = views::PostView {
                id: row.id,
                author: row.author,
                created_at: crate::web::dates::iso(row.created_at),
                body_html: row.body_html,
                language: row.language,
                edited: row.edited_at.is_some(),
                edited_by_moderator: row.edited_by_id.is_some_and(|e| e != row.author_id),
                hidden: row.hidden_at.is_some(),
                hidden_reason: row.hidden_reason,
                pending: row.status == PostStatus::Pending,
                rejected: (row.status == PostStatus::Rejected)
                    .then(|| row.reject_reason.unwrap_or_default()),
            };
            // A post taken away by a moderator is only there to be read by its author (members
            // never get it): nothing to quote or edit.
            let taken_away = view.hidden || view.rejected.is_some();
            let actions = |own| {
                if taken_away {
                    return String::new();
                }
                views::member_actions(audience.lang, row.id, own, audience.can_reply).into_string()
            };
            CachedPost {
                id: row.id,
                author_id: row.author_id,
                main: views::post_main(audience.lang, &view).into_string(),
                actions_own: actions(true),
                actions_other: actions(false),
                hidden: view.hidden,
                status: row.status,
            }
        })
        .collect()
}

/// One page of posts for this reader. Readers with posts that only they see (awaiting
/// approval, rejected, hidden) see those too, marked, so their pages are read from the database
/// and never stored; everyone else shares the cache.
pub async fn posts_page(
    state: &AppState,
    thread: &threads::Model,
    user: &users::Model,
    audience: Audience,
    requested: u64,
) -> AppResult<PostsPage> {
    let db = &state.db;
    let moderator = audience.moderator;
    let key = |page| ThreadPageKey {
        thread_id: thread.id,
        version: thread.version,
        page,
        moderator,
        lang: audience.lang,
        can_reply: audience.can_reply,
    };
    // Page 0 holds the thread's totals; pages of posts start at 1.
    let totals = ThreadCaches::of(state)
        .pages
        .try_get_with(key(0), async {
            let (total, own_view_authors) = load_totals(db, thread.id, moderator).await?;
            Ok::<_, sea_orm::DbErr>(Arc::new(ThreadPageData {
                total,
                posts: Vec::new(),
                own_view_authors,
            }))
        })
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    // Moderators too: a post of theirs rejected (written before they moderated) or hidden by
    // another moderator is theirs to see, and the pages moderators share do not hold it.
    // The author of a hidden thread is read past the shared pages too: what they alone may see
    // is never stored for others.
    if totals.own_view_authors.contains(&user.id) || (!moderator && thread.hidden_at.is_some()) {
        let total = queries::thread_post_count(db, thread.id, user.id, moderator).await?;
        let (page, pages) = crate::web::paging::clamp_page(requested, total, POSTS_PER_PAGE);
        let rows = queries::thread_posts(db, thread.id, user.id, moderator, page).await?;
        let data = ThreadPageData {
            total,
            posts: render_posts(rows, audience),
            own_view_authors: totals.own_view_authors.clone(),
        };
        return Ok(PostsPage {
            page,
            pages,
            data: Arc::new(data),
        });
    }
    if totals.total == 0 && !moderator {
        // A pre-moderated thread whose first post is still waiting: not there for others.
        return Err(AppError::NotFound);
    }
    let (page, pages) = crate::web::paging::clamp_page(requested, totals.total, POSTS_PER_PAGE);
    let data = ThreadCaches::of(state)
        .pages
        .try_get_with(key(page), async {
            let rows = queries::thread_posts(db, thread.id, 0, moderator, page).await?;
            Ok::<_, sea_orm::DbErr>(Arc::new(ThreadPageData {
                total: totals.total,
                posts: render_posts(rows, audience),
                own_view_authors: Vec::new(),
            }))
        })
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    Ok(PostsPage { page, pages, data })
}
