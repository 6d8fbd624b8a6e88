//! Themes and forums: creation rules shared by the admin pages and the command line.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::{
    db::now,
    entities::{forums, states::ModerationMode, themes},
    refusal::Refusal,
    web::forms::{self, FieldProblem},
};

pub fn valid_slug(slug: &str) -> bool {
    let len = slug.len();
    (2..=64).contains(&len)
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

pub async fn create_theme(
    db: &impl ConnectionTrait,
    slug: &str,
    name: &str,
) -> Result<themes::Model, Refusal<FieldProblem>> {
    let slug = slug.trim().to_lowercase();
    if !valid_slug(&slug) {
        return Err(forms::refused("theme_slug", "form.bad_slug"));
    }
    let name = match forms::single_line(name, forms::TITLE_MAX) {
        Ok(name) => name,
        Err(key) => return Err(forms::refused("theme_name", key)),
    };
    if themes::Entity::find()
        .filter(themes::Column::Slug.eq(&slug))
        .one(db)
        .await?
        .is_some()
    {
        return Err(forms::refused("theme_slug", "form.slug_taken"));
    }
    let theme = themes::ActiveModel {
        slug: Set(slug),
        name: Set(name),
        description: Set(String::new()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(theme)
}

/// Sets a theme's French and Spanish names (either may be empty: the English one is shown in
/// its place). A name that is not a single line of at most `TITLE_MAX` characters is refused
/// and names its field (`theme_name_fr`, `theme_name_es`).
pub async fn translate_theme(
    db: &impl ConnectionTrait,
    theme: themes::Model,
    name_fr: &str,
    name_es: &str,
) -> Result<themes::Model, Refusal<FieldProblem>> {
    let translation = |field: &'static str, text: &str| {
        if text.trim().is_empty() {
            return Ok(String::new());
        }
        forms::single_line(text, forms::TITLE_MAX).map_err(|key| forms::refused(field, key))
    };
    let name_fr = translation("theme_name_fr", name_fr)?;
    let name_es = translation("theme_name_es", name_es)?;
    let mut theme: themes::ActiveModel = theme.into();
    theme.name_fr = Set(name_fr);
    theme.name_es = Set(name_es);
    Ok(theme.update(db).await?)
}

pub struct NewForum<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub theme_slug: &'a str,
    pub purpose: &'a str,
    pub expected_outcome: &'a str,
    pub moderation: &'a str,
    /// `en`, `fr` or `es`; empty means English.
    pub language: &'a str,
}

/// A forum language as a form or the command line gives it: empty means English, anything
/// but `en`, `fr` or `es` is refused.
pub fn forum_language(raw: &str) -> Result<&'static str, Refusal<FieldProblem>> {
    if raw.trim().is_empty() {
        return Ok("en");
    }
    templates::i18n::known(raw).ok_or_else(|| forms::refused("language", "form.bad_language"))
}

/// Changes the language of a forum; `false` when it already was that language.
pub async fn set_forum_language(
    db: &impl ConnectionTrait,
    forum: &forums::Model,
    raw: &str,
) -> Result<bool, Refusal<FieldProblem>> {
    let language = forum_language(raw)?;
    if forum.language == language {
        return Ok(false);
    }
    let mut active: forums::ActiveModel = forum.clone().into();
    active.language = Set(language.to_owned());
    active.updated_at = Set(now());
    active.update(db).await?;
    Ok(true)
}

pub async fn create_forum(
    db: &impl ConnectionTrait,
    new: NewForum<'_>,
) -> Result<forums::Model, Refusal<FieldProblem>> {
    let slug = new.slug.trim().to_lowercase();
    if !valid_slug(&slug) {
        return Err(forms::refused("slug", "form.bad_slug"));
    }
    let title = match forms::single_line(new.title, forms::TITLE_MAX) {
        Ok(title) => title,
        Err(key) => return Err(forms::refused("title", key)),
    };
    let moderation = match new.moderation.trim() {
        "" | "post" => ModerationMode::Post,
        "pre" => ModerationMode::Pre,
        _ => return Err(forms::refused("moderation", "error.bad_form")),
    };
    let language = forum_language(new.language)?;
    let Some(theme) = themes::Entity::find()
        .filter(themes::Column::Slug.eq(new.theme_slug.trim()))
        .one(db)
        .await?
    else {
        return Err(forms::refused("theme", "form.unknown_theme"));
    };
    if forums::Entity::find()
        .filter(forums::Column::Slug.eq(&slug))
        .one(db)
        .await?
        .is_some()
    {
        return Err(forms::refused("slug", "form.slug_taken"));
    }
    let long_text = |text: &str| {
        forms::strip_controls(text)
            .trim()
            .chars()
            .take(5_000)
            .collect::<String>()
    };
    let now = now();
    let forum = forums::ActiveModel {
        slug: Set(slug),
        theme_id: Set(theme.id),
        title: Set(title),
        purpose: Set(long_text(new.purpose)),
        expected_outcome: Set(long_text(new.expected_outcome)),
        moderation_mode: Set(moderation),
        language: Set(language.to_owned()),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(forum)
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert!(super::valid_slug("child-domestic-work"));
        assert!(!super::valid_slug("-x"));
        assert!(!super::valid_slug("Agri"));
        assert!(!super::valid_slug("a"));
        assert!(!super::valid_slug("a b"));
    }
}
