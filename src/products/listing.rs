//! Listing knowledge products: the query string as typed, resolved against the taxonomy into
//! filters, then counts per filter value with the total, and one page of products. The
//! `/products` page, the theme page, the products feed and the JSON API all list through here,
//! so "published only for the public" is decided in exactly one place.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Statement,
    Value,
};

use crate::{
    entities::products::{self, ProductStatus},
    learnings::{
        fields::{LANGUAGES, shorten},
        search::{ActiveFilter, Audience, FacetCount, Notice},
    },
    taxonomy::{
        Taxonomy, Vocabulary,
        pairs::{PRODUCT_COUNTRIES, PRODUCT_THEMES},
    },
    web::paging::{clamp_page, page_number},
    web::query::read_lenient,
};

/// Products on one page of `/products` and of the API.
pub const PER_PAGE: u64 = 20;

/// The query parameters of `/products`, `/feeds/products.atom` and `/api/v1/products`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductParams {
    pub kind: String,
    pub theme: String,
    pub language: String,
    pub country: String,
    pub status: String,
    pub page: String,
}

/// Every parameter name, in the order query strings are written.
pub const PARAMS: [&str; 6] = ["kind", "theme", "language", "country", "status", "page"];

impl ProductParams {
    /// Reads a raw query string leniently, like the learnings search: unknown names are
    /// ignored, a repeated name keeps its first value, bad UTF-8 is replaced.
    pub fn from_query(raw: Option<&str>) -> ProductParams {
        let mut params = ProductParams::default();
        read_lenient(raw, 200, |name, value| match params.slot(name) {
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
    pub fn resolve(params: ProductParams, taxonomy: &Taxonomy, audience: Audience) -> Self {
        let mut notices = Vec::new();
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
                        label: term.label.clone(),
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
                        label: t.name.clone(),
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
                    label: code.clone(),
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
                        label: term.label.clone(),
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
                            label: status.as_str().to_string(),
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

    /// The `FROM … WHERE …` of matching products (alias `p`) and the values it binds.
    fn matching_sql(&self) -> (String, Vec<Value>) {
        let mut values: Vec<Value> = Vec::new();
        let mut conditions = Vec::new();
        let bind = |value: Value, values: &mut Vec<Value>| {
            values.push(value);
            format!("${}", values.len())
        };
        if let Some(status) = self.status {
            conditions.push(format!("p.status = {}", bind(status.into(), &mut values)));
        }
        if let Some(kind) = self.kind_id {
            conditions.push(format!("p.kind_id = {}", bind(kind.into(), &mut values)));
        }
        if let Some(language) = &self.language {
            conditions.push(format!(
                "p.language = {}",
                bind(language.clone().into(), &mut values)
            ));
        }
        if let Some(theme) = self.theme_id {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM product_themes ft WHERE ft.product_id = p.id AND ft.theme_id = {})",
                bind(theme.into(), &mut values)
            ));
        }
        if let Some(country) = self.country_id {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM product_countries fc WHERE fc.product_id = p.id AND fc.country_id = {})",
                bind(country.into(), &mut values)
            ));
        }
        let condition = if conditions.is_empty() {
            "1 = 1".to_string()
        } else {
            conditions.join(" AND ")
        };
        (format!("FROM products p WHERE {condition}"), values)
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
}

impl ProductListing {
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

#[derive(FromQueryResult)]
struct FacetRow {
    facet: String,
    value: Option<String>,
    n: i64,
}

#[derive(FromQueryResult)]
struct IdRow {
    id: i32,
}

/// Counts and one page of products, newest first (by publication date, then id).
pub async fn run(
    db: &impl ConnectionTrait,
    search: &ProductSearch,
    per_page: u64,
) -> Result<ProductListing, DbErr> {
    let backend = db.get_database_backend();
    let (from_where, values) = search.matching_sql();
    let counts = format!(
        "WITH m AS (SELECT p.id, p.kind_id, p.language, p.status {from_where})
         SELECT 'status' AS facet, m.status AS value, COUNT(*) AS n FROM m GROUP BY m.status
         UNION ALL SELECT 'kind', CAST(m.kind_id AS TEXT), COUNT(*) FROM m
                   WHERE m.kind_id IS NOT NULL GROUP BY m.kind_id
         UNION ALL SELECT 'language', m.language, COUNT(*) FROM m GROUP BY m.language
         UNION ALL SELECT 'theme', CAST(t.theme_id AS TEXT), COUNT(*) FROM m
                   JOIN product_themes t ON t.product_id = m.id GROUP BY t.theme_id
         UNION ALL SELECT 'country', CAST(c.country_id AS TEXT), COUNT(*) FROM m
                   JOIN product_countries c ON c.product_id = m.id GROUP BY c.country_id"
    );
    let rows = FacetRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        counts,
        values.clone(),
    ))
    .all(db)
    .await?;
    let mut facets: HashMap<String, Vec<FacetCount>> = HashMap::new();
    let mut total = 0;
    for row in rows {
        let Some(value) = row.value else { continue };
        let count = row.n.max(0) as u64;
        if row.facet == "status" {
            total += count;
        }
        facets
            .entry(row.facet)
            .or_default()
            .push(FacetCount { value, count });
    }
    for counts in facets.values_mut() {
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    }
    let per_page = per_page.max(1);
    let (page, pages) = clamp_page(search.page, total, per_page);
    let items = if total == 0 {
        Vec::new()
    } else {
        let offset = (page - 1).saturating_mul(per_page);
        let sql = format!(
            "SELECT p.id {from_where}
             ORDER BY p.published_on IS NULL, p.published_on DESC, p.id DESC
             LIMIT {per_page} OFFSET {offset}"
        );
        let ids: Vec<i32> =
            IdRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
                .all(db)
                .await?
                .into_iter()
                .map(|row| row.id)
                .collect();
        load(db, &ids).await?
    };
    Ok(ProductListing {
        total,
        page,
        pages,
        per_page,
        items,
        facets,
    })
}

/// Products by id with their themes and countries, in the order of `ids`.
pub async fn load(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<ProductItem>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: HashMap<i32, products::Model> = products::Entity::find()
        .filter(products::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut themes = PRODUCT_THEMES.of_each(db, ids).await?;
    let mut countries = PRODUCT_COUNTRIES.of_each(db, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .map(|product| ProductItem {
            theme_ids: themes.remove(&product.id).unwrap_or_default(),
            country_ids: countries.remove(&product.id).unwrap_or_default(),
            product,
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

/// Markdown as plain text (for listings and the API): the words, not the syntax.
pub fn plain_text(markdown: &str, max: usize) -> String {
    let out = crate::markdown::words(markdown, max * 8);
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten(&flat, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text(
                "# Title\n\nSome *bold* [link](http://x.y) <script>x</script>",
                200
            ),
            "Title Some bold link x"
        );
        assert_eq!(
            plain_text("word ".repeat(100).as_str(), 20).chars().count(),
            20
        );
    }

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
