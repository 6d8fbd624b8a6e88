//! Searching learnings: the query string as typed, resolved against the taxonomy into filters,
//! then asked of the search index (`crate::search`): exact total and facet counts over every
//! match and one ranked page, whose rows are then read from the database.

use std::{collections::HashMap, sync::Arc};

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};
use time::OffsetDateTime;

use crate::{
    cache::EpochCache,
    entities::learnings::{LANGUAGES, LEARNING_TYPES, LearningStatus},
    search::{
        Availability, SearchError,
        collect::Counts,
        documents,
        engine::{Ranking, marked},
        page::Results,
        query::Filter,
        query_text::{self, TextQuery},
        schema::{Fields, Kind, code_of},
        spelling::{self, Spelling},
    },
    taxonomy::{Taxonomy, Translated, Vocabulary},
    web::AppState,
    web::paging::page_number,
    web::query::read_lenient,
};

pub const PER_PAGE: u64 = 10;
/// Highlight markers from the Private Use Area: they cannot come from escaped text, so the
/// view can escape everything and then turn exactly these into `<mark>`.
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';
const PROJECT_FACET_SIZE: usize = 12;

/// The query parameters of `/learnings` and `/api/v1/learnings`, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SearchParams {
    pub q: String,
    /// `1`: search the words as typed, none corrected.
    pub typed: String,
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

/// Every query parameter of a learnings search, in the order links write them.
pub const PARAMS: [&str; 16] = [
    "q",
    "typed",
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
];

/// The parameters anyone may use: all but `status` (knowledge managers only).
pub const PUBLIC_PARAMS: [&str; 15] = crate::web::query::without(PARAMS, "status");

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
            "typed" => &mut self.typed,
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
            "typed" => &self.typed,
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
        self.query_with(|param| match param {
            _ if param == name => value,
            "page" => "",
            _ => self.get(param),
        })
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
        self.query_with(|name| self.get(name))
    }

    /// The query string of the values `value_of` gives each parameter, the empty ones left
    /// out. A results page makes one per facet value: nothing is copied to make it.
    fn query_with<'v>(&'v self, value_of: impl Fn(&'static str) -> &'v str) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for name in PARAMS {
            let value = value_of(name).trim();
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
    /// A term's or theme's name in each language; the value as typed for the others (a year,
    /// a project), and the code for those the pages name from the catalogue (type, language,
    /// status).
    pub label: Translated,
}

