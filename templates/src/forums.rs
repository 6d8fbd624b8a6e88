//! Forums, threads and posts as members see them; moderator controls are shown to moderators.

use maud::{Markup, PreEscaped, html};

use crate::{
    Ctx,
    components::{
        FormErrors, Level, Pager, ago, csrf_field, error_summary, heading, notice, pager,
        post_textarea, text_input, time,
    },
    format::number,
    i18n::{plural, t, tf},
    layout, paths,
};

pub use crate::thread_head::ThreadHead;

#[derive(Clone, Debug)]
pub struct ForumSummary {
    pub slug: String,
    pub title: String,
    pub theme_name: String,
    pub purpose: String,
    /// The forum's language: its title and purpose say so when it is not the page's.
    pub language: String,
    pub archived: bool,
    pub is_moderator: bool,
    /// `None`: no discussion yet.
    pub activity: Option<ForumActivity>,
}

/// What happens in a forum, as a member sees it.
#[derive(Clone, Debug)]
pub struct ForumActivity {
    pub threads: i64,
    /// Discussions with posts the reader has not read.
    pub unread_threads: i64,
    /// ISO 8601.
    pub last_post_at: Option<String>,
}

/// The forums as cards, titled by third-level headings (under the page's own second level).
pub fn forum_list(ctx: &Ctx, forums: &[ForumSummary]) -> Markup {
    forum_list_at(ctx, forums, Level::H3)
}

pub fn forum_list_at(ctx: &Ctx, forums: &[ForumSummary], level: Level) -> Markup {
    let lang = ctx.lang;
    html! {
        @if forums.is_empty() {
            p { (t(lang, "forum.none")) }
        } @else {
            ul.cards {
                @for forum in forums {
                    li {
                        (heading(level, ctx.other_lang(&forum.language), html! { a href=(paths::forum(&forum.slug)) { (forum.title) } }))
                        p.meta {
                            (forum.theme_name)
                            @if forum.is_moderator { " · " (t(lang, "members.role_moderator")) }
                            @if forum.archived { " · " (t(lang, "forum.archived")) }
                        }
                        @if !forum.purpose.is_empty() { p lang=[ctx.other_lang(&forum.language)] { (forum.purpose) } }
                        (activity_line(ctx, forum.activity.as_ref()))
                    }
                }
            }
        }
    }
}

/// "12 discussions · 3 with new posts · latest activity 2 hours ago", or that none started.
fn activity_line(ctx: &Ctx, activity: Option<&ForumActivity>) -> Markup {
    let lang = ctx.lang;
    html! {
        p.meta {
            @match activity {
                None => (t(lang, "forum.no_discussion")),
                Some(activity) => {
                    (plural(lang, "forum.discussions", activity.threads))
                    @if activity.unread_threads > 0 {
                        " · " strong { (plural(lang, "forum.unread_threads", activity.unread_threads)) }
                    }
                    @if let Some(at) = &activity.last_post_at {
                        " · " (t(lang, "forum.latest")) " " (ago(ctx, at))
                    }
                }
            }
        }
    }
}

pub fn forums_page(ctx: &Ctx, forums: &[ForumSummary]) -> Markup {
    layout::page(
        ctx,
        &t(ctx.lang, "forum.list_title"),
        html! {
            h1 { (t(ctx.lang, "forum.list_title")) }
            (forum_list_at(ctx, forums, Level::H2))
        },
    )
}

#[derive(Clone, Debug)]
pub struct ForumHead {
    pub slug: String,
    pub title: String,
    pub theme_name: String,
    pub purpose: String,
    pub expected_outcome: String,
    /// `en`, `fr` or `es`.
    pub language: String,
    pub premoderated: bool,
    pub archived: bool,
}

#[derive(Clone, Debug)]
pub struct ThreadRow {
    pub id: i32,
    pub title: String,
    /// The thread's language: its title says so when it is not the page's.
    pub language: String,
    pub author: String,
    pub pinned: bool,
    pub locked: bool,
    pub hidden: bool,
    pub featured: bool,
    /// Every post of it was rejected: only its author sees it, marked.
    pub rejected: bool,
    pub posts: i64,
    pub unread: i64,
    pub last_post_at: String,
}

