//! Reviewers and outside reviewers by invitation (issue 15).
//!
//! - `users.is_reviewer`: a person an admin allowed to be named reviewer of a learning (the
//!   second person of the two-person review) without being an admin or a forum moderator.
//! - `reviewer_invitations`: an admin invites someone from outside by address and name; the
//!   link (only its SHA-256 is stored, like every other link's) creates a reviewer account
//!   that is a member of no forum. Single use (`accepted_at`), withdrawable (`revoked_at`),
//!   expiring (`expires_at`). The mail is written in `language`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    IsReviewer,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReviewerInvitations {
    Table,
    Id,
    TokenHash,
    Email,
    DisplayName,
    Language,
    InvitedById,
    UserId,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
    CreatedAt,
}

/// The languages of the catalogues, frozen here as every migration's content is.
const LANGUAGES: [&str; 3] = ["en", "fr", "es"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::IsReviewer).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewerInvitations::Table)
                    .col(pk_auto(ReviewerInvitations::Id))
                    .col(string_len_uniq(ReviewerInvitations::TokenHash, 64))
                    .col(string_len(ReviewerInvitations::Email, 320))
                    .col(string_len(ReviewerInvitations::DisplayName, 200))
                    .col(
                        string_len(ReviewerInvitations::Language, 8)
                            .default("en")
                            .check(Expr::col(ReviewerInvitations::Language).is_in(LANGUAGES)),
                    )
                    .col(integer_null(ReviewerInvitations::InvitedById))
                    .col(integer_null(ReviewerInvitations::UserId))
                    .col(timestamp_with_time_zone(ReviewerInvitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(
                        ReviewerInvitations::AcceptedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        ReviewerInvitations::RevokedAt,
                    ))
                    .col(timestamp_with_time_zone(ReviewerInvitations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewerInvitations::Table, ReviewerInvitations::InvitedById)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewerInvitations::Table, ReviewerInvitations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reviewer_invitations_email")
                    .table(ReviewerInvitations::Table)
                    .col(ReviewerInvitations::Email)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReviewerInvitations::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::IsReviewer)
                    .to_owned(),
            )
            .await
    }
}