/// A filter value chosen by the searcher, resolved against the taxonomy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selected {
    Type(String),
    Term(i32),
    Theme(i32),
    Year(i32),
    Language(String),
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
    /// The filters chosen from the facets (every filter except status and project).
    pub selected: Vec<Selected>,
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
        let mut text = TextQuery::parse(&params.q);
        text.as_typed = query_text::as_typed(&mut params.typed);
        let mut notices = Vec::new();
        if cut.is_some() || text.shortened {
            notices.push(Notice::Shortened);
        }
        let mut left_out: Vec<&'static str> = Vec::new();
        if text.only_exclusions {
            notices.push(Notice::OnlyExclusions);
        }
        let mut selected = Vec::new();
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
                selected.push(Selected::Type(kind.to_string()));
                filters.push(ActiveFilter {
                    param: "type",
                    code: kind.to_string(),
                    label: kind.to_string().into(),
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
                    selected.push(Selected::Term(term.id));
                    filters.push(ActiveFilter {
                        param,
                        code: term.code.clone(),
                        label: term.labels.clone(),
                    });
                }
                None => unknown(param, value),
            }
        }
        let theme = params.theme.trim();
        if !theme.is_empty() {
            match taxonomy.theme_by_slug(theme) {
                Some(t) => {
                    selected.push(Selected::Theme(t.id));
                    filters.push(ActiveFilter {
                        param: "theme",
                        code: t.slug.clone(),
                        label: t.names.clone(),
                    });
                }
                None => unknown("theme", theme),
            }
        }
        let year = params.year.trim();
        if !year.is_empty() {
            match year.parse::<i32>() {
                Ok(y) if (1000..=9999).contains(&y) => {
                    selected.push(Selected::Year(y));
                    filters.push(ActiveFilter {
                        param: "year",
                        code: y.to_string(),
                        label: y.to_string().into(),
                    });
                }
                _ => unknown("year", year),
            }
        }
        let language = params.language.trim().to_ascii_lowercase();
        if !language.is_empty() {
            if super::fields::LANGUAGES.contains(&language.as_str()) {
                selected.push(Selected::Language(language.clone()));
                filters.push(ActiveFilter {
                    param: "language",
                    code: language.clone(),
                    label: language.clone().into(),
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
                        label: status.to_string().into(),
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
                label: p.clone().into(),
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
            selected,
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
    pub language: String,
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
    /// How words no learning held were read.
    pub spelling: Spelling,
}

impl Outcome {
    /// How many of the learnings found are in `lang`, when some but not all are: what the
    /// one-click "only in my language" filter would leave.
    pub fn in_language(&self, lang: &str) -> Option<u64> {
        self.facets
            .get("language")?
            .iter()
            .find(|count| count.value == lang)
            .map(|count| count.count)
            .filter(|count| *count > 0 && *count < self.total)
    }

    /// Nothing found (what pages show while the index is being rebuilt).
    pub fn empty() -> Outcome {
        Outcome {
            total: 0,
            page: 1,
            pages: 1,
            hits: Vec::new(),
            facets: HashMap::new(),
            spelling: Spelling::AsTyped,
        }
    }

    /// "Showing 11–20 of 1,191": the 1-based positions of the first and last hit shown.
    pub fn range(&self) -> (u64, u64) {
        if self.hits.is_empty() {
            return (0, 0);
        }
        let first = (self.page - 1) * PER_PAGE + 1;
        (first, first + self.hits.len() as u64 - 1)
    }
}

/// The filters of a search as the index knows them.
pub fn index_filters(search: &Search, fields: &Fields) -> Vec<Filter> {
    let mut out: Vec<Filter> = search
        .selected
        .iter()
        .filter_map(|selected| {
            Some(match selected {
                Selected::Type(kind) => {
                    Filter::Number(fields.learning_type, code_of(&LEARNING_TYPES, kind)?)
                }
                Selected::Term(id) => Filter::Number(fields.terms, u64::try_from(*id).ok()?),
                Selected::Theme(id) => Filter::Number(fields.themes, u64::try_from(*id).ok()?),
                Selected::Year(year) => Filter::Number(fields.year, u64::try_from(*year).ok()?),
                Selected::Language(code) => {
                    Filter::Number(fields.language, code_of(&LANGUAGES, code)?)
                }
            })
        })
        .collect();
    if let Some(status) = search.status {
        out.push(Filter::Number(
            fields.status,
            documents::status_code(status),
        ));
    }
    if let Some(project) = &search.project {
        out.push(Filter::Text(fields.project_exact, project.clone()));
    }
    out
}

fn facets_of(counts: Counts) -> HashMap<String, Vec<FacetCount>> {
    let mut facets: HashMap<String, Vec<FacetCount>> = HashMap::new();
    for (name, values) in counts.numbers {
        let list = facets.entry(name.to_string()).or_default();
        for (value, count) in values {
            let value = match name {
                "status" => match documents::status_of(value) {
                    Some(status) => status.as_str().to_string(),
                    None => continue,
                },
                "type" => match LEARNING_TYPES.get(value as usize) {
                    Some(kind) => (*kind).to_string(),
                    None => continue,
                },
                "language" => match LANGUAGES.get(value as usize) {
                    Some(code) => (*code).to_string(),
                    None => continue,
                },
                _ => value.to_string(),
            };
            list.push(FacetCount { value, count });
        }
    }
    let mut projects: Vec<(Arc<str>, u64)> = counts.projects.into_iter().collect();
    projects.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    projects.truncate(PROJECT_FACET_SIZE);
    facets.insert(
        "project".to_string(),
        projects
            .into_iter()
            .map(|(value, count)| FacetCount {
                value: value.to_string(),
                count,
            })
            .collect(),
    );
    for counts in facets.values_mut() {
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    }
    facets.retain(|_, counts| !counts.is_empty());
    facets
}

#[derive(FromQueryResult)]
struct HitRow {
    id: i32,
    title: String,
    description: String,
    project_title: String,
    learning_type: String,
    year: Option<i32>,
    status: LearningStatus,
    evaluation_type_id: Option<i32>,
    published_at: Option<OffsetDateTime>,
    language: String,
}

/// The rows of the hits, in the order the engine ranked them. A row whose status no longer
/// lets this audience see it (the index has not caught up with a change that very instant) is
/// left out rather than shown.
async fn hit_rows(
    db: &impl ConnectionTrait,
    ids: &[i32],
    search: &Search,
) -> Result<Vec<HitRow>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    let rows = HitRow::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        format!(
            "SELECT id, title, description, project_title, learning_type, year, status, \
             evaluation_type_id, published_at, language FROM learnings WHERE id IN ({list})"
        ),
    ))
    .all(db)
    .await?;
    let mut by_id: HashMap<i32, HitRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .filter(|row| search.status.is_none_or(|status| row.status == status))
        .collect())
}

