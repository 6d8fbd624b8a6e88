//! Composing editions: which learnings, knowledge products and featured threads an edition
//! carries. Items are recorded when an edition is composed and brought up to date when it is
//! released, so an edition composed ahead (for knowledge managers to preview and introduce)
//! misses nothing published before its time. An item goes into one edition of a frequency
//! only: periods may overlap after an edition was sent early, never the items.
//!
//! What a subscriber finally gets is decided at send time by `compose::load` (drops what was
//! unpublished or hidden since) and `compose::items_for` (themes, forum membership).

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, Statement, Value,
};
use time::OffsetDateTime;

use super::compose::ItemKind;
use crate::{
    db::{begin_write, now},
    entities::{
        editions,
        learnings::LearningStatus,
        products::ProductStatus,
        states::{EditionStatus, Frequency},
    },
};

/// Longest introduction accepted, in characters.
pub const INTRO_MAX: usize = 20_000;

/// "Fora weekly — 23 November 2026", in English: stored when the edition is composed, as
/// the admin pages and logs name it. Each message and archive page makes it in its reader's
/// language with [`compose::subject_in`](super::compose::subject_in).
pub fn subject(frequency: Frequency, period_end: OffsetDateTime) -> String {
    super::compose::subject_in("en", frequency, period_end)
}

/// The edition of a frequency whose period ends at `period_end`.
pub async fn find(
    db: &impl ConnectionTrait,
    frequency: Frequency,
    period_end: OffsetDateTime,
) -> Result<Option<editions::Model>, DbErr> {
    editions::Entity::find()
        .filter(editions::Column::Frequency.eq(frequency))
        .filter(editions::Column::PeriodEnd.eq(period_end))
        .one(db)
        .await
}

/// Whether any edition of this frequency ends before `period_end` (a fresh install has none
/// and composes no backlog).
pub async fn any_before(
    db: &impl ConnectionTrait,
    frequency: Frequency,
    period_end: OffsetDateTime,
) -> Result<bool, DbErr> {
    Ok(editions::Entity::find()
        .filter(editions::Column::Frequency.eq(frequency))
        .filter(editions::Column::PeriodEnd.lt(period_end))
        .order_by_desc(editions::Column::PeriodEnd)
        .one(db)
        .await?
        .is_some())
}

#[derive(FromQueryResult)]
struct Id {
    id: i32,
}

/// Creates the edition of a frequency for a period, with its items, in one transaction; if it
/// exists already (composed by another instance, an admin or an earlier tick) returns that one
/// unchanged.
pub async fn compose(
    db: &DatabaseConnection,
    frequency: Frequency,
    period_start: OffsetDateTime,
    period_end: OffsetDateTime,
    scheduled_for: OffsetDateTime,
) -> Result<editions::Model, DbErr> {
    let txn = begin_write(db).await?;
    let backend = txn.get_database_backend();
    let start = effective_start(&txn, frequency, period_start, period_end).await?;
    let at = now();
    let inserted = Id::find_by_statement(Statement::from_sql_and_values(
        backend,
        "INSERT INTO editions (frequency, period_start, period_end, scheduled_for, status, subject,
                               intro_md, intro_html, recipients, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, '', '', 0, $7, $7)
         ON CONFLICT (frequency, period_end) DO NOTHING
         RETURNING id",
        [
            frequency.into(),
            start.into(),
            period_end.into(),
            scheduled_for.into(),
            EditionStatus::Scheduled.into(),
            subject(frequency, period_end).into(),
            at.into(),
        ],
    ))
    .one(&txn)
    .await?;
    if let Some(Id { id }) = inserted {
        add_items(&txn, id, frequency, start, period_end).await?;
    }
    txn.commit().await?;
    find(db, frequency, period_end)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("edition just composed".into()))
}

/// Where a period's items really start: its nominal start, or earlier when the edition before
/// it was sent ahead of its time (what was published between then and its due time belongs to
/// this one). A minute of margin; items already carried by an edition are never taken twice.
async fn effective_start(
    db: &impl ConnectionTrait,
    frequency: Frequency,
    nominal: OffsetDateTime,
    period_end: OffsetDateTime,
) -> Result<OffsetDateTime, DbErr> {
    let previous = editions::Entity::find()
        .filter(editions::Column::Frequency.eq(frequency))
        .filter(editions::Column::PeriodEnd.lt(period_end))
        .order_by_desc(editions::Column::PeriodEnd)
        .one(db)
        .await?;
    Ok(previous
        .and_then(|p| p.queued_at)
        .map(|queued| queued - time::Duration::minutes(1))
        .filter(|early| *early < nominal)
        .unwrap_or(nominal))
}

