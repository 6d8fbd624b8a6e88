//! Who may see a learning. Published learnings are public; a draft, one in review or a retired
//! one exists only for knowledge managers (admins), its author and its named reviewer — for
//! everyone else it is a 404, like anything else they may not see.

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::{
    entities::{
        learnings::{self, LearningStatus},
        users,
    },
    web::{AppError, AppResult},
};

pub fn may_see(learning: &learnings::Model, user: Option<&users::Model>) -> bool {
    learning.status == LearningStatus::Published || user.is_some_and(|u| may_manage(learning, u))
}

/// Knowledge managers, the author and the reviewer take part in a learning's review.
pub fn may_manage(learning: &learnings::Model, user: &users::Model) -> bool {
    user.is_admin || learning.author_id == Some(user.id) || learning.reviewer_id == Some(user.id)
}

pub async fn learning(
    db: &impl ConnectionTrait,
    raw_id: &str,
    user: Option<&users::Model>,
) -> AppResult<learnings::Model> {
    let id = crate::web::path_id::parse_id(raw_id)?;
    let learning = learnings::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if may_see(&learning, user) {
        Ok(learning)
    } else {
        Err(AppError::NotFound)
    }
}
