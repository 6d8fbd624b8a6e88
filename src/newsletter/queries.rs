//! What the newsletter's pages read.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    Statement,
};

use crate::{
    entities::{editions, states::EditionStatus},
    web::paging::page_of,
};

/// One page of every edition, the latest scheduled first: the rows, the page, the pages.
pub async fn editions(
    db: &impl ConnectionTrait,
    page: u64,
    per_page: u64,
) -> Result<(Vec<editions::Model>, u64, u64), DbErr> {
    let select = editions::Entity::find()
        .order_by_desc(editions::Column::ScheduledFor)
        .order_by_desc(editions::Column::Id);
    page_of(db, select, page, per_page).await
}

/// One page of the editions that went out, the latest first (the public archive).
pub async fn sent_editions(
    db: &impl ConnectionTrait,
    page: u64,
    per_page: u64,
) -> Result<(Vec<editions::Model>, u64, u64), DbErr> {
    let select = editions::Entity::find()
        .filter(editions::Column::Status.is_in([EditionStatus::Sending, EditionStatus::Sent]))
        .order_by_desc(editions::Column::QueuedAt)
        .order_by_desc(editions::Column::Id);
    page_of(db, select, page, per_page).await
}

#[derive(FromQueryResult)]
pub struct SubscriberCount {
    pub status: String,
    pub frequency: String,
    pub n: i64,
}

/// How many subscribers there are of each status and frequency.
pub async fn subscriber_counts(db: &impl ConnectionTrait) -> Result<Vec<SubscriberCount>, DbErr> {
    SubscriberCount::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT status, frequency, COUNT(*) AS n FROM subscribers
         GROUP BY status, frequency ORDER BY status, frequency",
    ))
    .all(db)
    .await
}
