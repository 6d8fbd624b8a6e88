use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, Statement,
};
use serde::Deserialize;
use templates::{
    admin as views,
    components::FormErrors,
    confirm::Confirmation,
    i18n::{t, tf},
};

use super::service::{self, NewForum};
use crate::{
    accounts,
    db::{self, now},
    entities::{forums, themes, users},
    forums::log::{self, Entry},
    refusal::Refusal,
    taxonomy::{Theme, Translated, labels::sort_by_name},
    web::{
        AdminUser, AppError, AppResult, AppState, confirm::ConfirmForm, flash, forms::Form, html,
    },
};

#[derive(FromQueryResult)]
struct ForumRow {
    slug: String,
    title: String,
    theme_name: String,
    theme_name_fr: String,
    theme_name_es: String,
    moderation_mode: String,
    language: String,
    archived_at: Option<time::OffsetDateTime>,
}

#[derive(FromQueryResult)]
struct ModeratorRow {
    slug: String,
    display_name: String,
}

async fn home_view(
    lang: &str,
    db: &impl ConnectionTrait,
    theme_form: views::ThemeForm,
    forum_form: views::ForumForm,
    notice: Option<&'static str>,
) -> AppResult<views::AdminHomeView> {
    home_view_with(lang, db, theme_form, forum_form, notice, None).await
}

/// The admin's home, themes named and sorted in the admin's language.
async fn home_view_with(
    lang: &str,
    db: &impl ConnectionTrait,
    theme_form: views::ThemeForm,
    forum_form: views::ForumForm,
    notice: Option<&'static str>,
    language_error: Option<(String, &'static str)>,
) -> AppResult<views::AdminHomeView> {
    let themes = themes::Entity::find()
        .order_by_asc(themes::Column::Name)
        .all(db)
        .await?;
    let forums = ForumRow::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT f.slug, f.title, th.name AS theme_name, th.name_fr AS theme_name_fr,
                th.name_es AS theme_name_es, f.moderation_mode, f.language, f.archived_at
         FROM forums f JOIN themes th ON th.id = f.theme_id ORDER BY th.name, f.title",
    ))
    .all(db)
    .await?;
    let moderators = ModeratorRow::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT f.slug, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id JOIN forums f ON f.id = m.forum_id
         WHERE m.role = 'moderator' ORDER BY u.display_name",
    ))
    .all(db)
    .await?;
    let mut themes: Vec<(String, String)> = themes
        .into_iter()
        .map(Theme::from)
        .map(|t| (t.slug.clone(), t.name(lang).to_string()))
        .collect();
    sort_by_name(&mut themes, |(_, name)| name);
    Ok(views::AdminHomeView {
        themes,
        forums: forums
            .into_iter()
            .map(|f| views::AdminForumRow {
                moderators: moderators
                    .iter()
                    .filter(|m| m.slug == f.slug)
                    .map(|m| m.display_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                slug: f.slug,
                title: f.title,
                theme_name: Translated::new(f.theme_name, f.theme_name_fr, f.theme_name_es)
                    .get(lang)
                    .to_string(),
                moderation_mode: f.moderation_mode,
                language: f.language,
                archived: f.archived_at.is_some(),
            })
            .collect(),
        theme_form,
        forum_form,
        notice,
        language_error,
    })
}

