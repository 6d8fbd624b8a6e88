//! Read models for the forum and thread pages: one query each for rows and counts.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    Statement, Value,
};
use time::OffsetDateTime;

use crate::{
    entities::{
        flags, forums, held_edits, invitations, memberships, moderation_log, post_revisions, posts,
        states::PostStatus, themes, threads, users,
    },
    web::paging::clamp_page,
};

pub const THREADS_PER_PAGE: u64 = 30;
pub const POSTS_PER_PAGE: u64 = 50;

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

async fn count(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    let row = Count::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.n.max(0) as u64).unwrap_or(0))
}

#[derive(FromQueryResult, Debug)]
pub struct ThreadListRow {
    pub id: i32,
    pub title: String,
    pub language: String,
    pub author: String,
    pub pinned_at: Option<OffsetDateTime>,
    pub locked_at: Option<OffsetDateTime>,
    pub hidden_at: Option<OffsetDateTime>,
    pub featured_at: Option<OffsetDateTime>,
    pub last_post_at: OffsetDateTime,
    pub posts: i64,
    pub unread: i64,
    /// Every post of it was rejected (only its author sees such a thread).
    pub rejected: bool,
}

/// Visible posts for a reader: published and not hidden (moderators also see hidden ones).
/// Unread counts leave out the reader's own posts: nobody has to read what they wrote.
const VISIBLE_POST: &str = "p.status = 'published' AND (p.hidden_at IS NULL OR $2 = 1)";

/// Threads a reader sees: moderators all; others those not hidden that have a published post
/// or a post of their own (waiting for approval, or rejected: its author sees it, marked), and
/// the threads they started that a moderator hid (marked too: they may still open them). The
/// list is read for each reader, never shared, so what one author sees reaches nobody else.
const VISIBLE_THREAD: &str = "($2 = 1 OR ((t.hidden_at IS NULL OR t.author_id = $3) AND EXISTS (SELECT 1 FROM posts vp WHERE vp.thread_id = t.id AND (vp.status = 'published' OR vp.author_id = $3))))";

pub async fn forum_threads(
    db: &impl ConnectionTrait,
    forum_id: i32,
    viewer: &users::Model,
    moderator: bool,
    page: u64,
) -> Result<(Vec<ThreadListRow>, u64, u64), DbErr> {
    let moderator = i32::from(moderator);
    let total = count(
        db,
        &format!("SELECT COUNT(*) AS n FROM threads t WHERE t.forum_id = $1 AND {VISIBLE_THREAD}"),
        vec![forum_id.into(), moderator.into(), viewer.id.into()],
    )
    .await?;
    let (page, pages) = clamp_page(page, total, THREADS_PER_PAGE);
    let sql = format!(
        "SELECT t.id, t.title, t.language, u.display_name AS author, t.pinned_at, t.locked_at, t.hidden_at, t.featured_at, t.last_post_at,
                (SELECT COUNT(*) FROM posts p WHERE p.thread_id = t.id AND {VISIBLE_POST}) AS posts,
                (SELECT COUNT(*) FROM posts p WHERE p.thread_id = t.id AND {VISIBLE_POST}
                    AND p.author_id <> $3
                    AND p.id > COALESCE((SELECT r.last_read_post_id FROM thread_reads r WHERE r.thread_id = t.id AND r.user_id = $3), 0)) AS unread,
                NOT EXISTS (SELECT 1 FROM posts rp WHERE rp.thread_id = t.id AND rp.status <> 'rejected') AS rejected
         FROM threads t JOIN users u ON u.id = t.author_id
         WHERE t.forum_id = $1 AND {VISIBLE_THREAD}
         ORDER BY CASE WHEN t.pinned_at IS NULL THEN 1 ELSE 0 END, t.last_post_at DESC, t.id DESC
         LIMIT $4 OFFSET $5"
    );
    let rows = ThreadListRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        &sql,
        [
            forum_id.into(),
            moderator.into(),
            viewer.id.into(),
            (THREADS_PER_PAGE as i64).into(),
            (((page - 1) * THREADS_PER_PAGE) as i64).into(),
        ],
    ))
    .all(db)
    .await?;
    Ok((rows, page, pages))
}

#[derive(FromQueryResult, Debug)]
pub struct RecentThreadRow {
    pub id: i32,
    pub title: String,
    pub language: String,
    pub forum_title: String,
    pub forum_language: String,
    pub last_post_at: OffsetDateTime,
    pub unread: i64,
}

