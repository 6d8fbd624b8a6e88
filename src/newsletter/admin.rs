//! Knowledge managers' newsletter pages: editions with their delivery progress, subscriber
//! counts, composing the next edition now, an edition's items and introduction, a preview as a
//! given subscriber (exactly the message they would get), sending now and retrying failed
//! deliveries. Admins only: everyone else gets 404 (or the login page when signed out).

use std::collections::{HashMap, HashSet};

use axum::{
    Router,
    extract::{Path, RawQuery, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Statement,
};
use serde::Deserialize;
use templates::{
    components::{FormErrors, Pager},
    confirm::Confirmation,
    i18n::{plural, t, tf},
    newsletter_edition::{
        self as views, AdminEditionRow, AdminEditionView, AdminItem, AdminNewsletterView,
        PreviewMessage, PreviewView, ProgressView, SubscriberCount,
    },
};

use super::{
    compose::{self, ItemKind},
    deliver,
    editions::{self as service, INTRO_MAX},
    schedule,
};
use crate::{
    entities::{
        deliveries, edition_items, editions,
        states::{DeliveryStatus, EditionStatus, Frequency},
    },
    web::html,
    web::{
        AdminUser, AppError, AppResult, AppState, SignedIn,
        confirm::ConfirmForm,
        flash,
        forms::{self, Form},
        paths,
        query::read_lenient,
    },
    web::{dates::iso, path_id::parse_id},
};

const PER_PAGE: u64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/newsletter", get(list_editions))
        .route("/admin/newsletter/compose", post(compose_edition))
        .route("/admin/newsletter/editions/{id}", get(show_edition))
        .route("/admin/newsletter/editions/{id}/intro", post(update_intro))
        .route(
            "/admin/newsletter/editions/{id}/preview",
            get(preview_edition),
        )
        .route("/admin/newsletter/editions/{id}/send", post(send_edition))
        .route("/admin/newsletter/editions/{id}/retry", post(retry_edition))
}

/// The edition's page, after a POST, with its outcome shown there once (`web::flash`).
async fn edition_page(admin: &SignedIn, id: i32, done: &'static str) -> Redirect {
    flash::set(&admin.session, done).await;
    Redirect::to(&paths::edition(id))
}

fn add_count(progress: &mut ProgressView, status: DeliveryStatus, n: i64) {
    match status {
        DeliveryStatus::Queued => progress.queued += n,
        DeliveryStatus::Sent => progress.sent += n,
        DeliveryStatus::Failed => progress.failed += n,
        DeliveryStatus::Cancelled => progress.cancelled += n,
        DeliveryStatus::Skipped => progress.skipped += n,
    }
}

