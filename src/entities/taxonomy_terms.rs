use sea_orm::entity::prelude::*;

/// One term of a vocabulary (evaluation type, sector, country, product kind, …).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "taxonomy_terms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub vocabulary: String,
    pub code: String,
    /// English; `label_fr` and `label_es` may be empty (then English is shown).
    pub label: String,
    pub label_fr: String,
    pub label_es: String,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
