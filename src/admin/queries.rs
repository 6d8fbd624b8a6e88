//! What the admin pages read.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    Statement,
};

use crate::entities::{taxonomy_terms, themes, users};

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

/// Every account, by address.
pub async fn users(db: &impl ConnectionTrait) -> Result<Vec<users::Model>, DbErr> {
    users::Entity::find()
        .order_by_asc(users::Column::Email)
        .all(db)
        .await
}

/// Every membership, by forum.
pub async fn memberships(db: &impl ConnectionTrait) -> Result<Vec<MembershipRow>, DbErr> {
    MembershipRow::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT m.user_id, f.slug, m.role FROM memberships m JOIN forums f ON f.id = m.forum_id ORDER BY f.slug",
    ))
    .all(db)
    .await
}
