//! Newsletter editions: the message each subscriber gets (HTML with inline styles only, no
//! remote images or fonts, one column that reads at 320 px, and a plain-text part with the same
//! content and links), the public archive, and the knowledge managers' edition pages.
//! The archive views must never be given threads: forums are invitation-only.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::{
    Ctx,
    components::{FormErrors, Pager, csrf_field, error_summary, notice, pager, textarea, time},
    email::RenderedEmail,
    format::number,
    i18n::{in_language_key, plural, t, tf},
    layout, paths,
};

/// One item as a message or a page shows it.
#[derive(Clone, Debug)]
pub struct MailItem<'a> {
    pub title: &'a str,
    /// Plain text.
    pub summary: &'a str,
    /// Absolute address.
    pub url: &'a str,
    /// The item's own language (`en`, `fr` or `es`): marked with `lang` and named in the
    /// message's language when it differs from it.
    pub language: &'a str,
}

/// What one subscriber's message holds.
pub struct EditionMail<'a> {
    pub subject: &'a str,
    /// `weekly` or `monthly`.
    pub frequency: &'a str,
    /// The introduction as typed (Markdown reads well as plain text).
    pub intro_md: &'a str,
    /// The introduction as sanitized HTML (from `fora::markdown`).
    pub intro_html: &'a str,
    /// The items by theme, in order; the group without a theme last.
    pub groups: Vec<MailGroup<'a>>,
    pub archive_url: &'a str,
    pub manage_url: &'a str,
    pub unsubscribe_url: &'a str,
}

/// The items of one theme in a message.
pub struct MailGroup<'a> {
    /// The theme's name in the message's language; `None` for items without a theme.
    pub theme: Option<&'a str>,
    pub learnings: Vec<MailItem<'a>>,
    pub products: Vec<MailItem<'a>>,
    /// Featured threads of the subscriber's own forums.
    pub threads: Vec<MailItem<'a>>,
}

/// The heading of a theme's group, or `None` when every item is without a theme (a lone
/// "Other" heading would say nothing).
fn group_heading(lang: &str, theme: Option<&str>, groups: usize) -> Option<String> {
    match theme {
        Some(name) => Some(name.to_owned()),
        None if groups > 1 => Some(t(lang, "edition.other_theme").into_owned()),
        None => None,
    }
}

const LINK: &str = "color:#0b5394";
const THEME_H: &str = "font-size:20px;margin:32px 0 8px;padding-bottom:4px;border-bottom:2px solid #0b5394;color:#0b5394";
const SECTION_H: &str = "font-size:17px;margin:20px 0 8px";

fn frequency_key(frequency: &str) -> &'static str {
    if frequency == "monthly" {
        "edition.why_monthly"
    } else {
        "edition.why_weekly"
    }
}

/// "(in French)", in the message's language, for an item written in another one.
fn other_language(lang: &str, item: &MailItem<'_>) -> Option<String> {
    (item.language != lang).then(|| t(lang, in_language_key(item.language)).into_owned())
}

