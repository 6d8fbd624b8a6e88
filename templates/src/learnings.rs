//! The learnings library pages: search with facets, one learning, and the knowledge managers'
//! forms (create, edit, review).

use maud::{Markup, PreEscaped, html};

use crate::{
    Ctx,
    components::{
        FormErrors, Pager, SpellingView, TextField, ago, csrf_field, error_summary, field_error,
        pager, search_box, spelling_notice, text_field, text_input, textarea, time,
    },
    format::number,
    i18n::{plural, t, tf},
    layout::page,
    paths,
};

/// A passage with highlighted words: (highlighted, text) pieces, escaped when rendered.
pub type Snippet = Vec<(bool, String)>;

fn snippet(pieces: &Snippet) -> Markup {
    html! {
        @for (marked, text) in pieces {
            @if *marked { mark { (text) } } @else { (text) }
        }
    }
}

pub fn type_label(lang: &str, kind: &str) -> String {
    match kind {
        "good_practice" => t(lang, "learning.type_good_practice").into_owned(),
        _ => t(lang, "learning.type_lesson_learned").into_owned(),
    }
}

pub fn status_label(lang: &str, status: &str) -> String {
    match status {
        "draft" => t(lang, "learning.status_draft").into_owned(),
        "in_review" => t(lang, "learning.status_in_review").into_owned(),
        "retired" => t(lang, "learning.status_retired").into_owned(),
        _ => t(lang, "learning.status_published").into_owned(),
    }
}

/// The heading of each filter, by its query parameter.
pub fn filter_label(lang: &str, param: &str) -> String {
    let key = match param {
        "type" => "search.f_type",
        "evaluation_type" => "search.f_evaluation_type",
        "theme" => "search.f_theme",
        "country" => "search.f_country",
        "project" => "search.f_project",
        "sector" => "search.f_sector",
        "intervention_type" => "search.f_intervention_type",
        "cycle_stage" => "search.f_cycle_stage",
        "criterion" => "search.f_criterion",
        "year" => "search.f_year",
        "language" => "search.f_language",
        _ => "search.f_status",
    };
    t(lang, key).into_owned()
}

pub struct ActiveFilterView {
    pub param: String,
    pub label: String,
    pub remove_href: String,
}

pub struct FacetValueView {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub selected: bool,
}

pub struct FacetView {
    pub param: String,
    pub values: Vec<FacetValueView>,
}

pub struct HitView {
    pub href: String,
    pub title: String,
    pub project: String,
    pub project_href: String,
    pub learning_type: String,
    pub evaluation_type: Option<String>,
    pub year: Option<i32>,
    /// Shown to knowledge managers for anything not published.
    pub status: Option<String>,
    pub snippet: Snippet,
    /// The learning's language, when it is not the page's (screen readers switch voice).
    pub lang: Option<String>,
}

