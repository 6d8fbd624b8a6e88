//! Admins' actions: each changes state and writes its log row in one transaction, and is
//! called alike by the pages, the command line and the tests. The caller has checked that the
//! actor is an admin.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr};

use super::service::{self, NewForum};
use crate::{
    db::{self, now},
    entities::{forums, taxonomy_terms, themes, users},
    forums::log::{self, Entry},
    refusal::Refusal,
    taxonomy::{
        translations::{self, TermLabels, ThemeTexts},
        vocabularies::{self, NewTerm},
    },
    web::forms::FieldProblem,
};

/// A new theme's slug and its names in English, French and Spanish (the last two may be
/// empty: English is shown in their place).
pub struct ThemeNames<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub name_fr: &'a str,
    pub name_es: &'a str,
}

pub async fn create_theme(
    db: &DatabaseConnection,
    actor: &users::Model,
    names: ThemeNames<'_>,
) -> Result<themes::Model, Refusal<FieldProblem>> {
    let txn = db::begin_write(db).await?;
    let theme = service::create_theme(&txn, names.slug, names.name).await?;
    let theme = service::translate_theme(&txn, theme, names.name_fr, names.name_es).await?;
    let entry = Entry {
        actor_id: actor.id,
        forum_id: None,
        action: "create_theme",
        target_type: "theme",
        target_id: theme.id,
        reason: Some(&theme.slug),
    };
    log::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(theme)
}

/// Changes a theme's French and Spanish names and its descriptions; `false` when they already
/// were these (nothing is logged then). A change of name reaches the search index through its
/// change log, in the same transaction.
pub async fn translate_theme(
    db: &DatabaseConnection,
    actor: &users::Model,
    theme: &themes::Model,
    texts: &ThemeTexts,
) -> Result<bool, DbErr> {
    let txn = db::begin_write(db).await?;
    let changed = translations::set_theme_texts(&txn, theme, texts).await?;
    if changed {
        let entry = Entry {
            actor_id: actor.id,
            forum_id: None,
            action: "translate_theme",
            target_type: "theme",
            target_id: theme.id,
            reason: Some(&theme.slug),
        };
        log::record(&txn, entry).await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Changes a vocabulary term's French and Spanish labels; `false` when they already were these
/// (nothing is logged then). Every learning and product tagged with the term is reindexed
/// through the search change log, in the same transaction.
pub async fn translate_term(
    db: &DatabaseConnection,
    actor: &users::Model,
    term: &taxonomy_terms::Model,
    labels: &TermLabels,
) -> Result<bool, DbErr> {
    let txn = db::begin_write(db).await?;
    let changed = translations::set_term_labels(&txn, term, labels).await?;
    if changed {
        let name = term_name(term);
        let entry = Entry {
            actor_id: actor.id,
            forum_id: None,
            action: "translate_term",
            target_type: "term",
            target_id: term.id,
            reason: Some(&name),
        };
        log::record(&txn, entry).await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Adds a term to a vocabulary (its fields checked by `TermForm::validate`), logged.
pub async fn add_term(
    db: &DatabaseConnection,
    actor: &users::Model,
    term: NewTerm,
) -> Result<taxonomy_terms::Model, DbErr> {
    let txn = db::begin_write(db).await?;
    let term = vocabularies::insert_term(&txn, term).await?;
    let name = term_name(&term);
    let entry = Entry {
        actor_id: actor.id,
        forum_id: None,
        action: "add_term",
        target_type: "term",
        target_id: term.id,
        reason: Some(&name),
    };
    log::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(term)
}

/// How the log names a term: `vocabulary/code`, as imports and URLs do.
fn term_name(term: &taxonomy_terms::Model) -> String {
    format!("{}/{}", term.vocabulary, term.code)
}

pub async fn create_forum(
    db: &DatabaseConnection,
    actor: &users::Model,
    new: NewForum<'_>,
) -> Result<forums::Model, Refusal<FieldProblem>> {
    let txn = db::begin_write(db).await?;
    let forum = service::create_forum(&txn, new).await?;
    log::record(&txn, forum_entry(actor, &forum, "create_forum", None)).await?;
    txn.commit().await?;
    Ok(forum)
}

/// Changes the language a forum is held in (the default of its invitations from now on);
/// `false` when it already was that language (nothing is logged then).
pub async fn set_forum_language(
    db: &DatabaseConnection,
    actor: &users::Model,
    forum: &forums::Model,
    raw: &str,
) -> Result<bool, Refusal<FieldProblem>> {
    let txn = db::begin_write(db).await?;
    let changed = service::set_forum_language(&txn, forum, raw).await?;
    if changed {
        let language = templates::i18n::known(raw);
        log::record(&txn, forum_entry(actor, forum, "forum_language", language)).await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Archives a forum (read-only for everyone) or opens it again.
pub async fn set_archived(
    db: &DatabaseConnection,
    actor: &users::Model,
    forum: &forums::Model,
    archive: bool,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    let mut active: forums::ActiveModel = forum.clone().into();
    active.archived_at = Set(archive.then(now));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    let action = if archive { "archive" } else { "unarchive" };
    log::record(&txn, forum_entry(actor, forum, action, None)).await?;
    txn.commit().await
}

fn forum_entry<'a>(
    actor: &users::Model,
    forum: &forums::Model,
    action: &'static str,
    reason: Option<&'a str>,
) -> Entry<'a> {
    Entry {
        actor_id: actor.id,
        forum_id: Some(forum.id),
        action,
        target_type: "forum",
        target_id: forum.id,
        reason,
    }
}
