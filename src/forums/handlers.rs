use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Statement};
use serde::Deserialize;
use templates::{
    components::{FormErrors, Pager},
    forums as views,
};

use super::{
    access, actions,
    forms::{BodyForm, NewThreadForm, ReplyForm},
    posting, queries, reading,
};
use crate::{
    entities::{
        follows,
        states::{MemberRole, ModerationMode, PostStatus},
        users,
    },
    markdown,
    taxonomy::{Theme, Translated},
    web::{
        AppError, AppResult, AppState, SignedIn, Viewer, flash,
        forms::{Form, ReasonForm},
        html, paths,
    },
};

#[derive(FromQueryResult)]
struct ForumSummaryRow {
    id: i32,
    slug: String,
    title: String,
    theme_name: String,
    theme_name_fr: String,
    theme_name_es: String,
    purpose: String,
    language: String,
    archived_at: Option<time::OffsetDateTime>,
    role: Option<MemberRole>,
}

/// The forums a user belongs to (all of them for admins), of one theme or of all, for the
/// home, the forum list and theme pages. Forums are picked through the membership table in
/// SQL: one the user may not see never reaches a view. Themes are named in the user's language.
pub async fn visible_forums(
    db: &impl ConnectionTrait,
    user: &users::Model,
    theme_id: Option<i32>,
) -> AppResult<Vec<views::ForumSummary>> {
    let sql = "SELECT f.id, f.slug, f.title, th.name AS theme_name, th.name_fr AS theme_name_fr,
                      th.name_es AS theme_name_es, f.purpose, f.language, f.archived_at, m.role
               FROM forums f JOIN themes th ON th.id = f.theme_id
               LEFT JOIN memberships m ON m.forum_id = f.id AND m.user_id = $1
               WHERE (m.id IS NOT NULL OR $2 = 1) AND ($3 = 0 OR f.theme_id = $3)
               ORDER BY CASE WHEN f.archived_at IS NULL THEN 0 ELSE 1 END, th.name, f.title";
    let rows = ForumSummaryRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        // Theme ids start at 1: 0 stands for every theme.
        [
            user.id.into(),
            i32::from(user.is_admin).into(),
            theme_id.unwrap_or(0).into(),
        ],
    ))
    .all(db)
    .await?;
    let activity: HashMap<i32, queries::ForumActivityRow> = queries::forum_activity(db, user)
        .await?
        .into_iter()
        .map(|a| (a.forum_id, a))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| views::ForumSummary {
            activity: activity.get(&r.id).map(|a| views::ForumActivity {
                threads: a.threads,
                unread_threads: a.unread_threads,
                last_post_at: a.last_post_at.map(crate::web::dates::iso),
            }),
            slug: r.slug,
            title: r.title,
            theme_name: Translated::new(r.theme_name, r.theme_name_fr, r.theme_name_es)
                .get(&user.locale)
                .to_string(),
            purpose: r.purpose,
            language: r.language,
            archived: r.archived_at.is_some(),
            is_moderator: r.role == Some(MemberRole::Moderator),
        })
        .collect())
}

pub async fn list_forums(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let forums = visible_forums(&state.db, &signed_in.user, None).await?;
    Ok(html(
        StatusCode::OK,
        views::forums_page(&signed_in.ctx(), &forums),
    ))
}

/// `?page=`, `?post=` (the page holding that post) and `?quote=` (a reply quoting a post).
#[derive(Deserialize)]
pub struct ThreadPageQuery {
    page: Option<String>,
    post: Option<String>,
    quote: Option<String>,
}

/// Which page of a thread to show.
#[derive(Clone, Copy)]
enum Position {
    Page(u64),
    /// The page that holds this post (for the reader).
    Post(i32),
    /// The newest page: where a reply that could not be saved is shown again.
    Last,
}

impl ThreadPageQuery {
    fn position(&self) -> Position {
        match self.post.as_deref().and_then(|p| p.parse::<i32>().ok()) {
            Some(post_id) => Position::Post(post_id),
            None => Position::Page(crate::web::paging::page_number(self.page.as_deref())),
        }
    }

