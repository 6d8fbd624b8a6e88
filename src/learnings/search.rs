//! Searching learnings: the query string as typed, resolved against the taxonomy into filters,
//! then two statements per search on either backend — facet counts with the total, and one
//! page of results with highlighted snippets. Text and every filter meet in one index lookup
//! (see `facets`); only the project filter is a column comparison.

use std::{collections::HashMap, sync::Arc};

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, FromQueryResult, Statement, Value};
use time::OffsetDateTime;

use super::{
    facets,
    query_text::{self, TextQuery},
};
use crate::{
    entities::learnings::LearningStatus,
    taxonomy::{Taxonomy, Vocabulary},
    web::paging::{clamp_page, page_number},
    web::query::read_lenient,
};

pub const PER_PAGE: u64 = 10;
/// Highlight markers from the Private Use Area: they cannot come from escaped text, so the
/// view can escape everything and then turn exactly these into `<mark>`.
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';
const PROJECT_FACET_SIZE: i64 = 12;

/// The query parameters of `/learnings` and `/api/v1/learnings`, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SearchParams {
    pub q: String,
    pub learning_type: String,
    pub evaluation_type: String,
    pub theme: String,
    pub country: String,
    pub project: String,
    pub sector: String,
    pub intervention_type: String,
    pub cycle_stage: String,
    pub criterion: String,
    pub year: String,
    pub language: String,
    pub status: String,
    pub sort: String,
    pub page: String,
}

/// The filters in the order pages show them: (parameter, vocabulary when it is one).
pub const TERM_FILTERS: [(&str, Vocabulary); 6] = [
    ("evaluation_type", Vocabulary::EvaluationType),
    ("country", Vocabulary::Country),
    ("sector", Vocabulary::Sector),
    ("intervention_type", Vocabulary::InterventionType),
    ("cycle_stage", Vocabulary::CycleStage),
    ("criterion", Vocabulary::Criterion),
];

impl SearchParams {
    /// Reads a raw query string leniently: unknown names are ignored, a repeated name keeps its
    /// first value, and bytes that are not UTF-8 are replaced rather than refused.
    pub fn from_query(raw: Option<&str>) -> SearchParams {
        let mut params = SearchParams::default();
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
            "type" => &mut self.learning_type,
            "evaluation_type" => &mut self.evaluation_type,
            "theme" => &mut self.theme,
            "country" => &mut self.country,
            "project" => &mut self.project,
            "sector" => &mut self.sector,
            "intervention_type" => &mut self.intervention_type,
            "cycle_stage" => &mut self.cycle_stage,
            "criterion" => &mut self.criterion,
            "year" => &mut self.year,
            "language" => &mut self.language,
            "status" => &mut self.status,
            "sort" => &mut self.sort,
            "page" => &mut self.page,
            _ => return None,
        })
    }

    pub fn get(&self, name: &str) -> &str {
        match name {
            "q" => &self.q,
            "type" => &self.learning_type,
            "evaluation_type" => &self.evaluation_type,
            "theme" => &self.theme,
            "country" => &self.country,
            "project" => &self.project,
            "sector" => &self.sector,
            "intervention_type" => &self.intervention_type,
            "cycle_stage" => &self.cycle_stage,
            "criterion" => &self.criterion,
            "year" => &self.year,
            "language" => &self.language,
            "status" => &self.status,
            "sort" => &self.sort,
            "page" => &self.page,
            _ => "",
        }
    }

    /// The query string of this search with one parameter replaced (empty removes it) and the
    /// page reset: the links of facets, "remove filter" and sorting.
    pub fn with(&self, name: &str, value: &str) -> String {
        let mut params = self.clone();
        params.page.clear();
        if let Some(slot) = params.slot(name) {
            *slot = value.to_string();
        }
        params.to_query()
    }

    pub fn with_page(&self, page: u64) -> String {
        let mut params = self.clone();
        params.page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        params.to_query()
    }

    pub fn to_query(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for name in [
            "q",
            "type",
            "evaluation_type",
            "theme",
            "country",
            "project",
            "sector",
            "intervention_type",
            "cycle_stage",
            "criterion",
            "year",
            "language",
            "status",
            "sort",
            "page",
        ] {
            let value = self.get(name).trim();
            if !value.is_empty() {
                out.append_pair(name, value);
            }
        }
        out.finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sort {
    Relevance,
    Newest,
}

/// Who is searching: the public sees published learnings only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    Public,
    KnowledgeManager,
}