/// What a search found, or that the index is being rebuilt and cannot answer yet.
pub enum Answer {
    Found(Outcome),
    Rebuilding,
}

/// Runs a search: exact total and facet counts over every match, and the page asked for
/// (clamped to the last one), with highlighted snippets.
pub async fn run(state: &AppState, search: &Search) -> Result<Answer, SearchError> {
    find(state, search, search.page, PER_PAGE).await
}

async fn find(
    state: &AppState,
    search: &Search,
    page: u64,
    per_page: u64,
) -> Result<Answer, SearchError> {
    let ranking = match search.sort {
        Sort::Relevance => Ranking::Relevance,
        Sort::Newest => Ranking::Newest,
    };
    let Some(Results {
        engine,
        searcher,
        question,
        found,
        page,
        pages,
        spelling,
    }) = state
        .search
        .page(
            Kind::Learning,
            &search.text,
            |fields| index_filters(search, fields),
            ranking,
            page,
            per_page,
        )
        .await?
    else {
        return Ok(Answer::Rebuilding);
    };
    let total = found.counts.total;
    let rows = hit_rows(&state.db, &found.ids, search).await?;
    let mut highlighters: HashMap<String, Option<tantivy::snippet::SnippetGenerator>> =
        HashMap::new();
    let hits = rows
        .into_iter()
        .map(|row| {
            // Snippets quote the words, never the Markdown syntax around them.
            let description = crate::markdown::words(&row.description, SNIPPET_SOURCE_BUDGET);
            let snippet = match &question {
                Some(question) => highlighters
                    .entry(row.language.clone())
                    .or_insert_with(|| engine.highlighter(&searcher, &**question, &row.language))
                    .as_ref()
                    .map(|generator| generator.snippet(&description))
                    .filter(|snippet| !snippet.highlighted().is_empty())
                    .map(|snippet| marked(&snippet, description.len(), MARK_START, MARK_END)),
                None => None,
            }
            .map(|marked| flat(&marked))
            .unwrap_or_else(|| {
                crate::markdown::summary::after_title(&row.title, &row.description, 300)
            });
            Hit {
                id: row.id,
                title: row.title,
                project_title: row.project_title,
                learning_type: row.learning_type,
                year: row.year,
                status: row.status,
                evaluation_type_id: row.evaluation_type_id,
                published_at: row.published_at,
                snippet,
                language: row.language,
            }
        })
        .collect();
    Ok(Answer::Found(Outcome {
        total,
        page,
        pages,
        hits,
        facets: facets_of(found.counts),
        spelling,
    }))
}