    fn reply_box(&self) -> ReplyBox {
        ReplyBox::Quoting(self.quote.as_deref().and_then(|q| q.parse::<i32>().ok()))
    }
}

/// What the reply box starts with.
enum ReplyBox {
    /// What the reader typed and the language they chose (shown again when it could not be
    /// saved).
    Typed(String, String),
    /// Empty, or a quote of this post when it is in the thread.
    Quoting(Option<i32>),
}

/// A theme's name in `lang`.
async fn theme_name(db: &impl ConnectionTrait, theme_id: i32, lang: &str) -> AppResult<String> {
    Ok(crate::entities::themes::Entity::find_by_id(theme_id)
        .one(db)
        .await?
        .map(|t| Theme::from(t).name(lang).to_string())
        .unwrap_or_default())
}

pub async fn forum_head(
    db: &impl ConnectionTrait,
    forum: &crate::entities::forums::Model,
    lang: &str,
) -> AppResult<views::ForumHead> {
    Ok(views::ForumHead {
        slug: forum.slug.clone(),
        title: forum.title.clone(),
        theme_name: theme_name(db, forum.theme_id, lang).await?,
        purpose: forum.purpose.clone(),
        expected_outcome: forum.expected_outcome.clone(),
        language: forum.language.clone(),
        premoderated: forum.moderation_mode == ModerationMode::Pre,
        archived: forum.archived_at.is_some(),
    })
}

pub async fn show_forum(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<ThreadPageQuery>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    let moderator = access.role.moderates();
    let (rows, page, pages) = queries::forum_threads(
        &state.db,
        access.forum.id,
        &signed_in.user,
        moderator,
        crate::web::paging::page_number(query.page.as_deref()),
    )
    .await?;
    let queue_count = if moderator {
        super::moderation::queue_size(&state.db, access.forum.id).await?
    } else {
        0
    };
    let view = views::ForumView {
        forum: forum_head(&state.db, &access.forum, signed_in.lang).await?,
        threads: rows
            .into_iter()
            .map(|r| views::ThreadRow {
                id: r.id,
                title: r.title,
                language: r.language,
                author: r.author,
                pinned: r.pinned_at.is_some(),
                locked: r.locked_at.is_some(),
                hidden: r.hidden_at.is_some(),
                featured: r.featured_at.is_some(),
                rejected: r.rejected,
                posts: r.posts,
                unread: r.unread,
                last_post_at: crate::web::dates::iso(r.last_post_at),
            })
            .collect(),
        pager: Pager {
            page,
            pages,
            base: format!("{}?", paths::forum(&access.forum.slug)),
        },
        is_moderator: moderator,
        queue_count,
    };
    Ok(html(
        StatusCode::OK,
        views::forum_page(&signed_in.ctx(), &view),
    ))
}

fn new_thread_view(
    access: &access::ForumAccess,
    title: String,
    body: String,
    language: String,
) -> views::NewThreadView {
    views::NewThreadView {
        forum_slug: access.forum.slug.clone(),
        forum_title: access.forum.title.clone(),
        premoderated: access.forum.moderation_mode == ModerationMode::Pre
            && !access.role.moderates(),
        title,
        body,
        language,
    }
}

#[derive(Deserialize)]
pub struct NewThreadQuery {
    /// A learning to cite ("Discuss in a forum" on its page).
    cite: Option<String>,
}

pub async fn show_new_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<NewThreadQuery>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    if access.forum.archived_at.is_some() {
        return Err(AppError::BadRequest("forum.archived_notice"));
    }
    let (title, body) = match query.cite.as_deref() {
        Some(raw) => match crate::learnings::visibility::learning(&state.db, raw, None).await {
            Ok(learning) => {
                let body = templates::i18n::tf(
                    signed_in.lang,
                    "learning.cite_body",
                    &[
                        ("title", &learning.title.replace(['[', ']'], "")),
                        ("url", &paths::learning(learning.id)),
                    ],
                );
                (learning.title, body)
            }
            Err(_) => (String::new(), String::new()),
        },
        None => (String::new(), String::new()),
    };
    let view = new_thread_view(&access, title, body, signed_in.lang.to_owned());
    Ok(html(
        StatusCode::OK,
        views::new_thread(&signed_in.ctx(), &view, &FormErrors::default()),
    ))
}

