//! Knowledge managers' work on learnings: create and edit, and the review workflow
//! `draft → in_review → published → retired`. A learning is published only when the reviewer
//! an admin named — a second person, neither the author nor the one who sent it — approves it.
//! Every step, with its comment, stays in the learning's review history. Moderators can also
//! turn a thread's summary into a learning proposal.

use axum::{
    Router,
    extract::{MatchedPath, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Statement};
use templates::{
    components::{FieldProblem, FormErrors},
    i18n::t,
    learnings::{self as views, ReviewEntryView, WorkflowView},
};

use super::{
    fields::{LearningFields, RawLearning},
    links,
    review::{self, Action, Who},
    search::TERM_FILTERS,
    store, visibility,
};
use crate::waiting::tell::{Event, tell};
use crate::{
    db::{self, now},
    entities::{
        learnings::{self, LearningStatus},
        threads, users,
    },
    forums::{
        access::{self, ForumAccess},
        log::{self, Entry},
        posting,
    },
    markdown,
    taxonomy::{Taxonomy, Vocabulary},
    web::{
        AdminUser, AppError, AppResult, AppState, SignedIn,
        dates::iso,
        flash,
        forms::{Form, REASON_MAX, strip_controls},
        html, paths,
    },
};

pub fn routes() -> Router<AppState> {
    let router = Router::new()
        .route(
            "/learnings/new",
            get(show_new_learning).post(create_learning),
        )
        .route(
            "/learnings/{id}/edit",
            get(show_edit_learning).post(update_learning),
        )
        .route("/threads/{id}/propose-learning", post(propose_learning));
    // Each step has its own address, as before; one handler serves them all.
    Step::ALL.into_iter().fold(router, |router, step| {
        router.route(
            &format!("/learnings/{{id}}/{}", step.segment()),
            post(step_learning),
        )
    })
}

#[derive(FromQueryResult)]
struct PersonRow {
    id: i32,
    display_name: String,
}

/// Who may review a learning: active admins, forum moderators and reviewers (the role an admin
/// gives on the users page, or an outside reviewer's account), except the author and the
/// person sending it for review. The review section says exactly this (`review.who_can`).
async fn possible_reviewers(
    db: &impl ConnectionTrait,
    learning: &learnings::Model,
    sender: &users::Model,
) -> AppResult<Vec<(i32, String)>> {
    let rows = PersonRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT u.id, u.display_name FROM users u
         WHERE u.disabled_at IS NULL AND u.password_hash IS NOT NULL AND u.id <> $1 AND u.id <> $2
           AND (u.is_admin OR u.is_reviewer OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role = 'moderator'))
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
    let may = |action| review::may(action, learning, user);
    let reviewer = match learning.reviewer_id {
        Some(id) => users::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|u| u.display_name),
        None => None,
    };
    let can_submit = may(Action::Submit);
    let can_name_reviewer = may(Action::NameReviewer);
    Ok(WorkflowView {
        can_edit: user.is_admin && learning.status != LearningStatus::Retired,
        reviewers: if can_submit || can_name_reviewer {
            possible_reviewers(db, learning, user).await?
        } else {
            Vec::new()
        },
        can_submit,
        can_name_reviewer,
        can_decide: may(Action::Approve),
        can_retire: may(Action::Retire),
        can_reopen: may(Action::Reopen),
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
/// Terms are offered in their vocabulary's order, named in the reader's language.
fn form_view(
    lang: &str,
    id: Option<i32>,
    raw: &RawLearning,
    taxonomy: &Taxonomy,
) -> views::LearningFormView {
    let chosen_themes: Vec<&str> = raw.themes.split([';', ',']).map(str::trim).collect();
    let options = |vocabulary: Vocabulary| {
        taxonomy
            .terms_of(vocabulary)
            .map(|t| (t.code.clone(), t.label(lang).to_string()))
            .collect()
    };
    let mut selects = vec![
        views::SelectView {
            field: "type",
            options: ["lesson_learned", "good_practice"]
                .into_iter()
                .map(|k| (k.to_string(), views::type_label(lang, k)))
                .collect(),
            chosen: raw.learning_type.clone(),
        },
        views::SelectView {
            field: "language",
            options: super::fields::LANGUAGES
                .into_iter()
                .map(|c| (c.to_string(), templates::catalogue::language_name(lang, c)))
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
            .themes_by_name(lang)
            .into_iter()
            .map(|th| {
                (
                    th.slug.clone(),
                    th.name(lang).to_string(),
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

/// The stored learning in the shape of its form, its countries named in `lang`.
fn raw_of(
    lang: &str,
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
        countries: taxonomy.names_listed(&fields.country_ids, lang),
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

pub async fn show_new_learning(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> AppResult<Response> {
    let taxonomy = Taxonomy::current(&state).await?;
    let view = form_view(admin.lang, None, &RawLearning::default(), &taxonomy);
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
            views::learning_form(
                &admin.ctx(),
                &form_view(admin.lang, None, &raw, &taxonomy),
                &errors,
            ),
        )
    };
    let fields = match raw.validate(&taxonomy) {
        Ok(fields) => fields,
        Err(problems) => return Ok(rerender(FormErrors::from(problems))),
    };
    if duplicate_of(&state.db, &fields, None).await? {
        let duplicate = FieldProblem::new("description", "learning.duplicate");
        return Ok(rerender(FormErrors::from(duplicate)));
    }
    let description_html = markdown::render_off_thread(fields.description.clone()).await;
    let txn = db::begin_write(&state.db).await?;
    let now = now();
    let learning = store::insert(
        &txn,
        &fields,
        &description_html,
        LearningStatus::Draft,
        Some(admin.user.id),
        now,
    )
    .await?;
    store::record_review(&txn, learning.id, Some(admin.user.id), "created", "", now).await?;
    txn.commit().await?;
    flash::set(&admin.session, "learning.saved").await;
    Ok(Redirect::to(&paths::learning(learning.id)).into_response())
}

async fn managed_learning(
    state: &AppState,
    raw_id: &str,
    admin: &SignedIn,
) -> AppResult<learnings::Model> {
    let learning = visibility::learning(&state.db, raw_id, Some(&admin.user)).await?;
    if learning.status == LearningStatus::Retired {
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
        admin.lang,
        Some(learning.id),
        &raw_of(admin.lang, &learning, &fields, &taxonomy),
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
                &form_view(admin.lang, Some(learning.id), &raw, &taxonomy),
                &errors,
            ),
        )
    };
    let fields = match raw.validate(&taxonomy) {
        Ok(fields) => fields,
        Err(problems) => return Ok(rerender(FormErrors::from(problems))),
    };
    if duplicate_of(&state.db, &fields, Some(learning.id)).await? {
        let duplicate = FieldProblem::new("description", "learning.duplicate");
        return Ok(rerender(FormErrors::from(duplicate)));
    }
    let id = learning.id;
    let description_html = markdown::render_off_thread(fields.description.clone()).await;
    let txn = db::begin_write(&state.db).await?;
    let now = now();
    store::update(&txn, learning, &fields, &description_html, now).await?;
    store::record_review(&txn, id, Some(admin.user.id), "edited", "", now).await?;
    txn.commit().await?;
    flash::set(&admin.session, "learning.saved").await;
    Ok(Redirect::to(&paths::learning(id)).into_response())
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

/// The workflow's addresses, `/learnings/{id}/…`: one per action, except `decide`, where the
/// named reviewer's form says approve or request changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Submit,
    Reviewer,
    Decide,
    Retire,
    Reopen,
    Comment,
}

impl Step {
    const ALL: [Step; 6] = [
        Step::Submit,
        Step::Reviewer,
        Step::Decide,
        Step::Retire,
        Step::Reopen,
        Step::Comment,
    ];

    fn segment(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Reviewer => "reviewer",
            Step::Decide => "decide",
            Step::Retire => "retire",
            Step::Reopen => "reopen",
            Step::Comment => "comment",
        }
    }

    /// The step a matched route (`/learnings/{id}/submit`, …) stands for.
    fn of_route(route: &str) -> Option<Step> {
        let segment = route.rsplit('/').next()?;
        Step::ALL.into_iter().find(|s| s.segment() == segment)
    }

    /// Who may take this step (the same for both decisions).
    fn who(self) -> Who {
        match self {
            Step::Submit => Action::Submit.who(),
            Step::Reviewer => Action::NameReviewer.who(),
            Step::Decide => Action::Approve.who(),
            Step::Retire => Action::Retire.who(),
            Step::Reopen => Action::Reopen.who(),
            Step::Comment => Action::Comment.who(),
        }
    }

    /// The action the form asks for.
    fn action(self, form: &StepForm) -> AppResult<Action> {
        Ok(match self {
            Step::Submit => Action::Submit,
            Step::Reviewer => Action::NameReviewer,
            Step::Decide => match form.decision.as_str() {
                "approve" => Action::Approve,
                "changes" => Action::RequestChanges,
                _ => return Err(AppError::BadRequest("error.bad_form")),
            },
            Step::Retire => Action::Retire,
            Step::Reopen => Action::Reopen,
            Step::Comment => Action::Comment,
        })
    }
}

/// Every step of the review workflow: who may take it, what the form says, then
/// `review::act`, and back to the learning's workflow section.
pub async fn step_learning(
    State(state): State<AppState>,
    signed_in: SignedIn,
    route: MatchedPath,
    Path(id): Path<String>,
    form: Result<Form<StepForm>, AppError>,
) -> AppResult<Response> {
    let step = Step::of_route(route.as_str()).ok_or(AppError::NotFound)?;
    let who = step.who();
    // Knowledge managers' steps are not there for anyone else, whatever the body.
    if who == Who::KnowledgeManager && !signed_in.user.is_admin {
        return Err(AppError::NotFound);
    }
    let Form(form) = form?;
    let learning = visibility::learning(&state.db, &id, Some(&signed_in.user)).await?;
    if !who.includes(&learning, &signed_in.user) {
        return Err(AppError::NotFound);
    }
    let reviewer = match step {
        Step::Submit | Step::Reviewer => {
            // A retired learning is not edited, let alone sent for review.
            if learning.status == LearningStatus::Retired {
                return Err(AppError::BadRequest("review.wrong_state"));
            }
            Some(chosen_reviewer(&state, &learning, &signed_in, &form).await?)
        }
        _ => None,
    };
    // Naming another reviewer takes no comment.
    let comment = match step {
        Step::Reviewer => String::new(),
        _ => comment_of(&form)?,
    };
    let action = step.action(&form)?;
    review::act(
        &state,
        &learning,
        &signed_in.user,
        action,
        &comment,
        reviewer,
    )
    .await?;
    Ok(Redirect::to(&paths::learning_workflow(learning.id)).into_response())
}

/// A moderator proposes a thread's summary as a learning: it goes to review, the thread links
/// to it, knowledge managers are told, the log says who. Proposing the same summary twice finds
/// the first proposal instead of making a duplicate.
pub async fn propose_from_thread(
    state: &AppState,
    actor: &users::Model,
    access: &ForumAccess,
    thread: &threads::Model,
    fields: &LearningFields,
    description_html: &str,
) -> Result<learnings::Model, sea_orm::DbErr> {
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
                fields,
                description_html,
                LearningStatus::InReview,
                Some(actor.id),
                now,
            )
            .await?;
            let comment = paths::thread(thread.id);
            store::record_review(&txn, learning.id, Some(actor.id), "proposed", &comment, now)
                .await?;
            let event = Event::Proposed {
                learning_id: learning.id,
                title: &learning.title,
            };
            tell(&txn, state, event, actor.id).await?;
            learning
        }
    };
    links::link(&txn, thread.id, learning.id, Some(actor.id), now, false).await?;
    posting::touch(&txn, thread.id).await?;
    log::record(
        &txn,
        Entry {
            actor_id: actor.id,
            forum_id: Some(access.forum.id),
            action: "propose_learning",
            target_type: "thread",
            target_id: thread.id,
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(learning)
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
    let learning = propose_from_thread(
        &state,
        &signed_in.user,
        &forum_access,
        &thread,
        &fields,
        &description_html,
    )
    .await?;
    state.mail_queued();
    flash::set(&signed_in.session, "learning.proposed").await;
    Ok(Redirect::to(&paths::learning(learning.id)).into_response())
}