/// The threads of the reader's own forums (memberships only, archived forums left out) with
/// the latest published posts, newest first: what the signed-in home shows. What members
/// see: no hidden thread, no thread whose only post waits for approval, no hidden post
/// counted as unread.
pub async fn recent_threads(
    db: &impl ConnectionTrait,
    viewer: &users::Model,
    limit: u64,
) -> Result<Vec<RecentThreadRow>, DbErr> {
    let sql = format!(
        "SELECT t.id, t.title, t.language, f.title AS forum_title, f.language AS forum_language, t.last_post_at,
                (SELECT COUNT(*) FROM posts p WHERE p.thread_id = t.id AND {VISIBLE_POST}
                    AND p.author_id <> $1
                    AND p.id > COALESCE((SELECT r.last_read_post_id FROM thread_reads r WHERE r.thread_id = t.id AND r.user_id = $1), 0)) AS unread
         FROM threads t
         JOIN forums f ON f.id = t.forum_id AND f.archived_at IS NULL
         JOIN memberships m ON m.forum_id = f.id AND m.user_id = $1
         WHERE t.hidden_at IS NULL
           AND EXISTS (SELECT 1 FROM posts vp WHERE vp.thread_id = t.id AND vp.status = 'published' AND vp.hidden_at IS NULL)
         ORDER BY t.last_post_at DESC, t.id DESC
         LIMIT $3"
    );
    RecentThreadRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        &sql,
        // $2 = 0: counted as a member, not a moderator, sees them.
        [viewer.id.into(), 0i32.into(), (limit as i64).into()],
    ))
    .all(db)
    .await
}

/// What a member sees happening in one forum: its discussions, how many hold posts they have
/// not read, and when the latest was written.
#[derive(FromQueryResult, Debug)]
pub struct ForumActivityRow {
    pub forum_id: i32,
    pub threads: i64,
    pub unread_threads: i64,
    pub last_post_at: Option<OffsetDateTime>,
}

/// The activity of every forum the reader belongs to (every forum for an admin), as a member
/// sees it: no hidden thread or post, nothing waiting for approval, their own posts never
/// unread. Forums without a discussion have no row.
pub async fn forum_activity(
    db: &impl ConnectionTrait,
    reader: &users::Model,
) -> Result<Vec<ForumActivityRow>, DbErr> {
    let sql = "SELECT t.forum_id, COUNT(*) AS threads, MAX(t.last_post_at) AS last_post_at,
                SUM(CASE WHEN EXISTS (SELECT 1 FROM posts p WHERE p.thread_id = t.id
                        AND p.status = 'published' AND p.hidden_at IS NULL AND p.author_id <> $1
                        AND p.id > COALESCE((SELECT r.last_read_post_id FROM thread_reads r
                                             WHERE r.thread_id = t.id AND r.user_id = $1), 0))
                    THEN 1 ELSE 0 END) AS unread_threads
         FROM threads t
         WHERE t.hidden_at IS NULL
           AND EXISTS (SELECT 1 FROM posts vp WHERE vp.thread_id = t.id AND vp.status = 'published' AND vp.hidden_at IS NULL)
           AND ($2 = 1 OR EXISTS (SELECT 1 FROM memberships m WHERE m.forum_id = t.forum_id AND m.user_id = $1))
         GROUP BY t.forum_id";
    ForumActivityRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [reader.id.into(), i32::from(reader.is_admin).into()],
    ))
    .all(db)
    .await
}

#[derive(FromQueryResult, Debug, Clone)]
pub struct PostRow {
    pub id: i32,
    pub author_id: i32,
    pub author: String,
    pub body_html: String,
    pub language: String,
    pub status: PostStatus,
    pub hidden_at: Option<OffsetDateTime>,
    pub hidden_reason: Option<String>,
    pub reject_reason: Option<String>,
    pub edited_at: Option<OffsetDateTime>,
    pub edited_by_id: Option<i32>,
    pub created_at: OffsetDateTime,
}

/// Posts of a thread as one reader sees them: visible ones, plus all of their own (waiting for
/// approval, hidden or rejected: they see them marked). Pages shared by readers are read with
/// reader 0, who wrote nothing.
const READER_POSTS: &str = "p.thread_id = $1 AND ((p.status = 'published' AND (p.hidden_at IS NULL OR $2 = 1)) OR p.author_id = $3)";

pub async fn thread_post_count(
    db: &impl ConnectionTrait,
    thread_id: i32,
    viewer_id: i32,
    moderator: bool,
) -> Result<u64, DbErr> {
    count(
        db,
        &format!("SELECT COUNT(*) AS n FROM posts p WHERE {READER_POSTS}"),
        vec![
            thread_id.into(),
            i32::from(moderator).into(),
            viewer_id.into(),
        ],
    )
    .await
}