/// A filter that was applied, for "remove" links and the API's echo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveFilter {
    pub param: &'static str,
    pub code: String,
    pub label: String,
}

/// Something the searcher should know about their query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A filter value that is not known (param, value as typed): it was left out.
    UnknownFilter(&'static str, String),
    Shortened,
    OnlyExclusions,
    BadSort,
}

#[derive(Clone, Debug)]
pub struct Search {
    pub params: SearchParams,
    pub text: TextQuery,
    /// Facet tokens matched in the full-text index (every filter except status and project).
    pub tokens: Vec<String>,
    /// A column filter rather than a token: nearly every learning is published, and a token
    /// that common would make every full-text lookup read its whole posting list.
    pub status: Option<LearningStatus>,
    pub project: Option<String>,
    pub filters: Vec<ActiveFilter>,
    pub sort: Sort,
    pub page: u64,
    pub audience: Audience,
    pub notices: Vec<Notice>,
}

impl Search {
    /// Links built from the resolved `params` never repeat oversized input: the text query is
    /// cut to what was searched, and filter values that were left out are dropped.
    pub fn resolve(mut params: SearchParams, taxonomy: &Taxonomy, audience: Audience) -> Search {
        let cut = query_text::shortened(&params.q);
        if let Some(cut) = &cut {
            params.q.clone_from(cut);
        }
        params.project = params.project.chars().take(query_text::MAX_CHARS).collect();
        let text = TextQuery::parse(&params.q);
        let mut notices = Vec::new();
        if cut.is_some() || text.shortened {
            notices.push(Notice::Shortened);
        }
        let mut left_out: Vec<&'static str> = Vec::new();
        if text.only_exclusions {
            notices.push(Notice::OnlyExclusions);
        }
        let mut tokens = Vec::new();
        let mut filters = Vec::new();
        let mut unknown = |param: &'static str, value: &str| {
            left_out.push(param);
            notices.push(Notice::UnknownFilter(
                param,
                value.chars().filter(|c| !c.is_control()).take(80).collect(),
            ));
        };
        let kind = params.learning_type.trim();
        if !kind.is_empty() {
            if super::fields::LEARNING_TYPES.contains(&kind) {
                tokens.push(facets::learning_type(kind));
                filters.push(ActiveFilter {
                    param: "type",
                    code: kind.to_string(),
                    label: kind.to_string(),
                });
            } else {
                unknown("type", kind);
            }
        }
        for (param, vocabulary) in TERM_FILTERS {
            let value = params.get(param).trim();
            if value.is_empty() {
                continue;
            }
            match taxonomy.by_code(vocabulary, value) {
                Some(term) => {
                    tokens.push(facets::term(term.id));
                    filters.push(ActiveFilter {
                        param,
                        code: term.code.clone(),
                        label: term.label.clone(),
                    });
                }
                None => unknown(param, value),
            }
        }
        let theme = params.theme.trim();
        if !theme.is_empty() {
            match taxonomy.theme_by_slug(theme) {
                Some(t) => {
                    tokens.push(facets::theme(t.id));
                    filters.push(ActiveFilter {
                        param: "theme",
                        code: t.slug.clone(),
                        label: t.name.clone(),
                    });
                }
                None => unknown("theme", theme),
            }
        }
        let year = params.year.trim();
        if !year.is_empty() {
            match year.parse::<i32>() {
                Ok(y) if (1000..=9999).contains(&y) => {
                    tokens.push(facets::year(y));
                    filters.push(ActiveFilter {
                        param: "year",
                        code: y.to_string(),
                        label: y.to_string(),
                    });
                }
                _ => unknown("year", year),
            }
        }
        let language = params.language.trim().to_ascii_lowercase();
        if !language.is_empty() {
            if super::fields::LANGUAGES.contains(&language.as_str()) {
                tokens.push(facets::language(&language));
                filters.push(ActiveFilter {
                    param: "language",
                    code: language.clone(),
                    label: language.clone(),
                });
            } else {
                unknown("language", &language);
            }
        }
        let status = params.status.trim();
        let status_filter = match audience {
            Audience::Public => {
                left_out.push("status");
                Some(LearningStatus::Published)
            }
            Audience::KnowledgeManager if status.is_empty() || status == "all" => None,
            Audience::KnowledgeManager => {
                let known = LearningStatus::parse(status);
                if known.is_some() {
                    filters.push(ActiveFilter {
                        param: "status",
                        code: status.to_string(),
                        label: status.to_string(),
                    });
                } else {
                    unknown("status", status);
                }
                known
            }
        };
        let project = Some(
            params
                .project
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim()
                .to_string(),
        )
        .filter(|p| !p.is_empty());
        if let Some(p) = &project {
            filters.push(ActiveFilter {
                param: "project",
                code: p.clone(),
                label: p.clone(),
            });
        }
        let sort = match params.sort.trim() {
            "newest" => Sort::Newest,
            "relevance" => Sort::Relevance,
            "" => {
                if text.is_empty() {
                    Sort::Newest
                } else {
                    Sort::Relevance
                }
            }
            _ => {
                notices.push(Notice::BadSort);
                left_out.push("sort");
                if text.is_empty() {
                    Sort::Newest
                } else {
                    Sort::Relevance
                }
            }
        };
        for param in left_out {
            if let Some(slot) = params.slot(param) {
                slot.clear();
            }
        }
        let page = page_number(Some(&params.page));
        Search {
            params,
            text,
            tokens,
            status: status_filter,
            project,
            filters,
            sort,
            page,
            audience,
            notices,
        }
    }

    /// Whether results come from an unfiltered listing (worth caching: it is the landing page).
    pub fn is_listing(&self) -> bool {
        self.text.is_empty() && self.filters.is_empty()
    }
}