pub struct ForumView {
    pub forum: ForumHead,
    pub threads: Vec<ThreadRow>,
    pub pager: Pager,
    pub is_moderator: bool,
    pub queue_count: i64,
}

fn forum_header(ctx: &Ctx, forum: &ForumHead) -> Markup {
    let lang = ctx.lang;
    html! {
        p.crumbs { a href=(paths::FORUMS) { (t(lang, "forum.list_title")) } " › " (forum.theme_name) }
        @let own = ctx.other_lang(&forum.language);
        h1 lang=[own] { (forum.title) }
        @if forum.archived { p.notice { (t(lang, "forum.archived_notice")) } }
        @if !forum.purpose.is_empty() {
            p { strong { (t(lang, "forum.purpose")) ": " } span lang=[own] { (forum.purpose) } }
        }
        @if !forum.expected_outcome.is_empty() {
            p { strong { (t(lang, "forum.expected_outcome")) ": " } span lang=[own] { (forum.expected_outcome) } }
        }
        p.meta {
            (t(lang, "forum.language")) ": "
            span lang=(forum.language) { (crate::i18n::autonym(&forum.language)) }
        }
    }
}

pub fn forum_page(ctx: &Ctx, view: &ForumView) -> Markup {
    let lang = ctx.lang;
    let forum = &view.forum;
    layout::page(
        ctx,
        &forum.title,
        html! {
            (forum_header(ctx, forum))
            p.actions {
                @if !forum.archived { a.button href=(paths::forum_new_thread(&forum.slug)) { (t(lang, "thread.new")) } }
                a href=(paths::forum_members(&forum.slug)) { (t(lang, "members.title")) }
                @if view.is_moderator {
                    a href=(paths::forum_queue(&forum.slug)) { (tf(lang, "queue.link", &[("count", &number(lang, view.queue_count))])) }
                    a href=(paths::forum_log(&forum.slug)) { (t(lang, "log.title")) }
                }
            }
            @if view.threads.is_empty() {
                p { (t(lang, "forum.no_threads")) }
            } @else {
                table.threads {
                    caption.visually-hidden { (t(lang, "forum.threads_caption")) }
                    thead { tr {
                        th scope="col" { (t(lang, "thread.title")) }
                        th scope="col" { (t(lang, "thread.posts")) }
                        th scope="col" { (t(lang, "thread.unread")) }
                        th scope="col" { (t(lang, "thread.last_activity")) }
                    } }
                    tbody {
                        @for thread in &view.threads {
                            tr.unread[thread.unread > 0] {
                                td {
                                    @if thread.pinned { span.tag { (t(lang, "thread.pinned")) } " " }
                                    @if thread.locked { span.tag { (t(lang, "thread.locked")) } " " }
                                    // Moderators see "Hidden"; a hidden thread's author, the only other
                                    // reader who sees it, is told who hid it.
                                    @if thread.hidden {
                                        span.tag.warn { (t(lang, if view.is_moderator { "thread.hidden" } else { "post.hidden" })) } " "
                                    }
                                    @if thread.featured { span.tag { (t(lang, "thread.featured")) } " " }
                                    @if thread.rejected { span.tag.warn { (t(lang, "post.rejected")) } " " }
                                    a href=(paths::thread(thread.id)) lang=[ctx.other_lang(&thread.language)] { (thread.title) }
                                    br; small { (tf(lang, "thread.started_by", &[("name", &thread.author)])) }
                                }
                                td data-label=(t(lang, "thread.posts")) { (number(lang, thread.posts)) }
                                td data-label=(t(lang, "thread.unread")) { (number(lang, thread.unread)) }
                                td data-label=(t(lang, "thread.last_activity")) { (ago(ctx, &thread.last_post_at)) }
                            }
                        }
                    }
                }
                (pager(ctx, &view.pager))
            }
        },
    )
}

pub struct NewThreadView {
    pub forum_slug: String,
    pub forum_title: String,
    pub premoderated: bool,
    pub title: String,
    pub body: String,
    /// The language chosen for the thread (as sent, when the form is shown again).
    pub language: String,
}

/// The choice of the language a post is written in, with its hint.
fn post_language(ctx: &Ctx, errors: &FormErrors, value: &str) -> Markup {
    html! {
        (crate::components::language_select(ctx, errors, "language", &t(ctx.lang, "post.language"), value))
        p.hint { (t(ctx.lang, "post.language_hint")) }
    }
}