/// Moves a stale scheduled edition of this frequency (one whose time passed while nothing ran)
/// forward to `due`, so that it covers the whole gap. False when there is none, or when the
/// edition for `due` exists already.
pub async fn move_forward(
    db: &DatabaseConnection,
    frequency: Frequency,
    due: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE editions SET period_end = $1, scheduled_for = $1, subject = $2, updated_at = $3
             WHERE status = $4 AND id = (
                 SELECT id FROM editions WHERE frequency = $5 AND status = $4 AND period_end < $1
                 ORDER BY period_end DESC LIMIT 1)",
            [
                due.into(),
                subject(frequency, due).into(),
                now().into(),
                EditionStatus::Scheduled.into(),
                frequency.into(),
            ],
        ))
        .await;
    match result {
        Ok(done) => Ok(done.rows_affected() > 0),
        // Another instance composed the edition for `due` meanwhile.
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Ok(false)
        }
        Err(err) => Err(err),
    }
}

/// Brings a scheduled edition's items up to date (what was published since it was composed).
/// False, changing nothing, when the edition is no longer scheduled. The conditional update
/// first takes the edition's row lock, so an edition being queued is not changed meanwhile.
pub async fn refresh(db: &DatabaseConnection, edition_id: i32) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    let touched = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE editions SET updated_at = $1 WHERE id = $2 AND status = $3",
            [
                now().into(),
                edition_id.into(),
                EditionStatus::Scheduled.into(),
            ],
        ))
        .await?;
    if touched.rows_affected() == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    let Some(edition) = editions::Entity::find_by_id(edition_id).one(&txn).await? else {
        txn.rollback().await?;
        return Ok(false);
    };
    add_items(
        &txn,
        edition.id,
        edition.frequency,
        edition.period_start,
        edition.period_end,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// A scheduled edition with nothing to say is closed without being sent.
pub async fn mark_empty(db: &DatabaseConnection, edition_id: i32) -> Result<bool, DbErr> {
    let at = now();
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE editions SET status = $1, finished_at = $2, updated_at = $2
             WHERE id = $3 AND status = $4",
            [
                EditionStatus::Empty.into(),
                at.into(),
                edition_id.into(),
                EditionStatus::Scheduled.into(),
            ],
        ))
        .await?
        .rows_affected()
        > 0)
}

/// Sets the introduction (Markdown, rendered and sanitized here) while the edition is still
/// scheduled. False when it is not (any more).
pub async fn set_intro(
    db: &DatabaseConnection,
    edition_id: i32,
    markdown: &str,
) -> Result<bool, DbErr> {
    let edition = editions::Entity::find_by_id(edition_id).one(db).await?;
    let Some(edition) = edition else {
        return Ok(false);
    };
    set_intros(
        db,
        edition_id,
        &Intros {
            en: markdown,
            fr: &edition.intro_md_fr,
            es: &edition.intro_md_es,
        },
    )
    .await
}

/// The introduction in each language, as typed (Markdown); an empty French or Spanish one
/// means the English one is sent instead.
pub struct Intros<'a> {
    pub en: &'a str,
    pub fr: &'a str,
    pub es: &'a str,
}

/// Sets the three introductions of an edition that has not gone out yet; `false` when it has
/// (or there is no such edition).
pub async fn set_intros(
    db: &DatabaseConnection,
    edition_id: i32,
    intros: &Intros<'_>,
) -> Result<bool, DbErr> {
    async fn rendered(markdown: &str) -> (String, String) {
        let markdown = markdown.trim();
        let html = if markdown.is_empty() {
            String::new()
        } else {
            crate::markdown::render_off_thread(markdown.to_owned()).await
        };
        (markdown.to_owned(), html)
    }
    let (en_md, en_html) = rendered(intros.en).await;
    let (fr_md, fr_html) = rendered(intros.fr).await;
    let (es_md, es_html) = rendered(intros.es).await;
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE editions SET intro_md = $1, intro_html = $2, intro_md_fr = $3,
                    intro_html_fr = $4, intro_md_es = $5, intro_html_es = $6, updated_at = $7
             WHERE id = $8 AND status = $9",
            [
                en_md.into(),
                en_html.into(),
                fr_md.into(),
                fr_html.into(),
                es_md.into(),
                es_html.into(),
                now().into(),
                edition_id.into(),
                EditionStatus::Scheduled.into(),
            ],
        ))
        .await?
        .rows_affected()
        > 0)
}

