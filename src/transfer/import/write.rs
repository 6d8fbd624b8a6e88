//! From records to stored items: validation with the shared field rules, duplicates within the
//! file, then per row the match (external id, else content key), the comparison, and the write
//! — or nothing, when nothing changed.
//!
//! Rows are settled twice. First without a transaction, to find the rows that change nothing
//! and the rows that cannot be written; then, only if something is to be written, again inside
//! the one write transaction, where each remaining row is looked up afresh before it is
//! written. The write lock (which every other writer waits for) is thus held for the writes
//! alone, never for an import that writes nothing.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;

use super::{Rejection, parse::Record, parse::STATUS_COLUMN};
use crate::{
    db,
    entities::{
        learnings::{self, LearningStatus},
        products::{self as product_rows, ProductStatus},
    },
    learnings::{
        fields::{LearningFields, RawLearning},
        store,
    },
    markdown,
    products::store::{self as products, ProductFields, RawProduct},
    taxonomy::Taxonomy,
    web::forms::FieldProblem,
};

/// What every row of one import shares; `status` is what new items get when their row does
/// not say.
pub(super) struct Context<'a, S> {
    pub status: S,
    pub actor_id: Option<i32>,
    pub source_name: &'a str,
    pub now: OffsetDateTime,
}

#[derive(Default)]
pub(super) struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: Vec<Rejection>,
}

/// A valid row, ready to be settled.
pub(super) struct Row<F, S> {
    pub line: u64,
    pub fields: F,
    /// The row's own status column, if filled in.
    pub status: Option<S>,
}

/// A valid row of the kind `I` imports.
pub(super) type RowOf<I> = Row<<I as Item>::Fields, <I as Item>::Status>;

/// What a row comes to against what is stored.
enum Settled<M> {
    Create,
    Update(M),
    Unchanged,
    Rejected(Rejection),
}

/// What differs between learnings and products.
pub(super) trait Item {
    type Raw: DeserializeOwned;
    type Fields: Clone + PartialEq;
    type Model;
    type Status: Copy;
    /// The field a content conflict is reported on.
    const CONTENT_FIELD: &'static str;

    fn validate(raw: &Self::Raw, taxonomy: &Taxonomy) -> Result<Self::Fields, Vec<FieldProblem>>;
    /// The status a stored word names (what exports write in the `status` column).
    fn status(word: &str) -> Option<Self::Status>;
    fn external_id(fields: &Self::Fields) -> Option<&str>;
    fn content_key(fields: &Self::Fields) -> String;
    fn stored_id(model: &Self::Model) -> i32;
    fn stored_external_id(model: &Self::Model) -> Option<String>;
    fn stored_content_key(model: &Self::Model) -> &str;
    /// Fills what the file leaves out with what the stored item has.
    fn keep_stored(fields: &mut Self::Fields, existing: &Self::Model);
    /// The Markdown field, stored with its HTML.
    fn markdown(fields: &Self::Fields) -> &str;

    async fn by_external_id(
        db: &impl ConnectionTrait,
        id: &str,
    ) -> Result<Option<Self::Model>, DbErr>;
    async fn by_content_key(
        db: &impl ConnectionTrait,
        key: &str,
    ) -> Result<Option<Self::Model>, DbErr>;
    async fn fields_of(
        db: &impl ConnectionTrait,
        model: &Self::Model,
    ) -> Result<Self::Fields, DbErr>;
    /// `html` is `markdown(fields)` rendered.
    async fn create(
        db: &impl ConnectionTrait,
        fields: &Self::Fields,
        html: &str,
        status: Self::Status,
        context: &Context<'_, Self::Status>,
    ) -> Result<(), DbErr>;
    async fn update(
        db: &impl ConnectionTrait,
        existing: Self::Model,
        fields: &Self::Fields,
        html: &str,
        context: &Context<'_, Self::Status>,
    ) -> Result<(), DbErr>;
}

pub(super) struct Learnings;
pub(super) struct Products;

/// The row's own status column, when it has one.
fn row_status<I: Item>(record: &Record) -> Result<Option<I::Status>, Rejection> {
    let Some(Value::String(raw)) = record.values.get(STATUS_COLUMN) else {
        return Ok(None);
    };
    let status = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    if status.is_empty() {
        return Ok(None);
    }
    if let Some(status) = I::status(&status) {
        Ok(Some(status))
    } else {
        Err(Rejection::new(record.line, STATUS_COLUMN, "import.bad_status").with_value(raw.trim()))
    }
}

