//! The front page: for visitors, what Fora offers and the newest learnings; for members, what
//! happened in their forums and what waits for them.

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{ago, search_box},
    forums::{ForumSummary, forum_list},
    i18n::{plural, t},
    layout, paths,
    waiting::Waiting,
};

/// A published learning as the front page lists it.
pub struct NewLearning {
    pub href: String,
    pub title: String,
    pub project: String,
    /// The learning's language, when it is not the page's.
    pub lang: Option<String>,
}

/// A thread with recent activity in one of the reader's forums.
pub struct ActiveThread {
    pub href: String,
    pub title: String,
    pub forum_title: String,
    /// The thread's language, when it is not the page's.
    pub lang: Option<String>,
    /// The forum's language, when it is not the page's.
    pub forum_lang: Option<String>,
    pub last_post_at: String,
    pub unread: u64,
}

pub struct HomeView {
    /// Published learnings (0 while the search index is being rebuilt).
    pub learnings_total: u64,
    pub newest: Vec<NewLearning>,
    /// Signed in: the reader's forums and their latest threads.
    pub forums: Vec<ForumSummary>,
    pub activity: Vec<ActiveThread>,
    /// Signed in: how many things wait for the reader, and the first few of them.
    pub waiting_total: u64,
    pub waiting: Vec<Waiting>,
}

pub fn home(ctx: &Ctx, view: &HomeView) -> Markup {
    let lang = ctx.lang;
    let title = t(lang, "home.title");
    let body = html! {
        h1 { (title) }
        p.lead { (t(lang, "home.intro")) }
        @match &ctx.user {
            Some(user) => {
                (waiting(ctx, view))
                (activity(ctx, view))
                (library(ctx, view))
                section aria-labelledby="your-forums" {
                    h2 #your-forums { (t(lang, "home.your_forums")) }
                    @if view.forums.is_empty() && user.is_admin {
                        p { (t(lang, "home.no_forums_admin")) " " a href=(paths::ADMIN) { (t(lang, "nav.admin")) } }
                    } @else {
                        (forum_list(ctx, &view.forums))
                    }
                }
            }
            None => {
                (library(ctx, view))
                (offer(ctx))
            }
        }
    };
    layout::page(ctx, &title, body)
}

/// What waits for the reader: how much, the first few, and the way to the rest; or that
/// nothing does.
fn waiting(ctx: &Ctx, view: &HomeView) -> Markup {
    let lang = ctx.lang;
    html! {
        section aria-labelledby="waiting" {
            h2 #waiting { (t(lang, "waiting.title")) }
            @if view.waiting.is_empty() {
                p { (t(lang, "waiting.nothing")) }
            } @else {
                ul.activity {
                    @for waiting in &view.waiting {
                        li {
                            a href=(waiting.item.href) { (waiting.item.title) }
                            br;
                            span.meta {
                                (t(lang, waiting.section)) " · " (waiting.item.place) " · "
                                (ago(ctx, &waiting.item.since))
                            }
                        }
                    }
                }
                p { a href=(paths::WAITING) { (plural(lang, "home.waiting", view.waiting_total)) } }
            }
        }
    }
}

fn activity(ctx: &Ctx, view: &HomeView) -> Markup {
    let lang = ctx.lang;
    html! {
        section aria-labelledby="activity" {
            h2 #activity { (t(lang, "home.activity")) }
            @if view.activity.is_empty() {
                p { (t(lang, "home.no_activity")) }
            } @else {
                ul.activity {
                    @for thread in &view.activity {
                        li {
                            a href=(thread.href) lang=[thread.lang.as_deref()] { (thread.title) }
                            @if thread.unread > 0 {
                                " " strong.tag { (plural(lang, "home.unread", thread.unread)) }
                            }
                            br;
                            span.meta {
                                span lang=[thread.forum_lang.as_deref()] { (thread.forum_title) }
                                " · " (ago(ctx, &thread.last_post_at))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn library(ctx: &Ctx, view: &HomeView) -> Markup {
    let lang = ctx.lang;
    html! {
        section aria-labelledby="library" {
            h2 #library { (t(lang, "home.library")) }
            @if view.learnings_total > 0 {
                p { (plural(lang, "home.library_count", view.learnings_total)) }
            }
            (search_box(
                paths::LEARNINGS,
                &t(lang, "search.query_label"),
                &t(lang, "search.submit"),
                &t(lang, "search.hint"),
                "",
                &[],
            ))
            @if !view.newest.is_empty() {
                h3 { (t(lang, "home.newest")) }
                ul.newest {
                    @for learning in &view.newest {
                        li {
                            a href=(learning.href) lang=[learning.lang.as_deref()] { (learning.title) }
                            br;
                            span.meta lang=[learning.lang.as_deref()] { (learning.project) }
                        }
                    }
                }
                p { a href=(paths::LEARNINGS) { (t(lang, "home.all_learnings")) } }
            }
        }
    }
}

/// What a visitor can do here, one short paragraph each.
fn offer(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let part = |heading: &str, text: &str, href: &str| {
        html! {
            li {
                h3 { a href=(href) { (t(lang, heading)) } }
                p { (t(lang, text)) }
            }
        }
    };
    html! {
        section aria-labelledby="offer" {
            h2 #offer { (t(lang, "home.offer")) }
            ul.cards {
                (part("nav.products", "home.products_text", paths::PRODUCTS))
                (part("theme.list_title", "home.themes_text", paths::THEMES))
                (part("nav.newsletter", "home.newsletter_text", paths::NEWSLETTER))
                (part("home.forums", "home.forums_text", paths::LOGIN))
            }
        }
    }
}
