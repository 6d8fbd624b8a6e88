use sea_orm::entity::prelude::*;

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    /// May be named the reviewer of a learning without being an admin or a moderator.
    pub is_reviewer: bool,
    pub disabled_at: Option<Ts>,
    pub locale: String,
    pub notify_mode: super::states::NotifyMode,
    pub session_generation: i32,
    /// Signed into the reply addresses mailed to the member; moving it on revokes them all
    /// (see `mail::reply_address`).
    pub reply_generation: i32,
    /// Bounce score in half-bounces, and what counted it (see `mail::bounces`).
    pub bounce_points: i32,
    pub bounce_day_points: i32,
    pub bounce_last_at: Option<Ts>,
    pub bounce_reason: Option<String>,
    pub bounce_probe_at: Option<Ts>,
    /// Set when mail to the address bounced past the threshold: the member gets no mail
    /// until they say it works again (see `mail::bounces`).
    pub bounce_suppressed_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