/// Which page of the thread holds a post, for links to one exact post.
pub async fn page_of_post(
    db: &impl ConnectionTrait,
    thread_id: i32,
    viewer_id: i32,
    moderator: bool,
    post_id: i32,
) -> Result<u64, DbErr> {
    let before = count(
        db,
        &format!("SELECT COUNT(*) AS n FROM posts p WHERE {READER_POSTS} AND p.id < $4"),
        vec![
            thread_id.into(),
            i32::from(moderator).into(),
            viewer_id.into(),
            post_id.into(),
        ],
    )
    .await?;
    Ok(before / POSTS_PER_PAGE + 1)
}

pub async fn thread_posts(
    db: &impl ConnectionTrait,
    thread_id: i32,
    viewer_id: i32,
    moderator: bool,
    page: u64,
) -> Result<Vec<PostRow>, DbErr> {
    let sql = format!(
        "SELECT p.id, p.author_id, u.display_name AS author, p.body_html, p.language, p.status, p.hidden_at, p.hidden_reason, p.reject_reason, p.edited_at, p.edited_by_id, p.created_at
         FROM posts p JOIN users u ON u.id = p.author_id
         WHERE {READER_POSTS}
         ORDER BY p.id LIMIT $4 OFFSET $5"
    );
    PostRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        &sql,
        [
            thread_id.into(),
            i32::from(moderator).into(),
            viewer_id.into(),
            (POSTS_PER_PAGE as i64).into(),
            (((page - 1) * POSTS_PER_PAGE) as i64).into(),
        ],
    ))
    .all(db)
    .await
}

/// Remembers how far a reader got; writes only when they saw something new.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user_id: i32,
    thread_id: i32,
    post_id: i32,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO thread_reads (user_id, thread_id, last_read_post_id) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, thread_id) DO UPDATE SET last_read_post_id = excluded.last_read_post_id
         WHERE thread_reads.last_read_post_id < excluded.last_read_post_id",
        [user_id.into(), thread_id.into(), post_id.into()],
    ))
    .await?;
    Ok(())
}

/// The edit of a post waiting for a moderator, if any.
pub async fn held_edit(
    db: &impl ConnectionTrait,
    post_id: i32,
) -> Result<Option<held_edits::Model>, DbErr> {
    held_edits::Entity::find()
        .filter(held_edits::Column::PostId.eq(post_id))
        .one(db)
        .await
}

/// A report, by id.
pub async fn flag(db: &impl ConnectionTrait, id: i32) -> Result<Option<flags::Model>, DbErr> {
    flags::Entity::find_by_id(id).one(db).await
}

/// The forum with this id, archived or not, whoever asks.
pub async fn forum(db: &impl ConnectionTrait, id: i32) -> Result<Option<forums::Model>, DbErr> {
    forums::Entity::find_by_id(id).one(db).await
}