/// Delivery counts by state and item counts of some editions, in two statements.
async fn counts(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<(HashMap<i32, ProgressView>, HashMap<i32, i64>), DbErr> {
    use sea_orm::{
        QuerySelect,
        sea_query::{Expr, ExprTrait},
    };

    let mut progress: HashMap<i32, ProgressView> = HashMap::new();
    if ids.is_empty() {
        return Ok((progress, HashMap::new()));
    }
    let by_status: Vec<(i32, DeliveryStatus, i64)> = deliveries::Entity::find()
        .select_only()
        .column(deliveries::Column::EditionId)
        .column(deliveries::Column::Status)
        .column_as(Expr::col(deliveries::Column::Id).count(), "n")
        .filter(deliveries::Column::EditionId.is_in(ids.iter().copied()))
        .group_by(deliveries::Column::EditionId)
        .group_by(deliveries::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (edition, status, n) in by_status {
        add_count(progress.entry(edition).or_default(), status, n);
    }
    let items: Vec<(i32, i64)> = edition_items::Entity::find()
        .select_only()
        .column(edition_items::Column::EditionId)
        .column_as(Expr::col(edition_items::Column::EditionId).count(), "n")
        .filter(edition_items::Column::EditionId.is_in(ids.iter().copied()))
        .group_by(edition_items::Column::EditionId)
        .into_tuple()
        .all(db)
        .await?;
    Ok((progress, items.into_iter().collect()))
}

async fn list_editions(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let db = &state.db;
    let requested = crate::web::paging::page_from_query(query.as_deref());
    let (rows, page, pages) = super::queries::editions(db, requested, PER_PAGE).await?;
    let ids: Vec<i32> = rows.iter().map(|e| e.id).collect();
    let (mut progress, items) = counts(db, &ids).await?;
    let subscribers = super::queries::subscriber_counts(db).await?;
    let notice = flash::take(&admin.session).await;
    let view = AdminNewsletterView {
        editions: rows
            .into_iter()
            .map(|e| AdminEditionRow {
                id: e.id,
                progress: progress.remove(&e.id).unwrap_or_default(),
                items: items.get(&e.id).copied().unwrap_or(0),
                dated: iso(compose::dated(&e)),
                subject: compose::subject_in(admin.lang, e.frequency, compose::dated(&e)),
                frequency: e.frequency.as_str().into(),
                status: e.status.as_str().into(),
            })
            .collect(),
        subscribers: subscribers
            .into_iter()
            .map(|s| SubscriberCount {
                status: s.status,
                frequency: s.frequency,
                count: s.n,
            })
            .collect(),
        notice,
        pages: Pager {
            page,
            pages,
            base: format!("{}?", paths::ADMIN_NEWSLETTER),
        },
    };
    Ok(html(StatusCode::OK, views::admin_home(&admin.ctx(), &view)))
}

#[derive(Deserialize)]
struct ComposeForm {
    #[serde(default)]
    frequency: String,
}

/// Composes the next edition of a frequency now (or brings the one composed ahead up to
/// date), so that it can be previewed and introduced before its time.
async fn compose_edition(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Form(form): Form<ComposeForm>,
) -> AppResult<Response> {
    let Some(frequency) = Frequency::parse(&form.frequency) else {
        return Err(AppError::BadRequest("error.bad_form"));
    };
    let edition = schedule::compose_upcoming(&state.db, &state.config, frequency, crate::db::now())
        .await?
        .ok_or(AppError::BadRequest("error.bad_form"))?;
    Ok(edition_page(&admin, edition.id, "edition.done_composed")
        .await
        .into_response())
}

async fn edition(state: &AppState, raw_id: &str) -> AppResult<editions::Model> {
    let id = parse_id(raw_id)?;
    editions::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(FromQueryResult)]
struct ItemRow {
    kind: String,
    item_id: i32,
    title: Option<String>,
}

async fn edition_view(
    state: &AppState,
    lang: &str,
    edition: editions::Model,
    typed: Option<IntroForm>,
    notice: Option<&'static str>,
) -> AppResult<AdminEditionView> {
    let db = &state.db;
    let rows = ItemRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT ei.kind, ei.item_id, COALESCE(l.title, p.title, t.title) AS title
         FROM edition_items ei
         LEFT JOIN learnings l ON ei.kind = 'learning' AND l.id = ei.item_id
         LEFT JOIN products p ON ei.kind = 'product' AND p.id = ei.item_id
         LEFT JOIN threads t ON ei.kind = 'thread' AND t.id = ei.item_id
         WHERE ei.edition_id = $1 ORDER BY ei.position, ei.kind, ei.item_id",
        [edition.id.into()],
    ))
    .all(db)
    .await?;
    let going: HashSet<(ItemKind, i32)> = compose::load(db, &state.config, edition.id)
        .await?
        .map(|c| c.items.iter().map(|i| (i.kind, i.id)).collect())
        .unwrap_or_default();
    let progress = deliver::progress(db, edition.id).await?;
    let subject = compose::subject_in(lang, edition.frequency, compose::dated(&edition));
    let items = rows
        .into_iter()
        .filter_map(|row| {
            let kind = ItemKind::parse(&row.kind)?;
            Some(AdminItem {
                goes_out: going.contains(&(kind, row.item_id)),
                href: kind.path(row.item_id),
                title: row.title.unwrap_or_else(|| format!("#{}", row.item_id)),
                kind: row.kind,
            })
        })
        .collect();
    Ok(AdminEditionView {
        id: edition.id,
        period_start: iso(edition.period_start),
        period_end: iso(edition.period_end),
        dated: iso(compose::dated(&edition)),
        // Until it is queued, whom it would reach now; then whom it was queued for.
        recipients: if matches!(
            edition.status,
            EditionStatus::Scheduled | EditionStatus::Empty
        ) {
            i32::try_from(deliver::audience_size(db, edition.id).await?).unwrap_or(i32::MAX)
        } else {
            edition.recipients
        },
        intro_md: typed.as_ref().map_or(edition.intro_md, |f| f.intro.clone()),
        intro_md_fr: typed
            .as_ref()
            .map_or(edition.intro_md_fr, |f| f.intro_fr.clone()),
        intro_md_es: typed.map_or(edition.intro_md_es, |f| f.intro_es),
        subject,
        frequency: edition.frequency.as_str().into(),
        status: edition.status.as_str().into(),
        items,
        progress: ProgressView {
            queued: progress.queued,
            sent: progress.sent,
            failed: progress.failed,
            cancelled: progress.cancelled,
            skipped: progress.skipped,
        },
        notice,
    })
}