/// One facet value with the number of results that carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub id: i32,
    pub title: String,
    pub project_title: String,
    pub learning_type: String,
    pub year: Option<i32>,
    pub status: LearningStatus,
    pub evaluation_type_id: Option<i32>,
    pub published_at: Option<OffsetDateTime>,
    /// A passage of the description; `MARK_START`/`MARK_END` surround matched words.
    pub snippet: String,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub hits: Vec<Hit>,
    /// Facet name (`type`, `status`, `language`, `year`, `theme`, `project`, or a vocabulary
    /// name) → values with counts, most frequent first.
    pub facets: HashMap<String, Vec<FacetCount>>,
}

impl Outcome {
    /// "Showing 11–20 of 1,191": the 1-based positions of the first and last hit shown.
    pub fn range(&self) -> (u64, u64) {
        if self.hits.is_empty() {
            return (0, 0);
        }
        let first = (self.page - 1) * PER_PAGE + 1;
        (first, first + self.hits.len() as u64 - 1)
    }
}

/// The SQL that selects matching learnings (alias `l`) and the values it binds.
struct Matching {
    from_where: String,
    values: Vec<Value>,
    /// SQLite: the FTS table is part of the statement (ranking and snippets work).
    fts: bool,
    /// PostgreSQL: the bound text query's placeholder, when there is text.
    pg_text: Option<String>,
}

