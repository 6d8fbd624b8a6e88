//! The previous search, kept here only to compare against: SQLite FTS5 / PostgreSQL tsvector
//! with facet tokens, as the application ran it before the tantivy engine (commit 0cf6b70,
//! `learnings::search`, `learnings::facets`, `store::facet_keys` and the FTS DDL of
//! migration m20261123_000003). The migration m20261201_000070 drops those structures;
//! `prepare` puts them back into a bench database (never into a real one).
//!
//! The statements are the old ones, built from the search as the application resolves it today
//! (`Search::resolve`): the filters it selects become the old facet tokens.

use fora::{
    entities::learnings::LearningStatus,
    learnings::search::{MARK_END, MARK_START, PER_PAGE, Search, Selected, Sort},
    search::query_text::{Item, TextQuery},
};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};

const PROJECT_FACET_SIZE: i64 = 12;

/// Facet tokens: every filterable value of a learning as one word in the full-text index.
pub mod tokens {
    const PREFIX: &str = "zq";

    pub fn status(status: &str) -> String {
        format!("{PREFIX}s{}", status.replace('_', ""))
    }

    pub fn learning_type(kind: &str) -> String {
        format!("{PREFIX}l{}", kind.replace('_', ""))
    }

    pub fn term(id: i32) -> String {
        format!("{PREFIX}k{id}")
    }

    pub fn theme(id: i32) -> String {
        format!("{PREFIX}h{id}")
    }

    pub fn language(code: &str) -> String {
        format!("{PREFIX}n{}", code.to_ascii_lowercase())
    }

    pub fn year(year: i32) -> String {
        format!("{PREFIX}y{year}")
    }
}

/// `store::facet_keys` of before, computed in SQL from the stored row, its terms and themes
/// (status, type, language, year, the five term columns, countries, themes).
fn fill_facet_keys(backend: DatabaseBackend) -> String {
    let agg = |expr: &str| match backend {
        DatabaseBackend::Postgres => format!("string_agg({expr}, ' ')"),
        _ => format!("group_concat({expr}, ' ')"),
    };
    let cast = |column: &str| match backend {
        DatabaseBackend::Postgres => format!("CAST({column} AS TEXT)"),
        _ => column.to_string(),
    };
    let mut parts = vec![
        "'zqs' || replace(status, '_', '')".to_string(),
        "' zql' || replace(learning_type, '_', '')".to_string(),
        "' zqn' || lower(language)".to_string(),
        format!("COALESCE(' zqy' || {}, '')", cast("year")),
    ];
    for column in [
        "evaluation_type_id",
        "sector_id",
        "intervention_type_id",
        "cycle_stage_id",
        "criterion_id",
    ] {
        parts.push(format!("COALESCE(' zqk' || {}, '')", cast(column)));
    }
    parts.push(format!(
        "COALESCE((SELECT ' ' || {} FROM learning_countries c WHERE c.learning_id = learnings.id), '')",
        agg(&format!("'zqk' || {}", cast("c.country_id")))
    ));
    parts.push(format!(
        "COALESCE((SELECT ' ' || {} FROM learning_themes t WHERE t.learning_id = learnings.id), '')",
        agg(&format!("'zqh' || {}", cast("t.theme_id")))
    ));
    format!("UPDATE learnings SET facet_keys = {}", parts.join(" || "))
}

const SQLITE_FTS: &[&str] = &[
    "CREATE VIRTUAL TABLE learnings_fts USING fts5(
        title, description, project_title, facet_keys,
        content='learnings', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')",
    "INSERT INTO learnings_fts(learnings_fts) VALUES ('rebuild')",
];

const POSTGRES_FTS: &[&str] = &[
    "ALTER TABLE learnings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', project_title), 'B')
        || setweight(to_tsvector('english', description), 'C')
        || to_tsvector('simple', facet_keys)) STORED",
    "CREATE INDEX learnings_search_idx ON learnings USING GIN (search_vector)",
    "VACUUM ANALYZE learnings",
];

async fn exists(db: &impl ConnectionTrait, sql: &str) -> bool {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .ok()
        .flatten()
        .is_some()
}

/// Whether the old search's structures are complete in this database.
pub async fn prepared(db: &impl ConnectionTrait) -> bool {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            exists(
                db,
                "SELECT 1 FROM pg_indexes WHERE indexname = 'learnings_search_idx'",
            )
            .await
        }
        _ => exists(db, "SELECT 1 FROM learnings_fts LIMIT 1").await,
    }
}

