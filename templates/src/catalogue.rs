//! The public face of the library beside the search: the knowledge products list and page, the
//! product form knowledge managers use, and the theme pages ("content areas") that gather a
//! theme's learnings, products and the forums the viewer belongs to.
//!
//! Forums reach these views only after the handler picked those the viewer may see; nothing
//! here decides visibility.

use maud::{Markup, PreEscaped, html};

use crate::{
    Ctx,
    components::{
        Choice, FormErrors, Level, Pager, SpellingView, TextField, csrf_field, day, error_summary,
        field_error, heading, notice, pager, search_box, select_field, spelling_notice, text_field,
        text_input, textarea,
    },
    format::number,
    forums::{ForumSummary, forum_list},
    i18n::{plural, t, tf},
    layout,
    learnings::NoticeView,
    paths,
};

#[derive(Clone, Debug)]
pub struct ThemeLink {
    pub slug: String,
    pub name: String,
}

/// One product in a list.
#[derive(Clone, Debug)]
pub struct ProductCard {
    pub id: i32,
    /// The kind's label, when the product has one.
    pub kind: Option<String>,
    pub title: String,
    /// Plain text, already shortened.
    pub summary: String,
    pub themes: Vec<ThemeLink>,
    /// `YYYY-MM-DD`
    pub date: Option<String>,
    pub url: String,
    pub language: String,
    /// Shown to knowledge managers when it is not published.
    pub status: String,
    pub published: bool,
}

#[derive(Clone, Debug)]
pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct FacetGroup {
    /// The filter's parameter (`kind`, `theme`, `language`, `country`, `status`).
    pub param: &'static str,
    pub links: Vec<FacetLink>,
}

#[derive(Clone, Debug)]
pub struct ActiveFilterLink {
    pub param: &'static str,
    pub label: String,
    pub remove_href: String,
}

/// A filter value that matched nothing known and was left out.
#[derive(Clone, Debug)]
pub struct UnknownFilter {
    pub param: &'static str,
    pub value: String,
}

pub struct ProductListView {
    /// The words searched for, and the search's other parameters (kept by the search box).
    pub q: String,
    pub hidden: Vec<(String, String)>,
    /// Messages about the search (words cut, only exclusions, index being rebuilt).
    pub notices: Vec<NoticeView>,
    /// Words no product holds, searched as close ones or offered.
    pub spelling: Option<SpellingView>,
    pub cards: Vec<ProductCard>,
    pub total: u64,
    pub first: u64,
    pub last: u64,
    pub pager: Pager,
    pub facets: Vec<FacetGroup>,
    pub active: Vec<ActiveFilterLink>,
    pub unknown: Vec<UnknownFilter>,
    pub is_admin: bool,
    pub feed_href: String,
}

/// The label of a filter parameter.
fn filter_label(lang: &str, param: &str) -> String {
    match param {
        "kind" => t(lang, "product.kind"),
        "theme" => t(lang, "product.themes"),
        "language" => t(lang, "product.language"),
        "country" => t(lang, "product.countries"),
        "status" => t(lang, "product.status"),
        _ => t(lang, "product.filter"),
    }
    .into_owned()
}

/// A language code as its name, in that language.
pub fn language_name(lang: &str, code: &str) -> String {
    match code {
        "en" | "fr" | "es" => t(lang, &format!("profile.lang_{code}")).into_owned(),
        other => other.to_string(),
    }
}

pub fn status_name(lang: &str, status: &str) -> String {
    match status {
        "draft" => t(lang, "product.status_draft"),
        "published" => t(lang, "product.status_published"),
        "retired" => t(lang, "product.status_retired"),
        _ => t(lang, "product.status"),
    }
    .into_owned()
}

fn themes_line(themes: &[ThemeLink]) -> Markup {
    html! {
        @for (i, theme) in themes.iter().enumerate() {
            @if i > 0 { ", " }
            a href=(paths::theme(&theme.slug)) { (theme.name) }
        }
    }
}