/// A message about the query: a translation key and its arguments.
pub struct NoticeView {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

pub struct SearchPageView {
    pub q: String,
    /// Active filters kept as hidden fields, so a new text search keeps them.
    pub hidden: Vec<(String, String)>,
    pub active: Vec<ActiveFilterView>,
    pub clear_href: String,
    pub notices: Vec<NoticeView>,
    /// Words no learning holds, searched as close ones or offered.
    pub spelling: Option<SpellingView>,
    pub total: u64,
    pub first: u64,
    pub last: u64,
    pub hits: Vec<HitView>,
    pub facets: Vec<FacetView>,
    pub pager: Pager,
    pub relevance: bool,
    pub sort_relevance_href: Option<String>,
    pub sort_newest_href: String,
    pub manager: bool,
    /// The one-click filter to the learnings found in the reader's language: (href, how
    /// many), when some but not all of them are.
    pub in_my_language: Option<(String, u64)>,
    /// Learnings waiting for this reader's review: (href, title).
    pub my_reviews: Vec<(String, String)>,
}

const FACET_SHOWN: usize = 8;

fn facet_list(ctx: &Ctx, facet: &FacetView) -> Markup {
    let item = |value: &FacetValueView| {
        html! {
            li {
                @if value.selected {
                    a href=(value.href) aria-current="true" { strong { (value.label) } }
                } @else {
                    a href=(value.href) { (value.label) }
                }
                " " span.count { (number(ctx.lang, value.count)) }
            }
        }
    };
    html! {
        section.facet {
            h2 { (filter_label(ctx.lang, &facet.param)) }
            ul {
                @for value in facet.values.iter().take(FACET_SHOWN) { (item(value)) }
            }
            @if facet.values.len() > FACET_SHOWN {
                details {
                    summary { (plural(ctx.lang, "search.more_values", facet.values.len() - FACET_SHOWN)) }
                    ul {
                        @for value in facet.values.iter().skip(FACET_SHOWN) { (item(value)) }
                    }
                }
            }
        }
    }
}

pub fn search_page(ctx: &Ctx, view: &SearchPageView) -> Markup {
    let lang = ctx.lang;
    let body = html! {
        h1 { (t(lang, "search.title")) }
        p.lead { (t(lang, "search.intro")) }
        @if !view.my_reviews.is_empty() {
            section.reviews-due aria-labelledby="reviews-due" {
                h2 #reviews-due { (t(lang, "review.yours")) }
                ul { @for (href, title) in &view.my_reviews { li { a href=(href) { (title) } } } }
            }
        }
        (search_box(
            paths::LEARNINGS,
            &t(lang, "search.query_label"),
            &t(lang, "search.submit"),
            &t(lang, "search.hint"),
            &view.q,
            &view.hidden,
        ))
        @if view.manager {
            p { a.button href=(paths::NEW_LEARNING) { (t(lang, "learning.new")) } }
        }
        @for notice in &view.notices {
            p.notice role="status" {
                (tf(lang, notice.key, &notice.args.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()))
            }
        }
        @if let Some(spelling) = &view.spelling { (spelling_notice(lang, spelling)) }
        @if !view.active.is_empty() {
            ul.active-filters aria-label=(t(lang, "search.active_filters")) {
                @for filter in &view.active {
                    li {
                        (filter_label(lang, &filter.param)) ": " (filter.label) " "
                        a href=(filter.remove_href) aria-label=(tf(lang, "search.remove_filter", &[("filter", &filter.label)])) { "✕" }
                    }
                }
                li { a href=(view.clear_href) { (t(lang, "search.clear")) } }
            }
        }
        div.library {
            @if !view.facets.is_empty() {
                aside.refine aria-label=(t(lang, "search.refine")) {
                    details.refine {
                        summary { (t(lang, "search.refine")) }
                        div.facets { @for facet in &view.facets { (facet_list(ctx, facet)) } }
                    }
                }
            }
            div.results {
                p.showing role="status" {
                    @if view.total == 0 && view.q.trim().is_empty() && view.active.is_empty() {
                        (t(lang, "search.empty_library"))
                    } @else if view.total == 0 {
                        (t(lang, "search.none"))
                    } @else {
                        (tf(lang, "search.showing", &[
                            ("first", &number(lang, view.first)),
                            ("last", &number(lang, view.last)),
                            ("total", &number(lang, view.total)),
                        ]))
                    }
                }
                @if let Some((href, count)) = &view.in_my_language {
                    p.mine {
                        a href=(href) { (t(lang, "search.only_mine")) }
                        " " span.count { (number(lang, *count)) }
                    }
                }
                @if view.total > 0 {
                    p.sort {
                        @match &view.sort_relevance_href {
                            // Without words there is one order only: say which.
                            None => { (t(lang, "search.sorted_newest")) }
                            Some(href) => {
                                (t(lang, "search.sort")) " "
                                @if view.relevance {
                                    strong { (t(lang, "search.sort_relevance")) }
                                    " · "
                                    a href=(view.sort_newest_href) { (t(lang, "search.sort_newest")) }
                                } @else {
                                    a href=(href) { (t(lang, "search.sort_relevance")) }
                                    " · "
                                    strong { (t(lang, "search.sort_newest")) }
                                }
                            }
                        }
                    }
                }
                ol.hits start=(view.first.max(1)) {
                    @for hit in &view.hits {
                        li.hit {
                            h2 lang=[hit.lang.as_deref()] { a href=(hit.href) { (hit.title) } }
                            p.meta {
                                (hit.learning_type)
                                @if let Some(e) = &hit.evaluation_type { " · " (e) }
                                @if let Some(y) = hit.year { " · " (y) }
                                @if let Some(s) = &hit.status { " · " strong.status { (s) } }
                            }
                            @if !hit.project.is_empty() {
                                p.project { a href=(hit.project_href) { (hit.project) } }
                            }
                            p.snippet lang=[hit.lang.as_deref()] { (snippet(&hit.snippet)) }
                        }
                    }
                }
                (pager(ctx, &view.pager))
            }
        }
    };
    page(ctx, &t(lang, "search.title"), body)
}

/// One field of a learning: its label and its values, each linking to the filtered search.
pub struct FieldView {
    pub label_param: &'static str,
    pub values: Vec<(String, String)>,
}

pub struct LinkView {
    pub href: String,
    pub title: String,
    /// The title's language (`en`, `fr` or `es`): marked when it is not the page's.
    pub language: String,
    pub note: String,
}

/// The `lang` of a linked item's title: only where it differs from the page's.
fn link_lang<'a>(ctx: &Ctx, link: &'a LinkView) -> Option<&'a str> {
    (link.language != ctx.lang).then_some(link.language.as_str())
}

