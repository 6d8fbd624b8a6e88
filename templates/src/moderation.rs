//! What only moderators see: thread controls, each post's moderation menu, the queue, post
//! history and the moderation log. Actions that take something away from people (hide,
//! reject) are buttons that lead to a confirmation step asking for the reason; the others act
//! at once.

use maud::{Markup, PreEscaped, html};

use crate::{
    Ctx,
    components::{ago, csrf_field, item_name, notice},
    i18n::{autonym, t, tf},
    layout, paths,
    thread_head::ThreadHead,
};

/// A moderator's action as a one-button form; `item` ends the button's name for screen readers
/// where a page has one such button per item.
fn action_button(ctx: &Ctx, action: &str, key: &str, item: Option<&str>) -> Markup {
    let lang = ctx.lang;
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(ctx))
            button.secondary type="submit" { (t(lang, key)) @if let Some(item) = item { (item_name(item)) } }
        }
    }
}

/// The thread's own tools in one disclosure: switches that act at once, "Hide discussion"
/// that asks first, moving and the outcome summary.
pub fn thread_controls(
    ctx: &Ctx,
    thread: &ThreadHead,
    move_targets: &[(String, String)],
) -> Markup {
    let lang = ctx.lang;
    let switch = |on: bool, set: &str, unset: &str| {
        let action = if on { unset } else { set };
        action_button(
            ctx,
            &paths::thread_action(thread.id, action),
            &format!("mod.{action}"),
            None,
        )
    };
    html! {
        details.moderation {
            summary { (t(lang, "mod.controls")) }
            div.controls {
                (switch(thread.pinned, "pin", "unpin"))
                (switch(thread.locked, "lock", "unlock"))
                (switch(thread.featured, "feature", "unfeature"))
                @if thread.hidden {
                    (action_button(ctx, &paths::thread_action(thread.id, "unhide"), "mod.unhide_thread", None))
                } @else {
                    (action_button(ctx, &paths::thread_action(thread.id, "hide"), "mod.hide_thread", None))
                }
            }
            @if !move_targets.is_empty() {
                form method="post" action=(paths::thread_action(thread.id, "move")) {
                    (csrf_field(ctx))
                    label for="move-to" { (t(lang, "mod.move_to")) }
                    select id="move-to" name="forum" {
                        @for (slug, title) in move_targets { option value=(slug) { (title) } }
                    }
                    button.secondary type="submit" { (t(lang, "mod.move")) }
                }
            }
            form method="post" action=(paths::thread_action(thread.id, "summary")) {
                (csrf_field(ctx))
                div.field {
                    label for="summary" { (t(lang, "mod.summary")) }
                    textarea id="summary" name="summary" rows="4" aria-describedby="summary-hint" { (thread.summary_md) }
                    p.hint #summary-hint { (t(lang, "mod.summary_hint")) }
                }
                button.secondary type="submit" { (t(lang, "mod.save_summary")) }
            }
        }
    }
}

/// One post's moderation menu: a disclosure named with the post's author (its header holds
/// `post-{id}-author`), holding what a moderator does to someone else's post.
pub fn post_menu(ctx: &Ctx, post_id: i32, hidden: bool, own: bool) -> Markup {
    let lang = ctx.lang;
    let summary_id = format!("moderate-{post_id}");
    let named = format!("{summary_id} post-{post_id}-author");
    html! {
        details.post-menu {
            summary id=(summary_id) aria-labelledby=(named) { (t(lang, "mod.moderate")) }
            div.controls {
                @if !own { a href=(paths::post_action(post_id, "edit")) { (t(lang, "post.edit")) } }
                a href=(paths::post_action(post_id, "history")) { (t(lang, "post.history")) }
                form.inline method="post" action=(paths::post_action(post_id, if hidden { "unhide" } else { "hide" })) {
                    (csrf_field(ctx))
                    button.secondary type="submit" {
                        (t(lang, if hidden { "mod.unhide_post" } else { "mod.hide_post" }))
                    }
                }
            }
        }
    }
}

pub struct QueueItem {
    pub post_id: i32,
    pub thread_id: i32,
    pub thread_title: String,
    pub author: String,
    pub body_html: String,
    /// The language the post is written in.
    pub language: String,
    pub created_at: String,
}

/// An author's edit of a published post, held for approval; the post shows `current_html`
/// until it is approved.
pub struct HeldEditItem {
    pub proposed: QueueItem,
    pub current_html: String,
}

