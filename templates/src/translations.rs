//! The admin's forms for translations edited after creation: a vocabulary term's French and
//! Spanish labels, a theme's French and Spanish names and its descriptions.

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{FormErrors, TextField, csrf_field, error_summary, field_error, text_field},
    i18n::{t, tf},
    layout, paths,
};

/// A term and its translations (as stored, or as typed when they were refused).
pub struct TermView {
    pub vocabulary: String,
    /// The vocabulary's name in the page's language.
    pub vocabulary_label: String,
    pub code: String,
    pub label: String,
    pub label_fr: String,
    pub label_es: String,
}

/// The limits are the services' (`fora::taxonomy::translations`); the server checks them again.
const LABEL_MAX: usize = 120;
const NAME_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 2_000;

/// A one-line translation field.
fn translation(
    ctx: &Ctx,
    errors: &FormErrors,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Markup {
    text_field(
        ctx,
        errors,
        &TextField {
            field,
            label,
            value,
            kind: "text",
            max,
            autocomplete: None,
            hint: None,
        },
    )
}

pub fn term_page(ctx: &Ctx, view: &TermView, errors: &FormErrors, notice: Option<&str>) -> Markup {
    let lang = ctx.lang;
    let title = tf(lang, "translation.term_title", &[("label", &view.label)]);
    layout::page(
        ctx,
        &title,
        html! {
            p.crumbs { a href=(paths::ADMIN_VOCABULARIES) { (t(lang, "translation.back_vocabularies")) } }
            h1 { (title) }
            (crate::components::notice(ctx, notice))
            p { (t(lang, "translation.term_intro")) }
            dl {
                dt { (t(lang, "learning.vocabulary")) } dd { (view.vocabulary_label) }
                dt { (t(lang, "learning.code")) } dd { code { (view.code) } }
                dt { (t(lang, "translation.english")) } dd lang="en" { (view.label) }
            }
            (error_summary(ctx, errors))
            form method="post" action=(paths::admin_term(&view.vocabulary, &view.code)) {
                (csrf_field(ctx))
                (translation(ctx, errors, "label_fr", &t(lang, "learning.label_fr"), &view.label_fr, LABEL_MAX))
                (translation(ctx, errors, "label_es", &t(lang, "learning.label_es"), &view.label_es, LABEL_MAX))
                button type="submit" { (t(lang, "common.save")) }
            }
        },
    )
}

/// A theme and its texts (as stored, or as typed when they were refused).
pub struct ThemeView {
    pub slug: String,
    pub name: String,
    pub name_fr: String,
    pub name_es: String,
    pub description: String,
    pub description_fr: String,
    pub description_es: String,
}

/// A description: plain text in paragraphs, with its hint and error read with it.
fn description(ctx: &Ctx, errors: &FormErrors, field: &str, label: &str, value: &str) -> Markup {
    let invalid = errors.get(field).is_some();
    let described = if invalid {
        format!("{field}-hint {field}-error")
    } else {
        format!("{field}-hint")
    };
    html! {
        div.field {
            label for=(field) { (label) }
            (field_error(ctx, errors, field))
            textarea id=(field) name=(field) rows="5" maxlength=(DESCRIPTION_MAX)
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=(described) { (value) }
            p.hint id={ (field) "-hint" } { (t(ctx.lang, "translation.description_hint")) }
        }
    }
}

pub fn theme_page(
    ctx: &Ctx,
    view: &ThemeView,
    errors: &FormErrors,
    notice: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    let title = tf(lang, "translation.theme_title", &[("name", &view.name)]);
    layout::page(
        ctx,
        &title,
        html! {
            p.crumbs { a href=(paths::ADMIN) { (t(lang, "translation.back_admin")) } }
            h1 { (title) }
            (crate::components::notice(ctx, notice))
            p { (t(lang, "translation.theme_intro")) }
            dl {
                dt { (t(lang, "admin.slug")) } dd { code { (view.slug) } }
                dt { (t(lang, "translation.english")) } dd lang="en" { (view.name) }
            }
            (error_summary(ctx, errors))
            form method="post" action=(paths::admin_theme(&view.slug)) {
                (csrf_field(ctx))
                (translation(ctx, errors, "name_fr", &t(lang, "admin.theme_name_fr"), &view.name_fr, NAME_MAX))
                (translation(ctx, errors, "name_es", &t(lang, "admin.theme_name_es"), &view.name_es, NAME_MAX))
                (description(ctx, errors, "description", &t(lang, "translation.description"), &view.description))
                (description(ctx, errors, "description_fr", &t(lang, "translation.description_fr"), &view.description_fr))
                (description(ctx, errors, "description_es", &t(lang, "translation.description_es"), &view.description_es))
                button type="submit" { (t(lang, "common.save")) }
            }
        },
    )
}