/// Adds the old search to a bench database: the `facet_keys` column filled from each
/// learning's fields, then the FTS5 table rebuilt from the rows (SQLite) or the generated
/// tsvector column with its GIN index (PostgreSQL). No triggers: bench data never changes.
pub async fn prepare(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for statement in [
        "DROP TABLE IF EXISTS learnings_fts",
        "DROP INDEX IF EXISTS learnings_search_idx",
    ] {
        db.execute_unprepared(statement).await?;
    }
    if backend == DatabaseBackend::Postgres {
        db.execute_unprepared("ALTER TABLE learnings DROP COLUMN IF EXISTS search_vector")
            .await?;
        db.execute_unprepared("ALTER TABLE learnings DROP COLUMN IF EXISTS facet_keys")
            .await?;
    } else if exists(
        db,
        "SELECT 1 FROM pragma_table_info('learnings') WHERE name = 'facet_keys'",
    )
    .await
    {
        db.execute_unprepared("ALTER TABLE learnings DROP COLUMN facet_keys")
            .await?;
    }
    db.execute_unprepared("ALTER TABLE learnings ADD COLUMN facet_keys TEXT NOT NULL DEFAULT ''")
        .await?;
    db.execute_unprepared(&fill_facet_keys(backend)).await?;
    let statements = match backend {
        DatabaseBackend::Postgres => POSTGRES_FTS,
        _ => SQLITE_FTS,
    };
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    if backend == DatabaseBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}

/// A search as the old statements take it.
pub struct SqlSearch {
    pub text: TextQuery,
    pub tokens: Vec<String>,
    /// A column filter rather than a token (nearly every learning is published).
    pub status: Option<LearningStatus>,
    pub project: Option<String>,
    pub sort: Sort,
    pub page: u64,
}

impl SqlSearch {
    pub fn of(search: &Search) -> SqlSearch {
        let tokens = search
            .selected
            .iter()
            .map(|selected| match selected {
                Selected::Type(kind) => tokens::learning_type(kind),
                Selected::Term(id) => tokens::term(*id),
                Selected::Theme(id) => tokens::theme(*id),
                Selected::Year(year) => tokens::year(*year),
                Selected::Language(code) => tokens::language(code),
            })
            .collect();
        SqlSearch {
            text: search.text.clone(),
            tokens,
            status: search.status,
            project: search.project.clone(),
            sort: search.sort,
            page: search.page,
        }
    }
}

fn item_words(item: &Item) -> (String, bool) {
    match item {
        Item::Word { text, prefix } => (text.clone(), *prefix),
        // Unquoted words joined by punctuation were a phrase in the old parser.
        Item::Phrase(words) | Item::Compound(words) => (words.join(" "), false),
    }
}

/// The query as an FTS5 expression over the text columns, every term a quoted string.
pub fn to_fts5(query: &TextQuery) -> Option<String> {
    if query.groups.is_empty() {
        return None;
    }
    let item = |item: &Item| {
        let (text, prefix) = item_words(item);
        let quoted = format!("\"{}\"", text.replace('"', "\"\""));
        if prefix {
            format!("{quoted} *")
        } else {
            quoted
        }
    };
    let any = |items: &[Item]| {
        format!(
            "({})",
            items.iter().map(item).collect::<Vec<_>>().join(" OR ")
        )
    };
    let mut expression = query
        .groups
        .iter()
        .map(|g| any(g))
        .collect::<Vec<_>>()
        .join(" AND ");
    if !query.excluded.is_empty() {
        expression = format!("({expression}) NOT {}", any(&query.excluded));
    }
    Some(format!(
        "{{title description project_title}} : ({expression})"
    ))
}

/// The query rebuilt for PostgreSQL's `websearch_to_tsquery` from the parsed words only.
pub fn to_websearch(query: &TextQuery) -> Option<String> {
    if query.groups.is_empty() {
        return None;
    }
    let item = |item: &Item| match item {
        Item::Word { text, .. } => text.clone(),
        Item::Phrase(words) | Item::Compound(words) => format!("\"{}\"", words.join(" ")),
    };
    let mut parts: Vec<String> = query
        .groups
        .iter()
        .map(|g| g.iter().map(item).collect::<Vec<_>>().join(" OR "))
        .collect();
    parts.extend(query.excluded.iter().map(|i| format!("-{}", item(i))));
    Some(parts.join(" "))
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

fn matching(search: &SqlSearch, backend: DatabaseBackend) -> Matching {
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
            if let Some(text) = to_websearch(&search.text) {
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
            if let Some(text) = to_fts5(&search.text) {
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
        let p = placeholder(status.as_str().into(), &mut values);
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

/// The facet counts statement: every dimension grouped over one materialized match set.
pub fn facets_statement(search: &SqlSearch, backend: DatabaseBackend) -> Statement {
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

const HIT_COLUMNS: &str = "l.id, l.title, l.project_title, l.learning_type, l.year, l.status, \
                           l.evaluation_type_id, l.published_at";
const NEWEST: &str = "l.published_at IS NULL, l.published_at DESC, l.id DESC";

/// The statement for one page of results, ranked and with snippets.
pub fn page_statement(search: &SqlSearch, backend: DatabaseBackend, offset: u64) -> Statement {
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
