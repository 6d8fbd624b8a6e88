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
    /// Bounce score in half-bounces, and what counted it (see `mail::bounces`).
    pub bounce_points: i32,
    pub bounce_day_points: i32,
    pub bounce_last_at: Option<Ts>,
    pub bounce_reason: Option<String>,
    pub bounce_probe_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
