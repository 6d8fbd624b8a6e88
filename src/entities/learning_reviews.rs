use sea_orm::entity::prelude::*;

/// One step of a learning's review: submitted, approved, changes requested, retired, comment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "learning_reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub learning_id: i32,
    pub user_id: Option<i32>,
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
