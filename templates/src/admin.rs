//! Knowledge managers' pages: themes, forums, users.

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{
        FormErrors, TextField, csrf_field, error_summary, item_name, language_select, notice,
        text_field, text_input,
    },
    i18n::{t, tf},
    layout, paths,
};

pub struct AdminForumRow {
    pub slug: String,
    pub title: String,
    pub theme_name: String,
    pub moderation_mode: String,
    /// `en`, `fr` or `es`.
    pub language: String,
    pub archived: bool,
    pub moderators: String,
}

#[derive(Default)]
pub struct ThemeForm {
    pub slug: String,
    pub name: String,
    pub name_fr: String,
    pub name_es: String,
}

#[derive(Default)]
pub struct ForumForm {
    pub slug: String,
    pub title: String,
    pub theme: String,
    pub purpose: String,
    pub expected_outcome: String,
    pub moderation: String,
    pub language: String,
}

pub struct AdminHomeView {
    pub themes: Vec<(String, String)>,
    pub forums: Vec<AdminForumRow>,
    pub theme_form: ThemeForm,
    pub forum_form: ForumForm,
    pub notice: Option<&'static str>,
    /// A forum language change that was refused: the forum's slug and the message key.
    pub language_error: Option<(String, &'static str)>,
}

pub fn home(
    ctx: &Ctx,
    view: &AdminHomeView,
    theme_errors: &FormErrors,
    forum_errors: &FormErrors,
) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "admin.title"),
        html! {
            h1 { (t(lang, "admin.title")) }
            (notice(ctx, view.notice))
            @if let Some((slug, key)) = &view.language_error {
                div.errors role="alert" tabindex="-1" {
                    h2 { (t(lang, "form.has_errors")) }
                    ul { li { a href={ "#language-" (slug) } { (t(lang, key)) } } }
                }
            }
            p.actions { a href=(paths::ADMIN_USERS) { (t(lang, "admin.users")) } a href=(paths::ADMIN_LOG) { (t(lang, "log.title")) } a href=(paths::ADMIN_IMPORT) { (t(lang, "import.title")) } a href=(paths::ADMIN_VOCABULARIES) { (t(lang, "learning.vocabularies")) } a href=(paths::ADMIN_NEWSLETTER) { (t(lang, "edition.admin_title")) } }
            section aria-labelledby="forums-h" {
                h2 #forums-h { (t(lang, "admin.forums")) }
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "thread.title")) }
                        th scope="col" { (t(lang, "admin.theme")) }
                        th scope="col" { (t(lang, "admin.moderation")) }
                        th scope="col" { (t(lang, "admin.language")) }
                        th scope="col" { (t(lang, "admin.moderators")) }
                        th scope="col" { span.visually-hidden { (t(lang, "common.actions")) } }
                    } }
                    tbody {
                        @for forum in &view.forums {
                            tr {
                                td { a href=(paths::forum(&forum.slug)) { (forum.title) } @if forum.archived { " (" (t(lang, "forum.archived")) ")" } }
                                td data-label=(t(lang, "admin.theme")) { (forum.theme_name) }
                                td data-label=(t(lang, "admin.moderation")) { (t(lang, &format!("admin.mode_{}", forum.moderation_mode))) }
                                td data-label=(t(lang, "admin.language")) {
                                    @let field = format!("language-{}", forum.slug);
                                    @let error = view.language_error.as_ref().filter(|(slug, _)| *slug == forum.slug).map(|(_, key)| *key);
                                    form.inline method="post" action=(paths::admin_forum_action(&forum.slug, "language")) {
                                        (csrf_field(ctx))
                                        label.visually-hidden for=(field) { (tf(lang, "admin.language_of", &[("forum", &forum.title)])) }
                                        @if let Some(key) = error {
                                            p.field-error id={ (field) "-error" } { (t(lang, key)) }
                                        }
                                        select id=(field) name="language"
                                            aria-invalid=[error.map(|_| "true")]
                                            aria-describedby=[error.map(|_| format!("{field}-error"))] {
                                            @for code in crate::i18n::SUPPORTED {
                                                option value=(code) lang=(code) selected[*code == forum.language] {
                                                    (crate::i18n::autonym(code))
                                                }
                                            }
                                        }
                                        " "
                                        button.secondary type="submit" { (t(lang, "admin.save_language")) (item_name(&forum.title)) }
                                    }
                                }
                                td data-label=(t(lang, "admin.moderators")) { (forum.moderators) " " a href=(paths::forum_members(&forum.slug)) { (t(lang, "admin.name_moderators")) } }
                                td {
                                    form.inline method="post" action=(paths::admin_forum_action(&forum.slug, if forum.archived { "unarchive" } else { "archive" })) {
                                        (csrf_field(ctx))
                                        button.secondary type="submit" { (t(lang, if forum.archived { "admin.unarchive" } else { "admin.archive" })) (item_name(&forum.title)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="new-forum-h" {
                h2 #new-forum-h { (t(lang, "admin.new_forum")) }
                (error_summary(ctx, forum_errors))
                @if view.themes.is_empty() {
                    p { (t(lang, "admin.theme_first")) }
                } @else {
                    form method="post" action=(paths::ADMIN_FORUMS) {
                        (csrf_field(ctx))
                        (text_field(ctx, forum_errors, &TextField {
                            field: "slug",
                            label: &t(lang, "admin.slug"),
                            value: &view.forum_form.slug,
                            kind: "text",
                            max: 64,
                            autocomplete: None,
                            hint: Some(&t(lang, "admin.slug_hint")),
                        }))
                        (text_input(ctx, forum_errors, "title", &t(lang, "thread.title"), &view.forum_form.title, "text", 200))
                        div.field {
                            label for="theme" { (t(lang, "admin.theme")) }
                            select id="theme" name="theme" {
                                @for (slug, name) in &view.themes { option value=(slug) selected[*slug == view.forum_form.theme] { (name) } }
                            }
                        }
                        div.field {
                            label for="purpose" { (t(lang, "forum.purpose")) }
                            textarea id="purpose" name="purpose" rows="3" { (view.forum_form.purpose) }
                        }
                        div.field {
                            label for="expected_outcome" { (t(lang, "forum.expected_outcome")) }
                            textarea id="expected_outcome" name="expected_outcome" rows="3" { (view.forum_form.expected_outcome) }
                        }
                        div.field {
                            label for="moderation" { (t(lang, "admin.moderation")) }
                            select id="moderation" name="moderation" {
                                option value="post" selected[view.forum_form.moderation != "pre"] { (t(lang, "admin.mode_post")) }
                                option value="pre" selected[view.forum_form.moderation == "pre"] { (t(lang, "admin.mode_pre")) }
                            }
                        }
                        (language_select(ctx, forum_errors, "language", &t(lang, "admin.forum_language"), if view.forum_form.language.is_empty() { lang } else { &view.forum_form.language }))
                        p.hint { (t(lang, "admin.forum_language_hint")) }
                        button type="submit" { (t(lang, "admin.create_forum")) }
                    }
                }
            }
            section aria-labelledby="themes-h" {
                h2 #themes-h { (t(lang, "admin.themes")) }
                ul { @for (slug, name) in &view.themes { li { (name) " (" code { (slug) } ") " a href=(paths::admin_theme(slug)) { (t(lang, "translation.edit")) (item_name(name)) } } } }
                (error_summary(ctx, theme_errors))
                form method="post" action=(paths::ADMIN_THEMES) {
                    (csrf_field(ctx))
                    (text_input(ctx, theme_errors, "theme_slug", &t(lang, "admin.slug"), &view.theme_form.slug, "text", 64))
                    (text_input(ctx, theme_errors, "theme_name", &t(lang, "admin.theme_name"), &view.theme_form.name, "text", 200))
                    (text_input(ctx, theme_errors, "theme_name_fr", &t(lang, "admin.theme_name_fr"), &view.theme_form.name_fr, "text", 200))
                    (text_input(ctx, theme_errors, "theme_name_es", &t(lang, "admin.theme_name_es"), &view.theme_form.name_es, "text", 200))
                    button type="submit" { (t(lang, "admin.create_theme")) }
                }
            }
        },
    )
}

pub struct UserRow {
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub disabled: bool,
    pub memberships: Vec<(String, String)>,
}

pub fn users(ctx: &Ctx, rows: &[UserRow]) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "admin.users"),
        html! {
            p.crumbs { a href=(paths::ADMIN) { (t(lang, "admin.title")) } }
            h1 { (t(lang, "admin.users")) }
            table {
                thead { tr {
                    th scope="col" { (t(lang, "profile.display_name")) }
                    th scope="col" { (t(lang, "auth.email")) }
                    th scope="col" { (t(lang, "admin.memberships")) }
                    th scope="col" { (t(lang, "admin.status")) }
                    th scope="col" { span.visually-hidden { (t(lang, "common.actions")) } }
                } }
                tbody {
                    @for row in rows {
                        tr id={ "user-" (row.id) } {
                            td { (row.display_name) @if row.is_admin { " (" (t(lang, "admin.admin")) ")" } }
                            td data-label=(t(lang, "auth.email")) { (row.email) }
                            td data-label=(t(lang, "admin.memberships")) {
                                @for (i, (slug, role)) in row.memberships.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    a href=(paths::forum(slug)) { (slug) } " (" (t(lang, &format!("members.role_{role}"))) ")"
                                }
                            }
                            td data-label=(t(lang, "admin.status")) { (t(lang, if row.disabled { "admin.disabled" } else { "admin.active" })) }
                            td {
                                form.inline method="post" action=(paths::admin_user_action(row.id, if row.disabled { "enable" } else { "disable" })) {
                                    (csrf_field(ctx))
                                    button.secondary type="submit" { (t(lang, if row.disabled { "admin.enable" } else { "admin.disable" })) (item_name(&row.display_name)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
