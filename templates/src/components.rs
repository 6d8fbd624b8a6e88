//! Small pieces shared by pages: the CSRF field, form errors, pagers, dates.

use maud::{Markup, html};

use crate::{
    Ctx, format,
    i18n::{t, tf},
};

/// The level of the headings in a list that appears on several pages: each page puts it under
/// its own headings, and a level is never skipped (axe's `heading-order`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    H2,
    H3,
}

/// A heading of `level`, in the language `lang` when it differs from the page's.
pub fn heading(level: Level, lang: Option<&str>, content: Markup) -> Markup {
    html! {
        @match level {
            Level::H2 => h2 lang=[lang] { (content) },
            Level::H3 => h3 lang=[lang] { (content) },
        }
    }
}

/// The rest of a button's name, heard but not seen: in a row of identical buttons
/// ("Disable", "Disable", …) each then says which item it acts on.
pub fn item_name(name: &str) -> Markup {
    html! { span.visually-hidden { " " (name) } }
}

pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(ctx.csrf); }
}

/// One field that is wrong: its name, the catalogue key saying what is wrong, and the
/// offending value when naming it helps (which of twenty addresses is not one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub key: &'static str,
    pub value: Option<String>,
}

impl FieldProblem {
    pub fn new(field: &'static str, key: &'static str) -> FieldProblem {
        FieldProblem {
            field,
            key,
            value: None,
        }
    }

    /// The problem with the value it is about, shortened and without control characters.
    pub fn naming(mut self, value: &str) -> FieldProblem {
        let shown: String = value
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(60)
            .collect();
        self.value = Some(shown);
        self
    }
}

/// Everything wrong with one form, in the order of its fields.
#[derive(Clone, Debug, Default)]
pub struct FormErrors(Vec<FieldProblem>);

impl FormErrors {
    pub fn add(&mut self, field: &'static str, key: &'static str) {
        self.0.push(FieldProblem::new(field, key));
    }

    pub fn push(&mut self, problem: FieldProblem) {
        self.0.push(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn problems(&self) -> &[FieldProblem] {
        &self.0
    }

    /// The first problem of a field.
    pub fn of(&self, field: &str) -> Option<&FieldProblem> {
        self.0.iter().find(|problem| problem.field == field)
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.of(field).map(|problem| problem.key)
    }
}

impl From<FieldProblem> for FormErrors {
    fn from(problem: FieldProblem) -> Self {
        FormErrors(vec![problem])
    }
}

impl From<Vec<FieldProblem>> for FormErrors {
    fn from(problems: Vec<FieldProblem>) -> Self {
        FormErrors(problems)
    }
}

/// What a problem says: its sentence, and the value it names after it.
fn problem_text(ctx: &Ctx, problem: &FieldProblem) -> Markup {
    html! {
        (t(ctx.lang, problem.key))
        @if let Some(value) = &problem.value { " " q { (value) } }
    }
}

/// A summary at the top of a form that failed, linked to each field (WCAG error identification).
pub fn error_summary(ctx: &Ctx, errors: &FormErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.errors role="alert" tabindex="-1" {
                h2 { (t(ctx.lang, "form.has_errors")) }
                ul {
                    @for problem in errors.problems() {
                        li { a href={ "#" (problem.field) } { (problem_text(ctx, problem)) } }
                    }
                }
            }
        }
    }
}

pub fn field_error(ctx: &Ctx, errors: &FormErrors, field: &str) -> Markup {
    html! {
        @if let Some(problem) = errors.of(field) {
            p.field-error id={ (field) "-error" } { (problem_text(ctx, problem)) }
        }
    }
}

/// One option of a select: its value, what it shows, and the language of that text when it
/// is not the page's.
pub struct Choice<'a> {
    pub value: &'a str,
    pub label: &'a str,
    pub lang: Option<&'a str>,
}

/// A labelled select with its error; `value` is selected, and `empty` (when given) is a first
/// option meaning "none".
pub fn select_field(
    ctx: &Ctx,
    errors: &FormErrors,
    field: &str,
    label: &str,
    choices: &[Choice<'_>],
    value: &str,
    empty: Option<&str>,
) -> Markup {
    let invalid = errors.get(field).is_some();
    html! {
        div.field {
            label for=(field) { (label) }
            (field_error(ctx, errors, field))
            select id=(field) name=(field)
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{field}-error"))] {
                @if let Some(empty) = empty { option value="" { (empty) } }
                @for choice in choices {
                    option value=(choice.value) lang=[choice.lang] selected[choice.value == value] {
                        (choice.label)
                    }
                }
            }
        }
    }
}