/// Adds to an edition what its period brought and no edition of its frequency carries yet:
/// learnings published in `[start, end)`, knowledge products published and dated within the
/// period's days, threads featured in `[start, end)` that are not hidden and whose forum is not
/// archived. Returns how many were added.
async fn add_items(
    txn: &impl ConnectionTrait,
    edition_id: i32,
    frequency: Frequency,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Result<u64, DbErr> {
    let backend = txn.get_database_backend();
    // Not in any edition of this frequency yet ($3: frequency, $4: kind).
    const NEW: &str =
        "NOT EXISTS (SELECT 1 FROM edition_items ei JOIN editions e ON e.id = ei.edition_id
                       WHERE e.frequency = $3 AND ei.kind = $4 AND ei.item_id = x.id)";
    let queries: [(ItemKind, String, Value, Value); 3] = [
        (
            ItemKind::Learning,
            format!(
                "SELECT x.id FROM learnings x
                 WHERE x.status = '{published}' AND x.published_at >= $1 AND x.published_at < $2
                   AND {NEW} ORDER BY x.published_at, x.id",
                published = LearningStatus::Published.as_str(),
            ),
            start.into(),
            end.into(),
        ),
        (
            ItemKind::Product,
            // Products carry a publication date, set to the day they are published when none
            // was given: a product dated on a due day goes out with the first edition composed
            // after it appeared.
            format!(
                "SELECT x.id FROM products x
                 WHERE x.status = '{published}' AND x.published_on >= $1 AND x.published_on <= $2
                   AND {NEW} ORDER BY x.published_on, x.id",
                published = ProductStatus::Published.as_str(),
            ),
            start.date().into(),
            end.date().into(),
        ),
        (
            ItemKind::Thread,
            format!(
                "SELECT x.id FROM threads x JOIN forums f ON f.id = x.forum_id
                 WHERE x.featured_at >= $1 AND x.featured_at < $2 AND x.hidden_at IS NULL
                   AND f.archived_at IS NULL AND {NEW} ORDER BY x.featured_at, x.id"
            ),
            start.into(),
            end.into(),
        ),
    ];
    #[derive(FromQueryResult)]
    struct MaxPosition {
        n: Option<i32>,
    }
    let mut position = MaxPosition::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT MAX(position) AS n FROM edition_items WHERE edition_id = $1",
        [edition_id.into()],
    ))
    .one(txn)
    .await?
    .and_then(|m| m.n)
    .unwrap_or(0);
    let mut added = 0;
    for (kind, sql, from, to) in queries {
        let ids: Vec<i32> = Id::find_by_statement(Statement::from_sql_and_values(
            backend,
            sql,
            [from, to, frequency.into(), kind.as_str().into()],
        ))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
        for chunk in ids.chunks(200) {
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 4);
            let mut rows = Vec::with_capacity(chunk.len());
            for id in chunk {
                position += 1;
                let n = values.len();
                rows.push(format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
                values.extend([
                    edition_id.into(),
                    kind.as_str().into(),
                    (*id).into(),
                    position.into(),
                ]);
            }
            added += txn
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    format!(
                        "INSERT INTO edition_items (edition_id, kind, item_id, position) VALUES {}
                         ON CONFLICT (edition_id, kind, item_id) DO NOTHING",
                        rows.join(", ")
                    ),
                    values,
                ))
                .await?
                .rows_affected();
        }
    }
    Ok(added)
}

/// What a given address would receive from an edition (admin preview, `fora newsletter
/// preview`).
#[derive(Debug)]
pub enum Preview {
    /// Exactly the message `compose::message_for` builds for them now, and the language it
    /// is written in (theirs).
    Message(Box<crate::mail::Email>, &'static str),
    /// No subscriber has this address.
    Unknown,
    /// Unconfirmed, unsubscribed or suppressed: they get nothing.
    Inactive,
    /// Nothing in the edition matches their themes and forums: no message.
    Nothing,
    /// No such edition.
    NoEdition,
}

pub async fn preview(
    db: &impl ConnectionTrait,
    config: &crate::config::Config,
    secret: &crate::secret::ServerSecret,
    edition_id: i32,
    email: &str,
) -> Result<Preview, DbErr> {
    let found = Id::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT id FROM subscribers WHERE LOWER(email) = LOWER($1) ORDER BY id LIMIT 1",
        [email.trim().into()],
    ))
    .one(db)
    .await?;
    let Some(Id { id }) = found else {
        return Ok(Preview::Unknown);
    };
    let Some(content) = super::compose::load(db, config, edition_id).await? else {
        return Ok(Preview::NoEdition);
    };
    let Some(recipient) = super::compose::recipients(db, &[id])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(Preview::Inactive);
    };
    Ok(
        match super::compose::message_for(config, secret, &content, &recipient) {
            Some(message) => Preview::Message(
                Box::new(message),
                templates::i18n::supported(&recipient.language),
            ),
            None => Preview::Nothing,
        },
    )
}
