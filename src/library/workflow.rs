//! Knowledge managers' work on learnings: create and edit, and the review workflow
//! `draft → in_review → published → retired`. A learning is published only when the reviewer
//! an admin named — a second person, neither the author nor the one who sent it — approves it.
//! Every step, with its comment, stays in the learning's review history. Moderators can also
//! turn a thread's summary into a learning proposal.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Statement,
    sea_query::Expr,
};
use templates::{
    components::FormErrors,
    i18n::t,
    learnings::{self as views, ReviewEntryView, WorkflowView},
};

use super::{
    fields::RawLearning,
    links,
    search::TERM_FILTERS,
    store::{self, DRAFT, IN_REVIEW, PUBLISHED, RETIRED},
    taxonomy::{Taxonomy, Vocabulary},
    visibility,
};
use crate::{
    db::{self, now},
    entities::{learnings, users},
    forums::{
        access,
        log::{self, Entry},
        posting,
    },
    markdown,
    web::{
        AdminUser, AppError, AppResult, AppState, SignedIn,
        dates::iso,
        flash,
        forms::{Form, REASON_MAX, strip_controls},
        html,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/learnings/new",
            get(show_new_learning).post(create_learning),
        )
        .route(
            "/learnings/{id}/edit",
            get(show_edit_learning).post(update_learning),
        )
        .route("/learnings/{id}/submit", post(submit_learning))
        .route("/learnings/{id}/reviewer", post(name_reviewer))
        .route("/learnings/{id}/decide", post(decide_learning))
        .route("/learnings/{id}/retire", post(retire_learning))
        .route("/learnings/{id}/reopen", post(reopen_learning))
        .route("/learnings/{id}/comment", post(comment_learning))
        .route("/threads/{id}/propose-learning", post(propose_learning))
}

#[derive(FromQueryResult)]
struct PersonRow {
    id: i32,
    display_name: String,
}

/// Who may review a learning: active admins and moderators, except the author and the person
/// sending it for review.
async fn possible_reviewers(
    db: &impl ConnectionTrait,
    learning: &learnings::Model,
    sender: &users::Model,
) -> AppResult<Vec<(i32, String)>> {
    let rows = PersonRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT u.id, u.display_name FROM users u
         WHERE u.disabled_at IS NULL AND u.password_hash IS NOT NULL AND u.id <> $1 AND u.id <> $2
           AND (u.is_admin OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role = 'moderator'))
         ORDER BY u.display_name",
        [
            sender.id.into(),
            learning.author_id.unwrap_or(0).into(),
        ],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.display_name)).collect())
}

pub async fn view(
    db: &impl ConnectionTrait,
    learning: &learnings::Model,
    user: &users::Model,
) -> AppResult<WorkflowView> {
    let admin = user.is_admin;
    let status = learning.status.as_str();
    let reviewer = match learning.reviewer_id {
        Some(id) => users::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|u| u.display_name),
        None => None,
    };
    let can_submit = admin && status == DRAFT;
    let can_name_reviewer = admin && status == IN_REVIEW;
    Ok(WorkflowView {
        can_edit: admin && status != RETIRED,
        reviewers: if can_submit || can_name_reviewer {
            possible_reviewers(db, learning, user).await?
        } else {
            Vec::new()
        },
        can_submit,
        can_name_reviewer,
        can_decide: status == IN_REVIEW && learning.reviewer_id == Some(user.id),
        can_retire: admin && status == PUBLISHED,
        can_reopen: admin && matches!(status, RETIRED | IN_REVIEW),
        can_comment: true,
        reviewer,
    })
}

#[derive(FromQueryResult)]
struct HistoryRow {
    action: String,
    comment: String,
    created_at: time::OffsetDateTime,
    display_name: Option<String>,
}

pub async fn history(
    db: &impl ConnectionTrait,
    lang: &str,
    learning_id: i32,
) -> AppResult<Vec<ReviewEntryView>> {
    let rows = HistoryRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT r.action, r.comment, r.created_at, u.display_name
         FROM learning_reviews r LEFT JOIN users u ON u.id = r.user_id
         WHERE r.learning_id = $1 ORDER BY r.id",
        [learning_id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewEntryView {
            who: r
                .display_name
                .unwrap_or_else(|| t(lang, "review.someone").into_owned()),
            action: action_label(lang, &r.action),
            comment: r.comment,
            at: iso(r.created_at),
        })
        .collect())
}

