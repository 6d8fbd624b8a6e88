//! Knowledge products (publications, tools, compendiums, trainings…): their fields as typed or
//! imported, the rules that validate them, and the one way they are written.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{
    entities::products::{self, ProductStatus},
    learnings::fields::{LANGUAGES, countries, web_link},
    search::change::{self, Item},
    taxonomy::{
        Taxonomy, Vocabulary,
        pairs::{PRODUCT_COUNTRIES, PRODUCT_THEMES},
    },
    web::forms::{self, FieldProblem},
};

pub const TITLE_MAX: usize = 300;

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RawProduct {
    pub external_id: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub url: String,
    pub themes: String,
    pub countries: String,
    pub language: String,
    /// `YYYY-MM-DD`
    pub published_on: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductFields {
    pub external_id: Option<String>,
    pub kind_id: Option<i32>,
    pub title: String,
    pub summary: String,
    pub url: String,
    pub language: String,
    pub published_on: Option<time::Date>,
    pub theme_ids: Vec<i32>,
    pub country_ids: Vec<i32>,
}

/// Title and link identify a product that has no external id.
pub fn content_key(title: &str, url: &str) -> String {
    let normal = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    hex::encode(Sha256::digest(format!("{}\n{}", normal(title), url.trim())))
}

fn problem(field: &'static str, key: &'static str, value: Option<&str>) -> FieldProblem {
    let problem = FieldProblem::new(field, key);
    match value {
        Some(value) => problem.naming(value),
        None => problem,
    }
}

impl RawProduct {
    pub fn validate(&self, taxonomy: &Taxonomy) -> Result<ProductFields, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let title = forms::single_line(&self.title, TITLE_MAX).unwrap_or_else(|key| {
            problems.push(problem("title", key.key(), None));
            String::new()
        });
        let summary = forms::markdown_body(&self.summary).unwrap_or_else(|key| {
            problems.push(problem("summary", key.key(), None));
            String::new()
        });
        let url = web_link(&self.url, "url").unwrap_or_else(|p| {
            problems.push(p);
            String::new()
        });
        let external_id = match forms::optional_line(&self.external_id, 100) {
            Ok(id) => id,
            Err(text_problem) => {
                problems.push(problem("external_id", text_problem.key(), None));
                None
            }
        };
        let kind_id = match self.kind.trim() {
            "" => None,
            code => match taxonomy.term_named(Vocabulary::ProductKind, code) {
                Some(term) => Some(term.id),
                None => {
                    problems.push(problem("kind", "learning.unknown_code", Some(code)));
                    None
                }
            },
        };
        let language = match self.language.trim().to_ascii_lowercase() {
            code if code.is_empty() => "en".to_string(),
            code if LANGUAGES.contains(&code.as_str()) => code,
            _ => {
                problems.push(problem("language", "learning.bad_language", None));
                String::new()
            }
        };
        let published_on = match self.published_on.trim() {
            "" => None,
            text => match time::Date::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]"),
            ) {
                Ok(date) => Some(date),
                Err(_) => {
                    problems.push(problem("published_on", "learning.bad_date", Some(text)));
                    None
                }
            },
        };
        let mut theme_ids = Vec::new();
        for slug in self
            .themes
            .split([';', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match taxonomy.theme_named(slug) {
                Some(t) if !theme_ids.contains(&t.id) => theme_ids.push(t.id),
                Some(_) => {}
                None => problems.push(problem("themes", "learning.unknown_code", Some(slug))),
            }
        }
        let country_ids = countries(taxonomy, &self.countries, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        theme_ids.sort_unstable();
        Ok(ProductFields {
            external_id,
            kind_id,
            title,
            summary,
            url,
            language,
            published_on,
            theme_ids,
            country_ids,
        })
    }
}

/// `summary_html` is `fields.summary` rendered (before the transaction).
fn apply(model: &mut products::ActiveModel, fields: &ProductFields, summary_html: &str) {
    model.external_id = Set(fields.external_id.clone());
    model.content_key = Set(content_key(&fields.title, &fields.url));
    model.kind_id = Set(fields.kind_id);
    model.title = Set(fields.title.clone());
    model.summary = Set(fields.summary.clone());
    model.summary_html = Set(summary_html.to_owned());
    model.url = Set(fields.url.clone());
    model.language = Set(fields.language.clone());
    model.published_on = Set(fields.published_on);
}

async fn replace_pairs(
    db: &impl ConnectionTrait,
    product_id: i32,
    fields: &ProductFields,
) -> Result<(), DbErr> {
    PRODUCT_THEMES
        .replace(db, product_id, &fields.theme_ids)
        .await?;
    PRODUCT_COUNTRIES
        .replace(db, product_id, &fields.country_ids)
        .await
}

/// A new product; a published one without a date is dated today.
pub async fn insert(
    db: &impl ConnectionTrait,
    fields: &ProductFields,
    summary_html: &str,
    status: ProductStatus,
    author_id: Option<i32>,
    now: OffsetDateTime,
) -> Result<products::Model, DbErr> {
    let mut model = products::ActiveModel {
        status: Set(status),
        author_id: Set(author_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut model, fields, summary_html);
    if status == ProductStatus::Published && fields.published_on.is_none() {
        model.published_on = Set(Some(now.date()));
    }
    let saved = model.insert(db).await?;
    replace_pairs(db, saved.id, fields).await?;
    change::record(db, &[Item::Product(saved.id)]).await?;
    Ok(saved)
}

pub async fn update(
    db: &impl ConnectionTrait,
    existing: products::Model,
    fields: &ProductFields,
    summary_html: &str,
    now: OffsetDateTime,
) -> Result<products::Model, DbErr> {
    let id = existing.id;
    let mut model: products::ActiveModel = existing.into();
    apply(&mut model, fields, summary_html);
    model.updated_at = Set(now);
    let saved = model.update(db).await?;
    replace_pairs(db, id, fields).await?;
    change::record(db, &[Item::Product(id)]).await?;
    Ok(saved)
}

pub async fn set_status(
    db: &impl ConnectionTrait,
    existing: products::Model,
    status: ProductStatus,
    now: OffsetDateTime,
) -> Result<products::Model, DbErr> {
    let needs_date = status == ProductStatus::Published && existing.published_on.is_none();
    let mut model: products::ActiveModel = existing.into();
    model.status = Set(status);
    if needs_date {
        model.published_on = Set(Some(now.date()));
    }
    model.updated_at = Set(now);
    let saved = model.update(db).await?;
    change::record(db, &[Item::Product(saved.id)]).await?;
    Ok(saved)
}

/// A product whatever its status (for those who edit the catalogue).
pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<products::Model>, DbErr> {
    products::Entity::find_by_id(id).one(db).await
}

pub async fn fields_of(
    db: &impl ConnectionTrait,
    product: &products::Model,
) -> Result<ProductFields, DbErr> {
    let theme_ids = PRODUCT_THEMES.of(db, product.id).await?;
    let country_ids = PRODUCT_COUNTRIES.of(db, product.id).await?;
    Ok(ProductFields {
        external_id: product.external_id.clone(),
        kind_id: product.kind_id,
        title: product.title.clone(),
        summary: product.summary.clone(),
        url: product.url.clone(),
        language: product.language.clone(),
        published_on: product.published_on,
        theme_ids,
        country_ids,
    })
}