/// A kind of items; `under_theme` when a theme heading (h2) stands above it.
fn mail_section(lang: &str, heading: &str, items: &[MailItem<'_>], under_theme: bool) -> Markup {
    html! {
        @if !items.is_empty() {
            @if under_theme { h3 style=(SECTION_H) { (heading) } } @else { h2 style=(SECTION_H) { (heading) } }
            @for item in items {
                @let other = other_language(lang, item);
                @let item_lang = other.as_ref().map(|_| item.language);
                div style="margin:0 0 18px" {
                    p style="margin:0 0 4px;font-weight:bold" {
                        a href=(item.url) style=(LINK) lang=[item_lang] hreflang=[item_lang] { (item.title) }
                        @if let Some(label) = &other {
                            " " span style="font-weight:normal;color:#555555" { (label) }
                        }
                    }
                    @if !item.summary.is_empty() {
                        p style="margin:0;color:#333" lang=[item_lang] { (item.summary) }
                    }
                }
            }
        }
    }
}

fn underlined(out: &mut String, heading: &str, line: char) {
    out.push_str(heading);
    out.push('\n');
    out.extend(std::iter::repeat_n(line, heading.chars().count()));
    out.push_str("\n\n");
}

fn text_section(out: &mut String, lang: &str, heading: &str, items: &[MailItem<'_>]) {
    if items.is_empty() {
        return;
    }
    underlined(out, heading, '-');
    for item in items {
        out.push_str("* ");
        out.push_str(item.title);
        if let Some(label) = other_language(lang, item) {
            out.push(' ');
            out.push_str(&label);
        }
        out.push('\n');
        if !item.summary.is_empty() {
            out.push_str("  ");
            out.push_str(item.summary);
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(item.url);
        out.push_str("\n\n");
    }
}

/// The message of an edition for one subscriber.
pub fn edition_email(lang: &str, mail: &EditionMail<'_>) -> RenderedEmail {
    let learnings_h = t(lang, "edition.section_learnings");
    let products_h = t(lang, "edition.section_products");
    let threads_h = t(lang, "edition.section_threads");
    let why = t(lang, frequency_key(mail.frequency));
    let manage = t(lang, "edition.manage");
    let unsubscribe = t(lang, "edition.unsubscribe");
    let web = t(lang, "edition.web_version");
    let html = html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (mail.subject) }
            }
            body style="margin:0;padding:0;background:#ffffff" {
                div style="max-width:600px;margin:0 auto;padding:16px;font-family:sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;word-wrap:break-word;overflow-wrap:break-word" {
                    h1 style="font-size:22px;margin:0 0 16px;color:#0b5394" { (mail.subject) }
                    @if !mail.intro_html.is_empty() {
                        div style="margin:0 0 16px" { (PreEscaped(mail.intro_html)) }
                    }
                    @for group in &mail.groups {
                        @let heading = group_heading(lang, group.theme, mail.groups.len());
                        @if let Some(heading) = &heading {
                            h2 style=(THEME_H) { (heading) }
                        }
                        (mail_section(lang, &learnings_h, &group.learnings, heading.is_some()))
                        (mail_section(lang, &products_h, &group.products, heading.is_some()))
                        (mail_section(lang, &threads_h, &group.threads, heading.is_some()))
                    }
                    div style="margin-top:32px;padding-top:12px;border-top:1px solid #cccccc;font-size:14px;color:#555555" {
                        p style="margin:0 0 8px" { (why) }
                        p style="margin:0" {
                            a href=(mail.archive_url) style=(LINK) { (web) }
                            " · "
                            a href=(mail.manage_url) style=(LINK) { (manage) }
                            " · "
                            a href=(mail.unsubscribe_url) style=(LINK) { (unsubscribe) }
                        }
                    }
                }
            }
        }
    }
    .into_string();

    let mut text = String::with_capacity(html.len() / 2);
    text.push_str(mail.subject);
    text.push_str("\n\n");
    let intro = mail.intro_md.trim();
    if !intro.is_empty() {
        text.push_str(intro);
        text.push_str("\n\n");
    }
    for group in &mail.groups {
        if let Some(heading) = group_heading(lang, group.theme, mail.groups.len()) {
            underlined(&mut text, &heading, '=');
        }
        text_section(&mut text, lang, &learnings_h, &group.learnings);
        text_section(&mut text, lang, &products_h, &group.products);
        text_section(&mut text, lang, &threads_h, &group.threads);
    }
    text.push_str("-- \n");
    text.push_str(&why);
    text.push('\n');
    for (label, url) in [
        (&web, mail.archive_url),
        (&manage, mail.manage_url),
        (&unsubscribe, mail.unsubscribe_url),
    ] {
        text.push_str(label);
        text.push_str(": ");
        text.push_str(url);
        text.push('\n');
    }
    RenderedEmail {
        subject: mail.subject.to_owned(),
        text,
        html,
    }
}