fn action_label(lang: &str, action: &str) -> String {
    let key = match action {
        "created" => "review.a_created",
        "imported" => "review.a_imported",
        "submitted" => "review.a_submitted",
        "reviewer" => "review.a_reviewer",
        "approved" => "review.a_approved",
        "changes_requested" => "review.a_changes_requested",
        "retired" => "review.a_retired",
        "reopened" => "review.a_reopened",
        "proposed" => "review.a_proposed",
        "edited" => "review.a_edited",
        _ => "review.a_comment",
    };
    t(lang, key).into_owned()
}

/// A form body as name/value pairs: the learning form repeats `themes`.
type Pairs = Vec<(String, String)>;

fn raw_from(pairs: &Pairs) -> RawLearning {
    let mut raw = RawLearning::default();
    let mut themes = Vec::new();
    for (name, value) in pairs {
        let slot = match name.as_str() {
            "external_id" => &mut raw.external_id,
            "title" => &mut raw.title,
            "description" => &mut raw.description,
            "type" => &mut raw.learning_type,
            "project_title" => &mut raw.project_title,
            "evaluation_type" => &mut raw.evaluation_type,
            "year" => &mut raw.year,
            "countries" => &mut raw.countries,
            "sector" => &mut raw.sector,
            "intervention_type" => &mut raw.intervention_type,
            "cycle_stage" => &mut raw.cycle_stage,
            "criterion" => &mut raw.criterion,
            "source_url" => &mut raw.source_url,
            "language" => &mut raw.language,
            "themes" => {
                themes.push(value.as_str());
                continue;
            }
            _ => continue,
        };
        *slot = value.clone();
    }
    raw.themes = themes.join(";");
    raw
}

/// The form as it was typed (after a failed save) or as stored (to edit).
fn form_view(id: Option<i32>, raw: &RawLearning, taxonomy: &Taxonomy) -> views::LearningFormView {
    let chosen_themes: Vec<&str> = raw.themes.split([';', ',']).map(str::trim).collect();
    let options = |vocabulary: Vocabulary| {
        taxonomy
            .terms_of(vocabulary)
            .map(|t| (t.code.clone(), t.label.clone()))
            .collect()
    };
    let mut selects = vec![
        views::SelectView {
            field: "type",
            options: ["lesson_learned", "good_practice"]
                .into_iter()
                .map(|k| (k.to_string(), views::type_label("en", k)))
                .collect(),
            chosen: raw.learning_type.clone(),
        },
        views::SelectView {
            field: "language",
            options: super::fields::LANGUAGES
                .into_iter()
                .map(|c| (c.to_string(), c.to_string()))
                .collect(),
            chosen: raw.language.clone(),
        },
    ];
    for (param, vocabulary) in TERM_FILTERS {
        if vocabulary == Vocabulary::Country {
            continue;
        }
        selects.push(views::SelectView {
            field: match param {
                "evaluation_type" => "evaluation_type",
                "sector" => "sector",
                "intervention_type" => "intervention_type",
                "cycle_stage" => "cycle_stage",
                _ => "criterion",
            },
            options: options(vocabulary),
            chosen: raw.get_code(param),
        });
    }
    views::LearningFormView {
        id,
        title: raw.title.clone(),
        description: raw.description.clone(),
        project_title: raw.project_title.clone(),
        year: raw.year.clone(),
        countries: raw.countries.clone(),
        themes: taxonomy
            .themes
            .iter()
            .map(|th| {
                (
                    th.slug.clone(),
                    th.name.clone(),
                    chosen_themes.contains(&th.slug.as_str()),
                )
            })
            .collect(),
        source_url: raw.source_url.clone(),
        external_id: raw.external_id.clone(),
        selects,
    }
}

impl RawLearning {
    fn get_code(&self, param: &str) -> String {
        match param {
            "evaluation_type" => &self.evaluation_type,
            "sector" => &self.sector,
            "intervention_type" => &self.intervention_type,
            "cycle_stage" => &self.cycle_stage,
            _ => &self.criterion,
        }
        .clone()
    }
}

