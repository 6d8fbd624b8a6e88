//! Reply addresses a member can revoke (issue 14): `users.reply_generation`, a number signed
//! into every reply address (`reply+TOKEN@FORA_REPLY_DOMAIN`) mailed to the member. The
//! profile's "Stop replies from older emails" moves it on, and a reply to an address made
//! with an earlier number is no longer posted: a member whose old notification was forwarded
//! to someone else, or whose mailbox was read by someone else, can close every address at once
//! without waiting for the server key to change. Addresses mailed before this step carry no
//! number and count as number 0, the number every account starts with, so they keep working
//! until the member revokes them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    ReplyGeneration,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(integer(Users::ReplyGeneration).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::ReplyGeneration)
                    .to_owned(),
            )
            .await
    }
}