pub fn new_thread(ctx: &Ctx, view: &NewThreadView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "thread.new"),
        html! {
            p.crumbs { a href=(paths::forum(&view.forum_slug)) { (view.forum_title) } }
            h1 { (t(lang, "thread.new")) }
            @if view.premoderated { p.notice { (t(lang, "forum.premoderated_notice")) } }
            (error_summary(ctx, errors))
            form method="post" action=(paths::forum_new_thread(&view.forum_slug)) {
                (csrf_field(ctx))
                (text_input(ctx, errors, "title", &t(lang, "thread.title"), &view.title, "text", 200))
                (post_textarea(ctx, errors, "body", &t(lang, "post.body"), &view.body, 12))
                (post_language(ctx, errors, &view.language))
                button type="submit" { (t(lang, "thread.create")) }
            }
        },
    )
}

/// One post as stored, for rendering the parts of it that every reader sees alike.
#[derive(Clone, Debug)]
pub struct PostView {
    pub id: i32,
    pub author: String,
    pub created_at: String,
    /// Sanitized by `fora::markdown` when the post was written.
    pub body_html: String,
    /// The post's language: its body says so when it is not the reader's.
    pub language: String,
    pub edited: bool,
    pub edited_by_moderator: bool,
    pub hidden: bool,
    /// Why it was hidden, when a moderator said so.
    pub hidden_reason: Option<String>,
    pub pending: bool,
    /// Rejected by a moderator, with the reason: only its author sees it.
    pub rejected: Option<String>,
}

/// A post's header and body: the same for every reader, so it is rendered once and cached.
pub fn post_main(lang: &str, post: &PostView) -> Markup {
    html! {
        header {
            strong id={ "post-" (post.id) "-author" } { (post.author) } " · " a href={ "?post=" (post.id) "#post-" (post.id) } { (time(lang, &post.created_at)) }
            @if post.edited_by_moderator { " · " em { (t(lang, "post.edited_by_moderator")) } }
            @else if post.edited { " · " em { (t(lang, "post.edited")) } }
            @if post.pending { " · " span.tag.warn { (t(lang, "post.pending")) } }
            @if post.rejected.is_some() { " · " span.tag.warn { (t(lang, "post.rejected")) } }
        }
        @if post.hidden {
            p.moderation-note {
                @match &post.hidden_reason {
                    Some(reason) => (tf(lang, "post.hidden_note", &[("reason", reason)])),
                    None => (t(lang, "post.hidden")),
                }
            }
        }
        @if let Some(reason) = &post.rejected {
            p.moderation-note { (tf(lang, "post.rejected_note", &[("reason", reason)])) }
        }
        div.body lang=[(post.language != lang).then_some(post.language.as_str())] { (PreEscaped(&post.body_html)) }
    }
}

/// The actions a member has on a post: the same for every member who did not write it, and
/// for its author; so both are rendered once and cached.
pub fn member_actions(lang: &str, post_id: i32, own: bool, can_reply: bool) -> Markup {
    html! {
        @if can_reply { a href={ "?quote=" (post_id) "#reply" } { (t(lang, "post.quote")) } }
        @if own { a href=(paths::post_action(post_id, "edit")) { (t(lang, "post.edit")) } }
        @else { a href=(paths::post_action(post_id, "flag")) { (t(lang, "post.flag")) } }
    }
}

/// A post on the thread page: cached parts plus, for moderators, controls carrying the CSRF
/// token of their session.
pub struct PostSlot<'a> {
    pub id: i32,
    pub main: &'a str,
    /// The cached member actions; None for moderators, whose controls are rendered per request.
    pub member_actions: Option<&'a str>,
    pub hidden: bool,
    pub pending: bool,
    pub rejected: bool,
    pub is_own: bool,
}

pub struct ThreadView<'a> {
    pub thread: ThreadHead,
    pub posts: Vec<PostSlot<'a>>,
    pub pager: Pager,
    pub is_moderator: bool,
    pub following: bool,
    pub can_reply: bool,
    pub reply_body: String,
    /// The language chosen for the reply (as sent, when it is shown again).
    pub reply_language: String,
    pub notice: Option<&'static str>,
    /// Other forums this moderator runs, for "move thread".
    pub move_targets: Vec<(String, String)>,
    /// Learnings the thread discusses: (id, title, language).
    pub learnings: Vec<(i32, String, String)>,
}