/// The stored learning in the shape of its form.
fn raw_of(
    learning: &learnings::Model,
    fields: &super::fields::LearningFields,
    taxonomy: &Taxonomy,
) -> RawLearning {
    let code = |id: Option<i32>| {
        id.and_then(|id| taxonomy.term(id))
            .map(|t| t.code.clone())
            .unwrap_or_default()
    };
    RawLearning {
        external_id: learning.external_id.clone().unwrap_or_default(),
        title: learning.title.clone(),
        description: learning.description.clone(),
        learning_type: learning.learning_type.clone(),
        project_title: learning.project_title.clone(),
        evaluation_type: code(learning.evaluation_type_id),
        year: learning.year.map(|y| y.to_string()).unwrap_or_default(),
        countries: fields
            .country_ids
            .iter()
            .filter_map(|id| taxonomy.term(*id))
            .map(|t| t.code.clone())
            .collect::<Vec<_>>()
            .join(", "),
        themes: fields
            .theme_ids
            .iter()
            .filter_map(|id| taxonomy.theme(*id))
            .map(|t| t.slug.clone())
            .collect::<Vec<_>>()
            .join(";"),
        sector: code(learning.sector_id),
        intervention_type: code(learning.intervention_type_id),
        cycle_stage: code(learning.cycle_stage_id),
        criterion: code(learning.criterion_id),
        source_url: learning.source_url.clone(),
        language: learning.language.clone(),
    }
}

fn form_errors(problems: &[super::fields::Problem]) -> FormErrors {
    let mut errors = FormErrors::default();
    for problem in problems {
        errors.add(problem.field, problem.key);
    }
    errors
}

pub async fn show_new_learning(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let view = form_view(None, &RawLearning::default(), &taxonomy);
    Ok(html(
        StatusCode::OK,
        views::learning_form(&admin.ctx(), &view, &FormErrors::default()),
    ))
}

/// Two learnings may not share an external id or the same project and description.
async fn duplicate_of(
    db: &impl ConnectionTrait,
    fields: &super::fields::LearningFields,
    except: Option<i32>,
) -> AppResult<bool> {
    #[derive(FromQueryResult)]
    struct Found {
        #[allow(dead_code)]
        id: i32,
    }
    let found = Found::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT id FROM learnings WHERE (content_key = $1 OR external_id = $2) AND id <> $3",
        [
            store::content_key(&fields.project_title, &fields.description).into(),
            fields.external_id.clone().unwrap_or_default().into(),
            except.unwrap_or(0).into(),
        ],
    ))
    .one(db)
    .await?;
    Ok(found.is_some())
}

pub async fn create_learning(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let raw = raw_from(&pairs);
    let rerender = |errors: FormErrors| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            views::learning_form(&admin.ctx(), &form_view(None, &raw, &taxonomy), &errors),
        )
    };
    let fields = match raw.validate(&taxonomy) {
        Ok(fields) => fields,
        Err(problems) => return Ok(rerender(form_errors(&problems))),
    };
    if duplicate_of(&state.db, &fields, None).await? {
        let mut errors = FormErrors::default();
        errors.add("description", "learning.duplicate");
        return Ok(rerender(errors));
    }
    let description_html = markdown::render_off_thread(fields.description.clone()).await;
    let txn = db::begin_write(&state.db).await?;
    let now = now();
    let learning = store::insert(
        &txn,
        &fields,
        &description_html,
        DRAFT,
        Some(admin.user.id),
        now,
    )
    .await?;
    store::record_review(&txn, learning.id, Some(admin.user.id), "created", "", now).await?;
    txn.commit().await?;
    flash::set(&admin.session, "learning.saved").await;
    Ok(Redirect::to(&format!("/learnings/{}", learning.id)).into_response())
}

async fn managed_learning(
    state: &AppState,
    raw_id: &str,
    admin: &SignedIn,
) -> AppResult<learnings::Model> {
    let learning = visibility::learning(&state.db, raw_id, Some(&admin.user)).await?;
    if learning.status == RETIRED {
        return Err(AppError::BadRequest("review.wrong_state"));
    }
    Ok(learning)
}

pub async fn show_edit_learning(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let learning = managed_learning(&state, &id, &admin).await?;
    let taxonomy = Taxonomy::current(&state).await?;
    let fields = store::fields_of(&state.db, &learning).await?;
    let view = form_view(
        Some(learning.id),
        &raw_of(&learning, &fields, &taxonomy),
        &taxonomy,
    );
    Ok(html(
        StatusCode::OK,
        views::learning_form(&admin.ctx(), &view, &FormErrors::default()),
    ))
}

pub async fn update_learning(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    let learning = managed_learning(&state, &id, &admin).await?;
    let taxonomy = Taxonomy::current(&state).await?;
    let raw = raw_from(&pairs);
    let rerender = |errors: FormErrors| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            views::learning_form(
                &admin.ctx(),
                &form_view(Some(learning.id), &raw, &taxonomy),
                &errors,
            ),
        )
    };
    let fields = match raw.validate(&taxonomy) {
        Ok(fields) => fields,
        Err(problems) => return Ok(rerender(form_errors(&problems))),
    };
    if duplicate_of(&state.db, &fields, Some(learning.id)).await? {
        let mut errors = FormErrors::default();
        errors.add("description", "learning.duplicate");
        return Ok(rerender(errors));
    }
    let id = learning.id;
    let description_html = markdown::render_off_thread(fields.description.clone()).await;
    let txn = db::begin_write(&state.db).await?;
    let now = now();
    store::update(&txn, learning, &fields, &description_html, now).await?;
    store::record_review(&txn, id, Some(admin.user.id), "edited", "", now).await?;
    txn.commit().await?;
    flash::set(&admin.session, "learning.saved").await;
    Ok(Redirect::to(&format!("/learnings/{id}")).into_response())
}

