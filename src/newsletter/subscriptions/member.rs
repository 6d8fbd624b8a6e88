//! A member's newsletter choices on the profile: subscribing needs no confirmation (the
//! account's address is verified), and an anonymous subscription of the same address becomes
//! theirs rather than a second row.

use sea_orm::{DatabaseConnection, DbErr};
use templates::{components::FormErrors, newsletter::ProfileNewsletter};

use super::{form::Submitted, service, theme_choices};
use crate::{
    db::{begin_write, now},
    entities::states::{Frequency, SubscriberStatus},
    entities::users,
    refusal::Refusal,
};

/// The profile's newsletter section as it stands.
pub async fn profile_view(
    db: &DatabaseConnection,
    user: &users::Model,
) -> Result<ProfileNewsletter, DbErr> {
    let themes = service::all_themes(db).await?;
    let row = service::find_for_member(db, user).await?;
    let (subscribed, checked, frequency) = match &row {
        Some(row) if row.status == SubscriberStatus::Active => (
            true,
            service::theme_ids(db, row.id).await?,
            row.frequency.as_str().to_string(),
        ),
        _ => (false, Vec::new(), Frequency::Weekly.as_str().to_string()),
    };
    Ok(ProfileNewsletter {
        subscribed,
        themes: theme_choices(&user.locale, &themes, &checked),
        frequency,
    })
}

/// Applies the profile's newsletter form (`action` = `save` or `unsubscribe`). Bad choices
/// come back as the section to show again, with what was ticked, and its errors.
pub async fn apply(
    db: &DatabaseConnection,
    user: &users::Model,
    pairs: Vec<(String, String)>,
) -> Result<(), Refusal<(ProfileNewsletter, FormErrors)>> {
    let unsubscribing = pairs
        .iter()
        .any(|(name, value)| name == "action" && value == "unsubscribe");
    if unsubscribing {
        let txn = begin_write(db).await?;
        if let Some(row) = service::find_for_member(&txn, user).await? {
            service::unsubscribe(&txn, row.id, now()).await?;
        }
        txn.commit().await?;
        return Ok(());
    }
    let submitted = Submitted::from_pairs(pairs);
    let themes = service::all_themes(db).await?;
    let choices = match submitted.member_choices(&themes) {
        Ok(choices) => choices,
        Err(errors) => {
            let mut view = profile_view(db, user).await?;
            view.themes = theme_choices(&user.locale, &themes, &submitted.checked(&themes));
            view.frequency = submitted.frequency.clone();
            return Err(Refusal::Refused((view, errors)));
        }
    };
    let txn = begin_write(db).await?;
    service::subscribe_member(&txn, user, &choices, now()).await?;
    txn.commit().await?;
    Ok(())
}