/// The forum with this slug, archived or not, whoever asks (callers decide who may see it).
pub async fn forum_with_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<forums::Model>, DbErr> {
    forums::Entity::find()
        .filter(forums::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// A person's membership of a forum.
pub async fn membership(
    db: &impl ConnectionTrait,
    forum_id: i32,
    user_id: i32,
) -> Result<Option<memberships::Model>, DbErr> {
    memberships::Entity::find()
        .filter(memberships::Column::ForumId.eq(forum_id))
        .filter(memberships::Column::UserId.eq(user_id))
        .one(db)
        .await
}

/// An invitation of this forum that is neither accepted nor withdrawn.
pub async fn open_invitation(
    db: &impl ConnectionTrait,
    forum_id: i32,
    invitation_id: i32,
) -> Result<Option<invitations::Model>, DbErr> {
    invitations::Entity::find_by_id(invitation_id)
        .filter(invitations::Column::ForumId.eq(forum_id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .one(db)
        .await
}

#[derive(FromQueryResult)]
pub struct QueueRow {
    pub post_id: i32,
    pub thread_id: i32,
    pub thread_title: String,
    pub author: String,
    pub body_html: String,
    pub language: String,
    pub created_at: time::OffsetDateTime,
}

#[derive(FromQueryResult)]
pub struct HeldEditRow {
    pub post_id: i32,
    pub thread_id: i32,
    pub thread_title: String,
    pub author: String,
    pub proposed_html: String,
    pub current_html: String,
    pub language: String,
    pub created_at: time::OffsetDateTime,
}

#[derive(FromQueryResult)]
pub struct FlagRow {
    pub flag_id: i32,
    pub post_id: i32,
    pub thread_id: i32,
    pub thread_title: String,
    pub reporter: String,
    pub author: String,
    pub reason: String,
    pub body_html: String,
    pub hidden_at: Option<time::OffsetDateTime>,
}

/// What waits in a forum's moderation queue: held posts, held edits and open reports (at most
/// 200 of each, oldest first).
pub async fn moderation_queue(
    db: &impl ConnectionTrait,
    forum_id: i32,
) -> Result<(Vec<QueueRow>, Vec<HeldEditRow>, Vec<FlagRow>), DbErr> {
    let backend = db.get_database_backend();
    let pending = QueueRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT p.id AS post_id, t.id AS thread_id, t.title AS thread_title, u.display_name AS author, p.body_html, p.language, p.created_at
         FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id
         WHERE t.forum_id = $1 AND p.status = 'pending' ORDER BY p.id LIMIT 200",
        [forum_id.into()],
    ))
    .all(db)
    .await?;
    let edits = HeldEditRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT p.id AS post_id, t.id AS thread_id, t.title AS thread_title, u.display_name AS author,
                he.body_html AS proposed_html, p.body_html AS current_html, he.language, he.created_at
         FROM held_edits he JOIN posts p ON p.id = he.post_id JOIN threads t ON t.id = p.thread_id
         JOIN users u ON u.id = he.editor_id
         WHERE t.forum_id = $1 ORDER BY he.id LIMIT 200",
        [forum_id.into()],
    ))
    .all(db)
    .await?;
    let open_flags = FlagRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT fl.id AS flag_id, p.id AS post_id, t.id AS thread_id, t.title AS thread_title, u.display_name AS reporter,
                a.display_name AS author, fl.reason, p.body_html, p.hidden_at
         FROM flags fl JOIN posts p ON p.id = fl.post_id JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = fl.user_id
         JOIN users a ON a.id = p.author_id
         WHERE t.forum_id = $1 AND fl.resolved_at IS NULL ORDER BY fl.id LIMIT 200",
        [forum_id.into()],
    ))
    .all(db)
    .await?;
    Ok((pending, edits, open_flags))
}

/// A post's earlier versions, newest first.
pub async fn revisions(
    db: &impl ConnectionTrait,
    post_id: i32,
) -> Result<Vec<post_revisions::Model>, DbErr> {
    post_revisions::Entity::find()
        .filter(post_revisions::Column::PostId.eq(post_id))
        .order_by_desc(post_revisions::Column::Id)
        .all(db)
        .await
}