pub async fn show_admin(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> AppResult<Response> {
    let notice = flash::take(&admin.session).await;
    let view = home_view(
        admin.lang,
        &state.db,
        Default::default(),
        Default::default(),
        notice,
    )
    .await?;
    Ok(html(
        StatusCode::OK,
        views::home(
            &admin.ctx(),
            &view,
            &FormErrors::default(),
            &FormErrors::default(),
        ),
    ))
}

#[derive(Deserialize)]
pub struct ThemeForm {
    #[serde(default)]
    theme_slug: String,
    #[serde(default)]
    theme_name: String,
    #[serde(default)]
    theme_name_fr: String,
    #[serde(default)]
    theme_name_es: String,
}

pub async fn create_theme(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Form(form): Form<ThemeForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&state.db).await?;
    let created = match service::create_theme(&txn, &form.theme_slug, &form.theme_name).await {
        Ok(theme) => {
            service::translate_theme(&txn, theme, &form.theme_name_fr, &form.theme_name_es).await
        }
        Err(refusal) => Err(refusal),
    };
    match created {
        Ok(theme) => {
            log::record(
                &txn,
                Entry {
                    actor_id: admin.user.id,
                    forum_id: None,
                    action: "create_theme",
                    target_type: "theme",
                    target_id: theme.id,
                    reason: Some(&theme.slug),
                },
            )
            .await?;
            txn.commit().await?;
            flash::set(&admin.session, "admin.created").await;
            Ok(Redirect::to("/admin").into_response())
        }
        Err(Refusal::Db(err)) => Err(err.into()),
        Err(Refusal::Refused(problem)) => {
            txn.rollback().await?;
            let errors = FormErrors::from(problem);
            let theme_form = views::ThemeForm {
                slug: form.theme_slug,
                name: form.theme_name,
                name_fr: form.theme_name_fr,
                name_es: form.theme_name_es,
            };
            let view =
                home_view(admin.lang, &state.db, theme_form, Default::default(), None).await?;
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::home(&admin.ctx(), &view, &errors, &FormErrors::default()),
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct ForumForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    expected_outcome: String,
    #[serde(default)]
    moderation: String,
    #[serde(default)]
    language: String,
}

pub async fn create_forum(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Form(form): Form<ForumForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&state.db).await?;
    let created = service::create_forum(
        &txn,
        NewForum {
            slug: &form.slug,
            title: &form.title,
            theme_slug: &form.theme,
            purpose: &form.purpose,
            expected_outcome: &form.expected_outcome,
            moderation: &form.moderation,
            language: &form.language,
        },
    )
    .await;
    match created {
        Ok(forum) => {
            log::record(
                &txn,
                Entry {
                    actor_id: admin.user.id,
                    forum_id: Some(forum.id),
                    action: "create_forum",
                    target_type: "forum",
                    target_id: forum.id,
                    reason: None,
                },
            )
            .await?;
            txn.commit().await?;
            Ok(Redirect::to(&format!("/forums/{}/members", forum.slug)).into_response())
        }
        Err(Refusal::Db(err)) => Err(err.into()),
        Err(Refusal::Refused(problem)) => {
            txn.rollback().await?;
            let errors = FormErrors::from(problem);
            let forum_form = views::ForumForm {
                slug: form.slug,
                title: form.title,
                theme: form.theme,
                purpose: form.purpose,
                expected_outcome: form.expected_outcome,
                moderation: form.moderation,
                language: form.language,
            };
            let view =
                home_view(admin.lang, &state.db, Default::default(), forum_form, None).await?;
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::home(&admin.ctx(), &view, &FormErrors::default(), &errors),
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    language: String,
}

/// Changes the language a forum is held in (the default of its invitations from now on).
pub async fn forum_language(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(slug): Path<String>,
    Form(form): Form<LanguageForm>,
) -> AppResult<Response> {
    let forum = forums::Entity::find()
        .filter(forums::Column::Slug.eq(&slug))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = db::begin_write(&state.db).await?;
    match service::set_forum_language(&txn, &forum, &form.language).await {
        Ok(changed) => {
            if changed {
                log::record(
                    &txn,
                    Entry {
                        actor_id: admin.user.id,
                        forum_id: Some(forum.id),
                        action: "forum_language",
                        target_type: "forum",
                        target_id: forum.id,
                        reason: templates::i18n::known(&form.language),
                    },
                )
                .await?;
            }
            txn.commit().await?;
            flash::set(&admin.session, "notice.saved").await;
            Ok(Redirect::to("/admin").into_response())
        }
        Err(Refusal::Db(err)) => Err(err.into()),
        Err(Refusal::Refused(problem)) => {
            txn.rollback().await?;
            let view = home_view_with(
                admin.lang,
                &state.db,
                Default::default(),
                Default::default(),
                None,
                Some((forum.slug, problem.key)),
            )
            .await?;
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::home(
                    &admin.ctx(),
                    &view,
                    &FormErrors::default(),
                    &FormErrors::default(),
                ),
            ))
        }
    }
}

pub async fn archive_forum(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path((slug, action)): Path<(String, String)>,
    Form(confirm): Form<ConfirmForm>,
) -> AppResult<Response> {
    let archive = match action.as_str() {
        "archive" => true,
        "unarchive" => false,
        _ => return Err(AppError::NotFound),
    };
    let forum = forums::Entity::find()
        .filter(forums::Column::Slug.eq(&slug))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if archive && !confirm.given() {
        let lang = admin.lang;
        return Ok(html(
            StatusCode::OK,
            templates::confirm::page(
                &admin.ctx(),
                &Confirmation {
                    question: &tf(lang, "admin.archive_question", &[("forum", &forum.title)]),
                    consequence: &t(lang, "admin.archive_consequence"),
                    action: &format!("/admin/forums/{}/archive", forum.slug),
                    button: &t(lang, "admin.archive_confirm"),
                    cancel_href: "/admin",
                },
            ),
        ));
    }
    let txn = db::begin_write(&state.db).await?;
    let mut active: forums::ActiveModel = forum.clone().into();
    active.archived_at = Set(archive.then(now));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    log::record(
        &txn,
        Entry {
            actor_id: admin.user.id,
            forum_id: Some(forum.id),
            action: if archive { "archive" } else { "unarchive" },
            target_type: "forum",
            target_id: forum.id,
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin").into_response())
}

#[derive(FromQueryResult)]
struct MembershipRow {
    user_id: i32,
    slug: String,
    role: String,
}

pub async fn list_users(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> AppResult<Response> {
    let users = users::Entity::find()
        .order_by_asc(users::Column::Email)
        .all(&state.db)
        .await?;
    let memberships = MembershipRow::find_by_statement(Statement::from_string(
        state.db.get_database_backend(),
        "SELECT m.user_id, f.slug, m.role FROM memberships m JOIN forums f ON f.id = m.forum_id ORDER BY f.slug",
    ))
    .all(&state.db)
    .await?;
    let rows: Vec<views::UserRow> = users
        .into_iter()
        .map(|u| views::UserRow {
            id: u.id,
            memberships: memberships
                .iter()
                .filter(|m| m.user_id == u.id)
                .map(|m| (m.slug.clone(), m.role.clone()))
                .collect(),
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            disabled: u.disabled_at.is_some(),
        })
        .collect();
    Ok(html(StatusCode::OK, views::users(&admin.ctx(), &rows)))
}

/// Disabling ends the user's sessions at once (generation bump + rows deleted).
pub async fn switch_user(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path((user_id, action)): Path<(i32, String)>,
    Form(confirm): Form<ConfirmForm>,
) -> AppResult<Response> {
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(AppError::NotFound),
    };
    if disable && user_id == admin.user.id {
        return Err(AppError::BadRequest("admin.cannot_disable_self"));
    }
    let user = users::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if disable && !confirm.given() {
        let lang = admin.lang;
        let who = format!("{} <{}>", user.display_name, user.email);
        return Ok(html(
            StatusCode::OK,
            templates::confirm::page(
                &admin.ctx(),
                &Confirmation {
                    question: &tf(lang, "admin.disable_question", &[("user", &who)]),
                    consequence: &t(lang, "admin.disable_consequence"),
                    action: &format!("/admin/users/{}/disable", user.id),
                    button: &t(lang, "admin.disable_confirm"),
                    cancel_href: "/admin/users",
                },
            ),
        ));
    }
    let txn = db::begin_write(&state.db).await?;
    let mut active: users::ActiveModel = user.clone().into();
    active.disabled_at = Set(disable.then(now));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    if disable {
        accounts::service::bump_generation(&txn, user.id).await?;
    }
    log::record(
        &txn,
        Entry {
            actor_id: admin.user.id,
            forum_id: None,
            action: if disable {
                "disable_user"
            } else {
                "enable_user"
            },
            target_type: "user",
            target_id: user.id,
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    if disable {
        state.sessions.delete_for_user(user.id, None).await?;
    }
    Ok(Redirect::to("/admin/users").into_response())
}