async fn show_edition(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let edition = edition(&state, &raw_id).await?;
    let view = edition_view(
        &state,
        admin.lang,
        edition,
        None,
        flash::take(&admin.session).await,
    )
    .await?;
    Ok(html(
        StatusCode::OK,
        views::admin_edition(&admin.ctx(), &view, &FormErrors::default()),
    ))
}

/// The introduction in English (`intro`, the name it always had), French and Spanish.
#[derive(Deserialize)]
struct IntroForm {
    #[serde(default)]
    intro: String,
    #[serde(default)]
    intro_fr: String,
    #[serde(default)]
    intro_es: String,
}

impl IntroForm {
    /// The introductions without control characters.
    fn cleaned(&self) -> IntroForm {
        IntroForm {
            intro: forms::strip_controls(&self.intro),
            intro_fr: forms::strip_controls(&self.intro_fr),
            intro_es: forms::strip_controls(&self.intro_es),
        }
    }

    /// Each introduction that is too long is named.
    fn validate(&self) -> Result<(), FormErrors> {
        let mut checks = forms::Checks::default();
        for (field, text) in [
            ("intro", &self.intro),
            ("intro_fr", &self.intro_fr),
            ("intro_es", &self.intro_es),
        ] {
            if text.chars().count() > INTRO_MAX {
                checks.add(field, "edition.intro_too_long");
            }
        }
        checks.finish(|| Some(()))
    }
}

async fn update_intro(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(raw_id): Path<String>,
    Form(form): Form<IntroForm>,
) -> AppResult<Response> {
    let edition = edition(&state, &raw_id).await?;
    let form = form.cleaned();
    if let Err(errors) = form.validate() {
        let view = edition_view(&state, admin.lang, edition, Some(form), None).await?;
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            views::admin_edition(&admin.ctx(), &view, &errors),
        ));
    }
    let intros = service::Intros {
        en: &form.intro,
        fr: &form.intro_fr,
        es: &form.intro_es,
    };
    let done = if service::set_intros(&state.db, edition.id, &intros).await? {
        "edition.done_intro"
    } else {
        "edition.done_nothing"
    };
    Ok(edition_page(&admin, edition.id, done).await.into_response())
}