/// The products as cards, titled by third-level headings (under the page's own second level).
pub fn product_cards(ctx: &Ctx, cards: &[ProductCard], show_status: bool) -> Markup {
    product_cards_at(ctx, cards, show_status, Level::H3)
}

fn product_cards_at(ctx: &Ctx, cards: &[ProductCard], show_status: bool, level: Level) -> Markup {
    let lang = ctx.lang;
    html! {
        ul.cards.products {
            @for card in cards {
                li {
                    p.meta {
                        @if let Some(kind) = &card.kind { span.tag { (kind) } " " }
                        @if let Some(date) = &card.date { (day(lang, date)) " · " }
                        (language_name(lang, &card.language))
                        @if show_status && !card.published {
                            " · " span.tag.warn { (status_name(lang, &card.status)) }
                        }
                    }
                    (heading(level, Some(&card.language), html! { a href=(paths::product(card.id)) { (card.title) } }))
                    @if !card.summary.is_empty() { p lang=(card.language) { (card.summary) } }
                    @if !card.themes.is_empty() {
                        p.meta { (t(lang, "product.themes")) ": " (themes_line(&card.themes)) }
                    }
                    @if !card.url.is_empty() {
                        p { a.external href=(card.url) rel="noopener noreferrer" {
                            (t(lang, "product.open"))
                            span.visually-hidden { ": " span lang=(card.language) { (card.title) } }
                        } }
                    }
                }
            }
        }
    }
}

