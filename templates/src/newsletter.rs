//! Subscription pages: the subscribe form, confirming, unsubscribing, managing one's themes
//! and frequency by link, and the newsletter section of a member's profile. No script: every
//! step is one plain form.

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{FormErrors, csrf_field, error_summary, field_error, text_input},
    i18n::{t, tf},
    layout, paths,
};

/// One theme offered as a checkbox.
#[derive(Clone, Debug)]
pub struct ThemeChoice {
    pub id: i32,
    pub name: String,
    /// The name's language when it is not the page's (the manage page names themes in the
    /// subscriber's language).
    pub lang: Option<String>,
    pub checked: bool,
}

/// Theme checkboxes and the frequency radios, shared by every form that sets them.
fn choices(ctx: &Ctx, errors: &FormErrors, themes: &[ThemeChoice], frequency: &str) -> Markup {
    let lang = ctx.lang;
    let themes_invalid = errors.get("themes").is_some();
    let frequency_invalid = errors.get("frequency").is_some();
    let weekly = frequency != "monthly";
    html! {
        fieldset.field #themes aria-invalid=[themes_invalid.then_some("true")]
            aria-describedby=[themes_invalid.then_some("themes-error")] {
            legend { (t(lang, "newsletter.themes")) }
            p.hint { (t(lang, "newsletter.themes_hint")) }
            (field_error(ctx, errors, "themes"))
            @for theme in themes {
                div.check {
                    input type="checkbox" name="themes" value=(theme.id) id={ "theme-" (theme.id) }
                        checked[theme.checked];
                    label for={ "theme-" (theme.id) } lang=[theme.lang.as_deref()] { (theme.name) }
                }
            }
        }
        fieldset.field #frequency aria-invalid=[frequency_invalid.then_some("true")]
            aria-describedby=[frequency_invalid.then_some("frequency-error")] {
            legend { (t(lang, "newsletter.frequency")) }
            (field_error(ctx, errors, "frequency"))
            div.check {
                input type="radio" name="frequency" value="weekly" id="frequency-weekly" checked[weekly];
                label for="frequency-weekly" { (t(lang, "newsletter.weekly")) }
            }
            div.check {
                input type="radio" name="frequency" value="monthly" id="frequency-monthly" checked[!weekly];
                label for="frequency-monthly" { (t(lang, "newsletter.monthly")) }
            }
        }
    }
}

/// The language of the newsletter (and of the confirmation mail).
fn language_choice(ctx: &Ctx, errors: &FormErrors, value: &str) -> Markup {
    let lang = ctx.lang;
    html! {
        (crate::components::language_select(ctx, errors, "language", &t(lang, "newsletter.language"), if value.is_empty() { lang } else { value }))
        p.hint { (t(lang, "newsletter.language_hint")) }
    }
}

pub struct SubscribeView {
    pub email: String,
    pub themes: Vec<ThemeChoice>,
    pub frequency: String,
    /// `en`, `fr` or `es` (as typed when it was refused).
    pub language: String,
    /// The request was accepted: say to check the inbox (the same words, known or not).
    pub sent: bool,
}

pub fn subscribe(ctx: &Ctx, view: &SubscribeView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "newsletter.title"),
        html! {
            h1 { (t(lang, "newsletter.title")) }
            @if view.sent {
                div.notice role="status" {
                    p { strong { (tf(lang, "newsletter.check_inbox", &[("email", &view.email)])) } }
                    p { (t(lang, "newsletter.check_inbox_more")) }
                }
            } @else {
                p { (t(lang, "newsletter.intro")) }
                @if ctx.user.is_some() {
                    p { a href={ (paths::PROFILE) "#newsletter" } { (t(lang, "newsletter.member_hint")) } }
                }
                (error_summary(ctx, errors))
                form method="post" action=(paths::NEWSLETTER) {
                    (csrf_field(ctx))
                    (text_input(ctx, errors, "email", &t(lang, "newsletter.email"), &view.email, "email", 254))
                    (choices(ctx, errors, &view.themes, &view.frequency))
                    (language_choice(ctx, errors, &view.language))
                    p.hint { (t(lang, "newsletter.confirm_hint")) }
                    button type="submit" { (t(lang, "newsletter.subscribe")) }
                }
            }
            p { a href=(paths::NEWSLETTER_ARCHIVE) { (t(lang, "newsletter.archive_link")) } }
        },
    )
}

/// The page a confirmation link opens: one button, because mail scanners follow links.
pub fn confirm(ctx: &Ctx, token: &str, email: &str) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "newsletter.confirm_title"),
        html! {
            h1 { (t(lang, "newsletter.confirm_title")) }
            p { (tf(lang, "newsletter.confirm_question", &[("email", email)])) }
            form method="post" action=(paths::newsletter_confirm(token)) {
                (csrf_field(ctx))
                button type="submit" { (t(lang, "newsletter.confirm_button")) }
            }
        },
    )
}