fn rejection(line: u64, problem: FieldProblem) -> Rejection {
    Rejection {
        value: problem.value,
        ..Rejection::new(line, problem.field, problem.key)
    }
}

/// Validates every record and drops repeats within the file (the second occurrence of an
/// external id or of the same content), naming the first.
pub(super) fn validate<I: Item>(
    taxonomy: &Taxonomy,
    records: Vec<Record>,
    rejected: &mut Vec<Rejection>,
) -> Vec<RowOf<I>> {
    let mut rows = Vec::new();
    let mut ids: HashMap<String, u64> = HashMap::new();
    let mut keys: HashMap<String, u64> = HashMap::new();
    for record in records {
        let line = record.line;
        let before = rejected.len();
        let status = row_status::<I>(&record).unwrap_or_else(|problem| {
            rejected.push(problem);
            None
        });
        let fields = serde_json::from_value::<I::Raw>(Value::Object(record.values))
            .map_err(|_| vec![Rejection::new(line, "", "import.not_text")])
            .and_then(|raw| {
                I::validate(&raw, taxonomy)
                    .map_err(|problems| problems.into_iter().map(|p| rejection(line, p)).collect())
            });
        let fields = match fields {
            Ok(fields) if rejected.len() == before => fields,
            Ok(_) => continue,
            Err(problems) => {
                rejected.extend(problems);
                continue;
            }
        };
        if let Some(id) = I::external_id(&fields) {
            if let Some(&first) = ids.get(id) {
                rejected.push(Rejection {
                    other_line: Some(first),
                    ..Rejection::new(line, "external_id", "import.duplicate_id").with_value(id)
                });
                continue;
            }
            ids.insert(id.to_string(), line);
        }
        let key = I::content_key(&fields);
        if let Some(&first) = keys.get(&key) {
            rejected.push(Rejection {
                other_line: Some(first),
                ..Rejection::new(line, I::CONTENT_FIELD, "import.duplicate_content")
            });
            continue;
        }
        keys.insert(key, line);
        rows.push(Row {
            line,
            fields,
            status,
        });
    }
    rows
}

/// The stored item a row stands for, and whether writing it would change anything. A row with
/// an external id adopts a stored item of the same content that has none (an earlier import of
/// a file without ids); content that belongs to an item with another id is a conflict.
async fn settle<I: Item>(
    db: &impl ConnectionTrait,
    line: u64,
    fields: &mut I::Fields,
) -> Result<Settled<I::Model>, DbErr> {
    let key = I::content_key(fields);
    let row_id = I::external_id(fields).map(str::to_string);
    let by_id = match &row_id {
        Some(id) => I::by_external_id(db, id).await?,
        None => None,
    };
    let existing = match by_id {
        Some(existing) => existing,
        None => match I::by_content_key(db, &key).await? {
            None => return Ok(Settled::Create),
            Some(existing) => match (I::stored_external_id(&existing), &row_id) {
                (Some(stored), Some(id)) if stored != *id => {
                    return Ok(Settled::Rejected(conflict::<I>(line, Some(stored))));
                }
                _ => existing,
            },
        },
    };
    I::keep_stored(fields, &existing);
    if key != I::stored_content_key(&existing)
        && let Some(other) = I::by_content_key(db, &key).await?
        && I::stored_id(&other) != I::stored_id(&existing)
    {
        return Ok(Settled::Rejected(conflict::<I>(
            line,
            I::stored_external_id(&other),
        )));
    }
    if I::fields_of(db, &existing).await? == *fields {
        Ok(Settled::Unchanged)
    } else {
        Ok(Settled::Update(existing))
    }
}

fn conflict<I: Item>(line: u64, other_id: Option<String>) -> Rejection {
    let rejection = Rejection::new(line, I::CONTENT_FIELD, "import.content_taken");
    match other_id {
        Some(id) => rejection.with_value(id),
        None => rejection,
    }
}

