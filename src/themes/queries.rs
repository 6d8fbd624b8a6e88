//! What the theme pages read.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Statement,
};

use crate::entities::{learnings::LearningStatus, products::ProductStatus, themes};

#[derive(FromQueryResult)]
pub struct ThemeRow {
    pub slug: String,
    pub name: String,
    pub name_fr: String,
    pub name_es: String,
    pub description: String,
    pub description_fr: String,
    pub description_es: String,
    pub learnings: i64,
    pub products: i64,
}

/// Every theme with the number of published learnings and products filed under it.
pub async fn themes_with_counts(db: &impl ConnectionTrait) -> Result<Vec<ThemeRow>, DbErr> {
    ThemeRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT th.slug, th.name, th.name_fr, th.name_es,
                th.description, th.description_fr, th.description_es,
                (SELECT COUNT(*) FROM learning_themes lt JOIN learnings l ON l.id = lt.learning_id
                 WHERE lt.theme_id = th.id AND l.status = $1) AS learnings,
                (SELECT COUNT(*) FROM product_themes pt JOIN products p ON p.id = pt.product_id
                 WHERE pt.theme_id = th.id AND p.status = $2) AS products
         FROM themes th ORDER BY th.name, th.slug",
        [
            LearningStatus::Published.into(),
            ProductStatus::Published.into(),
        ],
    ))
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
