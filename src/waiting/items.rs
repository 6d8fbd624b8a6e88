//! What waits for one person, read afresh: held posts, held edits and open reports in the
//! forums they moderate (every forum for an admin), proposed learnings without a reviewer (for
//! knowledge managers), learnings they were named to review, and editions about to go out
//! (for newsletter admins). Whatever was dealt with is simply no longer found.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IntoSimpleExpr, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement, SimpleExpr},
};
use templates::waiting::{Item, WaitingView};

use crate::entities::{
    editions, flags, forums, held_edits, learnings, memberships, posts,
    states::{EditionStatus, Frequency, LearningStatus, MemberRole, PostStatus},
    threads, users,
};
use crate::web::paths;

/// The most items shown per section.
const LIMIT: u64 = 100;

/// A thread in the moderation queue, with its forum.
#[derive(FromQueryResult)]
struct QueueRow {
    title: String,
    language: String,
    forum: String,
    slug: String,
    since: time::OffsetDateTime,
}

/// The threads of posts found by `query` (which selects from posts, or joins them) in the
/// forums `user` moderates — every forum for an admin — oldest first.
async fn queue_rows(
    db: &impl ConnectionTrait,
    user: &users::Model,
    mut query: SelectStatement,
    since: SimpleExpr,
) -> Result<Vec<QueueRow>, DbErr> {
    let column = |alias: &str, expr: SimpleExpr| (expr, Alias::new(alias));
    for (expr, alias) in [
        column("title", threads::Column::Title.into_simple_expr()),
        column("language", threads::Column::Language.into_simple_expr()),
        column("forum", forums::Column::Title.into_simple_expr()),
        column("slug", forums::Column::Slug.into_simple_expr()),
        column("since", since.clone()),
    ] {
        query.expr_as(expr, alias);
    }
    query
        .join(
            JoinType::InnerJoin,
            threads::Entity,
            Expr::col((threads::Entity, threads::Column::Id))
                .equals((posts::Entity, posts::Column::ThreadId)),
        )
        .join(
            JoinType::InnerJoin,
            forums::Entity,
            Expr::col((forums::Entity, forums::Column::Id))
                .equals((threads::Entity, threads::Column::ForumId)),
        )
        .order_by_expr(since, Order::Asc)
        .limit(LIMIT);
    if !user.is_admin {
        query.and_where(
            Expr::col((forums::Entity, forums::Column::Id)).in_subquery(
                Query::select()
                    .column(memberships::Column::ForumId)
                    .from(memberships::Entity)
                    .and_where(memberships::Column::UserId.eq(user.id))
                    .and_where(memberships::Column::Role.eq(MemberRole::Moderator))
                    .to_owned(),
            ),
        );
    }
    QueueRow::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await
}

fn queue_items(rows: Vec<QueueRow>) -> Vec<Item> {
    rows.into_iter()
        .map(|row| Item {
            href: paths::forum_queue(&row.slug),
            since: crate::web::dates::iso(row.since),
            title: row.title,
            lang: Some(row.language),
            place: row.forum,
        })
        .collect()
}

/// Learnings in review that match `condition`, oldest change first.
async fn learnings_in_review(
    db: &impl ConnectionTrait,
    condition: SimpleExpr,
    place: &str,
) -> Result<Vec<Item>, DbErr> {
    use learnings::Column as L;
    let rows: Vec<(i32, String, String, time::OffsetDateTime)> = learnings::Entity::find()
        .select_only()
        .columns([L::Id, L::Title, L::Language, L::UpdatedAt])
        .filter(L::Status.eq(LearningStatus::InReview))
        .filter(condition)
        .order_by_asc(L::UpdatedAt)
        .limit(LIMIT)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, language, since)| Item {
            href: paths::learning_workflow(id),
            since: crate::web::dates::iso(since),
            title,
            lang: Some(language),
            place: place.to_string(),
        })
        .collect())
}

/// Rows of `table` about a post (held edits, reports), joined to that post.
fn about_posts<T: EntityTrait + Copy>(table: T, post_id: T::Column) -> SelectStatement {
    Query::select()
        .from(table)
        .join(
            JoinType::InnerJoin,
            posts::Entity,
            Expr::col((posts::Entity, posts::Column::Id)).equals((table, post_id)),
        )
        .to_owned()
}

/// Everything that waits for `user`, in `lang` (for the words that are not data).
pub async fn list(
    db: &impl ConnectionTrait,
    user: &users::Model,
    lang: &str,
) -> Result<WaitingView, DbErr> {
    let held_posts = Query::select()
        .from(posts::Entity)
        .and_where(posts::Column::Status.eq(PostStatus::Pending))
        .to_owned();
    let held_edits = about_posts(held_edits::Entity, held_edits::Column::PostId);
    let reports = about_posts(flags::Entity, flags::Column::PostId)
        .and_where(flags::Column::ResolvedAt.is_null())
        .to_owned();
    let held_posts = queue_rows(
        db,
        user,
        held_posts,
        Expr::col((posts::Entity, posts::Column::CreatedAt)),
    )
    .await?;
    let held_edits = queue_rows(
        db,
        user,
        held_edits,
        Expr::col((held_edits::Entity, held_edits::Column::CreatedAt)),
    )
    .await?;
    let reports = queue_rows(
        db,
        user,
        reports,
        Expr::col((flags::Entity, flags::Column::CreatedAt)),
    )
    .await?;
    let learning_place = templates::i18n::t(lang, "waiting.learning_place");
    let proposals = if user.is_admin {
        learnings_in_review(db, learnings::Column::ReviewerId.is_null(), &learning_place).await?
    } else {
        Vec::new()
    };
    let reviews = learnings_in_review(
        db,
        learnings::Column::ReviewerId.eq(user.id),
        &learning_place,
    )
    .await?;
    let editions = if user.is_admin {
        scheduled_editions(
            db,
            lang,
            &templates::i18n::t(lang, "waiting.newsletter_place"),
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(WaitingView {
        held_posts: queue_items(held_posts),
        held_edits: queue_items(held_edits),
        reports: queue_items(reports),
        proposals,
        reviews,
        editions,
    })
}

/// Editions about to go out, the soonest first, named in the reader's language.
async fn scheduled_editions(
    db: &impl ConnectionTrait,
    lang: &str,
    place: &str,
) -> Result<Vec<Item>, DbErr> {
    use editions::Column as E;
    let rows: Vec<(i32, Frequency, time::OffsetDateTime)> = editions::Entity::find()
        .select_only()
        .columns([E::Id, E::Frequency, E::ScheduledFor])
        .filter(E::Status.eq(EditionStatus::Scheduled))
        .order_by_asc(E::ScheduledFor)
        .limit(LIMIT)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        // A scheduled edition goes out on the day it is scheduled for: its subject's date.
        .map(|(id, frequency, scheduled_for)| Item {
            href: paths::edition(id),
            since: crate::web::dates::iso(scheduled_for),
            title: crate::newsletter::compose::subject_in(lang, frequency, scheduled_for),
            lang: None,
            place: place.to_string(),
        })
        .collect())
}