pub struct ReviewEntryView {
    pub who: String,
    pub action: String,
    pub comment: String,
    pub at: String,
}

/// Actions a knowledge manager or reviewer may take on this learning now.
#[derive(Default)]
pub struct WorkflowView {
    pub can_edit: bool,
    /// (user id, name) of people who may be named reviewer; empty when submitting is not possible.
    pub reviewers: Vec<(i32, String)>,
    pub can_submit: bool,
    pub can_name_reviewer: bool,
    pub can_decide: bool,
    pub can_retire: bool,
    pub can_reopen: bool,
    pub can_comment: bool,
    pub reviewer: Option<String>,
}

pub struct LearningPageView {
    pub id: i32,
    pub title: String,
    /// The learning's language, when it is not the page's.
    pub lang: Option<String>,
    pub status: String,
    pub published: bool,
    pub description_html: String,
    pub fields: Vec<FieldView>,
    pub source_url: String,
    pub published_at: Option<String>,
    pub related: Vec<LinkView>,
    pub threads: Vec<LinkView>,
    /// Forums the reader may start a thread in: (slug, title).
    pub discuss_in: Vec<(String, String)>,
    pub workflow: Option<WorkflowView>,
    pub history: Vec<ReviewEntryView>,
    pub notice: Option<&'static str>,
}

pub fn learning_page(ctx: &Ctx, view: &LearningPageView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    let body = html! {
        p.breadcrumb { a href=(paths::LEARNINGS) { (t(lang, "search.title")) } }
        article.learning {
            h1 lang=[view.lang.as_deref()] { (view.title) }
            @if !view.published {
                p.status-banner role="status" { (tf(lang, "learning.not_public", &[("status", &status_label(lang, &view.status))])) }
            }
            @if let Some(key) = view.notice { p.notice role="status" { (t(lang, key)) } }
            (error_summary(ctx, errors))
            div.body lang=[view.lang.as_deref()] { (PreEscaped(&view.description_html)) }
            dl.fields {
                @for field in &view.fields {
                    @if !field.values.is_empty() {
                        dt { (filter_label(lang, field.label_param)) }
                        dd {
                            @for (i, (label, href)) in field.values.iter().enumerate() {
                                @if i > 0 { ", " }
                                a href=(href) { (label) }
                            }
                        }
                    }
                }
                @if let Some(at) = &view.published_at {
                    dt { (t(lang, "learning.published")) }
                    dd { (time(lang, at)) }
                }
                @if !view.source_url.is_empty() {
                    dt { (t(lang, "learning.source")) }
                    dd { a href=(view.source_url) rel="noopener noreferrer external" { (t(lang, "learning.source_link")) } }
                }
            }
        }
        section aria-labelledby="threads" {
            h2 #threads { (t(lang, "learning.threads")) }
            @if view.threads.is_empty() {
                p { (t(lang, "learning.no_threads")) }
            } @else {
                ul { @for link in &view.threads { li { a href=(link.href) lang=[link_lang(ctx, link)] { (link.title) } " " span.meta { (link.note) } } } }
            }
            @if !view.discuss_in.is_empty() {
                form.inline-form method="get" action=(paths::learning_action(view.id, "discuss")) {
                    label for="forum" { (t(lang, "learning.discuss_in")) }
                    select #forum name="forum" {
                        @for (slug, title) in &view.discuss_in { option value=(slug) { (title) } }
                    }
                    button type="submit" { (t(lang, "learning.discuss")) }
                }
            }
        }
        @if !view.related.is_empty() {
            section aria-labelledby="related" {
                h2 #related { (t(lang, "learning.related")) }
                ul { @for link in &view.related { li { a href=(link.href) lang=[link_lang(ctx, link)] { (link.title) } " " span.meta { (link.note) } } } }
            }
        }
        @if let Some(workflow) = &view.workflow {
            (workflow_section(ctx, view, workflow))
        }
    };
    page(ctx, &view.title, body)
}