/// A labelled choice of English, French or Spanish, each named in its own language; `value`
/// is selected (nothing when it is not a language: the first, English, shows).
pub fn language_select(
    ctx: &Ctx,
    errors: &FormErrors,
    field: &str,
    label: &str,
    value: &str,
) -> Markup {
    let names: Vec<_> = crate::i18n::SUPPORTED
        .iter()
        .map(|code| (*code, crate::i18n::autonym(code)))
        .collect();
    let choices: Vec<Choice<'_>> = names
        .iter()
        .map(|(code, name)| Choice {
            value: code,
            label: name,
            lang: Some(code),
        })
        .collect();
    select_field(ctx, errors, field, label, &choices, value, None)
}

/// A labelled single-line input with its error; an email address is offered from the
/// browser's autofill.
pub fn text_input(
    ctx: &Ctx,
    errors: &FormErrors,
    field: &str,
    label: &str,
    value: &str,
    kind: &str,
    max: usize,
) -> Markup {
    text_field(
        ctx,
        errors,
        &TextField {
            field,
            label,
            value,
            kind,
            max,
            autocomplete: (kind == "email").then_some("email"),
            hint: None,
        },
    )
}

/// A single-line input and what goes with it.
pub struct TextField<'a> {
    pub field: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    /// `text`, `email`, `url`…
    pub kind: &'a str,
    pub max: usize,
    /// The `autocomplete` token (`email`, `username`, `name`).
    pub autocomplete: Option<&'a str>,
    /// Help shown under the field and read with it (`aria-describedby`).
    pub hint: Option<&'a str>,
}

pub fn text_field(ctx: &Ctx, errors: &FormErrors, input: &TextField) -> Markup {
    let field = input.field;
    let invalid = errors.get(field).is_some();
    html! {
        div.field {
            label for=(field) { (input.label) }
            (field_error(ctx, errors, field))
            input id=(field) name=(field) type=(input.kind) value=(input.value) maxlength=(input.max)
                autocomplete=[input.autocomplete]
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[described_by(field, invalid, input.hint.is_some())];
            @if let Some(hint) = input.hint {
                p.hint id={ (field) "-hint" } { (hint) }
            }
        }
    }
}

