use sea_orm::entity::prelude::*;

pub use super::states::DeliveryStatus;

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub edition_id: i32,
    pub subscriber_id: i32,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Ts,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Ts>,
    pub last_error: Option<String>,
    pub sent_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
