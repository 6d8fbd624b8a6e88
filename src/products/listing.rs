//! Listing knowledge products: the query string as typed, resolved against the taxonomy into
//! filters, then counts per filter value with the total, and one page of products. The
//! `/products` page, the theme page, the products feed and the JSON API all list through here,
//! so "published only for the public" is decided in exactly one place.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::{
    entities::products::{self, ProductStatus},
    learnings::{
        fields::LANGUAGES,
        search::{ActiveFilter, Audience, FacetCount, Notice},
    },
    search::{
        SearchError,
        collect::Counts,
        documents,
        engine::Ranking,
        query::Filter,
        query_text::{self, TextQuery},
        schema::{Fields, Kind, code_of},
        spelling::Spelling,
    },
    taxonomy::{
        Taxonomy, Vocabulary,
        pairs::{PRODUCT_COUNTRIES, PRODUCT_THEMES, tag_in_order},
    },
    web::AppState,
    web::paging::page_number,
    web::query::read_lenient,
};

/// Products on one page of `/products` and of the API.
pub const PER_PAGE: u64 = 20;

/// The query parameters of `/products`, `/feeds/products.atom` and `/api/v1/products`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductParams {
    pub q: String,
    /// `1`: search the words as typed, none corrected.
    pub typed: String,
    pub kind: String,
    pub theme: String,
    pub language: String,
    pub country: String,
    pub status: String,
    pub page: String,
}

/// Every parameter name, in the order query strings are written.
pub const PARAMS: [&str; 8] = [
    "q", "typed", "kind", "theme", "language", "country", "status", "page",
];

impl ProductParams {
    /// Reads a raw query string leniently, like the learnings search: unknown names are
    /// ignored, a repeated name keeps its first value, bad UTF-8 is replaced.
    pub fn from_query(raw: Option<&str>) -> ProductParams {
        let mut params = ProductParams::default();
        read_lenient(raw, 2_000, |name, value| match params.slot(name) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        });
        params
    }

    fn slot(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "q" => &mut self.q,
            "typed" => &mut self.typed,
            "kind" => &mut self.kind,
            "theme" => &mut self.theme,
            "language" => &mut self.language,
            "country" => &mut self.country,
            "status" => &mut self.status,
            "page" => &mut self.page,
            _ => return None,
        })
    }

    pub fn get(&self, name: &str) -> &str {
        match name {
            "q" => &self.q,
            "typed" => &self.typed,
            "kind" => &self.kind,
            "theme" => &self.theme,
            "language" => &self.language,
            "country" => &self.country,
            "status" => &self.status,
            "page" => &self.page,
            _ => "",
        }
    }

    /// The query string with one parameter replaced (empty removes it) and the page reset.
    pub fn with(&self, name: &str, value: &str) -> String {
        let mut params = self.clone();
        params.page.clear();
        if let Some(slot) = params.slot(name) {
            *slot = value.to_string();
        }
        params.to_query()
    }

    pub fn to_query(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for name in PARAMS {
            let value = self.get(name).trim();
            if !value.is_empty() {
                out.append_pair(name, value);
            }
        }
        out.finish()
    }
}

/// A listing resolved against the taxonomy: what the SQL filters by.
#[derive(Clone, Debug)]
pub struct ProductSearch {
    pub params: ProductParams,
    /// Words to look for in titles and summaries (the newest come first without them).
    pub text: TextQuery,
    pub kind_id: Option<i32>,
    pub theme_id: Option<i32>,
    pub language: Option<String>,
    pub country_id: Option<i32>,
    /// `None`: every status (knowledge managers who asked for all).
    pub status: Option<ProductStatus>,
    pub filters: Vec<ActiveFilter>,
    pub notices: Vec<Notice>,
    pub page: u64,
}

fn printable(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(80).collect()
}

