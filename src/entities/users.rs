use sea_orm::entity::prelude::*;

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub disabled_at: Option<Ts>,
    pub locale: String,
    pub notify_mode: String,
    pub session_generation: i32,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