pub async fn create_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<NewThreadForm>,
) -> AppResult<Response> {
    let access = access::forum_by_slug(&state.db, &signed_in.user, &slug).await?;
    let thread = match form.validate(signed_in.lang) {
        Ok(thread) => thread,
        Err(errors) => {
            let view = new_thread_view(&access, form.title, form.body, form.language);
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::new_thread(&signed_in.ctx(), &view, &errors),
            ));
        }
    };
    let written = posting::create_thread(
        &state,
        &access,
        &signed_in.user,
        &thread.title,
        &thread.body,
        thread.language,
    )
    .await?;
    if written.held {
        flash::set(&signed_in.session, "post.held").await;
    }
    Ok(Redirect::to(&paths::thread(written.thread_id)).into_response())
}

/// A reply box quoting `quote_id`, when the reader may see that post and it is in this thread.
async fn quoted_reply(
    db: &impl ConnectionTrait,
    user: &users::Model,
    thread_id: i32,
    quote_id: i32,
) -> AppResult<String> {
    let Ok((quoted, quoted_thread, _)) = access::post(db, user, quote_id).await else {
        return Ok(String::new());
    };
    if quoted_thread.id != thread_id {
        return Ok(String::new());
    }
    let author = crate::accounts::service::user(db, quoted.author_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    Ok(markdown::quote(&author, &quoted.body_md))
}

/// Renders the thread page for one reader (with what they typed in the reply box, if any).
async fn render_thread(
    state: &AppState,
    signed_in: &SignedIn,
    open: &reading::OpenThread,
    position: Position,
    reply_box: ReplyBox,
    notice: Option<&'static str>,
    errors: &FormErrors,
) -> AppResult<String> {
    let db = &state.db;
    let user = &signed_in.user;
    let (thread, access) = (&open.thread, &open.access);
    let moderator = access.role.moderates();
    let requested = match position {
        Position::Post(post_id) => {
            queries::page_of_post(db, thread.id, user.id, moderator, post_id).await?
        }
        Position::Page(page) => page,
        // Pages past the end are clamped to the last one.
        Position::Last => u64::MAX,
    };
    // The author of a hidden thread reads it; only moderators may still write in it.
    let can_reply = access.forum.archived_at.is_none()
        && ((thread.locked_at.is_none() && thread.hidden_at.is_none()) || moderator);
    let audience = reading::Audience {
        moderator,
        lang: signed_in.lang,
        can_reply,
    };
    let posts = reading::posts_page(state, thread, user, audience, requested).await?;
    if let Some(last) = posts
        .data
        .posts
        .iter()
        .filter(|r| r.status == PostStatus::Published)
        .map(|r| r.id)
        .max()
    {
        reading::record_reading(state, open, user.id, last).await?;
    }
    let (reply_body, reply_language) = match reply_box {
        ReplyBox::Typed(typed, language) => (typed, language),
        ReplyBox::Quoting(Some(quote_id)) if can_reply => (
            quoted_reply(db, user, thread.id, quote_id).await?,
            signed_in.lang.to_owned(),
        ),
        ReplyBox::Quoting(_) => (String::new(), signed_in.lang.to_owned()),
    };
    let move_targets = if moderator {
        super::moderation::move_targets(db, user, access.forum.id).await?
    } else {
        Vec::new()
    };
    let view = views::ThreadView {
        thread: views::ThreadHead {
            id: thread.id,
            title: thread.title.clone(),
            language: thread.language.clone(),
            forum_slug: access.forum.slug.clone(),
            forum_title: access.forum.title.clone(),
            locked: thread.locked_at.is_some(),
            pinned: thread.pinned_at.is_some(),
            hidden: thread.hidden_at.is_some(),
            hidden_reason: thread.hidden_reason.clone(),
            featured: thread.featured_at.is_some(),
            summary_html: thread.summary_html.clone(),
            summary_md: thread.summary_md.clone().unwrap_or_default(),
        },
        posts: posts
            .data
            .posts
            .iter()
            .map(|p| {
                let own = p.author_id == user.id;
                views::PostSlot {
                    id: p.id,
                    main: &p.main,
                    member_actions: (!moderator).then_some(if own {
                        p.actions_own.as_str()
                    } else {
                        p.actions_other.as_str()
                    }),
                    hidden: p.hidden,
                    pending: p.status == PostStatus::Pending,
                    rejected: p.status == PostStatus::Rejected,
                    is_own: own,
                }
            })
            .collect(),
        pager: Pager {
            page: posts.page,
            pages: posts.pages,
            base: format!("{}?", paths::thread(thread.id)),
        },
        is_moderator: moderator,
        following: open.following,
        can_reply,
        reply_body,
        reply_language,
        notice,
        move_targets,
        learnings: open.learnings.clone(),
    };
    Ok(views::thread_page(&signed_in.ctx(), &view, errors).into_string())
}

pub async fn show_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<i32>,
    Query(query): Query<ThreadPageQuery>,
) -> AppResult<Response> {
    let open = reading::open_thread_cached(&state, &signed_in.user, thread_id).await?;
    let notice = flash::take(&signed_in.session).await;
    let page = render_thread(
        &state,
        &signed_in,
        &open,
        query.position(),
        query.reply_box(),
        notice,
        &FormErrors::default(),
    )
    .await?;
    Ok((StatusCode::OK, Html(page)).into_response())
}