impl ProductSearch {
    pub fn resolve(mut params: ProductParams, taxonomy: &Taxonomy, audience: Audience) -> Self {
        let mut notices = Vec::new();
        let cut = query_text::shortened(&params.q);
        if let Some(cut) = &cut {
            params.q.clone_from(cut);
        }
        let mut text = TextQuery::parse(&params.q);
        text.as_typed = query_text::as_typed(&mut params.typed);
        if cut.is_some() || text.shortened {
            notices.push(Notice::Shortened);
        }
        if text.only_exclusions {
            notices.push(Notice::OnlyExclusions);
        }
        let mut filters = Vec::new();
        let mut unknown = |param: &'static str, value: &str| {
            notices.push(Notice::UnknownFilter(param, printable(value)));
        };
        let mut kind_id = None;
        let kind = params.kind.trim();
        if !kind.is_empty() {
            match taxonomy.by_code(Vocabulary::ProductKind, kind) {
                Some(term) => {
                    kind_id = Some(term.id);
                    filters.push(ActiveFilter {
                        param: "kind",
                        code: term.code.clone(),
                        label: term.labels.clone(),
                    });
                }
                None => unknown("kind", kind),
            }
        }
        let mut theme_id = None;
        let theme = params.theme.trim();
        if !theme.is_empty() {
            match taxonomy.theme_by_slug(theme) {
                Some(t) => {
                    theme_id = Some(t.id);
                    filters.push(ActiveFilter {
                        param: "theme",
                        code: t.slug.clone(),
                        label: t.names.clone(),
                    });
                }
                None => unknown("theme", theme),
            }
        }
        let mut language = None;
        let code = params.language.trim().to_ascii_lowercase();
        if !code.is_empty() {
            if LANGUAGES.contains(&code.as_str()) {
                filters.push(ActiveFilter {
                    param: "language",
                    code: code.clone(),
                    label: code.clone().into(),
                });
                language = Some(code);
            } else {
                unknown("language", &code);
            }
        }
        let mut country_id = None;
        let country = params.country.trim();
        if !country.is_empty() {
            match taxonomy.by_code(Vocabulary::Country, country) {
                Some(term) => {
                    country_id = Some(term.id);
                    filters.push(ActiveFilter {
                        param: "country",
                        code: term.code.clone(),
                        label: term.labels.clone(),
                    });
                }
                None => unknown("country", country),
            }
        }
        let status = match audience {
            Audience::Public => Some(ProductStatus::Published),
            Audience::KnowledgeManager => match params.status.trim() {
                "" | "all" => None,
                value => match ProductStatus::parse(value) {
                    Some(status) => {
                        filters.push(ActiveFilter {
                            param: "status",
                            code: status.as_str().to_string(),
                            label: status.as_str().to_string().into(),
                        });
                        Some(status)
                    }
                    None => {
                        unknown("status", value);
                        None
                    }
                },
            },
        };
        let page = page_number(Some(&params.page));
        ProductSearch {
            params,
            text,
            kind_id,
            theme_id,
            language,
            country_id,
            status,
            filters,
            notices,
            page,
        }
    }

    /// The filters as the search index knows them.
    fn filters(&self, fields: &Fields) -> Vec<Filter> {
        let id = |id: i32| u64::try_from(id).ok();
        let mut out = Vec::new();
        if let Some(status) = self.status {
            out.push(Filter::Number(
                fields.status,
                documents::product_status_code(status),
            ));
        }
        if let Some(kind) = self.kind_id.and_then(id) {
            out.push(Filter::Number(fields.terms, kind));
        }
        if let Some(code) = self
            .language
            .as_deref()
            .and_then(|l| code_of(&LANGUAGES, l))
        {
            out.push(Filter::Number(fields.language, code));
        }
        if let Some(theme) = self.theme_id.and_then(id) {
            out.push(Filter::Number(fields.themes, theme));
        }
        if let Some(country) = self.country_id.and_then(id) {
            out.push(Filter::Number(fields.terms, country));
        }
        out
    }
}

/// One product with its themes and countries.
#[derive(Clone, Debug)]
pub struct ProductItem {
    pub product: products::Model,
    pub theme_ids: Vec<i32>,
    pub country_ids: Vec<i32>,
}

#[derive(Clone, Debug)]
pub struct ProductListing {
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub per_page: u64,
    pub items: Vec<ProductItem>,
    /// `status`, `kind` (term ids), `language`, `theme` (theme ids), `country` (term ids) →
    /// values with counts, most frequent first.
    pub facets: HashMap<String, Vec<FacetCount>>,
    /// How words no product held were read.
    pub spelling: Spelling,
}

impl ProductListing {
    /// Nothing found (what pages show while the index is being rebuilt).
    pub fn empty(per_page: u64) -> ProductListing {
        ProductListing {
            total: 0,
            page: 1,
            pages: 1,
            per_page,
            items: Vec::new(),
            facets: HashMap::new(),
            spelling: Spelling::AsTyped,
        }
    }

    /// The 1-based positions of the first and last product shown ("Showing 21–40 of 123").
    pub fn range(&self) -> (u64, u64) {
        if self.items.is_empty() {
            return (0, 0);
        }
        let first = (self.page - 1) * self.per_page + 1;
        (first, first + self.items.len() as u64 - 1)
    }