fn matching(search: &Search, backend: DatabaseBackend) -> Matching {
    let mut values: Vec<Value> = Vec::new();
    let placeholder = |value: Value, values: &mut Vec<Value>| {
        values.push(value);
        format!("${}", values.len())
    };
    let mut conditions = Vec::new();
    let mut fts = false;
    let mut pg_text = None;
    let from = match backend {
        DatabaseBackend::Postgres => {
            let mut parts = Vec::new();
            if let Some(text) = search.text.to_websearch() {
                let p = placeholder(text.into(), &mut values);
                parts.push(format!("websearch_to_tsquery('english', {p})"));
                pg_text = Some(p);
            }
            if !search.tokens.is_empty() {
                let p = placeholder(search.tokens.join(" & ").into(), &mut values);
                parts.push(format!("to_tsquery('simple', {p})"));
            }
            if !parts.is_empty() {
                conditions.push(format!("l.search_vector @@ ({})", parts.join(" && ")));
            }
            "learnings l".to_string()
        }
        _ => {
            let mut parts = Vec::new();
            if let Some(text) = search.text.to_fts5() {
                parts.push(format!("({text})"));
            }
            if !search.tokens.is_empty() {
                parts.push(format!("(facet_keys : ({}))", search.tokens.join(" AND ")));
            }
            if parts.is_empty() {
                "learnings l".to_string()
            } else {
                fts = true;
                let p = placeholder(parts.join(" AND ").into(), &mut values);
                conditions.push(format!("learnings_fts MATCH {p}"));
                "learnings_fts JOIN learnings l ON l.id = learnings_fts.rowid".to_string()
            }
        }
    };
    if let Some(status) = search.status {
        let p = placeholder(status.into(), &mut values);
        // SQLite: the unary `+` keeps the planner on the full-text match instead of the
        // (far less selective) status index.
        let column = if fts { "+l.status" } else { "l.status" };
        conditions.push(format!("{column} = {p}"));
    }
    if let Some(project) = &search.project {
        let p = placeholder(project.clone().into(), &mut values);
        conditions.push(format!("l.project_title = {p}"));
    }
    let condition = if conditions.is_empty() {
        "1 = 1".to_string()
    } else {
        conditions.join(" AND ")
    };
    Matching {
        from_where: format!("FROM {from} WHERE {condition}"),
        values,
        fts,
        pg_text,
    }
}

#[derive(FromQueryResult)]
struct FacetRow {
    facet: String,
    value: Option<String>,
    n: i64,
}

/// The facet counts statement: every dimension grouped over one materialized match set.
pub fn facets_statement(search: &Search, backend: DatabaseBackend) -> Statement {
    let matching = matching(search, backend);
    let sql = format!(
        "WITH m AS MATERIALIZED (
            SELECT l.id, l.status, l.learning_type, l.language, l.year, l.project_title,
                   l.evaluation_type_id, l.sector_id, l.intervention_type_id, l.cycle_stage_id,
                   l.criterion_id
            {from_where})
         SELECT 'status' AS facet, m.status AS value, COUNT(*) AS n FROM m GROUP BY m.status
         UNION ALL SELECT 'type', m.learning_type, COUNT(*) FROM m GROUP BY m.learning_type
         UNION ALL SELECT 'language', m.language, COUNT(*) FROM m GROUP BY m.language
         UNION ALL SELECT 'year', CAST(m.year AS TEXT), COUNT(*) FROM m
                   WHERE m.year IS NOT NULL GROUP BY m.year
         UNION ALL SELECT 'term', CAST(m.evaluation_type_id AS TEXT), COUNT(*) FROM m
                   WHERE m.evaluation_type_id IS NOT NULL GROUP BY m.evaluation_type_id
         UNION ALL SELECT 'term', CAST(m.sector_id AS TEXT), COUNT(*) FROM m
                   WHERE m.sector_id IS NOT NULL GROUP BY m.sector_id
         UNION ALL SELECT 'term', CAST(m.intervention_type_id AS TEXT), COUNT(*) FROM m
                   WHERE m.intervention_type_id IS NOT NULL GROUP BY m.intervention_type_id
         UNION ALL SELECT 'term', CAST(m.cycle_stage_id AS TEXT), COUNT(*) FROM m
                   WHERE m.cycle_stage_id IS NOT NULL GROUP BY m.cycle_stage_id
         UNION ALL SELECT 'term', CAST(m.criterion_id AS TEXT), COUNT(*) FROM m
                   WHERE m.criterion_id IS NOT NULL GROUP BY m.criterion_id
         UNION ALL SELECT 'term', CAST(c.country_id AS TEXT), COUNT(*) FROM learning_countries c
                   WHERE c.learning_id IN (SELECT id FROM m) GROUP BY c.country_id
         UNION ALL SELECT 'theme', CAST(t.theme_id AS TEXT), COUNT(*) FROM learning_themes t
                   WHERE t.learning_id IN (SELECT id FROM m) GROUP BY t.theme_id
         UNION ALL SELECT * FROM (
             SELECT 'project' AS facet, m.project_title AS value, COUNT(*) AS n FROM m
             WHERE m.project_title <> '' GROUP BY m.project_title
             ORDER BY n DESC, m.project_title LIMIT {PROJECT_FACET_SIZE}) p",
        from_where = matching.from_where
    );
    Statement::from_sql_and_values(backend, sql, matching.values)
}

