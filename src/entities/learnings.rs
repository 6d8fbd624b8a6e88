use sea_orm::entity::prelude::*;

pub use super::states::LearningStatus;

type Ts = TimeDateTimeWithTimeZone;

pub const LEARNING_TYPES: [&str; 2] = ["lesson_learned", "good_practice"];
/// The languages learnings are written in (their order is stored in the search index).
pub const LANGUAGES: [&str; 3] = ["en", "fr", "es"];

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "learnings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub external_id: Option<String>,
    /// SHA-256 of the project title and description: what makes an import idempotent when
    /// rows carry no external id.
    pub content_key: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Markdown source; `description_html` is its sanitized rendering.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub description_html: String,
    pub learning_type: String,
    #[sea_orm(column_type = "Text")]
    pub project_title: String,
    pub evaluation_type_id: Option<i32>,
    pub year: Option<i32>,
    pub sector_id: Option<i32>,
    pub intervention_type_id: Option<i32>,
    pub cycle_stage_id: Option<i32>,
    pub criterion_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub source_url: String,
    pub language: String,
    pub status: LearningStatus,
    pub author_id: Option<i32>,
    pub reviewer_id: Option<i32>,
    pub published_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
