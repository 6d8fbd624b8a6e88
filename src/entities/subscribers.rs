use sea_orm::entity::prelude::*;

pub use super::states::{Frequency, SubscriberStatus};

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscribers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: String,
    pub user_id: Option<i32>,
    pub frequency: Frequency,
    pub language: String,
    pub status: SubscriberStatus,
    /// Salt of the unsubscribe and manage links (`link_tokens`); no link by itself.
    pub link_salt: String,
    pub confirm_token_hash: Option<String>,
    pub confirm_expires_at: Option<Ts>,
    pub confirm_sent_at: Option<Ts>,
    pub confirmed_at: Option<Ts>,
    pub unsubscribed_at: Option<Ts>,
    pub permanent_failures: i32,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
