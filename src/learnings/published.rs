//! Published learnings read as lists, for what follows the library from outside (the feeds):
//! the newest, and a set by id with their themes and countries.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{
    entities::learnings::{self, LearningStatus},
    taxonomy::pairs::{LEARNING_COUNTRIES, LEARNING_THEMES, Tagged, tag_in_order},
};

/// The ids of the `limit` newest published learnings, straight from the (status,
/// published_at) index rather than through the search index.
pub async fn newest_ids(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<i32>, DbErr> {
    learnings::Entity::find()
        .select_only()
        .column(learnings::Column::Id)
        .filter(learnings::Column::Status.eq(LearningStatus::Published))
        .order_by_desc(learnings::Column::PublishedAt)
        .order_by_desc(learnings::Column::Id)
        .limit(limit)
        .into_tuple::<i32>()
        .all(db)
        .await
}

/// The published learnings among `ids`, in the order of `ids`.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<Vec<Tagged<learnings::Model>>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = learnings::Entity::find()
        .filter(learnings::Column::Id.is_in(ids.iter().copied()))
        .filter(learnings::Column::Status.eq(LearningStatus::Published))
        .all(db)
        .await?;
    tag_in_order(
        db,
        ids,
        rows,
        |l| l.id,
        (&LEARNING_THEMES, &LEARNING_COUNTRIES),
    )
    .await
}
