use sea_orm::entity::prelude::*;

type Ts = TimeDateTimeWithTimeZone;

/// An outside reviewer invited by an admin: the link creates a reviewer account that is a
/// member of no forum.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviewer_invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub token_hash: String,
    pub email: String,
    /// The name the admin gave; the invited person may change it when accepting.
    pub display_name: String,
    /// The language the invitation was written in (`en`, `fr` or `es`).
    pub language: String,
    pub invited_by_id: Option<i32>,
    /// The account the invitation created.
    pub user_id: Option<i32>,
    pub expires_at: Ts,
    pub accepted_at: Option<Ts>,
    /// Withdrawn by an admin or replaced by a newer invitation.
    pub revoked_at: Option<Ts>,
    pub created_at: Ts,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
