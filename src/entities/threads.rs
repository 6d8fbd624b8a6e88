use sea_orm::entity::prelude::*;

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "threads")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub forum_id: i32,
    pub author_id: i32,
    pub title: String,
    /// `en`, `fr` or `es`: the language it is written in (migration `m20261202_000030`).
    pub language: String,
    pub pinned_at: Option<Ts>,
    pub locked_at: Option<Ts>,
    pub hidden_at: Option<Ts>,
    /// Why a moderator hid it, shown to its author (migration `m20261203_000035`).
    #[sea_orm(column_type = "Text")]
    pub hidden_reason: Option<String>,
    pub featured_at: Option<Ts>,
    #[sea_orm(column_type = "Text")]
    pub summary_md: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub summary_html: Option<String>,
    pub last_post_at: Ts,
    /// Bumped by every change that a thread page shows: the key of its cached posts.
    pub version: i32,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
