use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use templates::{
    admin as views,
    components::FormErrors,
    confirm::Confirmation,
    i18n::{t, tf},
};

use super::{actions, queries, service::NewForum};
use crate::{
    forums::queries as forum_queries,
    refusal::Refusal,
    taxonomy::{Theme, Translated, labels::sort_by_name},
    web::{
        AdminUser, AppError, AppResult, AppState, confirm::ConfirmForm, flash, forms::Form, html,
        paths,
    },
};

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
    let themes = queries::themes(db).await?;
    let forums = queries::forums(db).await?;
    let moderators = queries::moderators(db).await?;
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
    let names = actions::ThemeNames {
        slug: &form.theme_slug,
        name: &form.theme_name,
        name_fr: &form.theme_name_fr,
        name_es: &form.theme_name_es,
    };
    match actions::create_theme(&state.db, &admin.user, names).await {
        Ok(_) => {
            flash::set(&admin.session, "admin.created").await;
            Ok(Redirect::to(paths::ADMIN).into_response())
        }
        Err(Refusal::Db(err)) => Err(err.into()),
        Err(Refusal::Refused(problem)) => {
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
    let created = actions::create_forum(
        &state.db,
        &admin.user,
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
        Ok(forum) => Ok(Redirect::to(&paths::forum_members(&forum.slug)).into_response()),
        Err(Refusal::Db(err)) => Err(err.into()),
        Err(Refusal::Refused(problem)) => {
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
    let forum = forum_queries::forum_with_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    match actions::set_forum_language(&state.db, &admin.user, &forum, &form.language).await {
        Ok(_) => {
            flash::set(&admin.session, "notice.saved").await;
            Ok(Redirect::to(paths::ADMIN).into_response())
        }
        Err(Refusal::Db(err)) => Err(err.into()),
        Err(Refusal::Refused(problem)) => {
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
    let forum = forum_queries::forum_with_slug(&state.db, &slug)
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
                    action: &paths::admin_forum_action(&forum.slug, "archive"),
                    button: &t(lang, "admin.archive_confirm"),
                    cancel_href: paths::ADMIN,
                },
            ),
        ));
    }
    actions::set_archived(&state.db, &admin.user, &forum, archive).await?;
    Ok(Redirect::to(paths::ADMIN).into_response())
}