pub fn thread_page(ctx: &Ctx, view: &ThreadView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    let thread = &view.thread;
    layout::page(
        ctx,
        &thread.title,
        html! {
            p.crumbs { a href=(paths::FORUMS) { (t(lang, "forum.list_title")) } " › " a href=(paths::forum(&thread.forum_slug)) { (thread.forum_title) } }
            h1 lang=[ctx.other_lang(&thread.language)] { (thread.title) }
            p.meta {
                @if thread.pinned { span.tag { (t(lang, "thread.pinned")) } " " }
                @if thread.locked { span.tag { (t(lang, "thread.locked")) } " " }
                @if thread.hidden { span.tag.warn { (t(lang, "thread.hidden")) } " " }
                @if thread.featured { span.tag { (t(lang, "thread.featured")) } " " }
            }
            (notice(ctx, view.notice))
            @if thread.hidden {
                p.moderation-note {
                    @match &thread.hidden_reason {
                        Some(reason) => (tf(lang, "post.hidden_note", &[("reason", reason)])),
                        None => (t(lang, "post.hidden")),
                    }
                }
            }
            @if let Some(summary) = &thread.summary_html {
                section.summary aria-labelledby="summary-h" {
                    h2 #summary-h { (t(lang, "thread.summary")) }
                    (PreEscaped(summary))
                }
            }
            @if !view.learnings.is_empty() {
                section.linked aria-labelledby="linked-h" {
                    h2 #linked-h { (t(lang, "learning.linked")) }
                    ul { @for (id, title, language) in &view.learnings { li { a href=(paths::learning(*id)) lang=[ctx.other_lang(language)] { (title) } } } }
                }
            }
            @if !thread.hidden || view.is_moderator {
                form.inline method="post" action=(paths::thread_action(thread.id, if view.following { "unfollow" } else { "follow" })) {
                    (csrf_field(ctx))
                    button.secondary type="submit" { (t(lang, if view.following { "follow.unfollow" } else { "follow.follow" })) }
                }
            }
            @if view.is_moderator {
                (crate::moderation::thread_controls(ctx, &view.thread, &view.move_targets))
                @if thread.summary_html.is_some() {
                    form.inline method="post" action=(paths::thread_action(thread.id, "propose-learning")) {
                        (csrf_field(ctx))
                        button.secondary type="submit" aria-describedby="propose-hint" { (t(lang, "learning.propose")) }
                        " " span.hint #propose-hint { (t(lang, "learning.propose_hint")) }
                    }
                }
            }
            (pager(ctx, &view.pager))
            @for post in &view.posts {
                article.post.hidden[post.hidden].pending[post.pending].rejected[post.rejected] id={ "post-" (post.id) } {
                    (PreEscaped(post.main))
                    footer.actions {
                        @match post.member_actions {
                            Some(actions) => (PreEscaped(actions)),
                            None => (moderator_actions(ctx, post, view.can_reply)),
                        }
                    }
                }
            }
            (pager(ctx, &view.pager))
            @if view.can_reply {
                section #reply aria-labelledby="reply-h" {
                    h2 #reply-h { (t(lang, "post.reply")) }
                    (error_summary(ctx, errors))
                    form method="post" action=(paths::thread_action(thread.id, "reply")) {
                        (csrf_field(ctx))
                        (post_textarea(ctx, errors, "body", &t(lang, "post.body"), &view.reply_body, 8))
                        (post_language(ctx, errors, &view.reply_language))
                        button type="submit" { (t(lang, "post.send")) }
                    }
                }
            } @else if thread.locked {
                p.notice { (t(lang, "thread.locked_notice")) }
            }
        },
    )
}