/// The ids of a field's hint and error (`{field}-hint`, `{field}-error`), when it has them.
fn described_by(field: &str, invalid: bool, hint: bool) -> Option<String> {
    let ids: Vec<String> = [(hint, "hint"), (invalid, "error")]
        .into_iter()
        .filter(|(present, _)| *present)
        .map(|(_, kind)| format!("{field}-{kind}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// The field for choosing a password, with the rule it must meet beside it (announced with the
/// field by screen readers, and with its error when there is one).
pub fn new_password_input(ctx: &Ctx, errors: &FormErrors) -> Markup {
    let field = "password";
    let invalid = errors.get(field).is_some();
    html! {
        div.field {
            label for=(field) { (t(ctx.lang, "auth.new_password")) }
            (field_error(ctx, errors, field))
            input id=(field) name=(field) type="password" maxlength="256" autocomplete="new-password"
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[described_by(field, invalid, true)];
            p.hint id={ (field) "-hint" } { (t(ctx.lang, "auth.password_rule")) }
        }
    }
}

pub fn textarea(
    ctx: &Ctx,
    errors: &FormErrors,
    field: &str,
    label: &str,
    value: &str,
    rows: u32,
) -> Markup {
    markdown_area(ctx, errors, (field, label, value), rows, None)
}

/// A forum post's text: the Markdown help says how to mention a member too.
pub fn post_textarea(
    ctx: &Ctx,
    errors: &FormErrors,
    field: &str,
    label: &str,
    value: &str,
    rows: u32,
) -> Markup {
    markdown_area(
        ctx,
        errors,
        (field, label, value),
        rows,
        Some("form.mention_hint"),
    )
}

fn markdown_area(
    ctx: &Ctx,
    errors: &FormErrors,
    (field, label, value): (&str, &str, &str),
    rows: u32,
    more_help: Option<&str>,
) -> Markup {
    let invalid = errors.get(field).is_some();
    html! {
        div.field {
            label for=(field) { (label) }
            (field_error(ctx, errors, field))
            textarea id=(field) name=(field) rows=(rows)
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[described_by(field, invalid, true)] { (value) }
            p.hint id={ (field) "-hint" } {
                (t(ctx.lang, "form.markdown_hint"))
                @if let Some(key) = more_help { " " (t(ctx.lang, key)) }
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    /// URL prefix to which `page=N` is appended, e.g. `/threads/4?`.
    pub base: String,
}

pub fn pager(ctx: &Ctx, pager: &Pager) -> Markup {
    html! {
        @if pager.pages > 1 {
            nav.pager aria-label=(t(ctx.lang, "common.pages")) {
                @if pager.page > 1 {
                    a rel="prev" href={ (pager.base) "page=" (pager.page - 1) } { (t(ctx.lang, "common.previous")) }
                }
                span { (tf(ctx.lang, "common.page_of", &[("page", &format::number(ctx.lang, pager.page)), ("pages", &format::number(ctx.lang, pager.pages))])) }
                @if pager.page < pager.pages {
                    a rel="next" href={ (pager.base) "page=" (pager.page + 1) } { (t(ctx.lang, "common.next")) }
                }
            }
        }
    }
}

/// A moment in a `<time>` element: ISO 8601 for machines, the language's short form for
/// people ("30 nov. 2026, 14:05 UTC").
pub fn time(lang: &str, iso: &str) -> Markup {
    html! { time datetime=(iso) { (format::date_time(lang, iso)) } }
}

/// A past moment as people say it ("3 hours ago"), with the exact time in the element's
/// `datetime` and `title`; older than a week, the short form as [`time`] shows it.
pub fn ago(ctx: &Ctx, iso: &str) -> Markup {
    match crate::relative_time::relative(ctx.lang, iso, ctx.now) {
        Some(words) => html! {
            time datetime=(iso) title=(format::date_time(ctx.lang, iso)) { (words) }
        },
        None => time(ctx.lang, iso),
    }
}

/// A day in a `<time>` element, written out ("30 de noviembre de 2026").
pub fn day(lang: &str, iso: &str) -> Markup {
    html! { time datetime=(iso) { (format::date(lang, iso)) } }
}

pub fn notice(ctx: &Ctx, key: Option<&str>) -> Markup {
    html! {
        @if let Some(key) = key {
            p.notice role="status" { (t(ctx.lang, key)) }
        }
    }
}

/// A GET search form: the words box, the other parameters of the search kept as hidden fields,
/// and a hint under the box.
/// How a search read words that nothing held.
pub enum SpellingView {
    /// The words as typed found nothing; `searched` was searched instead, and the link
    /// searches the words as typed.
    Corrected {
        searched: String,
        typed: String,
        as_typed_href: String,
    },
    /// The results are those of the words as typed; `suggested` is offered.
    Offered { suggested: String, href: String },
}

/// "Showing results for *child labour*. Search instead for “chlid labour”", or "Did you mean
/// *child labour*?".
pub fn spelling_notice(lang: &str, view: &SpellingView) -> Markup {
    html! {
        @match view {
            SpellingView::Corrected { searched, typed, as_typed_href } => {
                p.notice.spelling role="status" {
                    (t(lang, "common.spelling_showing")) " " strong { (searched) } ". "
                    a href=(as_typed_href) {
                        (tf(lang, "common.spelling_as_typed", &[("typed", typed)]))
                    }
                }
            }
            SpellingView::Offered { suggested, href } => {
                p.notice.spelling role="status" {
                    (t(lang, "common.spelling_offered")) " "
                    a href=(href) { strong { (suggested) } }
                    (t(lang, "common.spelling_offered_end"))
                }
            }
        }
    }
}

pub fn search_box(
    action: &str,
    label: &str,
    submit: &str,
    hint: &str,
    q: &str,
    hidden: &[(String, String)],
) -> Markup {
    html! {
        form.search method="get" action=(action) role="search" {
            label for="q" { (label) }
            div.search-row {
                input #q type="search" name="q" value=(q) maxlength="256" aria-describedby="q-hint";
                button type="submit" { (submit) }
            }
            @for (name, value) in hidden {
                input type="hidden" name=(name) value=(value);
            }
            p.hint #q-hint { (hint) }
        }
    }
}