#[derive(serde::Deserialize)]
pub struct StepForm {
    #[serde(default)]
    reviewer_id: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

fn comment_of(form: &StepForm) -> AppResult<String> {
    let comment = strip_controls(form.comment.trim());
    if comment.chars().count() > REASON_MAX * 5 {
        return Err(AppError::BadRequest("form.too_long"));
    }
    Ok(comment)
}

async fn chosen_reviewer(
    state: &AppState,
    learning: &learnings::Model,
    admin: &SignedIn,
    form: &StepForm,
) -> AppResult<i32> {
    let wanted = form.reviewer_id.trim().parse::<i32>().ok();
    let allowed = possible_reviewers(&state.db, learning, &admin.user).await?;
    wanted
        .filter(|id| allowed.iter().any(|(a, _)| a == id))
        .ok_or(AppError::BadRequest("review.bad_reviewer"))
}

fn back_to(id: i32) -> Response {
    Redirect::to(&format!("/learnings/{id}#workflow")).into_response()
}

/// One move of the workflow: from one of `from` to `to`, recorded as `action`.
struct Step<'a> {
    from: &'a [&'a str],
    to: &'a str,
    action: &'a str,
    comment: &'a str,
    /// The reviewer to name with this step, if any.
    reviewer: Option<i32>,
}

