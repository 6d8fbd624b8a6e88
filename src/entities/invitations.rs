use sea_orm::entity::prelude::*;

pub use super::states::MemberRole;

type Ts = TimeDateTimeWithTimeZone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub token_hash: String,
    pub email: String,
    pub forum_id: i32,
    pub role: MemberRole,
    pub invited_by_id: Option<i32>,
    pub expires_at: Ts,
    pub accepted_at: Option<Ts>,
    /// Withdrawn by a moderator or replaced by a newer invitation.
    pub revoked_at: Option<Ts>,
    pub created_at: Ts,
    /// The language the invitation was written in (`en`, `fr` or `es`).
    pub language: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