/// Sends the edition now, whatever its time: its items are brought up to date first. An
/// edition already queued or sent is left alone.
async fn send_edition(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(raw_id): Path<String>,
    Form(confirm): Form<ConfirmForm>,
) -> AppResult<Response> {
    let edition = edition(&state, &raw_id).await?;
    if edition.status != EditionStatus::Scheduled && edition.status != EditionStatus::Empty {
        return Ok(edition_page(&admin, edition.id, "edition.done_nothing")
            .await
            .into_response());
    }
    service::refresh(&state.db, edition.id).await?;
    // Every message would be skipped: nothing is queued, and the page says why.
    let goes_out = compose::load(&state.db, &state.config, edition.id)
        .await?
        .is_some_and(|content| !content.items.is_empty());
    if !goes_out {
        return Ok(edition_page(&admin, edition.id, "edition.done_empty")
            .await
            .into_response());
    }
    if !confirm.given() {
        let lang = admin.lang;
        let audience = deliver::audience_size(&state.db, edition.id).await?;
        let subscribers = plural(lang, "edition.subscribers_count", audience);
        let number = edition.id.to_string();
        return Ok(html(
            StatusCode::OK,
            templates::confirm::page(
                &admin.ctx(),
                &Confirmation {
                    question: &tf(
                        lang,
                        "edition.send_question",
                        &[("number", &number), ("subscribers", &subscribers)],
                    ),
                    consequence: &t(lang, "edition.send_consequence"),
                    action: &paths::edition_action(edition.id, "send"),
                    button: &tf(
                        lang,
                        "edition.send_confirm",
                        &[("subscribers", &subscribers)],
                    ),
                    cancel_href: &paths::edition(edition.id),
                },
            ),
        ));
    }
    deliver::enqueue(&state.db, edition.id).await?;
    state.wake_newsletter.notify_one();
    Ok(edition_page(&admin, edition.id, "edition.done_queued")
        .await
        .into_response())
}

async fn retry_edition(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let edition = edition(&state, &raw_id).await?;
    let requeued = deliver::retry_failed(&state.db, edition.id).await?;
    if requeued > 0 {
        state.wake_newsletter.notify_one();
    }
    let done = if requeued > 0 {
        "edition.done_retried"
    } else {
        "edition.done_nothing"
    };
    Ok(edition_page(&admin, edition.id, done).await.into_response())
}

/// The message the subscriber with this address would get, exactly as `message_for` builds
/// it at send time (their themes and forums now).
async fn preview_edition(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let edition = edition(&state, &raw_id).await?;
    let mut email = String::new();
    read_lenient(query.as_deref(), 320, |name, value| {
        if name == "email" {
            email = value.trim().to_owned();
            true
        } else {
            false
        }
    });
    let (status, problem, message) = preview(&state, edition.id, &email).await?;
    let view = PreviewView {
        edition_id: edition.id,
        subject: compose::subject_in(admin.lang, edition.frequency, compose::dated(&edition)),
        email,
        message,
        problem,
    };
    let mut response = html(status, views::admin_preview(&admin.ctx(), &view));
    // The message's own inline styles must apply inside the sandboxed frame (which inherits
    // this page's policy); scripts stay forbidden.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    Ok(response)
}

type Preview = (StatusCode, Option<&'static str>, Option<PreviewMessage>);

async fn preview(state: &AppState, edition_id: i32, email: &str) -> AppResult<Preview> {
    if email.is_empty() || !email.contains('@') || email.chars().any(char::is_control) {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("edition.preview_invalid"),
            None,
        ));
    }
    Ok(
        match service::preview(&state.db, &state.config, &state.secret, edition_id, email).await? {
            service::Preview::Message(message, lang) => (
                StatusCode::OK,
                None,
                Some(PreviewMessage {
                    lang,
                    subject: message.subject,
                    html: message.html,
                    text: message.text,
                }),
            ),
            service::Preview::Unknown => {
                (StatusCode::NOT_FOUND, Some("edition.preview_unknown"), None)
            }
            service::Preview::Inactive => (StatusCode::OK, Some("edition.preview_inactive"), None),
            service::Preview::Nothing => (StatusCode::OK, Some("edition.preview_nothing"), None),
            service::Preview::NoEdition => return Err(AppError::NotFound),
        },
    )
}
