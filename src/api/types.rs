//! The shapes of the API's answers. Each handler returns one of these types, and the OpenAPI
//! document's schemas are derived from the same types (`utoipa::ToSchema`), so an answer and
//! its description cannot drift apart. Where a value's allowed set lives in a constant of the
//! feature (learning types, languages, sort orders, page sizes), the schema is built from that
//! constant (`schema_with`).

use serde::Serialize;
use utoipa::{
    ToSchema,
    openapi::{
        Object, ObjectBuilder,
        schema::{SchemaFormat, Type},
    },
};

use crate::{
    learnings::{
        fields::{LANGUAGES, LEARNING_TYPES, SORTS},
        search::PER_PAGE,
    },
    products::listing::PER_PAGE as PRODUCTS_PER_PAGE,
    taxonomy::Translated,
};

fn one_of_strings(values: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

fn learning_type_code() -> Object {
    one_of_strings(&LEARNING_TYPES)
}

fn language_code() -> Object {
    one_of_strings(&LANGUAGES)
}

fn sort_name() -> Object {
    one_of_strings(&SORTS)
}

fn page_size(size: u64) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .enum_values(Some([size]))
        .build()
}

fn learnings_per_page() -> Object {
    page_size(PER_PAGE)
}

fn products_per_page() -> Object {
    page_size(PRODUCTS_PER_PAGE)
}

/// What a notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeCode {
    UnknownFilter,
    UnknownParameter,
    QueryShortened,
    OnlyExclusions,
    UnknownSort,
    SpellingCorrected,
    SpellingOffered,
}

/// Something about the request that did not fail it: a filter value that is not known (left
/// out), a parameter the endpoint does not know (ignored), a shortened query, an unknown sort,
/// words no item holds searched as close ones when the question found nothing as typed
/// (`spelling_corrected`), or a question with such words offered (`spelling_offered`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Notice {
    #[schema(inline)]
    pub code: NoticeCode,
    /// The query parameter the notice is about.
    pub parameter: String,
    /// The value as sent (for `unknown_filter`); the question searched (for
    /// `spelling_corrected`) or offered (for `spelling_offered`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub value: Option<String>,
    pub message: String,
}

/// A name in each language of the interface (English where no translation is written).
#[derive(Debug, Serialize, ToSchema)]
pub struct Labels {
    pub en: String,
    pub fr: String,
    pub es: String,
}

impl Labels {
    pub fn of(name: &Translated) -> Labels {
        Labels {
            en: name.get("en").to_string(),
            fr: name.get("fr").to_string(),
            es: name.get("es").to_string(),
        }
    }
}

/// A taxonomy value: the code used in filters and its label (in the answer's language, chosen
/// with `lang`, and in `labels` in each language).
#[derive(Debug, Serialize, ToSchema)]
pub struct Term {
    pub code: String,
    pub label: String,
    pub labels: Labels,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Theme {
    pub slug: String,
    /// In the answer's language (`lang`); `names` has it in each language.
    pub name: String,
    pub names: Labels,
    /// The theme's page.
    #[schema(format = "uri")]
    pub url: String,
}

/// One filter value with the number of results that carry it; pass `code` as the filter's
/// parameter.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValue {
    pub code: String,
    pub label: String,
    /// The label in each language, for themes and vocabulary terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub labels: Option<Labels>,
    pub count: u64,
}

/// A filter the answer applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveFilter {
    pub parameter: String,
    pub code: String,
    pub label: String,
    /// The label in each language, for themes and vocabulary terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub labels: Option<Labels>,
}

/// 1-based positions of the first and last item on this page ("Showing 11–20 of 123"); both 0
/// when there are none.
#[derive(Debug, Serialize, ToSchema)]
pub struct Range {
    pub first: u64,
    pub last: u64,
}

/// Links to this page of results and its neighbours, with the same filters.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageLinks {
    #[serde(rename = "self")]
    #[schema(format = "uri")]
    pub this: String,
    #[schema(format = "uri")]
    pub first: String,
    #[schema(format = "uri")]
    pub last: String,
    #[schema(required = true, format = "uri")]
    pub prev: Option<String>,
    #[schema(required = true, format = "uri")]
    pub next: Option<String>,
}

/// A language: its code and its name (in the answer's language, `lang`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Language {
    #[schema(schema_with = language_code)]
    pub code: String,
    pub label: String,
}

/// A run of a snippet's text.
#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SnippetPart {
    pub text: String,
    /// Whether this run matched the text query (to highlight).
    #[serde(rename = "match")]
    pub matched: bool,
}

