//! Learnings and knowledge products as the index stores them, read from the database: the
//! row, its countries and themes, and the labels of everything it is tagged with.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Statement};
use tantivy::TantivyDocument;
use time::OffsetDateTime;

use super::{
    analysis::LANGUAGES as LANGUAGE_CODES,
    known_phrases,
    schema::{Fields, Kind, code_of, newest_key},
    written_forms,
};
use crate::entities::{learnings::LearningStatus, products::ProductStatus, taxonomy_terms, themes};

pub use crate::entities::learnings::{LANGUAGES, LEARNING_TYPES};

#[derive(Clone, Debug, FromQueryResult)]
pub struct Row {
    pub id: i32,
    pub title: String,
    pub description: String,
    pub project_title: String,
    pub learning_type: String,
    pub language: String,
    pub status: LearningStatus,
    pub year: Option<i32>,
    pub evaluation_type_id: Option<i32>,
    pub sector_id: Option<i32>,
    pub intervention_type_id: Option<i32>,
    pub cycle_stage_id: Option<i32>,
    pub criterion_id: Option<i32>,
    pub published_at: Option<OffsetDateTime>,
}

/// A learning with everything it is tagged with.
#[derive(Clone, Debug)]
pub struct Learning {
    pub row: Row,
    pub country_ids: Vec<i32>,
    pub theme_ids: Vec<i32>,
}

impl Learning {
    pub fn term_ids(&self) -> Vec<i32> {
        let r = &self.row;
        [
            r.evaluation_type_id,
            r.sector_id,
            r.intervention_type_id,
            r.cycle_stage_id,
            r.criterion_id,
        ]
        .into_iter()
        .flatten()
        .chain(self.country_ids.iter().copied())
        .collect()
    }
}

/// Names of terms and themes, by id, in each language they are written in (small tables:
/// loaded whole).
#[derive(Default)]
pub struct Labels {
    terms: HashMap<i32, [String; 3]>,
    themes: HashMap<i32, [String; 3]>,
}

impl Labels {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Labels, DbErr> {
        let terms = taxonomy_terms::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, [t.label, t.label_fr, t.label_es]))
            .collect();
        let themes = themes::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, [t.name, t.name_fr, t.name_es]))
            .collect();
        Ok(Labels { terms, themes })
    }
}

const COLUMNS: &str = "id, title, description, project_title, learning_type, language, status, \
                       year, evaluation_type_id, sector_id, intervention_type_id, cycle_stage_id, \
                       criterion_id, published_at";

/// Which table a kind of document comes from, and its link tables to countries and themes.
struct Source {
    table: &'static str,
    columns: &'static str,
    countries: (&'static str, &'static str),
    themes: (&'static str, &'static str),
}

const LEARNINGS: Source = Source {
    table: "learnings",
    columns: COLUMNS,
    countries: ("learning_countries", "learning_id"),
    themes: ("learning_themes", "learning_id"),
};

const PRODUCTS: Source = Source {
    table: "products",
    columns: PRODUCT_COLUMNS,
    countries: ("product_countries", "product_id"),
    themes: ("product_themes", "product_id"),
};