/// What a moderator has on a post: what members have, and one "Moderate" menu holding the
/// rest (edit someone else's post, history, hide), so a post costs few tab stops.
fn moderator_actions(ctx: &Ctx, post: &PostSlot, can_reply: bool) -> Markup {
    let lang = ctx.lang;
    html! {
        @if can_reply { a href={ "?quote=" (post.id) "#reply" } { (t(lang, "post.quote")) } }
        @if post.is_own { a href=(paths::post_action(post.id, "edit")) { (t(lang, "post.edit")) } }
        @else { a href=(paths::post_action(post.id, "flag")) { (t(lang, "post.flag")) } }
        (crate::moderation::post_menu(ctx, post.id, post.hidden, post.is_own))
    }
}

pub struct EditPostView {
    pub post_id: i32,
    pub thread_id: i32,
    pub body: String,
    /// The post's language (as chosen, when the form is shown again).
    pub language: String,
    pub as_moderator: bool,
}

pub fn edit_post(ctx: &Ctx, view: &EditPostView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "post.edit"),
        html! {
            p.crumbs { a href=(paths::thread_at(view.thread_id, view.post_id)) { (t(lang, "post.back")) } }
            h1 { (t(lang, "post.edit")) }
            @if view.as_moderator { p.notice { (t(lang, "post.edit_as_moderator")) } }
            (error_summary(ctx, errors))
            form method="post" action=(paths::post_action(view.post_id, "edit")) {
                (csrf_field(ctx))
                (post_textarea(ctx, errors, "body", &t(lang, "post.body"), &view.body, 12))
                (post_language(ctx, errors, &view.language))
                button type="submit" { (t(lang, "common.save")) }
            }
        },
    )
}

pub fn flag_post(
    ctx: &Ctx,
    post_id: i32,
    thread_id: i32,
    reason: &str,
    errors: &FormErrors,
    done: bool,
) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "post.flag"),
        html! {
            p.crumbs { a href=(paths::thread_at(thread_id, post_id)) { (t(lang, "post.back")) } }
            h1 { (t(lang, "post.flag")) }
            @if done {
                p.notice role="status" { (t(lang, "post.flagged")) }
            } @else {
                p { (t(lang, "post.flag_intro")) }
                (error_summary(ctx, errors))
                form method="post" action=(paths::post_action(post_id, "flag")) {
                    (csrf_field(ctx))
                    (text_input(ctx, errors, "reason", &t(lang, "mod.reason"), reason, "text", 1000))
                    button type="submit" { (t(lang, "post.flag_send")) }
                }
            }
        },
    )
}

pub struct MemberRow {
    pub display_name: String,
    pub email: String,
    pub role: String,
    /// Moderators are removed by changing their role first, not from this list.
    pub removable: bool,
    pub user_id: i32,
}

/// An invitation not yet accepted: the same row whether or not the address has an account.
pub struct PendingInvitation {
    pub id: i32,
    pub email: String,
    pub role: String,
    pub expires_at: String,
    pub expired: bool,
    /// Moderator invitations are withdrawn or sent again by admins only.
    pub can_manage: bool,
}

pub struct MembersView {
    pub forum_slug: String,
    pub forum_title: String,
    pub members: Vec<MemberRow>,
    pub invitations: Vec<PendingInvitation>,
    pub can_manage: bool,
    pub can_name_moderators: bool,
    pub emails: String,
    pub role: String,
    /// The language picked for the invitation (as typed, when it was refused).
    pub language: String,
    /// The forum's own language, the invitations' default.
    pub forum_language: String,
    /// What the last invitations did, shown once after sending.
    pub report: Option<InviteReport>,
}

/// The outcome of one batch of invitations.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct InviteReport {
    pub sent: usize,
    /// Addresses that already had an open invitation: its link was replaced.
    pub resent: Vec<String>,
    /// Addresses of members, left out.
    pub already_members: Vec<String>,
    /// Addresses of members whose accounts an admin disabled, left out.
    #[serde(default)]
    pub disabled_accounts: Vec<String>,
}

fn invite_report(lang: &str, report: &InviteReport) -> Markup {
    html! {
        div.notice role="status" {
            p { (plural(lang, "invite.sent", report.sent)) }
            @for (key, addresses) in [
                ("invite.resent", &report.resent),
                ("invite.already_members", &report.already_members),
                ("invite.disabled_accounts", &report.disabled_accounts),
            ] {
                @if !addresses.is_empty() {
                    p { (t(lang, key)) " " (addresses.join(", ")) }
                }
            }
        }
    }
}

