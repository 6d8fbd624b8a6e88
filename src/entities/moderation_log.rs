use sea_orm::entity::prelude::*;

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub actor_id: i32,
    pub forum_id: Option<i32>,
    pub action: String,
    pub target_type: String,
    pub target_id: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: Option<String>,
    pub created_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
