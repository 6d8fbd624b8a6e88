use sea_orm::entity::prelude::*;

type Ts = TimeDateTimeWithTimeZone;

/// An author's edit of a published post in a pre-moderated forum, waiting for approval.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "held_edits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub post_id: i32,
    pub editor_id: i32,
    #[sea_orm(column_type = "Text")]
    pub body_md: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    /// The language the edit gives the post (migration `m20261202_000045`).
    pub language: String,
    /// The `markdown::RENDER_VERSION` that rendered `body_html` (migration
    /// `m20261203_000060`).
    pub render_version: i32,
    pub created_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