#[derive(FromQueryResult)]
struct HitRow {
    id: i32,
    title: String,
    project_title: String,
    learning_type: String,
    year: Option<i32>,
    status: LearningStatus,
    evaluation_type_id: Option<i32>,
    published_at: Option<OffsetDateTime>,
    snippet: Option<String>,
}

const HIT_COLUMNS: &str = "l.id, l.title, l.project_title, l.learning_type, l.year, l.status, \
                           l.evaluation_type_id, l.published_at";
const NEWEST: &str = "l.published_at IS NULL, l.published_at DESC, l.id DESC";

/// The statement for one page of results, ranked and with snippets.
pub fn page_statement(search: &Search, backend: DatabaseBackend, offset: u64) -> Statement {
    let Matching {
        from_where,
        mut values,
        fts,
        pg_text,
    } = matching(search, backend);
    let limit = format!("LIMIT {PER_PAGE} OFFSET {offset}");
    let relevance = search.sort == Sort::Relevance;
    let sql = match backend {
        DatabaseBackend::Postgres => {
            let order = match (&pg_text, relevance) {
                (Some(q), true) => format!(
                    "ts_rank(l.search_vector, websearch_to_tsquery('english', {q})) DESC, l.id DESC"
                ),
                _ => NEWEST.to_string(),
            };
            let snippet = match &pg_text {
                Some(q) => {
                    values.push(
                        format!(
                            "StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, \
                             MaxFragments=2, FragmentDelimiter=\" … \""
                        )
                        .into(),
                    );
                    format!(
                        "ts_headline('english', l.description, websearch_to_tsquery('english', {q}), ${})",
                        values.len()
                    )
                }
                None => "SUBSTR(l.description, 1, 400)".to_string(),
            };
            format!(
                "SELECT {HIT_COLUMNS}, {snippet} AS snippet FROM (
                    SELECT l.* {from_where} ORDER BY {order} {limit}) l
                 ORDER BY {order}"
            )
        }
        _ => {
            let text = fts && !search.text.is_empty();
            let order = if text && relevance {
                "bm25(learnings_fts, 8.0, 1.0, 4.0, 0.0), l.id DESC".to_string()
            } else {
                NEWEST.to_string()
            };
            let snippet = if text {
                format!(
                    "snippet(learnings_fts, 1, char({}), char({}), '…', 30)",
                    MARK_START as u32, MARK_END as u32
                )
            } else {
                "SUBSTR(l.description, 1, 400)".to_string()
            };
            format!(
                "SELECT {HIT_COLUMNS}, {snippet} AS snippet {from_where} ORDER BY {order} {limit}"
            )
        }
    };
    Statement::from_sql_and_values(backend, sql, values)
}

