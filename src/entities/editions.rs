use sea_orm::entity::prelude::*;

pub use super::states::{EditionStatus, Frequency};

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub frequency: Frequency,
    pub period_start: Ts,
    pub period_end: Ts,
    pub scheduled_for: Ts,
    pub status: EditionStatus,
    pub subject: String,
    pub intro_md: String,
    pub intro_html: String,
    /// French and Spanish introductions; empty ones fall back to the English one.
    pub intro_md_fr: String,
    pub intro_html_fr: String,
    pub intro_md_es: String,
    pub intro_html_es: String,
    pub recipients: i32,
    pub queued_at: Option<Ts>,
    pub finished_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
