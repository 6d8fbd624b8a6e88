//! What the admin pages read.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
    sea_query::{Expr, ExprTrait, Order, Query},
};

use crate::{
    entities::{forums, memberships, taxonomy_terms, themes, users},
    taxonomy::labels::folded,
    web::paging::{self, CountedPage},
};

#[derive(FromQueryResult)]
pub struct ForumRow {
    pub slug: String,
    pub title: String,
    pub theme_name: String,
    pub theme_name_fr: String,
    pub theme_name_es: String,
    pub moderation_mode: String,
    pub language: String,
    pub archived_at: Option<time::OffsetDateTime>,
}

#[derive(FromQueryResult)]
pub struct ModeratorRow {
    pub slug: String,
    pub display_name: String,
}

#[derive(FromQueryResult)]
pub struct MembershipRow {
    pub user_id: i32,
    pub slug: String,
    pub role: String,
}

pub async fn themes(db: &impl ConnectionTrait) -> Result<Vec<themes::Model>, DbErr> {
    themes::Entity::find()
        .order_by_asc(themes::Column::Name)
        .all(db)
        .await
}

/// The theme with this slug.
pub async fn theme(db: &impl ConnectionTrait, slug: &str) -> Result<Option<themes::Model>, DbErr> {
    themes::Entity::find()
        .filter(themes::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The term of this vocabulary with this code.
pub async fn term(
    db: &impl ConnectionTrait,
    vocabulary: &str,
    code: &str,
) -> Result<Option<taxonomy_terms::Model>, DbErr> {
    taxonomy_terms::Entity::find()
        .filter(taxonomy_terms::Column::Vocabulary.eq(vocabulary))
        .filter(taxonomy_terms::Column::Code.eq(code))
        .one(db)
        .await
}

/// Every forum with its theme, archived ones too.
pub async fn forums(db: &impl ConnectionTrait) -> Result<Vec<ForumRow>, DbErr> {
    ForumRow::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT f.slug, f.title, th.name AS theme_name, th.name_fr AS theme_name_fr,
                th.name_es AS theme_name_es, f.moderation_mode, f.language, f.archived_at
         FROM forums f JOIN themes th ON th.id = f.theme_id ORDER BY th.name, f.title",
    ))
    .all(db)
    .await
}

/// Each forum's moderators, by name.
pub async fn moderators(db: &impl ConnectionTrait) -> Result<Vec<ModeratorRow>, DbErr> {
    ModeratorRow::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT f.slug, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id JOIN forums f ON f.id = m.forum_id
         WHERE m.role = 'moderator' ORDER BY u.display_name",
    ))
    .all(db)
    .await
}

/// People shown on one page of `/admin/users`.
pub const USERS_PER_PAGE: u64 = 50;

/// One page of the accounts whose name or address holds `find` (every account when it is
/// empty), by address, without regard to case or accents ("jose" finds "José"). SQLite's
/// `lower()` folds ASCII only and neither database folds accents, so a search reads every
/// account's name and address (an invitation-only community has thousands at most) and
/// compares them folded; `%` and `_` are plain characters.
pub async fn users_page(
    db: &impl ConnectionTrait,
    find: &str,
    requested: u64,
) -> Result<CountedPage<users::Model>, DbErr> {
    let by_address = users::Entity::find().order_by_asc(users::Column::Email);
    let find = folded(find.trim());
    if find.is_empty() {
        return paging::counted_page_of(db, by_address, requested, USERS_PER_PAGE).await;
    }
    let everyone: Vec<(i32, String, String)> = by_address
        .clone()
        .select_only()
        .columns([
            users::Column::Id,
            users::Column::Email,
            users::Column::DisplayName,
        ])
        .into_tuple()
        .all(db)
        .await?;
    let matching: Vec<i32> = everyone
        .into_iter()
        .filter(|(_, email, name)| folded(email).contains(&find) || folded(name).contains(&find))
        .map(|(id, _, _)| id)
        .collect();
    let ids = CountedPage::of_all(matching, requested, USERS_PER_PAGE);
    let rows = by_address
        .filter(users::Column::Id.is_in(ids.rows.clone()))
        .all(db)
        .await?;
    Ok(ids.with_rows(rows))
}

/// The page of the whole list (by address) that holds this account, if it exists.
pub async fn page_holding_user(db: &impl ConnectionTrait, id: i32) -> Result<Option<u64>, DbErr> {
    let Some(user) = users::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let before = users::Entity::find()
        .filter(users::Column::Email.lt(user.email))
        .count(db)
        .await?;
    Ok(Some(before / USERS_PER_PAGE + 1))
}

/// The memberships of these accounts, by forum.
pub async fn memberships_of(
    db: &impl ConnectionTrait,
    user_ids: &[i32],
) -> Result<Vec<MembershipRow>, DbErr> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = Query::select()
        .column((memberships::Entity, memberships::Column::UserId))
        .column((forums::Entity, forums::Column::Slug))
        .column((memberships::Entity, memberships::Column::Role))
        .from(memberships::Entity)
        .inner_join(
            forums::Entity,
            Expr::col((forums::Entity, forums::Column::Id))
                .equals((memberships::Entity, memberships::Column::ForumId)),
        )
        .and_where(
            Expr::col((memberships::Entity, memberships::Column::UserId))
                .is_in(user_ids.iter().copied()),
        )
        .order_by((forums::Entity, forums::Column::Slug), Order::Asc)
        .to_owned();
    MembershipRow::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await
}