fn snippet_of(raw: Option<String>, highlighted: bool) -> String {
    let raw = raw.unwrap_or_default();
    let flat = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if highlighted {
        flat
    } else {
        super::fields::shorten(&flat, 300)
    }
}

/// Runs a search: facet counts and total first, then the page (clamped to the last one).
pub async fn run(db: &impl ConnectionTrait, search: &Search) -> Result<Outcome, DbErr> {
    let backend = db.get_database_backend();
    let rows = FacetRow::find_by_statement(facets_statement(search, backend))
        .all(db)
        .await?;
    let mut facets: HashMap<String, Vec<FacetCount>> = HashMap::new();
    let mut total = 0;
    for row in rows {
        let Some(value) = row.value else { continue };
        if row.facet == "status" {
            total += row.n as u64;
        }
        facets.entry(row.facet).or_default().push(FacetCount {
            value,
            count: row.n as u64,
        });
    }
    for counts in facets.values_mut() {
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    }
    let (page, pages) = clamp_page(search.page, total, PER_PAGE);
    let hits = if total == 0 {
        Vec::new()
    } else {
        HitRow::find_by_statement(page_statement(search, backend, (page - 1) * PER_PAGE))
            .all(db)
            .await?
            .into_iter()
            .map(|row| Hit {
                id: row.id,
                title: row.title,
                project_title: row.project_title,
                learning_type: row.learning_type,
                year: row.year,
                status: row.status,
                evaluation_type_id: row.evaluation_type_id,
                published_at: row.published_at,
                snippet: snippet_of(row.snippet, !search.text.is_empty()),
            })
            .collect()
    };
    Ok(Outcome {
        total,
        page,
        pages,
        hits,
        facets,
    })
}

/// Splits the term facets (counted together by id) into their vocabularies.
pub fn facets_by_vocabulary(
    outcome: &Outcome,
    taxonomy: &Taxonomy,
) -> HashMap<Vocabulary, Vec<(String, String, u64)>> {
    let mut out: HashMap<Vocabulary, Vec<(String, String, u64)>> = HashMap::new();
    for count in outcome.facets.get("term").into_iter().flatten() {
        let Some(term) = count.value.parse().ok().and_then(|id| taxonomy.term(id)) else {
            continue;
        };
        out.entry(term.vocabulary).or_default().push((
            term.code.clone(),
            term.label.clone(),
            count.count,
        ));
    }
    out
}

/// Runs a search, from the cache when it is an unfiltered listing (the landing page, and the
/// page everyone opens first) and nothing has changed since it was loaded.
pub async fn run_cached(
    state: &crate::web::AppState,
    search: &Search,
) -> Result<Arc<Outcome>, DbErr> {
    if !search.is_listing() {
        return Ok(Arc::new(run(&state.db, search).await?));
    }
    let key = (search.audience, search.sort, search.page);
    let epoch = state.caches.epoch();
    if let Some(outcome) = state.caches.listings.get(&key, epoch).await {
        return Ok(outcome);
    }
    let outcome = Arc::new(run(&state.db, search).await?);
    state
        .caches
        .listings
        .insert(key, epoch, outcome.clone())
        .await;
    Ok(outcome)
}

#[derive(FromQueryResult)]
struct IdRow {
    id: i32,
}

/// The ids of at most `limit` matching learnings, newest first, whatever the search's sort:
/// what feeds follow. Uses the same matching (and so the same audience rule) as `run`.
pub async fn newest_ids(
    db: &impl ConnectionTrait,
    search: &Search,
    limit: u64,
) -> Result<Vec<i32>, DbErr> {
    let backend = db.get_database_backend();
    let Matching {
        from_where, values, ..
    } = matching(search, backend);
    let sql = format!("SELECT l.id {from_where} ORDER BY {NEWEST} LIMIT {limit}");
    Ok(
        IdRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(db)
            .await?
            .into_iter()
            .map(|row| row.id)
            .collect(),
    )
}