pub fn confirmed(ctx: &Ctx, manage_path: &str) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "newsletter.confirmed_title"),
        html! {
            h1 { (t(lang, "newsletter.confirmed_title")) }
            p.notice role="status" { (t(lang, "newsletter.confirmed")) }
            p { a href=(manage_path) { (t(lang, "newsletter.manage_link")) } }
        },
    )
}

/// A confirmation link that cannot be used (`key` says why).
pub fn link_problem(ctx: &Ctx, key: &str) -> Markup {
    let title = t(ctx.lang, key);
    layout::page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (t(ctx.lang, "newsletter.link_help")) }
            p { a href=(paths::NEWSLETTER) { (t(ctx.lang, "newsletter.subscribe_again")) } }
        },
    )
}

/// The unsubscribe link's page: one button, never unsubscribes by itself. Its form carries no
/// CSRF token: the unguessable link is the authority (RFC 8058).
pub fn unsubscribe(ctx: &Ctx, token: &str, email: &str, subscribed: bool) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "newsletter.unsubscribe_title"),
        html! {
            h1 { (t(lang, "newsletter.unsubscribe_title")) }
            @if subscribed {
                p { (tf(lang, "newsletter.unsubscribe_question", &[("email", email)])) }
                form method="post" action=(paths::newsletter_unsubscribe(token)) {
                    button type="submit" { (t(lang, "newsletter.unsubscribe_button")) }
                }
            } @else {
                p { (tf(lang, "newsletter.not_subscribed", &[("email", email)])) }
            }
        },
    )
}

pub fn unsubscribed(ctx: &Ctx, email: &str) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "newsletter.unsubscribed_title"),
        html! {
            h1 { (t(lang, "newsletter.unsubscribed_title")) }
            p.notice role="status" { (tf(lang, "newsletter.unsubscribed", &[("email", email)])) }
            p { a href=(paths::NEWSLETTER) { (t(lang, "newsletter.subscribe_again")) } }
        },
    )
}

pub struct ManageView {
    pub token: String,
    pub email: String,
    pub active: bool,
    pub themes: Vec<ThemeChoice>,
    pub frequency: String,
    pub language: String,
    pub saved: bool,
}

/// Themes and frequency, reached from the links in our mails.
pub fn manage(ctx: &Ctx, view: &ManageView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "newsletter.manage_title"),
        html! {
            h1 { (t(lang, "newsletter.manage_title")) }
            @if view.saved { p.notice role="status" { (t(lang, "newsletter.saved")) } }
            p { (tf(lang, "newsletter.manage_intro", &[("email", &view.email)])) }
            @if !view.active {
                p { (t(lang, "newsletter.manage_inactive")) " " a href=(paths::NEWSLETTER) { (t(lang, "newsletter.subscribe_again")) } }
            }
            (error_summary(ctx, errors))
            form method="post" action=(paths::newsletter_manage(&view.token)) {
                (csrf_field(ctx))
                (choices(ctx, errors, &view.themes, &view.frequency))
                (language_choice(ctx, errors, &view.language))
                button type="submit" { (t(lang, "common.save")) }
            }
            @if view.active {
                p { a href=(paths::newsletter_unsubscribe(&view.token)) { (t(lang, "newsletter.unsubscribe_link")) } }
            }
        },
    )
}

/// The newsletter part of a member's profile.
#[derive(Clone, Debug, Default)]
pub struct ProfileNewsletter {
    pub subscribed: bool,
    pub themes: Vec<ThemeChoice>,
    pub frequency: String,
}

pub fn profile_section(ctx: &Ctx, view: &ProfileNewsletter, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    html! {
        section #newsletter {
            h2 { (t(lang, "newsletter.profile_heading")) }
            @if view.subscribed {
                p { (t(lang, if view.frequency == "monthly" { "newsletter.profile_monthly" } else { "newsletter.profile_weekly" })) }
            } @else {
                p { (t(lang, "newsletter.profile_intro")) }
            }
            form method="post" action=(paths::PROFILE_NEWSLETTER) {
                (csrf_field(ctx))
                input type="hidden" name="action" value="save";
                (choices(ctx, errors, &view.themes, &view.frequency))
                button type="submit" {
                    (t(lang, if view.subscribed { "newsletter.profile_save" } else { "newsletter.subscribe" }))
                }
            }
            @if view.subscribed {
                form method="post" action=(paths::PROFILE_NEWSLETTER) {
                    (csrf_field(ctx))
                    input type="hidden" name="action" value="unsubscribe";
                    button type="submit" { (t(lang, "newsletter.unsubscribe_button")) }
                }
            }
        }
    }
}