/// Which of these (normalised) addresses belong to members of the forum.
pub async fn member_addresses(
    db: &impl ConnectionTrait,
    forum_id: i32,
    addresses: &[String],
) -> Result<Vec<MemberAddress>, DbErr> {
    use sea_orm::{QuerySelect, sea_query::Query};

    let rows: Vec<(String, Option<time::OffsetDateTime>)> = users::Entity::find()
        .select_only()
        .column(users::Column::Email)
        .column(users::Column::DisabledAt)
        .filter(users::Column::Email.is_in(addresses.iter().cloned()))
        .filter(
            users::Column::Id.in_subquery(
                Query::select()
                    .column(memberships::Column::UserId)
                    .from(memberships::Entity)
                    .and_where(memberships::Column::ForumId.eq(forum_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(email, disabled_at)| MemberAddress {
            email,
            disabled: disabled_at.is_some(),
        })
        .collect())
}

/// A member's address, and whether an admin disabled the account (the member list hides it).
pub struct MemberAddress {
    pub email: String,
    pub disabled: bool,
}

/// Which of these addresses have an invitation to the forum neither accepted nor withdrawn.
pub async fn open_invitation_addresses(
    db: &impl ConnectionTrait,
    forum_id: i32,
    addresses: &[String],
) -> Result<Vec<String>, DbErr> {
    use sea_orm::QuerySelect;

    invitations::Entity::find()
        .select_only()
        .column(invitations::Column::Email)
        .filter(invitations::Column::ForumId.eq(forum_id))
        .filter(invitations::Column::Email.is_in(addresses.iter().cloned()))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .into_tuple()
        .all(db)
        .await
}

/// One row of the moderation log, with the names of what it acted on (read in the same
/// query: a post's thread and author, a thread's title, a person's name, a forum, a theme).
#[derive(FromQueryResult)]
pub struct LogQueryRow {
    pub actor_id: i32,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: i32,
    pub reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub forum_slug: Option<String>,
    pub forum_title: Option<String>,
    pub post_thread_id: Option<i32>,
    pub post_thread_title: Option<String>,
    pub post_author_id: Option<i32>,
    pub post_author: Option<String>,
    pub thread_title: Option<String>,
    pub person: Option<String>,
    pub target_forum_slug: Option<String>,
    pub target_forum_title: Option<String>,
    pub theme_name: Option<String>,
}

/// A page of the moderation log, newest first: one forum's, or everything (`None`).
pub async fn moderation_log(
    db: &impl ConnectionTrait,
    forum_id: Option<i32>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<LogQueryRow>, u64, u64), DbErr> {
    use moderation_log::Column as L;
    use sea_orm::{
        PaginatorTrait,
        sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query},
    };

    let mut counted = moderation_log::Entity::find();
    if let Some(forum_id) = forum_id {
        counted = counted.filter(L::ForumId.eq(forum_id));
    }
    let total = counted.count(db).await?;
    let (page, pages) = clamp_page(page, total, per_page);
    let [
        l,
        actor,
        forum,
        post,
        post_thread,
        post_author,
        thread,
        person,
        target_forum,
        theme,
    ] = ["l", "actor", "f", "p", "pt", "pa", "tt", "tu", "tf", "th"].map(Alias::new);
    let col = |table: &Alias, column: L| Expr::col((table.clone(), column));
    // The row's target, when it is of this type: `target_type = kind AND alias.id = target_id`.
    let target = |kind: &str, alias: &Alias| {
        col(&l, L::TargetType)
            .eq(kind)
            .and(Expr::col((alias.clone(), Alias::new("id"))).equals((l.clone(), L::TargetId)))
    };
    let field = |table: &Alias, column: &str| Expr::col((table.clone(), Alias::new(column)));
    let query = Query::select()
        .expr_as(col(&l, L::ActorId), Alias::new("actor_id"))
        .expr_as(field(&actor, "display_name"), Alias::new("actor"))
        .expr_as(col(&l, L::Action), Alias::new("action"))
        .expr_as(col(&l, L::TargetType), Alias::new("target_type"))
        .expr_as(col(&l, L::TargetId), Alias::new("target_id"))
        .expr_as(col(&l, L::Reason), Alias::new("reason"))
        .expr_as(col(&l, L::CreatedAt), Alias::new("created_at"))
        .expr_as(field(&forum, "slug"), Alias::new("forum_slug"))
        .expr_as(field(&forum, "title"), Alias::new("forum_title"))
        .expr_as(field(&post_thread, "id"), Alias::new("post_thread_id"))
        .expr_as(
            field(&post_thread, "title"),
            Alias::new("post_thread_title"),
        )
        .expr_as(field(&post_author, "id"), Alias::new("post_author_id"))
        .expr_as(
            field(&post_author, "display_name"),
            Alias::new("post_author"),
        )
        .expr_as(field(&thread, "title"), Alias::new("thread_title"))
        .expr_as(field(&person, "display_name"), Alias::new("person"))
        .expr_as(
            field(&target_forum, "slug"),
            Alias::new("target_forum_slug"),
        )
        .expr_as(
            field(&target_forum, "title"),
            Alias::new("target_forum_title"),
        )
        .expr_as(field(&theme, "name"), Alias::new("theme_name"))
        .from_as(moderation_log::Entity, l.clone())
        .join_as(
            JoinType::InnerJoin,
            users::Entity,
            actor.clone(),
            field(&actor, "id").equals((l.clone(), L::ActorId)),
        )
        .join_as(
            JoinType::LeftJoin,
            forums::Entity,
            forum.clone(),
            field(&forum, "id").equals((l.clone(), L::ForumId)),
        )
        .join_as(
            JoinType::LeftJoin,
            posts::Entity,
            post.clone(),
            target("post", &post),
        )
        .join_as(
            JoinType::LeftJoin,
            threads::Entity,
            post_thread.clone(),
            field(&post_thread, "id").equals((post.clone(), Alias::new("thread_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            users::Entity,
            post_author.clone(),
            field(&post_author, "id").equals((post.clone(), Alias::new("author_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            threads::Entity,
            thread.clone(),
            target("thread", &thread),
        )
        .join_as(
            JoinType::LeftJoin,
            users::Entity,
            person.clone(),
            target("user", &person),
        )
        .join_as(
            JoinType::LeftJoin,
            forums::Entity,
            target_forum.clone(),
            target("forum", &target_forum),
        )
        .join_as(
            JoinType::LeftJoin,
            themes::Entity,
            theme.clone(),
            target("theme", &theme),
        )
        .and_where_option(forum_id.map(|id| col(&l, L::ForumId).eq(id)))
        .order_by((l.clone(), L::Id), Order::Desc)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .to_owned();
    let rows = LogQueryRow::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    Ok((rows, page, pages))
}