// ---------------------------------------------------------------------------------------------
// The public archive: introduction, learnings and products. Never threads.

/// One item on a page (relative address).
#[derive(Clone, Debug)]
pub struct PageItem {
    pub title: String,
    pub summary: String,
    pub href: String,
    /// The item's own language (`en`, `fr` or `es`).
    pub language: String,
}

#[derive(Clone, Debug)]
pub struct ArchiveRow {
    pub id: i32,
    pub subject: String,
    /// When it went out (ISO 8601).
    pub sent_at: String,
}

pub fn archive_list(ctx: &Ctx, rows: &[ArchiveRow], pages: &Pager) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "edition.archive_title"),
        html! {
            h1 { (t(lang, "edition.archive_title")) }
            p { (t(lang, "edition.archive_intro")) " " a href=(paths::NEWSLETTER) { (t(lang, "edition.archive_subscribe")) } }
            @if rows.is_empty() {
                p { (t(lang, "edition.archive_none")) }
            } @else {
                ul.editions {
                    @for row in rows {
                        li {
                            a href=(paths::archived_edition(row.id)) { (row.subject) }
                            " · " (time(lang, &row.sent_at))
                        }
                    }
                }
            }
            (pager(ctx, pages))
        },
    )
}

pub struct ArchiveEdition {
    pub subject: String,
    pub sent_at: String,
    /// Sanitized HTML (from `fora::markdown`).
    pub intro_html: String,
    /// The public items by theme, in order; the group without a theme last.
    pub groups: Vec<PageGroup>,
}

/// The public items of one theme on the archive page.
pub struct PageGroup {
    /// The theme's name in the reader's language; `None` for items without a theme.
    pub theme: Option<String>,
    pub learnings: Vec<PageItem>,
    pub products: Vec<PageItem>,
}

/// A kind of items; `under_theme` when a theme heading (h2) stands above it.
fn page_section(lang: &str, heading: &str, items: &[PageItem], under_theme: bool) -> Markup {
    html! {
        @if !items.is_empty() {
            section {
                @if under_theme { h3 { (heading) } } @else { h2 { (heading) } }
                ul.edition-items {
                    @for item in items {
                        @let other = (item.language != lang).then_some(item.language.as_str());
                        li {
                            a href=(item.href) lang=[other] hreflang=[other] { (item.title) }
                            @if let Some(code) = other { " " span.meta { (t(lang, in_language_key(code))) } }
                            @if !item.summary.is_empty() { p lang=[other] { (item.summary) } }
                        }
                    }
                }
            }
        }
    }
}

pub fn archive_edition(ctx: &Ctx, view: &ArchiveEdition) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &view.subject,
        html! {
            p { a href=(paths::NEWSLETTER_ARCHIVE) { (t(lang, "edition.archive_back")) } }
            h1 { (view.subject) }
            p { (time(lang, &view.sent_at)) }
            @if !view.intro_html.is_empty() {
                div.intro { (PreEscaped(&view.intro_html)) }
            }
            @for group in &view.groups {
                @let heading = group_heading(lang, group.theme.as_deref(), view.groups.len());
                @if let Some(heading) = &heading {
                    h2 { (heading) }
                }
                (page_section(lang, &t(lang, "edition.section_learnings"), &group.learnings, heading.is_some()))
                (page_section(lang, &t(lang, "edition.section_products"), &group.products, heading.is_some()))
            }
            @if view.groups.is_empty() {
                p { (t(lang, "edition.archive_nothing_public")) }
            }
            p { a href=(paths::NEWSLETTER) { (t(lang, "edition.archive_subscribe")) } }
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Knowledge managers' pages.

#[derive(Clone, Debug, Default)]
pub struct ProgressView {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub cancelled: i64,
    pub skipped: i64,
}

pub struct AdminEditionRow {
    pub id: i32,
    pub subject: String,
    pub frequency: String,
    pub status: String,
    /// The day it went out, or is (was) due when it has not (ISO 8601).
    pub dated: String,
    pub items: i64,
    pub progress: ProgressView,
}

pub struct SubscriberCount {
    pub status: String,
    pub frequency: String,
    pub count: i64,
}

pub struct AdminNewsletterView {
    pub editions: Vec<AdminEditionRow>,
    pub subscribers: Vec<SubscriberCount>,
    pub notice: Option<&'static str>,
    pub pages: Pager,
}

fn status_key(status: &str) -> &'static str {
    match status {
        "scheduled" => "edition.status_scheduled",
        "sending" => "edition.status_sending",
        "sent" => "edition.status_sent",
        "empty" => "edition.status_empty",
        _ => "edition.status_other",
    }
}