pub struct FlagItem {
    pub flag_id: i32,
    pub post_id: i32,
    pub thread_id: i32,
    pub thread_title: String,
    pub reporter: String,
    /// Who wrote the reported post.
    pub author: String,
    pub reason: String,
    pub body_html: String,
    pub post_hidden: bool,
}

/// A held post's header: who, where, when, and its language when it is not the page's.
fn held_header(ctx: &Ctx, item: &QueueItem, href: &str) -> Markup {
    html! {
        header {
            strong { (item.author) } " · " a href=(href) { (item.thread_title) } " · " (ago(ctx, &item.created_at))
            @if let Some(language) = ctx.other_lang(&item.language) {
                " · " span lang=(language) { (autonym(language)) }
            }
        }
    }
}

pub fn queue_page(
    ctx: &Ctx,
    forum_slug: &str,
    forum_title: &str,
    pending: &[QueueItem],
    edits: &[HeldEditItem],
    flags: &[FlagItem],
    flash: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "queue.title"),
        html! {
            p.crumbs { a href=(paths::forum(forum_slug)) { (forum_title) } }
            h1 { (t(lang, "queue.title")) }
            (notice(ctx, flash))
            section aria-labelledby="pending-h" {
                h2 #pending-h { (t(lang, "queue.pending")) }
                @if pending.is_empty() { p { (t(lang, "queue.empty")) } }
                @for item in pending {
                    article.post.pending id={ "post-" (item.post_id) } {
                        (held_header(ctx, item, &paths::thread(item.thread_id)))
                        div.body lang=[ctx.other_lang(&item.language)] { (PreEscaped(&item.body_html)) }
                        @let which = format!("{}, {}", item.author, item.thread_title);
                        footer.actions {
                            (action_button(ctx, &paths::post_action(item.post_id, "approve"), "queue.approve", Some(&which)))
                            (action_button(ctx, &paths::post_action(item.post_id, "reject"), "queue.reject", Some(&which)))
                        }
                    }
                }
            }
            section aria-labelledby="edits-h" {
                h2 #edits-h { (t(lang, "queue.edits")) }
                @if edits.is_empty() { p { (t(lang, "queue.no_edits")) } }
                @for edit in edits {
                    @let item = &edit.proposed;
                    article.post.pending id={ "edit-" (item.post_id) } {
                        (held_header(ctx, item, &paths::post(item.thread_id, item.post_id)))
                        h3 { (t(lang, "queue.edit_proposed")) }
                        div.body lang=[ctx.other_lang(&item.language)] { (PreEscaped(&item.body_html)) }
                        details {
                            summary { (t(lang, "queue.edit_current")) }
                            div.body { (PreEscaped(&edit.current_html)) }
                        }
                        @let which = format!("{}, {}", item.author, item.thread_title);
                        footer.actions {
                            (action_button(ctx, &paths::post_action(item.post_id, "approve_edit"), "queue.approve_edit", Some(&which)))
                            (action_button(ctx, &paths::post_action(item.post_id, "reject_edit"), "queue.reject_edit", Some(&which)))
                        }
                    }
                }
            }
            section aria-labelledby="flags-h" {
                h2 #flags-h { (t(lang, "queue.flags")) }
                @if flags.is_empty() { p { (t(lang, "queue.no_flags")) } }
                @for flag in flags {
                    article.post {
                        header {
                            p { strong { (flag.reporter) } ": " (flag.reason) }
                            p.meta {
                                (tf(lang, "queue.reported_post_by", &[("name", &flag.author)]))
                                " · " a href=(paths::post(flag.thread_id, flag.post_id)) { (flag.thread_title) }
                            }
                        }
                        div.body { (PreEscaped(&flag.body_html)) }
                        @let which = format!("{}, {}", flag.author, flag.thread_title);
                        footer.actions {
                            @if !flag.post_hidden {
                                (action_button(ctx, &paths::post_action(flag.post_id, "hide"), "mod.hide_post", Some(&which)))
                            }
                            (action_button(ctx, &paths::flag_dismiss(flag.flag_id), "queue.dismiss", Some(&which)))
                        }
                    }
                }
            }
        },
    )
}

pub struct Revision {
    pub editor: String,
    pub at: String,
    pub body_md: String,
    /// The language this text was written in.
    pub language: String,
}

