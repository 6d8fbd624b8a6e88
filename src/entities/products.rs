use sea_orm::entity::prelude::*;

pub use super::states::ProductStatus;

type Ts = TimeDateTimeWithTimeZone;

/// A knowledge product: publication, tool, compendium, training, …
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub external_id: Option<String>,
    pub content_key: String,
    pub kind_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub summary_html: String,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    pub language: String,
    pub published_on: Option<TimeDate>,
    pub status: ProductStatus,
    pub author_id: Option<i32>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
