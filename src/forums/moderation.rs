//! Moderators' pages and the handlers of their actions: check the moderator's rights on the
//! object (404 otherwise), read the form, then call the action in `actions`. Hiding and
//! rejecting first answer with the confirmation step, which asks for the reason the author
//! will read; only the POST from that page (`confirmed=yes`, a reason given) acts. Never act
//! on the first POST of a decision that takes something away from an author.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use serde::Deserialize;
use templates::{
    components::{FormErrors, Pager},
    confirm::{Confirmation, ReasonBox},
    i18n::{t, tf},
    moderation as views,
};

use super::{
    access::{self, ForumAccess},
    actions::{self, PostAction, ThreadSwitch},
    forms::DecisionForm,
    queries::{self, LogQueryRow},
};
use crate::{
    entities::{states::PostStatus, threads, users},
    markdown,
    web::{
        AdminUser, AppError, AppResult, AppState, SignedIn, flash, forms::Form, html,
        paging::PageQuery, paths,
    },
};
pub async fn queue_size(db: &impl ConnectionTrait, forum_id: i32) -> AppResult<i64> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let row = N::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT (SELECT COUNT(*) FROM posts p JOIN threads t ON t.id = p.thread_id WHERE t.forum_id = $1 AND p.status = 'pending')
              + (SELECT COUNT(*) FROM flags fl JOIN posts p ON p.id = fl.post_id JOIN threads t ON t.id = p.thread_id
                 WHERE t.forum_id = $1 AND fl.resolved_at IS NULL)
              + (SELECT COUNT(*) FROM held_edits he JOIN posts p ON p.id = he.post_id JOIN threads t ON t.id = p.thread_id
                 WHERE t.forum_id = $1) AS n",
        [forum_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.n).unwrap_or(0))
}

/// Forums other than this one that the user moderates (all of them for admins).
pub async fn move_targets(
    db: &impl ConnectionTrait,
    user: &users::Model,
    current_forum: i32,
) -> AppResult<Vec<(String, String)>> {
    #[derive(FromQueryResult)]
    struct Target {
        slug: String,
        title: String,
    }
    let rows = Target::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT f.slug, f.title FROM forums f
         WHERE f.id <> $1 AND f.archived_at IS NULL
           AND ($2 = 1 OR EXISTS (SELECT 1 FROM memberships m WHERE m.forum_id = f.id AND m.user_id = $3 AND m.role = 'moderator'))
         ORDER BY f.title",
        [current_forum.into(), i32::from(user.is_admin).into(), user.id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.slug, r.title)).collect())
}

/// What `/posts/{id}/{action}` asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PostDecision {
    Post(PostAction),
    /// An edit held for approval: approved (`true`) or rejected.
    Edit(bool),
}

impl PostDecision {
    const ALL: [PostDecision; 6] = [
        PostDecision::Post(PostAction::Hide),
        PostDecision::Post(PostAction::Unhide),
        PostDecision::Post(PostAction::Approve),
        PostDecision::Post(PostAction::Reject),
        PostDecision::Edit(true),
        PostDecision::Edit(false),
    ];

    fn parse(action: &str) -> Option<PostDecision> {
        PostDecision::ALL.into_iter().find(|d| d.name() == action)
    }

    fn name(self) -> &'static str {
        match self {
            PostDecision::Post(action) => action.name(),
            PostDecision::Edit(true) => "approve_edit",
            PostDecision::Edit(false) => "reject_edit",
        }
    }

    /// Hiding and rejecting take something away from an author: asked first, with a reason.
    fn asks_first(self) -> bool {
        matches!(
            self,
            PostDecision::Post(PostAction::Hide | PostAction::Reject) | PostDecision::Edit(false)
        )
    }

    /// The notice shown once it is done.
    fn done(self) -> &'static str {
        match self {
            PostDecision::Post(PostAction::Hide) => "mod.done_hide",
            PostDecision::Post(PostAction::Unhide) => "mod.done_unhide",
            PostDecision::Post(PostAction::Approve) => "mod.done_approve",
            PostDecision::Post(PostAction::Reject) => "mod.done_reject",
            PostDecision::Edit(true) => "mod.done_approve_edit",
            PostDecision::Edit(false) => "mod.done_reject_edit",
        }
    }
}

/// The confirmation step of a decision that needs a reason: asked (200), or asked again with
/// what is wrong (422).
struct Asking<'a> {
    /// `confirm.hide_post`, …: the catalogue keys `{key}_question`, `{key}_consequence`,
    /// `{key}_button` and the reason's hint `{key}_hint`.
    key: &'static str,
    args: &'a [(&'a str, &'a str)],
    action: String,
    cancel: String,
}