fn pending_invitations(ctx: &Ctx, view: &MembersView) -> Markup {
    let lang = ctx.lang;
    html! {
        section aria-labelledby="invited-h" {
            h2 #invited-h { (t(lang, "invite.pending")) }
            table {
                thead { tr {
                    th scope="col" { (t(lang, "auth.email")) }
                    th scope="col" { (t(lang, "members.role")) }
                    th scope="col" { (t(lang, "invite.expires")) }
                    th scope="col" { span.visually-hidden { (t(lang, "common.actions")) } }
                } }
                tbody {
                    @for invitation in &view.invitations {
                        tr {
                            td { (invitation.email) }
                            td data-label=(t(lang, "members.role")) { (t(lang, &format!("members.role_{}", invitation.role))) }
                            td data-label=(t(lang, "invite.expires")) {
                                @if invitation.expired { (t(lang, "invite.expired_short")) " " }
                                (time(lang, &invitation.expires_at))
                            }
                            td {
                                @if invitation.can_manage {
                                    form.inline method="post" action=(paths::invitation_resend(&view.forum_slug, invitation.id)) {
                                        (csrf_field(ctx))
                                        button.secondary type="submit" { (tf(lang, "invite.resend", &[("email", &invitation.email)])) }
                                    }
                                    form.inline method="post" action=(paths::invitation_revoke(&view.forum_slug, invitation.id)) {
                                        (csrf_field(ctx))
                                        button.secondary type="submit" { (tf(lang, "invite.revoke", &[("email", &invitation.email)])) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn members_page(ctx: &Ctx, view: &MembersView, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "members.title"),
        html! {
            p.crumbs { a href=(paths::forum(&view.forum_slug)) { (view.forum_title) } }
            h1 { (t(lang, "members.title")) }
            @if let Some(report) = &view.report { (invite_report(lang, report)) }
            table {
                thead { tr {
                    th scope="col" { (t(lang, "profile.display_name")) }
                    th scope="col" { (t(lang, "members.role")) }
                    @if view.can_manage { th scope="col" { (t(lang, "auth.email")) } th scope="col" { span.visually-hidden { (t(lang, "common.actions")) } } }
                } }
                tbody {
                    @for member in &view.members {
                        tr id={ "member-" (member.user_id) } {
                            td { (member.display_name) }
                            td data-label=(t(lang, "members.role")) { (t(lang, &format!("members.role_{}", member.role))) }
                            @if view.can_manage {
                                td data-label=(t(lang, "auth.email")) { (member.email) }
                                td {
                                    @if member.removable {
                                        form.inline method="post" action=(paths::forum_member_remove(&view.forum_slug, member.user_id)) {
                                            (csrf_field(ctx))
                                            button.secondary type="submit" { (tf(lang, "members.remove", &[("name", &member.display_name)])) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if view.can_manage && !view.invitations.is_empty() {
                (pending_invitations(ctx, view))
            }
            @if view.can_manage {
                section aria-labelledby="invite-h" {
                    h2 #invite-h { (t(lang, "invite.heading")) }
                    (error_summary(ctx, errors))
                    form method="post" action=(paths::forum_members(&view.forum_slug)) {
                        (csrf_field(ctx))
                        div.field {
                            label for="emails" { (t(lang, "invite.emails")) }
                            (crate::components::field_error(ctx, errors, "emails"))
                            textarea id="emails" name="emails" rows="4" { (view.emails) }
                            p.hint { (t(lang, "invite.emails_hint")) }
                        }
                        @if view.can_name_moderators {
                            div.field {
                                label for="role" { (t(lang, "members.role")) }
                                select id="role" name="role" {
                                    option value="member" selected[view.role != "moderator"] { (t(lang, "members.role_member")) }
                                    option value="moderator" selected[view.role == "moderator"] { (t(lang, "members.role_moderator")) }
                                }
                            }
                        } @else {
                            input type="hidden" name="role" value="member";
                        }
                        (crate::components::language_select(ctx, errors, "language", &t(lang, "invite.language"), if view.language.is_empty() { &view.forum_language } else { &view.language }))
                        p.hint { (t(lang, "invite.language_hint")) }
                        button type="submit" { (t(lang, "invite.send")) }
                    }
                }
            }
        },
    )
}
