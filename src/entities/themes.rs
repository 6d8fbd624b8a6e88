use sea_orm::entity::prelude::*;

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "themes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: String,
    /// English; the French and Spanish names and descriptions may be empty (then English is
    /// shown).
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub name_fr: String,
    pub name_es: String,
    #[sea_orm(column_type = "Text")]
    pub description_fr: String,
    #[sea_orm(column_type = "Text")]
    pub description_es: String,
    pub created_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
