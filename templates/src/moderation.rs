//! What only moderators see: thread controls, the queue, post history and the moderation log.

use maud::{Markup, PreEscaped, html};

use crate::{
    Ctx,
    components::{ago, csrf_field, item_name},
    i18n::t,
    layout, paths,
    thread_head::ThreadHead,
};

/// A moderator's action as a one-button form; `item` ends the button's name for screen readers
/// where a page has one such button per item.
fn action_button(
    ctx: &Ctx,
    action: &str,
    key: &str,
    with_reason: bool,
    item: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    let field_id = action.trim_start_matches('/').replace('/', "-");
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(ctx))
            @if with_reason {
                label.visually-hidden for=(field_id) { (t(lang, "mod.reason")) }
                input id=(field_id) name="reason" type="text" maxlength="1000" placeholder=(t(lang, "mod.reason"));
            }
            button.secondary type="submit" { (t(lang, key)) @if let Some(item) = item { (item_name(item)) } }
        }
    }
}

pub fn thread_controls(
    ctx: &Ctx,
    thread: &ThreadHead,
    move_targets: &[(String, String)],
) -> Markup {
    let lang = ctx.lang;
    html! {
        details.moderation {
            summary { (t(lang, "mod.controls")) }
            div.controls {
                (action_button(ctx, &paths::thread_action(thread.id, if thread.pinned { "unpin" } else { "pin" }), if thread.pinned { "mod.unpin" } else { "mod.pin" }, false, None))
                (action_button(ctx, &paths::thread_action(thread.id, if thread.locked { "unlock" } else { "lock" }), if thread.locked { "mod.unlock" } else { "mod.lock" }, false, None))
                (action_button(ctx, &paths::thread_action(thread.id, if thread.featured { "unfeature" } else { "feature" }), if thread.featured { "mod.unfeature" } else { "mod.feature" }, false, None))
                (action_button(ctx, &paths::thread_action(thread.id, if thread.hidden { "unhide" } else { "hide" }), if thread.hidden { "mod.unhide_thread" } else { "mod.hide_thread" }, !thread.hidden, None))
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

pub struct QueueItem {
    pub post_id: i32,
    pub thread_id: i32,
    pub thread_title: String,
    pub author: String,
    pub body_html: String,
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
    pub reason: String,
    pub body_html: String,
    pub post_hidden: bool,
}

pub fn queue_page(
    ctx: &Ctx,
    forum_slug: &str,
    forum_title: &str,
    pending: &[QueueItem],
    edits: &[HeldEditItem],
    flags: &[FlagItem],
) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "queue.title"),
        html! {
            p.crumbs { a href=(paths::forum(forum_slug)) { (forum_title) } }
            h1 { (t(lang, "queue.title")) }
            section aria-labelledby="pending-h" {
                h2 #pending-h { (t(lang, "queue.pending")) }
                @if pending.is_empty() { p { (t(lang, "queue.empty")) } }
                @for item in pending {
                    article.post.pending id={ "post-" (item.post_id) } {
                        header { strong { (item.author) } " · " a href=(paths::thread(item.thread_id)) { (item.thread_title) } " · " (ago(ctx, &item.created_at)) }
                        div.body { (PreEscaped(&item.body_html)) }
                        @let which = format!("{}, {}", item.author, item.thread_title);
                        footer.actions {
                            (action_button(ctx, &paths::post_action(item.post_id, "approve"), "queue.approve", false, Some(&which)))
                            (action_button(ctx, &paths::post_action(item.post_id, "reject"), "queue.reject", true, Some(&which)))
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
                        header { strong { (item.author) } " · " a href=(paths::post(item.thread_id, item.post_id)) { (item.thread_title) } " · " (ago(ctx, &item.created_at)) }
                        h3 { (t(lang, "queue.edit_proposed")) }
                        div.body { (PreEscaped(&item.body_html)) }
                        details {
                            summary { (t(lang, "queue.edit_current")) }
                            div.body { (PreEscaped(&edit.current_html)) }
                        }
                        @let which = format!("{}, {}", item.author, item.thread_title);
                        footer.actions {
                            (action_button(ctx, &paths::post_action(item.post_id, "approve_edit"), "queue.approve_edit", false, Some(&which)))
                            (action_button(ctx, &paths::post_action(item.post_id, "reject_edit"), "queue.reject_edit", true, Some(&which)))
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
                            strong { (flag.reporter) } ": " (flag.reason)
                            " · " a href=(paths::post(flag.thread_id, flag.post_id)) { (flag.thread_title) }
                        }
                        div.body { (PreEscaped(&flag.body_html)) }
                        @let which = format!("{}, {}", flag.reporter, flag.thread_title);
                        footer.actions {
                            @if !flag.post_hidden {
                                (action_button(ctx, &paths::post_action(flag.post_id, "hide"), "mod.hide_post", true, Some(&which)))
                            }
                            (action_button(ctx, &paths::flag_dismiss(flag.flag_id), "queue.dismiss", false, Some(&which)))
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
                        p.meta { (revision.editor) " · " (ago(ctx, &revision.at)) }
                        pre { (revision.body_md) }
                    }
                }
            }
        },
    )
}

pub struct LogRow {
    pub actor: String,
    pub action: String,
    pub target: String,
    /// Where the target is shown (a person's row on the users page), when it has a page.
    pub target_href: Option<String>,
    pub reason: String,
    pub at: String,
    pub forum: String,
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
                        th scope="col" { (t(lang, "log.item")) }
                        th scope="col" { (t(lang, "log.forum")) }
                        th scope="col" { (t(lang, "mod.reason")) }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                td { (ago(ctx, &row.at)) }
                                td data-label=(t(lang, "log.who")) { (row.actor) }
                                td data-label=(t(lang, "log.what")) { (t(lang, &format!("log.action_{}", row.action))) }
                                td data-label=(t(lang, "log.item")) {
                                    @if let Some(href) = &row.target_href { a href=(href) { (row.target) } } @else { (row.target) }
                                }
                                td data-label=(t(lang, "log.forum")) { (row.forum) }
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
