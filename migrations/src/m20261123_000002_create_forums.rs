use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Themes {
    Table,
    Id,
    Slug,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Forums {
    Table,
    Id,
    Slug,
    ThemeId,
    Title,
    Purpose,
    ExpectedOutcome,
    ModerationMode,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    ForumId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    TokenHash,
    Email,
    ForumId,
    Role,
    InvitedById,
    ExpiresAt,
    AcceptedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Threads {
    Table,
    Id,
    ForumId,
    AuthorId,
    Title,
    PinnedAt,
    LockedAt,
    HiddenAt,
    FeaturedAt,
    SummaryMd,
    SummaryHtml,
    LastPostAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    ThreadId,
    AuthorId,
    BodyMd,
    BodyHtml,
    Status,
    RejectReason,
    HiddenAt,
    EditedAt,
    EditedById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PostRevisions {
    Table,
    Id,
    PostId,
    EditorId,
    BodyMd,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Flags {
    Table,
    Id,
    PostId,
    UserId,
    Reason,
    ResolvedAt,
    ResolvedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Follows {
    Table,
    Id,
    UserId,
    ThreadId,
    Token,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ThreadReads {
    Table,
    Id,
    UserId,
    ThreadId,
    LastReadPostId,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    PostId,
    Reason,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum ModerationLog {
    Table,
    Id,
    ActorId,
    ForumId,
    Action,
    TargetType,
    TargetId,
    Reason,
    CreatedAt,
}

fn fk(
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
    ref_table: impl IntoIden + 'static,
    ref_column: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(ref_table, ref_column)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(Alias::new(*column));
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Themes::Table)
                    .col(pk_auto(Themes::Id))
                    .col(string_uniq(Themes::Slug))
                    .col(string(Themes::Name))
                    .col(text(Themes::Description).default(""))
                    .col(timestamp_with_time_zone(Themes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Forums::Table)
                    .col(pk_auto(Forums::Id))
                    .col(string_uniq(Forums::Slug))
                    .col(integer(Forums::ThemeId))
                    .col(string(Forums::Title))
                    .col(text(Forums::Purpose).default(""))
                    .col(text(Forums::ExpectedOutcome).default(""))
                    .col(string_len(Forums::ModerationMode, 8).default("post"))
                    .col(timestamp_with_time_zone_null(Forums::ArchivedAt))
                    .col(timestamp_with_time_zone(Forums::CreatedAt))
                    .col(timestamp_with_time_zone(Forums::UpdatedAt))
                    .foreign_key(&mut fk(
                        Forums::Table,
                        Forums::ThemeId,
                        Themes::Table,
                        Themes::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(pk_auto(Memberships::Id))
                    .col(integer(Memberships::ForumId))
                    .col(integer(Memberships::UserId))
                    .col(string_len(Memberships::Role, 16))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .foreign_key(&mut fk(
                        Memberships::Table,
                        Memberships::ForumId,
                        Forums::Table,
                        Forums::Id,
                    ))
                    .foreign_key(&mut fk(
                        Memberships::Table,
                        Memberships::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_memberships_forum_user",
            Memberships::Table,
            &["forum_id", "user_id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_memberships_user",
            Memberships::Table,
            &["user_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(pk_auto(Invitations::Id))
                    .col(string_uniq(Invitations::TokenHash))
                    .col(string(Invitations::Email))
                    .col(integer(Invitations::ForumId))
                    .col(string_len(Invitations::Role, 16))
                    .col(integer_null(Invitations::InvitedById))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .foreign_key(&mut fk(
                        Invitations::Table,
                        Invitations::ForumId,
                        Forums::Table,
                        Forums::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Threads::Table)
                    .col(pk_auto(Threads::Id))
                    .col(integer(Threads::ForumId))
                    .col(integer(Threads::AuthorId))
                    .col(string(Threads::Title))
                    .col(timestamp_with_time_zone_null(Threads::PinnedAt))
                    .col(timestamp_with_time_zone_null(Threads::LockedAt))
                    .col(timestamp_with_time_zone_null(Threads::HiddenAt))
                    .col(timestamp_with_time_zone_null(Threads::FeaturedAt))
                    .col(text_null(Threads::SummaryMd))
                    .col(text_null(Threads::SummaryHtml))
                    .col(timestamp_with_time_zone(Threads::LastPostAt))
                    .col(integer(Threads::Version).default(0))
                    .col(timestamp_with_time_zone(Threads::CreatedAt))
                    .col(timestamp_with_time_zone(Threads::UpdatedAt))
                    .foreign_key(&mut fk(
                        Threads::Table,
                        Threads::ForumId,
                        Forums::Table,
                        Forums::Id,
                    ))
                    .foreign_key(&mut fk(
                        Threads::Table,
                        Threads::AuthorId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_threads_forum_activity",
            Threads::Table,
            &["forum_id", "last_post_at"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Posts::Table)
                    .col(pk_auto(Posts::Id))
                    .col(integer(Posts::ThreadId))
                    .col(integer(Posts::AuthorId))
                    .col(text(Posts::BodyMd))
                    .col(text(Posts::BodyHtml))
                    .col(string_len(Posts::Status, 16))
                    .col(text_null(Posts::RejectReason))
                    .col(timestamp_with_time_zone_null(Posts::HiddenAt))
                    .col(timestamp_with_time_zone_null(Posts::EditedAt))
                    .col(integer_null(Posts::EditedById))
                    .col(timestamp_with_time_zone(Posts::CreatedAt))
                    .col(timestamp_with_time_zone(Posts::UpdatedAt))
                    .foreign_key(&mut fk(
                        Posts::Table,
                        Posts::ThreadId,
                        Threads::Table,
                        Threads::Id,
                    ))
                    .foreign_key(&mut fk(
                        Posts::Table,
                        Posts::AuthorId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_posts_thread",
            Posts::Table,
            &["thread_id", "id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostRevisions::Table)
                    .col(pk_auto(PostRevisions::Id))
                    .col(integer(PostRevisions::PostId))
                    .col(integer(PostRevisions::EditorId))
                    .col(text(PostRevisions::BodyMd))
                    .col(timestamp_with_time_zone(PostRevisions::CreatedAt))
                    .foreign_key(&mut fk(
                        PostRevisions::Table,
                        PostRevisions::PostId,
                        Posts::Table,
                        Posts::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_post_revisions_post",
            PostRevisions::Table,
            &["post_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Flags::Table)
                    .col(pk_auto(Flags::Id))
                    .col(integer(Flags::PostId))
                    .col(integer(Flags::UserId))
                    .col(text(Flags::Reason))
                    .col(timestamp_with_time_zone_null(Flags::ResolvedAt))
                    .col(integer_null(Flags::ResolvedById))
                    .col(timestamp_with_time_zone(Flags::CreatedAt))
                    .foreign_key(&mut fk(
                        Flags::Table,
                        Flags::PostId,
                        Posts::Table,
                        Posts::Id,
                    ))
                    .foreign_key(&mut fk(
                        Flags::Table,
                        Flags::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_flags_post", Flags::Table, &["post_id"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(Follows::Table)
                    .col(pk_auto(Follows::Id))
                    .col(integer(Follows::UserId))
                    .col(integer(Follows::ThreadId))
                    .col(string_uniq(Follows::Token))
                    .col(timestamp_with_time_zone(Follows::CreatedAt))
                    .foreign_key(&mut fk(
                        Follows::Table,
                        Follows::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        Follows::Table,
                        Follows::ThreadId,
                        Threads::Table,
                        Threads::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_follows_user_thread",
            Follows::Table,
            &["user_id", "thread_id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_follows_thread",
            Follows::Table,
            &["thread_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThreadReads::Table)
                    .col(pk_auto(ThreadReads::Id))
                    .col(integer(ThreadReads::UserId))
                    .col(integer(ThreadReads::ThreadId))
                    .col(integer(ThreadReads::LastReadPostId))
                    .foreign_key(&mut fk(
                        ThreadReads::Table,
                        ThreadReads::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        ThreadReads::Table,
                        ThreadReads::ThreadId,
                        Threads::Table,
                        Threads::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_thread_reads_user_thread",
            ThreadReads::Table,
            &["user_id", "thread_id"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_auto(Notifications::Id))
                    .col(integer(Notifications::UserId))
                    .col(integer(Notifications::PostId))
                    .col(string_len(Notifications::Reason, 16))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::SentAt))
                    .foreign_key(&mut fk(
                        Notifications::Table,
                        Notifications::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        Notifications::Table,
                        Notifications::PostId,
                        Posts::Table,
                        Posts::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_notifications_user_post",
            Notifications::Table,
            &["user_id", "post_id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_notifications_pending",
            Notifications::Table,
            &["sent_at", "user_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ModerationLog::Table)
                    .col(pk_auto(ModerationLog::Id))
                    .col(integer(ModerationLog::ActorId))
                    .col(integer_null(ModerationLog::ForumId))
                    .col(string_len(ModerationLog::Action, 32))
                    .col(string_len(ModerationLog::TargetType, 16))
                    .col(integer(ModerationLog::TargetId))
                    .col(text_null(ModerationLog::Reason))
                    .col(timestamp_with_time_zone(ModerationLog::CreatedAt))
                    .foreign_key(&mut fk(
                        ModerationLog::Table,
                        ModerationLog::ActorId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_moderation_log_forum",
            ModerationLog::Table,
            &["forum_id", "id"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ModerationLog::Table.into_iden(),
            Notifications::Table.into_iden(),
            ThreadReads::Table.into_iden(),
            Follows::Table.into_iden(),
            Flags::Table.into_iden(),
            PostRevisions::Table.into_iden(),
            Posts::Table.into_iden(),
            Threads::Table.into_iden(),
            Invitations::Table.into_iden(),
            Memberships::Table.into_iden(),
            Forums::Table.into_iden(),
            Themes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