/// Moves a learning one step, naming the reviewer when given, in one write that fails if
/// another request moved it first.
async fn step(
    state: &AppState,
    learning: learnings::Model,
    actor: &users::Model,
    Step {
        from,
        to,
        action,
        comment,
        reviewer,
    }: Step<'_>,
) -> AppResult<Response> {
    if !from.contains(&learning.status.as_str()) {
        return Err(AppError::BadRequest("review.wrong_state"));
    }
    let id = learning.id;
    let txn = db::begin_write(&state.db).await?;
    let current = learnings::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != learning.status || current.reviewer_id != learning.reviewer_id {
        return Err(AppError::BadRequest("review.wrong_state"));
    }
    let now = now();
    if let Some(reviewer_id) = reviewer {
        learnings::Entity::update_many()
            .col_expr(learnings::Column::ReviewerId, Expr::value(reviewer_id))
            .col_expr(learnings::Column::UpdatedAt, Expr::value(now))
            .filter(learnings::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    if current.status == to {
        store::record_review(&txn, id, Some(actor.id), action, comment, now).await?;
    } else {
        store::set_status(&txn, current, to, Some(actor.id), action, comment, now).await?;
    }
    txn.commit().await?;
    Ok(back_to(id))
}

pub async fn submit_learning(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let learning = managed_learning(&state, &id, &admin).await?;
    let reviewer = chosen_reviewer(&state, &learning, &admin, &form).await?;
    let comment = comment_of(&form)?;
    step(
        &state,
        learning,
        &admin.user,
        Step {
            from: &[DRAFT],
            to: IN_REVIEW,
            action: "submitted",
            comment: &comment,
            reviewer: Some(reviewer),
        },
    )
    .await
}

pub async fn name_reviewer(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let learning = managed_learning(&state, &id, &admin).await?;
    let reviewer = chosen_reviewer(&state, &learning, &admin, &form).await?;
    step(
        &state,
        learning,
        &admin.user,
        Step {
            from: &[IN_REVIEW],
            to: IN_REVIEW,
            action: "reviewer",
            comment: "",
            reviewer: Some(reviewer),
        },
    )
    .await
}

/// The named reviewer approves (publishing it) or sends it back with what should change.
pub async fn decide_learning(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let learning = visibility::learning(&state.db, &id, Some(&signed_in.user)).await?;
    if learning.reviewer_id != Some(signed_in.user.id) {
        return Err(AppError::NotFound);
    }
    let comment = comment_of(&form)?;
    match form.decision.as_str() {
        "approve" => {
            step(
                &state,
                learning,
                &signed_in.user,
                Step {
                    from: &[IN_REVIEW],
                    to: PUBLISHED,
                    action: "approved",
                    comment: &comment,
                    reviewer: None,
                },
            )
            .await
        }
        "changes" if comment.is_empty() => Err(AppError::BadRequest("review.comment_required")),
        "changes" => {
            step(
                &state,
                learning,
                &signed_in.user,
                Step {
                    from: &[IN_REVIEW],
                    to: DRAFT,
                    action: "changes_requested",
                    comment: &comment,
                    reviewer: None,
                },
            )
            .await
        }
        _ => Err(AppError::BadRequest("error.bad_form")),
    }
}

pub async fn retire_learning(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let learning = visibility::learning(&state.db, &id, Some(&admin.user)).await?;
    let comment = comment_of(&form)?;
    step(
        &state,
        learning,
        &admin.user,
        Step {
            from: &[PUBLISHED],
            to: RETIRED,
            action: "retired",
            comment: &comment,
            reviewer: None,
        },
    )
    .await
}

pub async fn reopen_learning(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let learning = visibility::learning(&state.db, &id, Some(&admin.user)).await?;
    let comment = comment_of(&form)?;
    step(
        &state,
        learning,
        &admin.user,
        Step {
            from: &[RETIRED, IN_REVIEW],
            to: DRAFT,
            action: "reopened",
            comment: &comment,
            reviewer: None,
        },
    )
    .await
}

pub async fn comment_learning(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let learning = visibility::learning(&state.db, &id, Some(&signed_in.user)).await?;
    if !visibility::may_manage(&learning, &signed_in.user) {
        return Err(AppError::NotFound);
    }
    let comment = comment_of(&form)?;
    if comment.is_empty() {
        return Err(AppError::BadRequest("form.required"));
    }
    let txn = db::begin_write(&state.db).await?;
    store::record_review(
        &txn,
        learning.id,
        Some(signed_in.user.id),
        "comment",
        &comment,
        now(),
    )
    .await?;
    txn.commit().await?;
    Ok(back_to(learning.id))
}

/// A moderator turns a thread's outcome into a learning: a proposal made from its summary,
/// linked back to the thread, waiting in review for an admin to name the reviewer.
pub async fn propose_learning(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(thread_id): Path<String>,
) -> AppResult<Response> {
    let thread_id = crate::web::path_id::parse_id(&thread_id)?;
    let (thread, forum_access) = access::thread(&state.db, &signed_in.user, thread_id).await?;
    forum_access.require_moderator()?;
    let Some(summary) = thread.summary_md.clone().filter(|s| !s.trim().is_empty()) else {
        return Err(AppError::BadRequest("learning.needs_summary"));
    };
    let taxonomy = Taxonomy::current(&state).await?;
    let theme = taxonomy
        .theme(forum_access.forum.theme_id)
        .map(|t| t.slug.clone())
        .unwrap_or_default();
    let raw = RawLearning {
        title: thread.title.clone(),
        description: summary,
        themes: theme,
        ..RawLearning::default()
    };
    let fields = raw
        .validate(&taxonomy)
        .map_err(|_| AppError::BadRequest("learning.needs_summary"))?;
    let description_html = markdown::render_off_thread(fields.description.clone()).await;
    let txn = db::begin_write(&state.db).await?;
    let now = now();
    let proposed_before = learnings::Entity::find()
        .filter(learnings::Column::ContentKey.eq(store::content_key(
            &fields.project_title,
            &fields.description,
        )))
        .one(&txn)
        .await?;
    // Proposing the same summary twice finds the first proposal instead of a duplicate.
    let learning = match proposed_before {
        Some(existing) => existing,
        None => {
            let learning = store::insert(
                &txn,
                &fields,
                &description_html,
                IN_REVIEW,
                Some(signed_in.user.id),
                now,
            )
            .await?;
            let comment = format!("/threads/{}", thread.id);
            store::record_review(
                &txn,
                learning.id,
                Some(signed_in.user.id),
                "proposed",
                &comment,
                now,
            )
            .await?;
            learning
        }
    };
    links::link(
        &txn,
        thread.id,
        learning.id,
        Some(signed_in.user.id),
        now,
        false,
    )
    .await?;
    posting::touch(&txn, thread.id).await?;
    log::record(
        &txn,
        Entry {
            actor_id: signed_in.user.id,
            forum_id: Some(forum_access.forum.id),
            action: "propose_learning",
            target_type: "thread",
            target_id: thread.id,
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    flash::set(&signed_in.session, "learning.proposed").await;
    Ok(Redirect::to(&format!("/learnings/{}", learning.id)).into_response())
}