/// What an edition's date means in its state: when it goes out, went out, or was due (an
/// edition that had nothing new and was not sent).
fn date_key(status: &str) -> &'static str {
    match status {
        "sending" | "sent" => "edition.went_out",
        "empty" => "edition.was_due",
        _ => "edition.scheduled_for",
    }
}

fn frequency_label(lang: &str, frequency: &str) -> String {
    match frequency {
        "weekly" => t(lang, "edition.weekly").into_owned(),
        "monthly" => t(lang, "edition.monthly").into_owned(),
        other => other.to_owned(),
    }
}

/// The columns of a delivery count, in order.
const PROGRESS_KEYS: [&str; 5] = [
    "edition.queued",
    "edition.sent",
    "edition.failed",
    "edition.cancelled",
    "edition.skipped",
];

fn progress_cells(lang: &str, p: &ProgressView) -> Markup {
    let counts = [p.queued, p.sent, p.failed, p.cancelled, p.skipped];
    html! {
        @for (key, n) in PROGRESS_KEYS.iter().zip(counts) { td data-label=(t(lang, key)) { (number(lang, n)) } }
    }
}

fn progress_heads(lang: &str) -> Markup {
    html! {
        @for key in PROGRESS_KEYS { th scope="col" { (t(lang, key)) } }
    }
}