pub fn post_history(ctx: &Ctx, post_id: i32, thread_id: i32, revisions: &[Revision]) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "post.history"),
        html! {
            p.crumbs { a href=(paths::thread_at(thread_id, post_id)) { (t(lang, "post.back")) } }
            h1 { (t(lang, "post.history")) }
            @if revisions.is_empty() { p { (t(lang, "post.no_history")) } }
            ol.revisions {
                @for revision in revisions {
                    li {
                        p.meta {
                            (revision.editor) " · " (ago(ctx, &revision.at)) " · "
                            (t(lang, "post.language")) ": " span lang=(revision.language) { (autonym(&revision.language)) }
                        }
                        pre lang=(revision.language) { (revision.body_md) }
                    }
                }
            }
        },
    )
}

/// What a log row acted on, named: the handler resolved ids to names and addresses.
pub enum LogItem {
    /// A post, by its author, in a thread.
    Post {
        author: Link,
        thread: Link,
    },
    Thread(Link),
    Person(Link),
    Forum(Link),
    /// Something named in words only (a theme, an invitation's address).
    Named(String),
    /// Something no longer there.
    Gone,
}

/// A name and where it leads (`None`: not a page the reader may open).
pub struct Link {
    pub text: String,
    pub href: Option<String>,
}

pub struct LogRow {
    pub actor: Link,
    pub action: String,
    pub item: LogItem,
    pub reason: String,
    pub at: String,
    pub forum: Option<Link>,
}

fn link(link: &Link) -> Markup {
    html! {
        @match &link.href {
            Some(href) => a href=(href) { (link.text) },
            None => (link.text),
        }
    }
}

/// A translated sentence whose `%{name}` placeholders are filled with markup (links); the
/// sentence's own text is escaped.
fn sentence(lang: &str, key: &str, args: &[(&str, Markup)]) -> Markup {
    let text = t(lang, key);
    let mut out = String::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("%{") {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + length];
        out.push_str(&html! { (rest[..start]) }.into_string());
        if let Some((_, value)) = args.iter().find(|(n, _)| *n == name) {
            out.push_str(&value.0);
        }
        rest = &rest[start + length + 1..];
    }
    out.push_str(&html! { (rest) }.into_string());
    PreEscaped(out)
}

/// "hid a post by Amina Diallo in «Thread title»", with links.
fn what(lang: &str, row: &LogRow) -> Markup {
    let key = format!("log.action_{}", row.action);
    let action = t(lang, &key);
    let item = match &row.item {
        LogItem::Post { author, thread } => sentence(
            lang,
            "log.item_post",
            &[("person", link(author)), ("thread", link(thread))],
        ),
        LogItem::Thread(thread) => sentence(lang, "log.item_thread", &[("thread", link(thread))]),
        LogItem::Person(person) | LogItem::Forum(person) => link(person),
        LogItem::Named(name) => html! { (name) },
        LogItem::Gone => html! { (t(lang, "log.item_gone")) },
    };
    html! { (action) " " (item) }
}

pub fn log_page(ctx: &Ctx, heading: &str, rows: &[LogRow], pager_markup: Markup) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "log.title"),
        html! {
            h1 { (t(lang, "log.title")) ": " (heading) }
            @if rows.is_empty() { p { (t(lang, "log.empty")) } }
            @else {
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "log.when")) }
                        th scope="col" { (t(lang, "log.who")) }
                        th scope="col" { (t(lang, "log.what")) }
                        th scope="col" { (t(lang, "log.forum")) }
                        th scope="col" { (t(lang, "mod.reason")) }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                td { (ago(ctx, &row.at)) }
                                td data-label=(t(lang, "log.who")) { (link(&row.actor)) }
                                td data-label=(t(lang, "log.what")) { (what(lang, row)) }
                                td data-label=(t(lang, "log.forum")) { @if let Some(forum) = &row.forum { (link(forum)) } }
                                td data-label=(t(lang, "mod.reason")) { (row.reason) }
                            }
                        }
                    }
                }
            }
            (pager_markup)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_escapes_its_text_and_keeps_its_links() {
        let filled = sentence(
            "en",
            "log.item_post",
            &[
                ("person", html! { a href="/p" { "A <b>" } }),
                ("thread", html! { "T" }),
            ],
        )
        .into_string();
        assert!(
            filled.contains("<a href=\"/p\">A &lt;b&gt;</a>"),
            "{filled}"
        );
        assert!(filled.contains("«T»") || filled.contains("T"), "{filled}");
    }
}