/// Settles every row without writing: counts the unchanged ones, collects the ones that
/// cannot be written, and returns the ones to write.
pub(super) async fn plan<I: Item>(
    db: &impl ConnectionTrait,
    rows: Vec<RowOf<I>>,
    tally: &mut Tally,
) -> Result<Vec<RowOf<I>>, DbErr> {
    let mut to_write = Vec::new();
    for mut row in rows {
        let original = row.fields.clone();
        match settle::<I>(db, row.line, &mut row.fields).await? {
            Settled::Unchanged => tally.unchanged += 1,
            Settled::Rejected(rejection) => tally.rejected.push(rejection),
            Settled::Create | Settled::Update(_) => {
                // Settled again in the transaction, from what the file said.
                row.fields = original;
                to_write.push(row);
            }
        }
    }
    Ok(to_write)
}

/// Renders the Markdown of each row `plan` left, off the async threads and before the write
/// transaction opens.
async fn render<I: Item>(rows: Vec<RowOf<I>>) -> Vec<(RowOf<I>, String)> {
    let mut rendered = Vec::with_capacity(rows.len());
    for row in rows {
        let html = markdown::render_off_thread(I::markdown(&row.fields).to_owned()).await;
        rendered.push((row, html));
    }
    rendered
}

/// Writes the rows `plan` left, each looked up again inside the transaction `db`.
pub(super) async fn apply<I: Item>(
    db: &impl ConnectionTrait,
    rows: Vec<(RowOf<I>, String)>,
    context: &Context<'_, I::Status>,
    tally: &mut Tally,
) -> Result<(), DbErr> {
    for (mut row, html) in rows {
        match settle::<I>(db, row.line, &mut row.fields).await? {
            Settled::Create => {
                let status = row.status.unwrap_or(context.status);
                I::create(db, &row.fields, &html, status, context).await?;
                tally.created += 1;
            }
            Settled::Update(existing) => {
                I::update(db, existing, &row.fields, &html, context).await?;
                tally.updated += 1;
            }
            Settled::Unchanged => tally.unchanged += 1,
            Settled::Rejected(rejection) => tally.rejected.push(rejection),
        }
    }
    Ok(())
}

impl Item for Learnings {
    type Raw = RawLearning;
    type Fields = LearningFields;
    type Model = learnings::Model;
    type Status = LearningStatus;
    const CONTENT_FIELD: &'static str = "description";

    fn status(word: &str) -> Option<LearningStatus> {
        LearningStatus::parse(word)
    }

    fn validate(
        raw: &RawLearning,
        taxonomy: &Taxonomy,
    ) -> Result<LearningFields, Vec<FieldProblem>> {
        raw.validate(taxonomy)
    }

    fn external_id(fields: &LearningFields) -> Option<&str> {
        fields.external_id.as_deref()
    }

    fn content_key(fields: &LearningFields) -> String {
        store::content_key(&fields.project_title, &fields.description)
    }

    fn stored_id(model: &learnings::Model) -> i32 {
        model.id
    }

    fn stored_external_id(model: &learnings::Model) -> Option<String> {
        model.external_id.clone()
    }

    fn stored_content_key(model: &learnings::Model) -> &str {
        &model.content_key
    }

    /// A file that gives no id keeps the one the learning has.
    fn keep_stored(fields: &mut LearningFields, existing: &learnings::Model) {
        if fields.external_id.is_none() {
            fields.external_id = existing.external_id.clone();
        }
    }

    fn markdown(fields: &LearningFields) -> &str {
        &fields.description
    }

    async fn by_external_id(
        db: &impl ConnectionTrait,
        id: &str,
    ) -> Result<Option<learnings::Model>, DbErr> {
        learnings::Entity::find()
            .filter(learnings::Column::ExternalId.eq(id))
            .one(db)
            .await
    }

    async fn by_content_key(
        db: &impl ConnectionTrait,
        key: &str,
    ) -> Result<Option<learnings::Model>, DbErr> {
        learnings::Entity::find()
            .filter(learnings::Column::ContentKey.eq(key))
            .one(db)
            .await
    }

    async fn fields_of(
        db: &impl ConnectionTrait,
        model: &learnings::Model,
    ) -> Result<LearningFields, DbErr> {
        store::fields_of(db, model).await
    }

    async fn create(
        db: &impl ConnectionTrait,
        fields: &LearningFields,
        html: &str,
        status: LearningStatus,
        context: &Context<'_, LearningStatus>,
    ) -> Result<(), DbErr> {
        let created =
            store::insert(db, fields, html, status, context.actor_id, context.now).await?;
        store::record_review(
            db,
            created.id,
            context.actor_id,
            "imported",
            context.source_name,
            context.now,
        )
        .await
    }