pub fn admin_home(ctx: &Ctx, view: &AdminNewsletterView) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "edition.admin_title"),
        html! {
            p { a href=(paths::ADMIN) { (t(lang, "admin.title")) } }
            h1 { (t(lang, "edition.admin_title")) }
            (notice(ctx, view.notice))
            section aria-labelledby="compose-h" {
                h2 #compose-h { (t(lang, "edition.compose_title")) }
                p { (t(lang, "edition.compose_hint")) }
                @for frequency in ["weekly", "monthly"] {
                    form.inline method="post" action=(paths::ADMIN_NEWSLETTER_COMPOSE) {
                        (csrf_field(ctx))
                        input type="hidden" name="frequency" value=(frequency);
                        button type="submit" { (tf(lang, "edition.compose_now", &[("frequency", &frequency_label(lang, frequency))])) }
                    }
                    " "
                }
            }
            section aria-labelledby="editions-h" {
                h2 #editions-h { (t(lang, "edition.editions")) }
                @if view.editions.is_empty() {
                    p { (t(lang, "edition.none")) }
                } @else {
                    div.table-wrap {
                        table {
                            thead { tr {
                                th scope="col" { (t(lang, "edition.subject")) }
                                th scope="col" { (t(lang, "edition.status")) }
                                th scope="col" { (t(lang, "edition.date")) }
                                th scope="col" { (t(lang, "edition.items")) }
                                (progress_heads(lang))
                            } }
                            tbody {
                                @for row in &view.editions {
                                    tr {
                                        td { a href=(paths::edition(row.id)) { (row.subject) } }
                                        td data-label=(t(lang, "edition.status")) { (t(lang, status_key(&row.status))) }
                                        td data-label=(t(lang, date_key(&row.status))) { (time(lang, &row.dated)) }
                                        td data-label=(t(lang, "edition.items")) { (number(lang, row.items)) }
                                        (progress_cells(lang, &row.progress))
                                    }
                                }
                            }
                        }
                    }
                }
                (pager(ctx, &view.pages))
            }
            section aria-labelledby="subscribers-h" {
                h2 #subscribers-h { (t(lang, "edition.subscribers")) }
                p { a href=(paths::ADMIN_NEWSLETTER_BOUNCES) { (t(lang, "bounce.admin_link")) } }
                @if view.subscribers.is_empty() {
                    p { (t(lang, "edition.no_subscribers")) }
                } @else {
                    table {
                        thead { tr {
                            th scope="col" { (t(lang, "edition.status")) }
                            th scope="col" { (t(lang, "edition.frequency")) }
                            th scope="col" { (t(lang, "edition.count")) }
                        } }
                        tbody {
                            @for row in &view.subscribers {
                                tr {
                                    td data-label=(t(lang, "edition.status")) { (row.status) }
                                    td data-label=(t(lang, "edition.frequency")) { (frequency_label(lang, &row.frequency)) }
                                    td data-label=(t(lang, "edition.count")) { (number(lang, row.count)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub struct AdminItem {
    /// `learning`, `product` or `thread`.
    pub kind: String,
    pub title: String,
    pub href: String,
    /// False when it was unpublished, hidden or unfeatured since: it will not go out.
    pub goes_out: bool,
}

pub struct AdminEditionView {
    pub id: i32,
    pub subject: String,
    pub frequency: String,
    pub status: String,
    pub period_start: String,
    pub period_end: String,
    /// The day it went out, or is (was) due when it has not (ISO 8601).
    pub dated: String,
    pub recipients: i32,
    /// The introduction in English, French and Spanish (Markdown).
    pub intro_md: String,
    pub intro_md_fr: String,
    pub intro_md_es: String,
    pub items: Vec<AdminItem>,
    pub progress: ProgressView,
    pub notice: Option<&'static str>,
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "learning" => "edition.kind_learning",
        "product" => "edition.kind_product",
        _ => "edition.kind_thread",
    }
}

pub fn admin_edition(ctx: &Ctx, view: &AdminEditionView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    let scheduled = view.status == "scheduled";
    layout::page(
        ctx,
        &view.subject,
        html! {
            p { a href=(paths::ADMIN_NEWSLETTER) { (t(lang, "edition.admin_title")) } }
            h1 { (view.subject) }
            (notice(ctx, view.notice))
            (error_summary(ctx, errors))
            dl {
                dt { (t(lang, "edition.frequency")) } dd { (frequency_label(lang, &view.frequency)) }
                dt { (t(lang, "edition.status")) } dd { (t(lang, status_key(&view.status))) }
                dt { (t(lang, "edition.period")) } dd { (time(lang, &view.period_start)) " – " (time(lang, &view.period_end)) }
                dt { (t(lang, date_key(&view.status))) } dd { (time(lang, &view.dated)) }
                dt { (t(lang, "edition.recipients")) } dd { (number(lang, view.recipients)) }
            }
            table {
                thead { tr { (progress_heads(lang)) } }
                tbody { tr { (progress_cells(lang, &view.progress)) } }
            }
            div.actions {
                @if (scheduled || view.status == "empty") && view.items.iter().any(|i| i.goes_out) {
                    form.inline method="post" action=(paths::edition_action(view.id, "send")) {
                        (csrf_field(ctx))
                        button type="submit" { (t(lang, "edition.send_now")) }
                    }
                } @else if scheduled || view.status == "empty" {
                    p.hint { (t(lang, "edition.send_nothing")) }
                }
                @if view.progress.failed > 0 {
                    form.inline method="post" action=(paths::edition_action(view.id, "retry")) {
                        (csrf_field(ctx))
                        button type="submit" { (plural(lang, "edition.retry_failed", view.progress.failed)) }
                    }
                }
            }
            section aria-labelledby="preview-h" {
                h2 #preview-h { (t(lang, "edition.preview_title")) }
                form method="get" action=(paths::edition_action(view.id, "preview")) {
                    div.field {
                        label for="email" { (t(lang, "edition.preview_email")) }
                        input #email name="email" type="email" maxlength="320" autocomplete="email" required;
                    }
                    button type="submit" { (t(lang, "edition.preview")) }
                }
            }
            section aria-labelledby="intro-h" {
                h2 #intro-h { (t(lang, "edition.intro")) }
                @if scheduled {
                    p.hint { (t(lang, "edition.intro_fallback")) }
                    form method="post" action=(paths::edition_action(view.id, "intro")) {
                        (csrf_field(ctx))
                        (textarea(ctx, errors, "intro", &t(lang, "edition.intro_label_en"), &view.intro_md, 8))
                        (textarea(ctx, errors, "intro_fr", &t(lang, "edition.intro_label_fr"), &view.intro_md_fr, 8))
                        (textarea(ctx, errors, "intro_es", &t(lang, "edition.intro_label_es"), &view.intro_md_es, 8))
                        button type="submit" { (t(lang, "edition.save_intro")) }
                    }
                } @else {
                    p { (t(lang, "edition.intro_locked")) }
                    @for (code, key, text) in [("en", "edition.intro_label_en", &view.intro_md), ("fr", "edition.intro_label_fr", &view.intro_md_fr), ("es", "edition.intro_label_es", &view.intro_md_es)] {
                        @if !text.is_empty() { h3 { (t(lang, key)) } pre.plain lang=(code) { (text) } }
                    }
                }
            }
            section aria-labelledby="items-h" {
                h2 #items-h { (t(lang, "edition.items")) }
                @if view.items.is_empty() {
                    p { (t(lang, "edition.no_items")) }
                } @else {
                    ul {
                        @for item in &view.items {
                            li {
                                (t(lang, kind_key(&item.kind))) ": "
                                a href=(item.href) { (item.title) }
                                @if !item.goes_out { " " em { (t(lang, "edition.item_dropped")) } }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub struct PreviewView {
    pub edition_id: i32,
    pub subject: String,
    pub email: String,
    /// The message as sent; `None` when this subscriber gets nothing from this edition.
    pub message: Option<PreviewMessage>,
    /// Why there is nothing to show (a translation key).
    pub problem: Option<&'static str>,
}

pub struct PreviewMessage {
    /// The language the message is written in: the subscriber's.
    pub lang: &'static str,
    pub subject: String,
    pub html: String,
    pub text: String,
}

pub fn admin_preview(ctx: &Ctx, view: &PreviewView) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "edition.preview_title"),
        html! {
            p { a href=(paths::edition(view.edition_id)) { (view.subject) } }
            h1 { (t(lang, "edition.preview_title")) }
            form method="get" action=(paths::edition_action(view.edition_id, "preview")) {
                div.field {
                    label for="email" { (t(lang, "edition.preview_email")) }
                    input #email name="email" type="email" maxlength="320" autocomplete="email" required value=(view.email);
                }
                button type="submit" { (t(lang, "edition.preview")) }
            }
            @if let Some(problem) = view.problem {
                p.field-error role="alert" { (t(lang, problem)) }
            }
            @if let Some(message) = &view.message {
                p { strong { (t(lang, "edition.subject")) ": " } span lang=[ctx.other_lang(message.lang)] { (message.subject) } }
                h2 { (t(lang, "edition.preview_html")) }
                iframe.mail-preview sandbox="" title=(t(lang, "edition.preview_html")) srcdoc=(message.html) {}
                h2 { (t(lang, "edition.preview_text")) }
                pre.plain lang=[ctx.other_lang(message.lang)] { (message.text) }
            }
        },
    )
}
