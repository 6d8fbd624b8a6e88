use sea_orm::entity::prelude::*;

/// A thread that discusses a learning (cited in a post, or proposed from the thread).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "thread_learnings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub thread_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub learning_id: i32,
    pub created_by_id: Option<i32>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
