//! What waits for a person: the "waiting for you" page, and the mail that tells someone a
//! hand-off reached them (a held post, a report, a learning to review, a decision on their
//! own post or learning).

use maud::{Markup, html};

use crate::{
    Ctx,
    components::ago,
    email::{RenderedEmail, simple_with},
    i18n::{autonym, t, tf},
    layout,
};

/// One thing that waits, with where to act on it.
pub struct Item {
    pub title: String,
    /// The language the title is written in (`None`: the site's own words).
    pub lang: Option<String>,
    /// Where it is: the forum, or "Learning".
    pub place: String,
    pub href: String,
    /// Since when it waits (ISO 8601, UTC).
    pub since: String,
}

/// One thing that waits, with the heading of its section ("Reported posts").
pub struct Waiting {
    pub section: &'static str,
    pub item: Item,
}

/// The sections of the page, each shown only when it holds something.
#[derive(Default)]
pub struct WaitingView {
    pub held_posts: Vec<Item>,
    pub held_edits: Vec<Item>,
    pub reports: Vec<Item>,
    pub proposals: Vec<Item>,
    pub reviews: Vec<Item>,
    pub editions: Vec<Item>,
}

impl WaitingView {
    pub fn count(&self) -> usize {
        self.sections().iter().map(|(_, items)| items.len()).sum()
    }

    /// The first `n` items, section by section.
    pub fn first(self, n: usize) -> Vec<Waiting> {
        let WaitingView {
            held_posts,
            held_edits,
            reports,
            proposals,
            reviews,
            editions,
        } = self;
        [
            ("waiting.held_posts", held_posts),
            ("waiting.held_edits", held_edits),
            ("waiting.reports", reports),
            ("waiting.proposals", proposals),
            ("waiting.reviews", reviews),
            ("waiting.editions", editions),
        ]
        .into_iter()
        .flat_map(|(section, items)| items.into_iter().map(move |item| Waiting { section, item }))
        .take(n)
        .collect()
    }

    /// Each section's heading key with its items.
    pub fn sections(&self) -> [(&'static str, &Vec<Item>); 6] {
        [
            ("waiting.held_posts", &self.held_posts),
            ("waiting.held_edits", &self.held_edits),
            ("waiting.reports", &self.reports),
            ("waiting.proposals", &self.proposals),
            ("waiting.reviews", &self.reviews),
            ("waiting.editions", &self.editions),
        ]
    }
}

pub fn page(ctx: &Ctx, view: &WaitingView) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "waiting.title"),
        html! {
            h1 { (t(lang, "waiting.title")) }
            @if view.count() == 0 {
                p { (t(lang, "waiting.nothing")) }
            }
            @for (key, items) in view.sections() {
                @if !items.is_empty() {
                    section aria-labelledby=(key.replace('.', "-")) {
                        h2 id=(key.replace('.', "-")) { (t(lang, key)) " (" (items.len()) ")" }
                        ul.waiting {
                            @for item in items {
                                @let language = item.lang.as_deref().and_then(|l| ctx.other_lang(l));
                                li {
                                    a href=(item.href) lang=[language] { (item.title) }
                                    @if let Some(language) = language {
                                        " · " span lang=(language) { (autonym(language)) }
                                    }
                                    " · " (item.place) " · "
                                    (ago(ctx, &item.since))
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// What a hand-off mail says: its subject, a sentence, an optional quotation (a reason, a
/// report, a comment: someone's own words, shown as such) and the one link to act on it.
pub struct Handoff<'a> {
    pub subject_key: &'a str,
    pub intro_key: &'a str,
    /// Thread or learning titles and forum names filling the keys' placeholders.
    pub args: &'a [(&'a str, &'a str)],
    pub quote: Option<&'a str>,
    pub link: &'a str,
    pub button_key: &'a str,
}

pub fn handoff_mail(lang: &str, mail: &Handoff<'_>, preferences_link: &str) -> RenderedEmail {
    let mut after = Vec::new();
    if let Some(quote) = mail.quote.map(str::trim).filter(|quote| !quote.is_empty()) {
        after.push(tf(lang, "waiting.mail_quote", &[("text", quote)]));
    }
    after.push(tf(lang, "waiting.mail_why", &[("link", preferences_link)]));
    simple_with(
        lang,
        tf(lang, mail.subject_key, mail.args),
        tf(lang, mail.intro_key, mail.args),
        mail.link,
        &t(lang, mail.button_key),
        &after,
    )
}

/// The daily list of what still waits, for people who read Fora's mail once a day.
pub fn daily_mail(
    lang: &str,
    view: &WaitingView,
    link: &str,
    preferences_link: &str,
) -> RenderedEmail {
    let mut after: Vec<String> = view
        .sections()
        .iter()
        .filter(|(_, items)| !items.is_empty())
        .map(|(key, items)| {
            tf(
                lang,
                "waiting.daily_line",
                &[
                    ("section", &t(lang, key)),
                    ("count", &crate::format::number(lang, items.len())),
                ],
            )
        })
        .collect();
    after.push(tf(lang, "waiting.mail_why", &[("link", preferences_link)]));
    simple_with(
        lang,
        t(lang, "waiting.daily_subject").into_owned(),
        t(lang, "waiting.daily_intro").into_owned(),
        link,
        &t(lang, "waiting.title"),
        &after,
    )
}
