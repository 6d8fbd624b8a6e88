//! The moderation log: every moderator and admin action, written in the same transaction as
//! the action itself. Nothing a moderator does is silent.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};

use crate::{db::now, entities::moderation_log};

pub struct Entry<'a> {
    pub actor_id: i32,
    pub forum_id: Option<i32>,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: i32,
    pub reason: Option<&'a str>,
}

pub async fn record(db: &impl ConnectionTrait, entry: Entry<'_>) -> Result<(), sea_orm::DbErr> {
    moderation_log::ActiveModel {
        actor_id: Set(entry.actor_id),
        forum_id: Set(entry.forum_id),
        action: Set(entry.action.into()),
        target_type: Set(entry.target_type.into()),
        target_id: Set(entry.target_id),
        reason: Set(entry.reason.map(str::to_owned).filter(|r| !r.is_empty())),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