/// A learning as a search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearningSummary {
    pub id: i32,
    /// The learning's web page.
    #[schema(format = "uri")]
    pub url: String,
    #[schema(format = "uri")]
    pub api_url: String,
    pub title: String,
    pub project_title: String,
    #[serde(rename = "type")]
    #[schema(schema_with = learning_type_code)]
    pub learning_type: String,
    pub type_label: String,
    #[schema(required = true)]
    pub year: Option<i32>,
    #[schema(required = true)]
    pub evaluation_type: Option<Term>,
    #[schema(required = true, format = DateTime)]
    pub published_at: Option<String>,
    /// Plain text: a passage of the description (matching passages when there is a text
    /// query).
    pub snippet: String,
    /// The snippet as consecutive runs of text; concatenated they give `snippet`. Runs with
    /// match = true are the words that matched the query.
    pub snippet_parts: Vec<SnippetPart>,
}

/// Counts over all results (not only this page), most frequent first.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct LearningFacets {
    #[serde(rename = "type")]
    pub learning_type: Vec<FacetValue>,
    pub evaluation_type: Vec<FacetValue>,
    pub country: Vec<FacetValue>,
    pub sector: Vec<FacetValue>,
    pub intervention_type: Vec<FacetValue>,
    pub cycle_stage: Vec<FacetValue>,
    pub criterion: Vec<FacetValue>,
    pub theme: Vec<FacetValue>,
    pub language: Vec<FacetValue>,
    pub year: Vec<FacetValue>,
    pub project: Vec<FacetValue>,
}

impl LearningFacets {
    /// The list of a vocabulary filter (a parameter of `search::TERM_FILTERS`).
    pub fn vocabulary_mut(&mut self, param: &str) -> Option<&mut Vec<FacetValue>> {
        match param {
            "evaluation_type" => Some(&mut self.evaluation_type),
            "country" => Some(&mut self.country),
            "sector" => Some(&mut self.sector),
            "intervention_type" => Some(&mut self.intervention_type),
            "cycle_stage" => Some(&mut self.cycle_stage),
            "criterion" => Some(&mut self.criterion),
            _ => None,
        }
    }
}

/// One page of learnings with facet counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearningList {
    pub total: u64,
    #[schema(minimum = 1)]
    pub page: u64,
    #[schema(minimum = 1)]
    pub pages: u64,
    #[schema(schema_with = learnings_per_page)]
    pub per_page: u64,
    pub range: Range,
    #[schema(schema_with = sort_name)]
    pub sort: String,
    /// The filters applied.
    pub filters: Vec<ActiveFilter>,
    pub items: Vec<LearningSummary>,
    pub facets: LearningFacets,
    pub notices: Vec<Notice>,
    pub links: PageLinks,
}

/// One published learning, every field as codes and labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct Learning {
    pub id: i32,
    #[schema(format = "uri")]
    pub url: String,
    pub title: String,
    #[serde(rename = "type")]
    pub learning_type: Term,
    pub project_title: String,
    #[schema(required = true)]
    pub year: Option<i32>,
    #[schema(required = true)]
    pub evaluation_type: Option<Term>,
    #[schema(required = true)]
    pub sector: Option<Term>,
    #[schema(required = true)]
    pub intervention_type: Option<Term>,
    #[schema(required = true)]
    pub cycle_stage: Option<Term>,
    #[schema(required = true)]
    pub criterion: Option<Term>,
    pub themes: Vec<Theme>,
    pub countries: Vec<Term>,
    /// The description as written (Markdown).
    pub description_markdown: String,
    /// The description rendered to sanitized HTML.
    pub description_html: String,
    /// The evaluation report.
    #[schema(required = true, format = "uri")]
    pub source_url: Option<String>,
    pub language: Language,
    #[schema(required = true, format = DateTime)]
    pub published_at: Option<String>,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A knowledge product as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductSummary {
    pub id: i32,
    /// The product's page on Fora.
    #[schema(format = "uri")]
    pub url: String,
    #[schema(format = "uri")]
    pub api_url: String,
    pub title: String,
    #[schema(required = true)]
    pub kind: Option<Term>,
    /// Plain text, shortened.
    pub summary: String,
    pub themes: Vec<Theme>,
    pub countries: Vec<Term>,
    pub language: Language,
    #[schema(required = true, format = Date)]
    pub published_on: Option<String>,
    /// Where the product itself is (download or site).
    #[schema(required = true, format = "uri")]
    pub link: Option<String>,
}

/// One published knowledge product: the listed fields and the full summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct Product {
    #[serde(flatten)]
    pub listed: ProductSummary,
    pub summary_markdown: String,
    /// Sanitized HTML.
    pub summary_html: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Counts over all products that match (not only this page), most frequent first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductFacets {
    pub kind: Vec<FacetValue>,
    pub theme: Vec<FacetValue>,
    pub language: Vec<FacetValue>,
    pub country: Vec<FacetValue>,
}

/// One page of products with facet counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductList {
    pub total: u64,
    #[schema(minimum = 1)]
    pub page: u64,
    #[schema(minimum = 1)]
    pub pages: u64,
    #[schema(schema_with = products_per_page)]
    pub per_page: u64,
    pub range: Range,
    pub filters: Vec<ActiveFilter>,
    pub items: Vec<ProductSummary>,
    pub facets: ProductFacets,
    pub notices: Vec<Notice>,
    pub links: PageLinks,
}