fn ask(signed_in: &SignedIn, asking: &Asking<'_>, reason: &str, errors: &FormErrors) -> Response {
    let lang = signed_in.lang;
    let key = asking.key;
    let question = tf(lang, &format!("{key}_question"), asking.args);
    let consequence = t(lang, &format!("{key}_consequence")).into_owned();
    let button = t(lang, &format!("{key}_button")).into_owned();
    let hint = t(lang, &format!("{key}_hint")).into_owned();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html(
        status,
        templates::confirm::page_with_reason(
            &signed_in.ctx(),
            &Confirmation {
                question: &question,
                consequence: &consequence,
                action: &asking.action,
                button: &button,
                cancel_href: &asking.cancel,
            },
            &ReasonBox {
                value: reason,
                hint: &hint,
            },
            errors,
        ),
    )
}

/// The reason of a decision that asks first, or the page to answer instead: the confirmation
/// step (no `confirmed=yes` yet) or the same page with its errors.
fn reason_or_ask(
    signed_in: &SignedIn,
    form: &DecisionForm,
    asking: &Asking<'_>,
) -> Result<String, Box<Response>> {
    if !form.confirmed() {
        return Err(Box::new(ask(signed_in, asking, "", &FormErrors::default())));
    }
    form.validate()
        .map_err(|errors| Box::new(ask(signed_in, asking, &form.reason, &errors)))
}
async fn moderated_thread(
    state: &AppState,
    user: &users::Model,
    thread_id: i32,
) -> AppResult<(threads::Model, ForumAccess)> {
    let (thread, access) = access::thread(&state.db, user, thread_id).await?;
    access.require_moderator()?;
    Ok((thread, access))
}

/// The notice shown once a thread was switched.
fn switched(switch: ThreadSwitch) -> &'static str {
    match switch {
        ThreadSwitch::Pin => "mod.done_pin",
        ThreadSwitch::Unpin => "mod.done_unpin",
        ThreadSwitch::Lock => "mod.done_lock",
        ThreadSwitch::Unlock => "mod.done_unlock",
        ThreadSwitch::Hide => "mod.done_hide_thread",
        ThreadSwitch::Unhide => "mod.done_unhide_thread",
        ThreadSwitch::Feature => "mod.done_feature",
        ThreadSwitch::Unfeature => "mod.done_unfeature",
    }
}

/// `/threads/{id}/{action}`: pin, lock, feature and their opposites act at once; hiding the
/// thread goes through the confirmation step, which asks for the reason.
pub async fn switch_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((thread_id, action)): Path<(i32, String)>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let switch = ThreadSwitch::parse(&action).ok_or(AppError::NotFound)?;
    let (thread, access) = moderated_thread(&state, &signed_in.user, thread_id).await?;
    let reason = if switch == ThreadSwitch::Hide {
        let asking = Asking {
            key: "confirm.hide_thread",
            args: &[("thread", &thread.title)],
            action: paths::thread_action(thread.id, "hide"),
            cancel: paths::thread(thread.id),
        };
        match reason_or_ask(&signed_in, &form, &asking) {
            Ok(reason) => Some(reason),
            Err(page) => return Ok(*page),
        }
    } else {
        None
    };
    actions::switch_thread(
        &state.db,
        &signed_in.user,
        &access,
        &thread,
        switch,
        reason.as_deref(),
    )
    .await?;
    flash::set(&signed_in.session, switched(switch)).await;
    Ok(Redirect::to(&paths::thread(thread.id)).into_response())
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    forum: String,
}

pub async fn move_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<i32>,
    Form(form): Form<MoveForm>,
) -> AppResult<Redirect> {
    let (thread, from) = moderated_thread(&state, &signed_in.user, thread_id).await?;
    let target = access::forum_by_slug(&state.db, &signed_in.user, form.forum.trim()).await?;
    target.require_moderator()?;
    actions::move_thread(&state.db, &signed_in.user, &thread, &from, &target).await?;
    flash::set(&signed_in.session, "mod.done_move").await;
    Ok(Redirect::to(&paths::thread(thread.id)))
}

#[derive(Deserialize)]
pub struct SummaryForm {
    #[serde(default)]
    summary: String,
}

pub async fn write_summary(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<i32>,
    Form(form): Form<SummaryForm>,
) -> AppResult<Redirect> {
    let (thread, access) = moderated_thread(&state, &signed_in.user, thread_id).await?;
    let summary = match crate::web::forms::markdown_body(&form.summary) {
        Ok(summary) => {
            let rendered = markdown::render_off_thread(summary.clone()).await;
            Some((summary, rendered))
        }
        Err(crate::web::forms::TextProblem::Missing) => None,
        Err(_) => return Err(AppError::TooLarge),
    };
    actions::write_summary(&state.db, &signed_in.user, &access, &thread, summary).await?;
    flash::set(&signed_in.session, "mod.done_summary").await;
    Ok(Redirect::to(&paths::thread(thread.id)))
}

