//! Writing learnings: the row, its themes and countries, and its search change, always together
//! (callers pass a transaction when several writes must stand or fall as one).

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::fields::LearningFields;
use crate::{
    entities::{
        learning_reviews,
        learnings::{self, LearningStatus},
    },
    search::change::{self, Item},
    taxonomy::pairs::{LEARNING_COUNTRIES, LEARNING_THEMES},
};

/// What makes two rows without an external id "the same learning": project and description,
/// compared without regard to case or spacing.
pub fn content_key(project_title: &str, description: &str) -> String {
    let normal = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let digest = Sha256::digest(format!(
        "{}\n{}",
        normal(project_title),
        normal(description)
    ));
    hex::encode(digest)
}

/// `description_html` is `fields.description` rendered (before the transaction).
fn apply(
    model: &mut learnings::ActiveModel,
    fields: &LearningFields,
    description_html: &str,
    status: LearningStatus,
) {
    model.external_id = Set(fields.external_id.clone());
    model.content_key = Set(content_key(&fields.project_title, &fields.description));
    model.title = Set(fields.title.clone());
    model.description = Set(fields.description.clone());
    model.description_html = Set(description_html.to_owned());
    model.learning_type = Set(fields.learning_type.clone());
    model.project_title = Set(fields.project_title.clone());
    model.evaluation_type_id = Set(fields.evaluation_type_id);
    model.year = Set(fields.year);
    model.sector_id = Set(fields.sector_id);
    model.intervention_type_id = Set(fields.intervention_type_id);
    model.cycle_stage_id = Set(fields.cycle_stage_id);
    model.criterion_id = Set(fields.criterion_id);
    model.source_url = Set(fields.source_url.clone());
    model.language = Set(fields.language.clone());
    model.status = Set(status);
}

async fn replace_pairs(
    db: &impl ConnectionTrait,
    learning_id: i32,
    fields: &LearningFields,
) -> Result<(), DbErr> {
    LEARNING_THEMES
        .replace(db, learning_id, &fields.theme_ids)
        .await?;
    LEARNING_COUNTRIES
        .replace(db, learning_id, &fields.country_ids)
        .await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    fields: &LearningFields,
    description_html: &str,
    status: LearningStatus,
    author_id: Option<i32>,
    now: OffsetDateTime,
) -> Result<learnings::Model, DbErr> {
    let mut model = learnings::ActiveModel {
        author_id: Set(author_id),
        reviewer_id: Set(None),
        published_at: Set((status == LearningStatus::Published).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut model, fields, description_html, status);
    let saved = model.insert(db).await?;
    replace_pairs(db, saved.id, fields).await?;
    change::record(db, &[Item::Learning(saved.id)]).await?;
    Ok(saved)
}

/// Rewrites a learning's fields, keeping its status, author and history.
pub async fn update(
    db: &impl ConnectionTrait,
    existing: learnings::Model,
    fields: &LearningFields,
    description_html: &str,
    now: OffsetDateTime,
) -> Result<learnings::Model, DbErr> {
    let status = existing.status;
    let id = existing.id;
    let mut model: learnings::ActiveModel = existing.into();
    apply(&mut model, fields, description_html, status);
    model.updated_at = Set(now);
    let saved = model.update(db).await?;
    replace_pairs(db, id, fields).await?;
    change::record(db, &[Item::Learning(id)]).await?;
    Ok(saved)
}

/// The stored fields of a learning, in the shape forms and imports compare against.
pub async fn fields_of(
    db: &impl ConnectionTrait,
    learning: &learnings::Model,
) -> Result<LearningFields, DbErr> {
    let theme_ids = LEARNING_THEMES.of(db, learning.id).await?;
    let country_ids = LEARNING_COUNTRIES.of(db, learning.id).await?;
    Ok(LearningFields {
        external_id: learning.external_id.clone(),
        title: learning.title.clone(),
        description: learning.description.clone(),
        learning_type: learning.learning_type.clone(),
        project_title: learning.project_title.clone(),
        evaluation_type_id: learning.evaluation_type_id,
        year: learning.year,
        sector_id: learning.sector_id,
        intervention_type_id: learning.intervention_type_id,
        cycle_stage_id: learning.cycle_stage_id,
        criterion_id: learning.criterion_id,
        source_url: learning.source_url.clone(),
        language: learning.language.clone(),
        theme_ids,
        country_ids,
    })
}

/// Moves a learning to another workflow state, noting the change for search and the step
/// in its review history.
pub async fn set_status(
    db: &impl ConnectionTrait,
    learning: learnings::Model,
    status: LearningStatus,
    actor_id: Option<i32>,
    action: &str,
    comment: &str,
    now: OffsetDateTime,
) -> Result<learnings::Model, DbErr> {
    let first_publication = status == LearningStatus::Published && learning.published_at.is_none();
    let id = learning.id;
    let mut model: learnings::ActiveModel = learning.into();
    model.status = Set(status);
    if first_publication {
        model.published_at = Set(Some(now));
    }
    model.updated_at = Set(now);
    let saved = model.update(db).await?;
    record_review(db, id, actor_id, action, comment, now).await?;
    change::record(db, &[Item::Learning(id)]).await?;
    Ok(saved)
}

pub async fn record_review(
    db: &impl ConnectionTrait,
    learning_id: i32,
    user_id: Option<i32>,
    action: &str,
    comment: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    learning_reviews::ActiveModel {
        learning_id: Set(learning_id),
        user_id: Set(user_id),
        action: Set(action.to_string()),
        comment: Set(comment.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