fn workflow_section(ctx: &Ctx, view: &LearningPageView, workflow: &WorkflowView) -> Markup {
    let lang = ctx.lang;
    let action = |name: &str| paths::learning_action(view.id, name);
    html! {
        section.workflow aria-labelledby="workflow" {
            h2 #workflow { (t(lang, "review.title")) }
            p {
                (t(lang, "review.status")) " " strong { (status_label(lang, &view.status)) }
                @if let Some(name) = &workflow.reviewer { " · " (tf(lang, "review.reviewer_is", &[("name", name)])) }
            }
            @if workflow.can_edit {
                p { a.button href=(action("edit")) { (t(lang, "learning.edit")) } }
            }
            @if (workflow.can_submit || workflow.can_name_reviewer) && !workflow.reviewers.is_empty() {
                form method="post" action=(action(if workflow.can_submit { "submit" } else { "reviewer" })) {
                    (csrf_field(ctx))
                    div.field {
                        label for="reviewer_id" { (t(lang, "review.choose_reviewer")) }
                        (field_error(ctx, &FormErrors::default(), "reviewer_id"))
                        select #reviewer_id name="reviewer_id" {
                            @for (id, name) in &workflow.reviewers { option value=(id) { (name) } }
                        }
                    }
                    button type="submit" {
                        @if workflow.can_submit { (t(lang, "review.submit")) } @else { (t(lang, "review.name_reviewer")) }
                    }
                }
            }
            @if workflow.can_submit || workflow.can_name_reviewer {
                p.hint { (t(lang, "review.who_can")) }
            }
            @if (workflow.can_submit || workflow.can_name_reviewer) && workflow.reviewers.is_empty() {
                p.notice {
                    (t(lang, "review.no_reviewers")) " "
                    a href={ (paths::ADMIN_USERS) "#outside-reviewers" } { (t(lang, "review.add_reviewer")) }
                }
            }
            @if workflow.can_decide {
                form method="post" action=(action("decide")) {
                    (csrf_field(ctx))
                    (textarea(ctx, &FormErrors::default(), "comment", &t(lang, "review.comment"), "", 4))
                    div.buttons {
                        button type="submit" name="decision" value="approve" { (t(lang, "review.approve")) }
                        button type="submit" name="decision" value="changes" { (t(lang, "review.request_changes")) }
                    }
                }
            }
            @if workflow.can_retire {
                form method="post" action=(action("retire")) {
                    (csrf_field(ctx))
                    button type="submit" { (t(lang, "review.retire")) }
                }
            }
            @if workflow.can_reopen {
                form method="post" action=(action("reopen")) {
                    (csrf_field(ctx))
                    button type="submit" { (t(lang, "review.reopen")) }
                }
            }
            @if workflow.can_comment && !workflow.can_decide {
                form method="post" action=(action("comment")) {
                    (csrf_field(ctx))
                    (textarea(ctx, &FormErrors::default(), "comment", &t(lang, "review.comment"), "", 3))
                    button type="submit" { (t(lang, "review.add_comment")) }
                }
            }
            h3 { (t(lang, "review.history")) }
            @if view.history.is_empty() {
                p { (t(lang, "review.no_history")) }
            } @else {
                ol.history {
                    @for entry in &view.history {
                        li {
                            (ago(ctx, &entry.at)) " · " strong { (entry.who) } " · " (entry.action)
                            @if !entry.comment.is_empty() { blockquote { (entry.comment) } }
                        }
                    }
                }
            }
        }
    }
}

/// One choice list of the learning form: (code, label) options and the chosen code.
pub struct SelectView {
    pub field: &'static str,
    pub options: Vec<(String, String)>,
    pub chosen: String,
}

pub struct LearningFormView {
    /// None for a new learning.
    pub id: Option<i32>,
    pub title: String,
    pub description: String,
    pub project_title: String,
    pub year: String,
    pub countries: String,
    pub themes: Vec<(String, String, bool)>,
    pub source_url: String,
    pub external_id: String,
    pub selects: Vec<SelectView>,
}

fn select(ctx: &Ctx, errors: &FormErrors, view: &SelectView) -> Markup {
    html! {
        div.field {
            label for=(view.field) { (filter_label(ctx.lang, view.field)) }
            (field_error(ctx, errors, view.field))
            select id=(view.field) name=(view.field) {
                option value="" { "—" }
                @for (code, label) in &view.options {
                    option value=(code) selected[*code == view.chosen] { (label) }
                }
            }
        }
    }
}