fn id_list(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

/// Rows of `source` with these ids (those that exist), or, with `after`, the next `limit`
/// rows in id order.
async fn rows<R: FromQueryResult>(
    db: &impl ConnectionTrait,
    source: &Source,
    pick: Pick<'_>,
) -> Result<Vec<R>, DbErr> {
    let backend = db.get_database_backend();
    let (table, columns) = (source.table, source.columns);
    match pick {
        Pick::Ids(ids) => {
            let mut rows = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(1_000) {
                let sql = format!(
                    "SELECT {columns} FROM {table} WHERE id IN ({})",
                    id_list(chunk)
                );
                rows.extend(
                    R::find_by_statement(Statement::from_string(backend, sql))
                        .all(db)
                        .await?,
                );
            }
            Ok(rows)
        }
        Pick::After(after, limit) => {
            let sql =
                format!("SELECT {columns} FROM {table} WHERE id > $1 ORDER BY id LIMIT {limit}");
            R::find_by_statement(Statement::from_sql_and_values(backend, sql, [after.into()]))
                .all(db)
                .await
        }
    }
}

enum Pick<'a> {
    Ids(&'a [i32]),
    After(i32, u64),
}

#[derive(FromQueryResult)]
struct Pair {
    owner: i32,
    other: i32,
}

/// The other ends of a link table for these owners: owner id → ids.
async fn linked(
    db: &impl ConnectionTrait,
    (table, owner): (&str, &str),
    other: &str,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<i32>>, DbErr> {
    let mut out: HashMap<i32, Vec<i32>> = HashMap::new();
    for chunk in ids.chunks(1_000) {
        let sql = format!(
            "SELECT {owner} AS owner, {other} AS other FROM {table} WHERE {owner} IN ({})",
            id_list(chunk)
        );
        for pair in Pair::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
            .all(db)
            .await?
        {
            out.entry(pair.owner).or_default().push(pair.other);
        }
    }
    Ok(out)
}

/// Countries and themes of each id.
async fn tags_of(
    db: &impl ConnectionTrait,
    source: &Source,
    ids: &[i32],
) -> Result<(HashMap<i32, Vec<i32>>, HashMap<i32, Vec<i32>>), DbErr> {
    Ok((
        linked(db, source.countries, "country_id", ids).await?,
        linked(db, source.themes, "theme_id", ids).await?,
    ))
}

async fn learnings(db: &impl ConnectionTrait, pick: Pick<'_>) -> Result<Vec<Learning>, DbErr> {
    let rows: Vec<Row> = rows(db, &LEARNINGS, pick).await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let (mut countries, mut themes) = tags_of(db, &LEARNINGS, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| Learning {
            country_ids: countries.remove(&row.id).unwrap_or_default(),
            theme_ids: themes.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// The learnings with these ids that exist (a deleted one is simply absent).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Learning>, DbErr> {
    learnings(db, Pick::Ids(ids)).await
}

/// Up to `limit` learnings with ids above `after`, in id order: one step of a rebuild.
pub async fn page_after(
    db: &impl ConnectionTrait,
    after: i32,
    limit: u64,
) -> Result<Vec<Learning>, DbErr> {
    learnings(db, Pick::After(after, limit)).await
}

/// The index's document for a learning.
pub fn learning_document(fields: &Fields, learning: &Learning, labels: &Labels) -> TantivyDocument {
    let row = &learning.row;
    let mut doc = TantivyDocument::default();
    let language = analyzed_language(&row.language);
    identify(&mut doc, fields, Kind::Learning, row.id);
    let all = fields.all.of(language);
    for text in [&row.title, &row.project_title, &row.description] {
        doc.add_text(all, text);
        doc.add_text(fields.plain, text);
    }
    doc.add_text(fields.title.of(language), &row.title);
    doc.add_text(fields.project.of(language), &row.project_title);
    tag(
        &mut doc,
        fields,
        labels,
        &learning.term_ids(),
        &learning.theme_ids,
    );
    doc.add_u64(fields.status, status_code(row.status));
    if let Some(code) = code_of(&LEARNING_TYPES, &row.learning_type) {
        doc.add_u64(fields.learning_type, code);
    }
    if let Some(code) = code_of(&LANGUAGES, &row.language) {
        doc.add_u64(fields.language, code);
    }
    if let Some(year) = row.year.and_then(|y| u64::try_from(y).ok()) {
        doc.add_u64(fields.year, year);
    }
    if !row.project_title.is_empty() {
        doc.add_text(fields.project_exact, &row.project_title);
    }
    doc.add_i64(
        fields.newest,
        newest_key(row.published_at.map(|t| t.unix_timestamp()), row.id),
    );
    known_phrases::mark(fields, &mut doc);
    written_forms::mark(fields, &mut doc);
    doc
}

pub fn status_code(status: LearningStatus) -> u64 {
    LearningStatus::ALL
        .iter()
        .position(|s| *s == status)
        .map_or(u64::MAX, |p| p as u64)
}

pub fn status_of(code: u64) -> Option<LearningStatus> {
    LearningStatus::ALL.get(code as usize).copied()
}

/// The analyzer a text in `language` is read with (English for anything else).
fn analyzed_language(language: &str) -> &str {
    if LANGUAGES.contains(&language) {
        language
    } else {
        "en"
    }
}

fn identify(doc: &mut TantivyDocument, fields: &Fields, kind: Kind, id: i32) {
    doc.add_u64(fields.kind, kind.code());
    doc.add_u64(fields.key, kind.key(id));
    doc.add_u64(fields.id, id as u64);
}

/// Taxonomy terms and themes: filter values, and their labels as searchable words, each
/// label in the field of its own language (read by that language's analyzer), whatever the
/// document's language: "Costa de Marfil" and "Côte d'Ivoire" find a learning written in
/// English about Côte d'Ivoire.
fn tag(
    doc: &mut TantivyDocument,
    fields: &Fields,
    labels: &Labels,
    term_ids: &[i32],
    theme_ids: &[i32],
) {
    let mut add = |names: Option<&[String; 3]>| {
        for (name, (language, _)) in names.into_iter().flatten().zip(LANGUAGE_CODES) {
            if !name.trim().is_empty() {
                doc.add_text(fields.all.of(language), name);
            }
        }
    };
    for id in term_ids {
        add(labels.terms.get(id));
    }
    for id in theme_ids {
        add(labels.themes.get(id));
    }
    for id in term_ids {
        doc.add_u64(fields.terms, *id as u64);
    }
    for id in theme_ids {
        doc.add_u64(fields.themes, *id as u64);
    }
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct ProductRow {
    pub id: i32,
    pub title: String,
    pub summary: String,
    pub kind_id: Option<i32>,
    pub language: String,
    pub status: ProductStatus,
    pub published_on: Option<time::Date>,
}

/// A knowledge product with its countries and themes.
#[derive(Clone, Debug)]
pub struct Product {
    pub row: ProductRow,
    pub country_ids: Vec<i32>,
    pub theme_ids: Vec<i32>,
}

const PRODUCT_COLUMNS: &str = "id, title, summary, kind_id, language, status, published_on";

async fn products(db: &impl ConnectionTrait, pick: Pick<'_>) -> Result<Vec<Product>, DbErr> {
    let rows: Vec<ProductRow> = rows(db, &PRODUCTS, pick).await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let (mut countries, mut themes) = tags_of(db, &PRODUCTS, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| Product {
            country_ids: countries.remove(&row.id).unwrap_or_default(),
            theme_ids: themes.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// The products with these ids that exist.
pub async fn products_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<Vec<Product>, DbErr> {
    products(db, Pick::Ids(ids)).await
}

/// Up to `limit` products with ids above `after`, in id order: one step of a rebuild.
pub async fn products_after(
    db: &impl ConnectionTrait,
    after: i32,
    limit: u64,
) -> Result<Vec<Product>, DbErr> {
    products(db, Pick::After(after, limit)).await
}

/// The index's document for a knowledge product.
pub fn product_document(fields: &Fields, product: &Product, labels: &Labels) -> TantivyDocument {
    let row = &product.row;
    let mut doc = TantivyDocument::default();
    let language = analyzed_language(&row.language);
    identify(&mut doc, fields, Kind::Product, row.id);
    let all = fields.all.of(language);
    for text in [&row.title, &row.summary] {
        doc.add_text(all, text);
        doc.add_text(fields.plain, text);
    }
    doc.add_text(fields.title.of(language), &row.title);
    let term_ids: Vec<i32> = row
        .kind_id
        .into_iter()
        .chain(product.country_ids.iter().copied())
        .collect();
    tag(&mut doc, fields, labels, &term_ids, &product.theme_ids);
    doc.add_u64(fields.status, product_status_code(row.status));
    if let Some(code) = code_of(&LANGUAGES, &row.language) {
        doc.add_u64(fields.language, code);
    }
    let published = row
        .published_on
        .map(|day| day.midnight().assume_utc().unix_timestamp());
    doc.add_i64(fields.newest, newest_key(published, row.id));
    known_phrases::mark(fields, &mut doc);
    written_forms::mark(fields, &mut doc);
    doc
}

pub fn product_status_code(status: ProductStatus) -> u64 {
    ProductStatus::ALL
        .iter()
        .position(|s| *s == status)
        .map_or(u64::MAX, |p| p as u64)
}

pub fn product_status_of(code: u64) -> Option<ProductStatus> {
    ProductStatus::ALL.get(code as usize).copied()
}