pub async fn create_reply(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<i32>,
    Form(form): Form<ReplyForm>,
) -> AppResult<Response> {
    let (thread, access) = access::thread(&state.db, &signed_in.user, thread_id).await?;
    let reply = match form.validate(signed_in.lang) {
        Ok(reply) => reply,
        Err(errors) => {
            let open = reading::open_thread(&state.db, &signed_in.user, thread_id).await?;
            let page = render_thread(
                &state,
                &signed_in,
                &open,
                Position::Last,
                ReplyBox::Typed(form.body, form.language),
                None,
                &errors,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
        }
    };
    let written = posting::create_reply(
        &state,
        &access,
        &thread,
        &signed_in.user,
        &reply.body,
        reply.language,
        None,
    )
    .await?;
    if written.held {
        flash::set(&signed_in.session, "post.held").await;
    }
    Ok(Redirect::to(&paths::post(thread.id, written.post_id)).into_response())
}

pub async fn show_edit_post(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(post_id): Path<i32>,
) -> AppResult<Response> {
    let (post, thread, access) = access::post(&state.db, &signed_in.user, post_id).await?;
    let as_moderator = post.author_id != signed_in.user.id;
    if as_moderator && !access.role.moderates() {
        return Err(AppError::NotFound);
    }
    // The author goes on from an edit still waiting for approval, not from the approved text.
    let held = if as_moderator {
        None
    } else {
        queries::held_edit(&state.db, post.id).await?
    };
    let (body, language) = match held {
        Some(held) => (held.body_md, held.language),
        None => (post.body_md, post.language),
    };
    let view = views::EditPostView {
        post_id: post.id,
        thread_id: thread.id,
        body,
        language,
        as_moderator,
    };
    Ok(html(
        StatusCode::OK,
        views::edit_post(&signed_in.ctx(), &view, &FormErrors::default()),
    ))
}

pub async fn update_post(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(post_id): Path<i32>,
    Form(form): Form<BodyForm>,
) -> AppResult<Response> {
    let (post, thread, access) = access::post(&state.db, &signed_in.user, post_id).await?;
    let as_moderator = post.author_id != signed_in.user.id;
    if as_moderator && !access.role.moderates() {
        return Err(AppError::NotFound);
    }
    if thread.locked_at.is_some() && !access.role.moderates() {
        return Err(AppError::BadRequest("thread.locked_notice"));
    }
    let current = templates::i18n::known(&post.language).unwrap_or("en");
    let edit = match form.validate(current) {
        Ok(edit) => edit,
        Err(errors) => {
            let view = views::EditPostView {
                post_id,
                thread_id: thread.id,
                body: form.body,
                language: form.language,
                as_moderator,
            };
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::edit_post(&signed_in.ctx(), &view, &errors),
            ));
        }
    };
    let (body, language) = (&edit.body, edit.language);
    if posting::edit_post(&state, &access, &post, &signed_in.user, body, language).await? {
        flash::set(&signed_in.session, "post.edit_held").await;
    }
    Ok(Redirect::to(&paths::post(thread.id, post.id)).into_response())
}