    pub fn facet(&self, name: &str) -> &[FacetCount] {
        self.facets.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The counts of the index as the listing names them: product kinds and countries are both
/// taxonomy terms there, told apart here by their vocabulary.
fn facets_of(counts: Counts, taxonomy: &Taxonomy) -> HashMap<String, Vec<FacetCount>> {
    let mut facets: HashMap<String, Vec<FacetCount>> = HashMap::new();
    for (name, values) in counts.numbers {
        for (value, count) in values {
            let (facet, value) = match name {
                "status" => match documents::product_status_of(value) {
                    Some(status) => ("status", status.as_str().to_string()),
                    None => continue,
                },
                "language" => match LANGUAGES.get(value as usize) {
                    Some(code) => ("language", (*code).to_string()),
                    None => continue,
                },
                "theme" => ("theme", value.to_string()),
                "term" => match i32::try_from(value).ok().and_then(|id| taxonomy.term(id)) {
                    Some(term) if term.vocabulary == Vocabulary::ProductKind => {
                        ("kind", value.to_string())
                    }
                    Some(term) if term.vocabulary == Vocabulary::Country => {
                        ("country", value.to_string())
                    }
                    _ => continue,
                },
                _ => continue,
            };
            facets
                .entry(facet.to_string())
                .or_default()
                .push(FacetCount { value, count });
        }
    }
    for counts in facets.values_mut() {
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    }
    facets
}

/// Counts and one page of products: the best matches first when there are words, else the
/// newest (by publication date, then id). `None` while the search index is being rebuilt.
pub async fn run(
    state: &AppState,
    search: &ProductSearch,
    taxonomy: &Taxonomy,
    per_page: u64,
) -> Result<Option<ProductListing>, SearchError> {
    let ranking = if search.text.is_empty() {
        Ranking::Newest
    } else {
        Ranking::Relevance
    };
    let per_page = per_page.max(1);
    let Some(results) = state
        .search
        .page(
            Kind::Product,
            &search.text,
            |fields| search.filters(fields),
            ranking,
            search.page,
            per_page,
        )
        .await?
    else {
        return Ok(None);
    };
    let mut items = load(&state.db, &results.found.ids).await?;
    // The index may be a moment behind a status change: the row decides.
    items.retain(|item| {
        search
            .status
            .is_none_or(|status| item.product.status == status)
    });
    Ok(Some(ProductListing {
        total: results.found.counts.total,
        page: results.page,
        pages: results.pages,
        per_page,
        items,
        facets: facets_of(results.found.counts, taxonomy),
        spelling: results.spelling,
    }))
}

/// Products by id with their themes and countries, in the order of `ids`.
pub async fn load(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<ProductItem>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = products::Entity::find()
        .filter(products::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let tagged = tag_in_order(
        db,
        ids,
        rows,
        |p| p.id,
        (&PRODUCT_THEMES, &PRODUCT_COUNTRIES),
    )
    .await?;
    Ok(tagged
        .into_iter()
        .map(|tagged| ProductItem {
            product: tagged.item,
            theme_ids: tagged.theme_ids,
            country_ids: tagged.country_ids,
        })
        .collect())
}

/// A product if the audience may see it: the public sees published products only.
pub async fn visible(
    db: &impl ConnectionTrait,
    id: i32,
    audience: Audience,
) -> Result<Option<ProductItem>, DbErr> {
    let item = load(db, &[id]).await?.into_iter().next();
    Ok(item.filter(|item| {
        audience == Audience::KnowledgeManager || item.product.status == ProductStatus::Published
    }))
}

/// A path id as typed: a positive number that fits, or nothing (which callers answer 404).
pub fn path_id(raw: &str) -> Option<i32> {
    raw.trim().parse::<i32>().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_are_positive_numbers() {
        assert_eq!(path_id("12"), Some(12));
        for bad in ["0", "-1", "abc", "99999999999", "", "1.5"] {
            assert_eq!(path_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn params_are_read_leniently() {
        let params = ProductParams::from_query(Some("kind=tool&kind=guide&zzz=1&page=2&theme=%FF"));
        assert_eq!(params.kind, "tool");
        assert_eq!(params.page, "2");
        assert_eq!(params.theme, "\u{FFFD}");
        assert_eq!(params.with("kind", ""), "theme=%EF%BF%BD");
    }
}