/// How much of a description snippets are drawn from: more than any snippet shows, less
/// than the longest descriptions, so one long learning cannot slow a page of results.
const SNIPPET_SOURCE_BUDGET: usize = 20_000;

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits the term facets (counted together by id) into their vocabularies: (code, label in
/// `lang`, count), the most frequent first and equal counts by label.
pub fn facets_by_vocabulary(
    outcome: &Outcome,
    taxonomy: &Taxonomy,
    lang: &str,
) -> HashMap<Vocabulary, Vec<(String, String, u64)>> {
    let mut out: HashMap<Vocabulary, Vec<(String, String, u64)>> = HashMap::new();
    for count in outcome.facets.get("term").into_iter().flatten() {
        let Some(term) = count.value.parse().ok().and_then(|id| taxonomy.term(id)) else {
            continue;
        };
        out.entry(term.vocabulary).or_default().push((
            term.code.clone(),
            term.label(lang).to_string(),
            count.count,
        ));
    }
    for values in out.values_mut() {
        sort_facet(values, |(_, label, count)| (*count, label.as_str()));
    }
    out
}

/// Facet values the most frequent first, equal counts by their label as the reader sees it
/// (without regard to case and accents: "Égypte" before "Kenya").
pub fn sort_facet<T>(values: &mut [T], key: impl Fn(&T) -> (u64, &str)) {
    values.sort_by_cached_key(|value| {
        let (count, label) = key(value);
        (
            std::cmp::Reverse(count),
            crate::taxonomy::labels::folded(label),
            label.to_string(),
        )
    });
}

/// Unfiltered learnings listings (facets over the whole library are the costly part), keyed by
/// the search index's change-log position too, so that a change made by another process (an
/// import from the command line) is never hidden by an entry.
pub struct ListingCache(EpochCache<(Audience, Sort, u64, i64), Arc<Outcome>>);

impl Default for ListingCache {
    fn default() -> Self {
        Self(EpochCache::new(200))
    }
}

/// Runs a search, from the cache when it is an unfiltered listing (the landing page, and the
/// page everyone opens first) and nothing has changed since it was loaded.
pub async fn run_cached(
    state: &AppState,
    search: &Search,
) -> Result<Option<Arc<Outcome>>, SearchError> {
    let found = |answer: Answer| match answer {
        Answer::Found(outcome) => Some(Arc::new(outcome)),
        Answer::Rebuilding => None,
    };
    if !search.is_listing() {
        return Ok(found(run(state, search).await?));
    }
    let Availability::Ready(engine) = state.search.ready().await? else {
        return Ok(None);
    };
    let key = (search.audience, search.sort, search.page, engine.position());
    let epoch = state.caches.epoch();
    let listings = &state.caches.feature::<ListingCache>().0;
    if let Some(outcome) = listings.get(&key, epoch).await {
        return Ok(Some(outcome));
    }
    let Some(outcome) = found(run(state, search).await?) else {
        return Ok(None);
    };
    listings.insert(key, epoch, outcome.clone()).await;
    Ok(Some(outcome))
}

/// The newest learnings a search matches: what feeds follow.
pub struct Newest {
    pub ids: Vec<i32>,
    /// The question searched: as typed, or with its slips corrected when as typed it found
    /// nothing (`spelling`).
    pub question: String,
}

/// At most `limit` matching learnings, newest first, whatever the search's sort. The same
/// matching (and so the same audience rule) as `run`.
pub async fn newest_ids(
    state: &AppState,
    search: &Search,
    limit: u64,
) -> Result<Option<Newest>, SearchError> {
    let mut newest = search.clone();
    newest.sort = Sort::Newest;
    Ok(match find(state, &newest, 1, limit.max(1)).await? {
        Answer::Found(outcome) => {
            let typed = search.params.q.trim();
            let question = match &outcome.spelling {
                Spelling::Corrected(corrections) => spelling::searched(typed, corrections),
                Spelling::AsTyped | Spelling::Offered(_) => typed.to_string(),
            };
            Some(Newest {
                ids: outcome.hits.into_iter().map(|hit| hit.id).collect(),
                question,
            })
        }
        Answer::Rebuilding => None,
    })
}