pub fn learning_form(ctx: &Ctx, view: &LearningFormView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    let (heading, action) = match view.id {
        Some(id) => (t(lang, "learning.edit"), paths::learning_action(id, "edit")),
        None => (t(lang, "learning.new"), paths::NEW_LEARNING.to_string()),
    };
    let body = html! {
        h1 { (heading) }
        (error_summary(ctx, errors))
        form method="post" action=(action) {
            (csrf_field(ctx))
            (text_input(ctx, errors, "title", &t(lang, "learning.title_field"), &view.title, "text", 300))
            (textarea(ctx, errors, "description", &t(lang, "learning.description"), &view.description, 10))
            (text_input(ctx, errors, "project_title", &filter_label(lang, "project"), &view.project_title, "text", 500))
            @for s in &view.selects { (select(ctx, errors, s)) }
            (text_input(ctx, errors, "year", &filter_label(lang, "year"), &view.year, "text", 4))
            (text_field(ctx, errors, &TextField {
                field: "countries",
                label: &t(lang, "learning.countries_field"),
                value: &view.countries,
                kind: "text",
                max: 8000,
                autocomplete: None,
                hint: Some(&t(lang, "learning.countries_hint")),
            }))
            fieldset {
                legend { (filter_label(lang, "theme")) }
                (field_error(ctx, errors, "themes"))
                @for (slug, name, checked) in &view.themes {
                    label.check {
                        input type="checkbox" name="themes" value=(slug) checked[*checked];
                        " " (name)
                    }
                }
            }
            (text_input(ctx, errors, "source_url", &t(lang, "learning.source"), &view.source_url, "url", 2000))
            (text_input(ctx, errors, "external_id", &t(lang, "learning.external_id"), &view.external_id, "text", 100))
            button type="submit" { (t(lang, "common.save")) }
        }
    };
    page(ctx, &heading, body)
}

/// A term on the vocabularies page: its code and its labels in English, French and Spanish
/// (the last two empty when missing).
pub type TermLabels = (String, [String; 3]);

pub struct VocabulariesView {
    /// (vocabulary name, its terms).
    pub vocabularies: Vec<(String, Vec<TermLabels>)>,
    pub vocabulary: String,
    pub code: String,
    pub label: String,
    pub label_fr: String,
    pub label_es: String,
}

pub fn vocabulary_label(lang: &str, name: &str) -> String {
    match name {
        "product_kind" => t(lang, "learning.product_kind").into_owned(),
        other => filter_label(lang, other),
    }
}

pub fn vocabularies_page(
    ctx: &Ctx,
    view: &VocabulariesView,
    errors: &FormErrors,
    notice: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    let body = html! {
        h1 { (t(lang, "learning.vocabularies")) }
        p { (t(lang, "learning.vocabularies_intro")) }
        (crate::components::notice(ctx, notice))
        (error_summary(ctx, errors))
        form method="post" action=(paths::ADMIN_VOCABULARIES) {
            (csrf_field(ctx))
            div.field {
                label for="vocabulary" { (t(lang, "learning.vocabulary")) }
                (field_error(ctx, errors, "vocabulary"))
                select #vocabulary name="vocabulary" {
                    @for (name, _) in &view.vocabularies {
                        option value=(name) selected[*name == view.vocabulary] { (vocabulary_label(lang, name)) }
                    }
                }
            }
            (text_input(ctx, errors, "code", &t(lang, "learning.code"), &view.code, "text", 64))
            (text_input(ctx, errors, "label", &t(lang, "learning.label"), &view.label, "text", 120))
            (text_input(ctx, errors, "label_fr", &t(lang, "learning.label_fr"), &view.label_fr, "text", 120))
            (text_input(ctx, errors, "label_es", &t(lang, "learning.label_es"), &view.label_es, "text", 120))
            button type="submit" { (t(lang, "learning.add_term")) }
        }
        @for (name, terms) in &view.vocabularies {
            h2 { (vocabulary_label(lang, name)) }
            ul {
                @for (code, [en, fr, es]) in terms {
                    li {
                        span lang="en" { (en) }
                        @for (other, label) in [("fr", fr), ("es", es)] {
                            " · "
                            @if label.is_empty() {
                                span.hint { (t(lang, "learning.label_missing")) " (" (other) ")" }
                            } @else {
                                span lang=(other) { (label) }
                            }
                        }
                        " " code { (code) }
                        " " a href=(paths::admin_term(name, code)) { (t(lang, "translation.edit")) (crate::components::item_name(en)) }
                    }
                }
            }
        }
    };
    page(ctx, &t(lang, "learning.vocabularies"), body)
}