fn facets(ctx: &Ctx, groups: &[FacetGroup]) -> Markup {
    let lang = ctx.lang;
    html! {
        @for group in groups {
            @if !group.links.is_empty() {
                section.facet aria-labelledby={ "facet-" (group.param) } {
                    h2 #{ "facet-" (group.param) } { (filter_label(lang, group.param)) }
                    ul {
                        @for link in &group.links {
                            li {
                                @if link.active {
                                    strong aria-current="true" { (link.label) } " (" (number(lang, link.count)) ")"
                                } @else {
                                    a href=(link.href) { (link.label) } " (" (number(lang, link.count)) ")"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn unknown_filters(ctx: &Ctx, unknown: &[UnknownFilter]) -> Markup {
    let lang = ctx.lang;
    html! {
        @for item in unknown {
            p.notice role="status" {
                (tf(lang, "product.unknown_filter", &[
                    ("value", &item.value),
                    ("filter", &filter_label(lang, item.param)),
                ]))
            }
        }
    }
}

pub fn product_list(ctx: &Ctx, view: &ProductListView) -> Markup {
    let lang = ctx.lang;
    let title = t(lang, "product.list_title");
    layout::page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p.lead { (t(lang, "product.list_intro")) }
            (search_box(
                paths::PRODUCTS,
                &t(lang, "product.query_label"),
                &t(lang, "search.submit"),
                &t(lang, "product.hint"),
                &view.q,
                &view.hidden,
            ))
            @if view.is_admin {
                p.actions { a.button href=(paths::NEW_PRODUCT) { (t(lang, "product.new")) } }
            }
            @for notice in &view.notices {
                p.notice role="status" {
                    (tf(lang, notice.key, &notice.args.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()))
                }
            }
            @if let Some(spelling) = &view.spelling { (spelling_notice(lang, spelling)) }
            (unknown_filters(ctx, &view.unknown))
            div.library {
                aside.refine aria-label=(t(lang, "product.filters")) {
                    details.refine {
                        summary { (t(lang, "product.filters")) }
                        div.facets { (facets(ctx, &view.facets)) }
                    }
                }
                div.results {
                    @if !view.active.is_empty() {
                        ul.active-filters aria-label=(t(lang, "product.active_filters")) {
                            @for filter in &view.active {
                                li {
                                    (filter_label(lang, filter.param)) ": " strong { (filter.label) } " "
                                    a href=(filter.remove_href) {
                                        (t(lang, "product.remove_filter"))
                                        span.visually-hidden { " " (filter.label) }
                                    }
                                }
                            }
                        }
                    }
                    @if view.cards.is_empty() {
                        p { (t(lang, "product.none")) }
                    } @else {
                        p.count {
                            (tf(lang, "product.showing", &[
                                ("first", &number(lang, view.first)),
                                ("last", &number(lang, view.last)),
                                ("total", &number(lang, view.total)),
                            ]))
                        }
                        (product_cards_at(ctx, &view.cards, view.is_admin, Level::H2))
                        (pager(ctx, &view.pager))
                    }
                    p.feed { a href=(view.feed_href) type="application/atom+xml" { (t(lang, "product.feed")) } }
                }
            }
        },
    )
}

pub struct ProductView {
    pub id: i32,
    pub kind: Option<String>,
    pub kind_code: Option<String>,
    pub title: String,
    /// Sanitized by `fora::markdown` when the product was saved.
    pub summary_html: String,
    pub url: String,
    pub themes: Vec<ThemeLink>,
    /// (code, name)
    pub countries: Vec<(String, String)>,
    pub language: String,
    pub date: Option<String>,
    pub status: String,
    pub published: bool,
    pub is_admin: bool,
    pub notice: Option<&'static str>,
}

pub fn product_page(ctx: &Ctx, view: &ProductView) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &view.title,
        html! {
            p.crumbs { a href=(paths::PRODUCTS) { (t(lang, "product.list_title")) } }
            h1 lang=(view.language) { (view.title) }
            (notice(ctx, view.notice))
            @if view.is_admin && !view.published {
                p.notice { (t(lang, "product.not_public")) " " strong { (status_name(lang, &view.status)) } }
            }
            dl.fields {
                @if let (Some(kind), Some(code)) = (&view.kind, &view.kind_code) {
                    dt { (t(lang, "product.kind")) }
                    dd { a href={ (paths::PRODUCTS) "?kind=" (code) } { (kind) } }
                }
                @if let Some(date) = &view.date {
                    dt { (t(lang, "product.date")) }
                    dd { (day(lang, date)) }
                }
                dt { (t(lang, "product.language")) }
                dd { a href={ (paths::PRODUCTS) "?language=" (view.language) } { (language_name(lang, &view.language)) } }
                @if !view.themes.is_empty() {
                    dt { (t(lang, "product.themes")) }
                    dd { (themes_line(&view.themes)) }
                }
                @if !view.countries.is_empty() {
                    dt { (t(lang, "product.countries")) }
                    dd {
                        @for (i, (code, name)) in view.countries.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href={ (paths::PRODUCTS) "?country=" (code) } { (name) }
                        }
                    }
                }
            }
            div.body lang=(view.language) { (PreEscaped(&view.summary_html)) }
            @if !view.url.is_empty() {
                p { a.button href=(view.url) rel="noopener noreferrer" { (t(lang, "product.open")) } }
            }
            @if view.is_admin {
                section.moderation aria-labelledby="manage-h" {
                    h2 #manage-h { (t(lang, "product.manage")) }
                    p.actions {
                        a href=(paths::product_edit(view.id)) { (t(lang, "product.edit")) }
                        @for (status, key) in [("published", "product.publish"), ("retired", "product.retire"), ("draft", "product.to_draft")] {
                            @if view.status != status {
                                form.inline method="post" action=(paths::product_status(view.id)) {
                                    (csrf_field(ctx))
                                    input type="hidden" name="status" value=(status);
                                    button.secondary type="submit" { (t(lang, key)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The product form's values as typed (or as stored, when editing).
#[derive(Clone, Debug, Default)]
pub struct ProductFormValues {
    pub external_id: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub url: String,
    /// Theme slugs.
    pub themes: Vec<String>,
    /// ISO codes as typed, separated by commas.
    pub countries: String,
    pub language: String,
    pub published_on: String,
}

pub struct ProductFormView {
    /// `None` for a new product.
    pub id: Option<i32>,
    pub values: ProductFormValues,
    /// (code, label)
    pub kinds: Vec<(String, String)>,
    pub themes: Vec<ThemeLink>,
}

/// Options given as (value, label) pairs, in the page's language.
fn choices(options: &[(String, String)]) -> Vec<Choice<'_>> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value,
            label,
            lang: None,
        })
        .collect()
}

pub fn product_form(ctx: &Ctx, view: &ProductFormView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    let values = &view.values;
    let (title, action) = match view.id {
        Some(id) => (t(lang, "product.edit_title"), paths::product_edit(id)),
        None => (t(lang, "product.new_title"), paths::NEW_PRODUCT.to_string()),
    };
    let languages: Vec<(String, String)> = ["en", "fr", "es"]
        .iter()
        .map(|code| (code.to_string(), language_name(lang, code)))
        .collect();
    let themes_invalid = errors.get("themes").is_some();
    layout::page(
        ctx,
        &title,
        html! {
            p.crumbs {
                a href=(paths::PRODUCTS) { (t(lang, "product.list_title")) }
                @if let Some(id) = view.id { " › " a href=(paths::product(id)) lang=[ctx.other_lang(&values.language)] { (values.title) } }
            }
            h1 { (title) }
            @if view.id.is_none() { p { (t(lang, "product.new_intro")) } }
            (error_summary(ctx, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                (text_input(ctx, errors, "title", &t(lang, "product.title"), &values.title, "text", 300))
                (select_field(ctx, errors, "kind", &t(lang, "product.kind"), &choices(&view.kinds), &values.kind, Some(&t(lang, "product.kind_none"))))
                (textarea(ctx, errors, "summary", &t(lang, "product.summary"), &values.summary, 8))
                (text_input(ctx, errors, "url", &t(lang, "product.url"), &values.url, "url", 2000))
                p.hint { (t(lang, "product.url_hint")) }
                fieldset.field #themes aria-invalid=[themes_invalid.then_some("true")]
                    aria-describedby=[themes_invalid.then_some("themes-error")] {
                    legend { (t(lang, "product.themes")) }
                    (field_error(ctx, errors, "themes"))
                    @if view.themes.is_empty() { p.hint { (t(lang, "product.no_themes")) } }
                    @for theme in &view.themes {
                        div.check {
                            input type="checkbox" name="themes" value=(theme.slug) id={ "theme-" (theme.slug) }
                                checked[values.themes.contains(&theme.slug)];
                            label for={ "theme-" (theme.slug) } { (theme.name) }
                        }
                    }
                }
                (text_field(ctx, errors, &TextField {
                    field: "countries",
                    label: &t(lang, "product.countries"),
                    value: &values.countries,
                    kind: "text",
                    max: 8000,
                    autocomplete: None,
                    hint: Some(&t(lang, "learning.countries_hint")),
                }))
                (select_field(ctx, errors, "language", &t(lang, "product.language"), &choices(&languages), &values.language, None))
                (text_input(ctx, errors, "published_on", &t(lang, "product.date"), &values.published_on, "date", 10))
                p.hint { (t(lang, "product.date_hint")) }
                (text_input(ctx, errors, "external_id", &t(lang, "product.external_id"), &values.external_id, "text", 100))
                p.hint { (t(lang, "product.external_id_hint")) }
                button type="submit" { (t(lang, if view.id.is_some() { "product.save" } else { "product.create" })) }
            }
        },
    )
}

/// A learning on a theme page.
#[derive(Clone, Debug)]
pub struct LearningCard {
    pub id: i32,
    pub title: String,
    pub project_title: String,
    pub learning_type: String,
    pub year: Option<i32>,
    /// Plain text.
    pub snippet: String,
}

pub struct ThemePageView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub learnings: Vec<LearningCard>,
    pub learnings_total: u64,
    pub products: Vec<ProductCard>,
    pub products_total: u64,
    /// Only forums of this theme the viewer belongs to (all of them for admins).
    pub forums: Vec<ForumSummary>,
    pub signed_in: bool,
}

pub fn theme_page(ctx: &Ctx, view: &ThemePageView) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &view.name,
        html! {
            p.crumbs { a href=(paths::THEMES) { (t(lang, "theme.list_title")) } }
            h1 { (view.name) }
            @for paragraph in view.description.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                p.lead { (paragraph) }
            }
            section aria-labelledby="learnings-h" {
                h2 #learnings-h { (t(lang, "theme.learnings")) }
                @if view.learnings.is_empty() {
                    p { (t(lang, "theme.no_learnings")) }
                } @else {
                    ul.cards {
                        @for learning in &view.learnings {
                            li {
                                p.meta {
                                    span.tag { (crate::learnings::type_label(lang, &learning.learning_type)) }
                                    @if !learning.project_title.is_empty() { " " (learning.project_title) }
                                    @if let Some(year) = learning.year { " · " (year) }
                                }
                                h3 { a href=(paths::learning(learning.id)) { (learning.title) } }
                                @if !learning.snippet.is_empty() { p { (learning.snippet) } }
                            }
                        }
                    }
                    p { a href={ (paths::LEARNINGS) "?theme=" (view.slug) } {
                        (plural(lang, "theme.all_learnings", view.learnings_total))
                    } }
                }
            }
            section aria-labelledby="products-h" {
                h2 #products-h { (t(lang, "theme.products")) }
                @if view.products.is_empty() {
                    p { (t(lang, "theme.no_products")) }
                } @else {
                    (product_cards(ctx, &view.products, false))
                    @if view.products_total > view.products.len() as u64 {
                        p { a href={ (paths::PRODUCTS) "?theme=" (view.slug) } {
                            (plural(lang, "theme.all_products", view.products_total))
                        } }
                    }
                }
            }
            section aria-labelledby="forums-h" {
                h2 #forums-h { (t(lang, "theme.forums")) }
                @if view.signed_in {
                    @if view.forums.is_empty() {
                        p { (t(lang, "theme.no_forums")) }
                    } @else {
                        (forum_list(ctx, &view.forums))
                    }
                    p.hint { (t(lang, "theme.forums_invitation")) }
                } @else {
                    p { (t(lang, "theme.forums_signed_out")) " " a href=(paths::LOGIN) { (t(lang, "nav.sign_in")) } }
                }
            }
            p.feed {
                a href={ (paths::FEED_LEARNINGS) "?theme=" (view.slug) } type="application/atom+xml" { (t(lang, "theme.learnings_feed")) }
                " · "
                a href={ (paths::FEED_PRODUCTS) "?theme=" (view.slug) } type="application/atom+xml" { (t(lang, "theme.products_feed")) }
            }
        },
    )
}

#[derive(Clone, Debug)]
pub struct ThemeSummary {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub learnings: u64,
    pub products: u64,
}

pub fn theme_list(ctx: &Ctx, themes: &[ThemeSummary]) -> Markup {
    let lang = ctx.lang;
    let title = t(lang, "theme.list_title");
    layout::page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p.lead { (t(lang, "theme.list_intro")) }
            @if themes.is_empty() {
                p { (t(lang, "theme.none")) }
            } @else {
                ul.cards {
                    @for theme in themes {
                        li {
                            h2 { a href=(paths::theme(&theme.slug)) { (theme.name) } }
                            @if !theme.description.is_empty() { p { (theme.description) } }
                            p.meta {
                                (tf(lang, "theme.counts", &[
                                    ("learnings", &plural(lang, "theme.learnings_count", theme.learnings)),
                                    ("products", &plural(lang, "theme.products_count", theme.products)),
                                ]))
                            }
                        }
                    }
                }
            }
        },
    )
}