pub async fn show_flag_post(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(post_id): Path<i32>,
) -> AppResult<Response> {
    let (post, thread, _) = access::post(&state.db, &signed_in.user, post_id).await?;
    Ok(html(
        StatusCode::OK,
        views::flag_post(
            &signed_in.ctx(),
            post.id,
            thread.id,
            "",
            &FormErrors::default(),
            false,
        ),
    ))
}

pub async fn flag_post(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(post_id): Path<i32>,
    Form(form): Form<ReasonForm>,
) -> AppResult<Response> {
    let (post, thread, access) = access::post(&state.db, &signed_in.user, post_id).await?;
    let reason = match form.validate() {
        Ok(reason) => reason,
        Err(errors) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::flag_post(
                    &signed_in.ctx(),
                    post.id,
                    thread.id,
                    &form.reason,
                    &errors,
                    false,
                ),
            ));
        }
    };
    actions::report_post(&state, &access, &thread, &post, &signed_in.user, &reason).await?;
    Ok(html(
        StatusCode::OK,
        views::flag_post(
            &signed_in.ctx(),
            post.id,
            thread.id,
            "",
            &FormErrors::default(),
            true,
        ),
    ))
}

pub async fn follow_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<i32>,
) -> AppResult<Redirect> {
    let (thread, _) = access::thread(&state.db, &signed_in.user, thread_id).await?;
    posting::follow(&state.db, signed_in.user.id, thread.id).await?;
    Ok(Redirect::to(&paths::thread(thread.id)))
}

pub async fn unfollow_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<i32>,
) -> AppResult<Redirect> {
    let (thread, _) = access::thread(&state.db, &signed_in.user, thread_id).await?;
    posting::unfollow(&state.db, signed_in.user.id, thread.id).await?;
    Ok(Redirect::to(&paths::thread(thread.id)))
}

/// The follow behind an emailed "stop following" link (`link_tokens`). The link works without
/// signing in; the thread's title is shown only while the reader may still see the thread.
async fn follow_by_token(state: &AppState, token: &str) -> AppResult<(follows::Model, String)> {
    let follow = crate::link_tokens::find::<follows::Entity>(
        &state.db,
        &state.secret,
        crate::link_tokens::Purpose::StopFollowing,
        follows::Column::LinkSalt,
        token,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let user = crate::accounts::service::user(&state.db, follow.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = match access::thread(&state.db, &user, follow.thread_id).await {
        Ok((thread, _)) => thread.title,
        Err(_) => String::new(),
    };
    Ok((follow, title))
}

pub async fn show_stop_following(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let (_, title) = follow_by_token(&state, &token).await?;
    Ok(html(
        StatusCode::OK,
        templates::accounts::unfollow(&viewer.form_ctx().await?, &token, &title, false),
    ))
}

pub async fn stop_following(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let (follow, title) = follow_by_token(&state, &token).await?;
    posting::unfollow(&state.db, follow.user_id, follow.thread_id).await?;
    Ok(html(
        StatusCode::OK,
        templates::accounts::unfollow(&viewer.ctx(), &token, &title, true),
    ))
}