    async fn update(
        db: &impl ConnectionTrait,
        existing: learnings::Model,
        fields: &LearningFields,
        html: &str,
        context: &Context<'_, LearningStatus>,
    ) -> Result<(), DbErr> {
        store::update(db, existing, fields, html, context.now).await?;
        Ok(())
    }
}

impl Item for Products {
    type Raw = RawProduct;
    type Fields = ProductFields;
    type Model = product_rows::Model;
    type Status = ProductStatus;
    const CONTENT_FIELD: &'static str = "title";

    fn status(word: &str) -> Option<ProductStatus> {
        ProductStatus::parse(word)
    }

    fn validate(raw: &RawProduct, taxonomy: &Taxonomy) -> Result<ProductFields, Vec<FieldProblem>> {
        raw.validate(taxonomy)
    }

    fn external_id(fields: &ProductFields) -> Option<&str> {
        fields.external_id.as_deref()
    }

    fn content_key(fields: &ProductFields) -> String {
        products::content_key(&fields.title, &fields.url)
    }

    fn stored_id(model: &product_rows::Model) -> i32 {
        model.id
    }

    fn stored_external_id(model: &product_rows::Model) -> Option<String> {
        model.external_id.clone()
    }

    fn stored_content_key(model: &product_rows::Model) -> &str {
        &model.content_key
    }

    /// Keeps the stored id, and the date a product was given when it was published without
    /// one: a file that gives none does not take it away.
    fn keep_stored(fields: &mut ProductFields, existing: &product_rows::Model) {
        if fields.external_id.is_none() {
            fields.external_id = existing.external_id.clone();
        }
        if fields.published_on.is_none() {
            fields.published_on = existing.published_on;
        }
    }

    fn markdown(fields: &ProductFields) -> &str {
        &fields.summary
    }

    async fn by_external_id(
        db: &impl ConnectionTrait,
        id: &str,
    ) -> Result<Option<product_rows::Model>, DbErr> {
        product_rows::Entity::find()
            .filter(product_rows::Column::ExternalId.eq(id))
            .one(db)
            .await
    }

    async fn by_content_key(
        db: &impl ConnectionTrait,
        key: &str,
    ) -> Result<Option<product_rows::Model>, DbErr> {
        product_rows::Entity::find()
            .filter(product_rows::Column::ContentKey.eq(key))
            .one(db)
            .await
    }

    async fn fields_of(
        db: &impl ConnectionTrait,
        model: &product_rows::Model,
    ) -> Result<ProductFields, DbErr> {
        products::fields_of(db, model).await
    }

    async fn create(
        db: &impl ConnectionTrait,
        fields: &ProductFields,
        html: &str,
        status: ProductStatus,
        context: &Context<'_, ProductStatus>,
    ) -> Result<(), DbErr> {
        products::insert(db, fields, html, status, context.actor_id, context.now).await?;
        Ok(())
    }

    async fn update(
        db: &impl ConnectionTrait,
        existing: product_rows::Model,
        fields: &ProductFields,
        html: &str,
        context: &Context<'_, ProductStatus>,
    ) -> Result<(), DbErr> {
        products::update(db, existing, fields, html, context.now).await?;
        Ok(())
    }
}

/// The whole import of valid records: validation, the plan, and (when there is something to
/// write and nothing stands in the way) the one write transaction. Returns whether the import
/// went through; when it did not, nothing was written.
pub(super) async fn run<I: Item>(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    records: Vec<Record>,
    context: &Context<'_, I::Status>,
    skip_invalid: bool,
    tally: &mut Tally,
) -> Result<bool, DbErr> {
    let rows = validate::<I>(taxonomy, records, &mut tally.rejected);
    let rows = plan::<I>(db, rows, tally).await?;
    if !tally.rejected.is_empty() && !skip_invalid {
        return Ok(false);
    }
    if rows.is_empty() {
        return Ok(true);
    }
    let rows = render::<I>(rows).await;
    let rejected_before = tally.rejected.len();
    let txn = db::begin_write(db).await?;
    apply::<I>(&txn, rows, context, tally).await?;
    if tally.rejected.len() > rejected_before && !skip_invalid {
        txn.rollback().await?;
        return Ok(false);
    }
    txn.commit().await?;
    Ok(true)
}
