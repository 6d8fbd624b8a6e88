use sea_orm::entity::prelude::*;

pub use super::states::PostStatus;

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub thread_id: i32,
    pub author_id: i32,
    #[sea_orm(column_type = "Text")]
    pub body_md: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    /// `en`, `fr` or `es`: the language it is written in (migration `m20261202_000030`).
    pub language: String,
    pub status: PostStatus,
    #[sea_orm(column_type = "Text")]
    pub reject_reason: Option<String>,
    pub hidden_at: Option<Ts>,
    /// Why a moderator hid it, shown to its author (migration `m20261202_000045`).
    #[sea_orm(column_type = "Text")]
    pub hidden_reason: Option<String>,
    pub edited_at: Option<Ts>,
    /// The `markdown::RENDER_VERSION` that rendered `body_html` (migration
    /// `m20261203_000060`): older ones are rendered again at start-up.
    pub render_version: i32,
    pub edited_by_id: Option<i32>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