/// `/posts/{id}/{action}`: hide, unhide, approve, reject, and approve_edit / reject_edit for
/// an edit held for approval. Hiding and rejecting go through the confirmation step, which
/// asks for the reason the author reads; the others act at once.
pub async fn moderate_post(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((post_id, action)): Path<(i32, String)>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let decision = PostDecision::parse(&action).ok_or(AppError::NotFound)?;
    let (post, thread, access) = access::post(&state.db, &signed_in.user, post_id).await?;
    access.require_moderator()?;
    let queue = paths::forum_queue(&access.forum.slug);
    let reason = if decision.asks_first() {
        let author = crate::accounts::service::user(&state.db, post.author_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        let (key, cancel) = match decision {
            PostDecision::Post(PostAction::Hide) => {
                ("confirm.hide_post", paths::post(thread.id, post.id))
            }
            PostDecision::Post(_) => ("confirm.reject_post", queue.clone()),
            PostDecision::Edit(_) => ("confirm.reject_edit", queue.clone()),
        };
        let asking = Asking {
            key,
            args: &[("name", &author), ("thread", &thread.title)],
            action: paths::post_action(post.id, decision.name()),
            cancel,
        };
        match reason_or_ask(&signed_in, &form, &asking) {
            Ok(reason) => Some(reason),
            Err(page) => return Ok(*page),
        }
    } else {
        None
    };
    let (user, reason) = (&signed_in.user, reason.as_deref());
    let back = match decision {
        PostDecision::Post(action) => {
            let was_pending = post.status == PostStatus::Pending;
            if !actions::moderate_post(&state, user, &access, &thread, &post, action, reason)
                .await?
            {
                // Already in the requested state (a double click, two moderators at once).
                paths::thread(thread.id)
            } else {
                flash::set(&signed_in.session, decision.done()).await;
                if was_pending {
                    queue
                } else {
                    paths::post(thread.id, post.id)
                }
            }
        }
        PostDecision::Edit(approve) => {
            let decided =
                actions::decide_held_edit(&state, user, &access, &thread, &post, approve, reason)
                    .await?;
            if decided {
                flash::set(&signed_in.session, decision.done()).await;
            }
            queue
        }
    };
    state.mail_queued();
    Ok(Redirect::to(&back).into_response())
}

pub async fn dismiss_flag(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(flag_id): Path<i32>,
) -> AppResult<Redirect> {
    let flag = queries::flag(&state.db, flag_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, _, access) = access::post(&state.db, &signed_in.user, flag.post_id).await?;
    access.require_moderator()?;
    actions::dismiss_flag(&state.db, &signed_in.user, &access, &flag).await?;
    flash::set(&signed_in.session, "mod.done_dismiss").await;
    Ok(Redirect::to(&paths::forum_queue(&access.forum.slug)))
}

pub async fn show_queue(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    access.require_moderator()?;
    let (pending, edits, open_flags) =
        queries::moderation_queue(&state.db, access.forum.id).await?;
    let pending: Vec<views::QueueItem> = pending
        .into_iter()
        .map(|r| views::QueueItem {
            post_id: r.post_id,
            thread_id: r.thread_id,
            thread_title: r.thread_title,
            author: r.author,
            body_html: r.body_html,
            language: r.language,
            created_at: crate::web::dates::iso(r.created_at),
        })
        .collect();
    let edits: Vec<views::HeldEditItem> = edits
        .into_iter()
        .map(|r| views::HeldEditItem {
            proposed: views::QueueItem {
                post_id: r.post_id,
                thread_id: r.thread_id,
                thread_title: r.thread_title,
                author: r.author,
                body_html: r.proposed_html,
                language: r.language,
                created_at: crate::web::dates::iso(r.created_at),
            },
            current_html: r.current_html,
        })
        .collect();
    let open_flags: Vec<views::FlagItem> = open_flags
        .into_iter()
        .map(|r| views::FlagItem {
            flag_id: r.flag_id,
            post_id: r.post_id,
            thread_id: r.thread_id,
            thread_title: r.thread_title,
            reporter: r.reporter,
            author: r.author,
            reason: r.reason,
            body_html: r.body_html,
            post_hidden: r.hidden_at.is_some(),
        })
        .collect();
    let notice = flash::take(&signed_in.session).await;
    Ok(html(
        StatusCode::OK,
        views::queue_page(
            &signed_in.ctx(),
            &access.forum.slug,
            &access.forum.title,
            &pending,
            &edits,
            &open_flags,
            notice,
        ),
    ))
}

pub async fn show_post_history(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(post_id): Path<i32>,
) -> AppResult<Response> {
    let (post, thread, access) = access::post(&state.db, &signed_in.user, post_id).await?;
    access.require_moderator()?;
    let revisions = queries::revisions(&state.db, post.id).await?;
    let mut editors = crate::accounts::service::display_names(
        &state.db,
        revisions.iter().map(|revision| revision.editor_id),
    )
    .await?;
    let rows = revisions
        .into_iter()
        .map(|revision| views::Revision {
            editor: editors.remove(&revision.editor_id).unwrap_or_default(),
            at: crate::web::dates::iso(revision.created_at),
            body_md: revision.body_md,
            language: revision.language,
        })
        .collect::<Vec<_>>();
    Ok(html(
        StatusCode::OK,
        views::post_history(&signed_in.ctx(), post.id, thread.id, &rows),
    ))
}

const LOG_PER_PAGE: u64 = 50;

/// One log row with its items named and linked; `person` is where a person's name leads.
fn log_row(row: LogQueryRow, person: &dyn Fn(i32) -> String) -> views::LogRow {
    let named = |text: String, href: String| views::Link {
        text,
        href: Some(href),
    };
    let mut reason = row.reason.unwrap_or_default();
    let item = match row.target_type.as_str() {
        "post" => match (
            row.post_thread_id,
            row.post_thread_title,
            row.post_author_id,
        ) {
            (Some(thread_id), Some(title), Some(author_id)) => views::LogItem::Post {
                author: named(row.post_author.unwrap_or_default(), person(author_id)),
                thread: named(title, paths::post(thread_id, row.target_id)),
            },
            _ => views::LogItem::Gone,
        },
        "thread" => match row.thread_title {
            Some(title) => views::LogItem::Thread(named(title, paths::thread(row.target_id))),
            None => views::LogItem::Gone,
        },
        "user" => match row.person {
            Some(name) => views::LogItem::Person(named(name, person(row.target_id))),
            None => views::LogItem::Gone,
        },
        "forum" => match (row.target_forum_slug, row.target_forum_title) {
            (Some(slug), Some(title)) => views::LogItem::Forum(named(title, paths::forum(&slug))),
            _ => views::LogItem::Gone,
        },
        "theme" => row
            .theme_name
            .map_or(views::LogItem::Gone, views::LogItem::Named),
        // The address invited, or the term's `vocabulary/code`, is the row's reason: it is the
        // item, not a why.
        "invitation" | "reviewer_invite" | "term" => {
            views::LogItem::Named(std::mem::take(&mut reason))
        }
        other => views::LogItem::Named(format!("{other} #{}", row.target_id)),
    };
    views::LogRow {
        actor: named(row.actor, person(row.actor_id)),
        action: row.action,
        item,
        reason,
        at: crate::web::dates::iso(row.created_at),
        forum: row
            .forum_slug
            .zip(row.forum_title)
            .map(|(slug, title)| named(title, paths::forum(&slug))),
    }
}

pub async fn show_forum_log(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    access.require_moderator()?;
    let (rows, page, pages) =
        queries::moderation_log(&state.db, Some(access.forum.id), query.page(), LOG_PER_PAGE)
            .await?;
    let members = paths::forum_members(&access.forum.slug);
    let person = |id: i32| format!("{members}#member-{id}");
    let rows: Vec<_> = rows.into_iter().map(|row| log_row(row, &person)).collect();
    let ctx = signed_in.ctx();
    let pager = templates::components::pager(
        &ctx,
        &Pager {
            page,
            pages,
            base: format!("{}?", paths::forum_log(&slug)),
        },
    );
    Ok(html(
        StatusCode::OK,
        views::log_page(&ctx, &access.forum.title, &rows, pager),
    ))
}

pub async fn show_admin_log(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let (rows, page, pages) =
        queries::moderation_log(&state.db, None, query.page(), LOG_PER_PAGE).await?;
    let person = paths::admin_user;
    let rows: Vec<_> = rows.into_iter().map(|row| log_row(row, &person)).collect();
    let ctx = admin.ctx();
    let pager = templates::components::pager(
        &ctx,
        &Pager {
            page,
            pages,
            base: format!("{}?", paths::ADMIN_LOG),
        },
    );
    Ok(html(
        StatusCode::OK,
        views::log_page(&ctx, "Fora", &rows, pager),
    ))
}
