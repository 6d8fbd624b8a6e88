//! Helpers for `scripts/bench-search.sh` (see docs/BENCHMARKS.md, "Learnings search").
//!
//! ```text
//! bench_search gen sqlite|postgres SIZE
//!     Makes sure a cached database of SIZE (100k, 1m, or a number such as 20000 or 20k)
//!     generated learnings exists, generating it when it does not (or holds the wrong count),
//!     and prints its DATABASE_URL as the last line on stdout. SQLite files live in
//!     $FORA_BENCH_CACHE (default ~/.cache/fora-bench/learnings-SIZE.db); PostgreSQL databases
//!     are fora_bench_SIZE, created through $PG_ADMIN_URL
//!     (default postgres://postgres@127.0.0.1:5432/postgres).
//!
//! bench_search queries COUNT FILE
//!     Writes COUNT distinct search paths (/learnings?q=…&country=…&…), one per line: a text
//!     query and two filters each, drawn from the same distributions as the data.
//!
//! bench_search bare PORT DATABASE_URL
//!     The baseline: a bare axum handler (no middleware) on 127.0.0.1:PORT that answers every
//!     GET by running the two statements of the search in its query string — built by
//!     `search::facets_statement` and `search::page_statement` from the same parameters —
//!     on a pool opened like the application's (`fora::db::connect`, 4 connections), and
//!     returns the total and the hits as a few lines of plain text.
//!
//! bench_search direct DATABASE_URL FILE CONCURRENCY SECONDS
//!     The same two statements without HTTP: CONCURRENCY tasks run the paths of FILE in turn
//!     for SECONDS; prints requests/s and latency percentiles as `key=value` pairs.
//!
//! bench_search profile DATABASE_URL FILE [LIMIT]
//!     Runs each search of FILE once, one at a time, timing the facet statement and the page
//!     statement separately, grouped by the size of the match set: where the time goes.
//!
//! bench_search explain DATABASE_URL PATH
//!     Prints the plans of both statements for one search (SQLite: EXPLAIN QUERY PLAN;
//!     PostgreSQL: EXPLAIN (ANALYZE, BUFFERS)).
//!
//! For experiments, `direct`, `profile` and `explain` (never `bare`) take
//!     BENCH_VARIANT=facets-in,status-column   rewrites of the two statements (see `variant`)
//!     BENCH_MMAP=BYTES                        SQLite pool with another mmap_size
//! ```
//!
//! The text of the generated learnings comes from real evaluation learnings
//! (/work/shared/data/seed-learnings.csv and /work/shared/seeds/*.txt, or $FORA_BENCH_CORPUS):
//! a word-pair chain over that text, so word frequencies follow its Zipf curve, with topic
//! phrases that fit each learning's sector, intervention and themes (the small corpus lacks
//! most topic words, such as "cocoa" or "birth registration") and a long tail of place names
//! that grows with the size of the collection, as real vocabularies do.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use axum::{
    Router,
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::IntoResponse,
};
use fora::{
    entities::{
        learning_countries, learning_themes,
        learnings::{self, LearningStatus},
        themes,
    },
    library::{
        fields::LearningFields,
        search::{self, Audience, PER_PAGE, Search, SearchParams},
        store,
        taxonomy::{Taxonomy, Vocabulary},
    },
};
use migration::MigratorTrait;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, Statement, TransactionTrait,
};
use time::{Date, OffsetDateTime, Time};

/// Bump when the generated data changes, so cached databases are regenerated.
const GEN_VERSION: i64 = 1;
const PROJECTS: usize = 2_000;
/// Rows per multi-row INSERT and rows per transaction.
const BATCH: usize = 500;
const ROWS_PER_TRANSACTION: usize = 20_000;
const DEFAULT_PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args[i].as_str();
    match (args.get(1).map(String::as_str), args.len()) {
        (Some("gen"), 4) => generate_cached(arg(2), arg(3)).await,
        (Some("queries"), 4) => write_queries(arg(2).parse().context("COUNT")?, arg(3)),
        (Some("bare"), 4) => bare(arg(2), arg(3)).await,
        (Some("direct"), 6) => {
            direct(
                arg(2),
                arg(3),
                arg(4).parse().context("CONCURRENCY")?,
                arg(5).parse().context("SECONDS")?,
            )
            .await
        }
        (Some("profile"), 4 | 5) => {
            let limit = args.get(4).map(|l| l.parse()).transpose()?;
            profile(arg(2), arg(3), limit.unwrap_or(usize::MAX)).await
        }
        (Some("explain"), 4) => explain(arg(2), arg(3)).await,
        _ => {
            eprintln!(
                "usage:\n  bench_search gen sqlite|postgres SIZE\n  bench_search queries COUNT FILE\n  \
                 bench_search bare PORT DATABASE_URL\n  bench_search direct DATABASE_URL FILE CONCURRENCY SECONDS\n  \
                 bench_search profile DATABASE_URL FILE [LIMIT]\n  bench_search explain DATABASE_URL PATH"
            );
            std::process::exit(2);
        }
    }
}

// =============================================================================================
// Randomness: a small deterministic generator, so every run generates the same data.
// =============================================================================================

struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn range(&mut self, low: usize, high_inclusive: usize) -> usize {
        low + self.below(high_inclusive - low + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Items with weights; picks in O(log n).
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T> Weighted<T> {
    fn new(items: Vec<T>, weights: impl IntoIterator<Item = f64>) -> Weighted<T> {
        let mut sum = 0.0;
        let cumulative: Vec<f64> = weights
            .into_iter()
            .map(|w| {
                sum += w;
                sum
            })
            .collect();
        assert_eq!(items.len(), cumulative.len());
        Weighted { items, cumulative }
    }

    /// Weight 1/(rank+1)^s: the first items carry most.
    fn zipf(items: Vec<T>, s: f64) -> Weighted<T> {
        let weights: Vec<f64> = (0..items.len())
            .map(|r| 1.0 / ((r + 1) as f64).powf(s))
            .collect();
        Weighted::new(items, weights)
    }

    fn pick(&self, rng: &mut Rng) -> &T {
        let total = *self.cumulative.last().expect("items");
        let x = rng.f64() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.items[i.min(self.items.len() - 1)]
    }
}

// =============================================================================================
// The shape of the data: countries, vocabularies, themes, topic phrases.
// =============================================================================================

/// Countries where most programmes are, most frequent first (Zipf-weighted).
const FOCUS_COUNTRIES: &[&str] = &[
    "GH", "CI", "IN", "BD", "KE", "UG", "PH", "BR", "PE", "TZ", "ET", "MA", "NP", "PK", "ML", "BF",
    "MW", "ZM", "EG", "ID", "KH", "VN", "BO", "EC", "CO", "PY", "MX", "GT", "HN", "SV", "NI", "DO",
    "HT", "TR", "JO", "LB", "UZ", "SN", "NG", "MG", "LA", "MM", "TH", "LK", "MN",
];
const FRANCOPHONE: &[&str] = &["CI", "MA", "ML", "BF", "HT", "SN", "MG"];
const HISPANOPHONE: &[&str] = &[
    "PE", "BO", "EC", "CO", "PY", "MX", "GT", "HN", "SV", "NI", "DO",
];

/// (code, weight) per vocabulary, as the seeded taxonomy spells the codes.
const EVALUATION_TYPES: &[(&str, f64)] = &[
    ("final", 40.0),
    ("midterm", 30.0),
    ("interim", 12.0),
    ("ex_post", 9.0),
    ("impact", 9.0),
];
const SECTORS: &[&str] = &[
    "agriculture",
    "domestic_work",
    "mining",
    "fishing",
    "manufacturing",
    "street_work",
    "services",
    "construction",
    "sexual_exploitation",
    "armed_conflict",
];
const INTERVENTION_TYPES: &[&str] = &[
    "education",
    "awareness_raising",
    "capacity_building",
    "monitoring",
    "livelihoods",
    "policy_legislation",
    "vocational_training",
    "social_protection",
    "withdrawal",
    "research",
    "social_dialogue",
];
const CYCLE_STAGES: &[(&str, f64)] = &[
    ("implementation", 45.0),
    ("design", 20.0),
    ("phase_out", 12.0),
    ("monitoring", 10.0),
    ("evaluation", 8.0),
    ("start_up", 5.0),
];
const CRITERIA: &[(&str, f64)] = &[
    ("effectiveness", 30.0),
    ("sustainability", 22.0),
    ("relevance", 16.0),
    ("efficiency", 12.0),
    ("coherence_design", 12.0),
    ("impact", 8.0),
];
/// The demo's themes (slug, name), most frequent first.
const THEMES: &[(&str, &str)] = &[
    ("education", "Education and training"),
    ("agriculture", "Agriculture"),
    ("child-domestic-work", "Child domestic work"),
    ("labour-migration", "Labour migration"),
    ("trafficking", "Trafficking"),
    ("forced-labour", "Forced labour"),
];

fn sector_phrases(code: &str) -> &'static [&'static str] {
    match code {
        "agriculture" => &[
            "cocoa",
            "cotton",
            "tobacco",
            "coffee",
            "sugarcane plantations",
            "the harvest",
            "cocoa farms",
            "smallholder farmers",
            "pesticides",
            "farmer cooperatives",
            "hazardous tasks on farms",
            "plantations",
            "rice fields",
            "tea estates",
        ],
        "domestic_work" => &[
            "child domestic workers",
            "employers of domestic workers",
            "households",
            "live-in domestic work",
            "domestic service",
            "host families",
            "domestic workers",
        ],
        "mining" => &[
            "artisanal gold mining",
            "small-scale mining",
            "quarries",
            "mercury",
            "mining sites",
            "stone crushing",
            "mine owners",
        ],
        "fishing" => &[
            "fishing communities",
            "fish processing",
            "fishing boats",
            "lake fisheries",
            "aquaculture",
            "fish traders",
        ],
        "manufacturing" => &[
            "garment factories",
            "carpet weaving",
            "brick kilns",
            "supply chains",
            "subcontractors",
            "home-based work",
            "footwear workshops",
        ],
        "construction" => &["construction sites", "brick making", "building contractors"],
        "street_work" => &[
            "street children",
            "street vending",
            "urban markets",
            "shelters",
            "drop-in centres",
        ],
        "sexual_exploitation" => &[
            "commercial sexual exploitation",
            "survivors",
            "hotlines",
            "the tourism industry",
        ],
        "armed_conflict" => &[
            "child soldiers",
            "armed groups",
            "demobilization",
            "reintegration",
        ],
        _ => &["hotels", "transport", "informal services", "market traders"],
    }
}

fn intervention_phrases(code: &str) -> &'static [&'static str] {
    match code {
        "awareness_raising" => &[
            "awareness campaigns",
            "radio programmes",
            "community meetings",
            "street theatre",
            "awareness-raising sessions",
            "parents",
        ],
        "education" => &[
            "school enrolment",
            "bridging classes",
            "teachers",
            "school feeding",
            "transitional education",
            "school dropout",
            "school kits",
            "non-formal education",
        ],
        "vocational_training" => &[
            "apprenticeships",
            "vocational training",
            "skills training",
            "youth employment",
            "young workers",
            "training centres",
        ],
        "livelihoods" => &[
            "income generating activities",
            "microfinance",
            "savings groups",
            "household income",
            "small grants",
            "cooperatives",
        ],
        "social_protection" => &[
            "cash transfers",
            "birth registration",
            "health insurance",
            "social safety nets",
            "conditional cash transfers",
            "social protection",
        ],
        "policy_legislation" => &[
            "national action plan",
            "hazardous work list",
            "legislation",
            "labour code",
            "minimum age",
            "policy dialogue",
        ],
        "capacity_building" => &[
            "labour inspectors",
            "training of trainers",
            "district officials",
            "labour inspection",
            "government partners",
        ],
        "monitoring" => &[
            "child labour monitoring system",
            "community monitoring committees",
            "referral",
            "tracking",
            "monitoring visits",
            "case management",
        ],
        "withdrawal" => &[
            "withdrawal",
            "rehabilitation",
            "psychosocial support",
            "follow-up visits",
        ],
        "research" => &[
            "baseline survey",
            "rapid assessment",
            "prevalence survey",
            "data collection",
            "research findings",
        ],
        _ => &[
            "trade unions",
            "employers organizations",
            "collective bargaining",
            "tripartite dialogue",
            "workers organizations",
        ],
    }
}

fn theme_phrases(slug: &str) -> &'static [&'static str] {
    match slug {
        "child-domestic-work" => &["domestic work", "domestic workers", "employers"],
        "agriculture" => &["agriculture", "farms", "harvest"],
        "education" => &["education", "schools", "teachers", "school attendance"],
        "trafficking" => &[
            "trafficking",
            "recruitment agencies",
            "border areas",
            "victims",
        ],
        "forced-labour" => &["forced labour", "debt bondage", "forced labor"],
        _ => &[
            "migrant workers",
            "labour migration",
            "remittances",
            "migrants",
        ],
    }
}

const GENERAL_PHRASES: &[&str] = &[
    "child labour",
    "child labor",
    "worst forms of child labour",
    "hazardous work",
    "girls",
    "adolescents",
    "COVID-19",
    "WhatsApp groups",
    "district",
    "villages",
    "communities",
    "local authorities",
    "stakeholders",
    "gender",
    "boys and girls",
    "the ministry of labour",
];

/// What people type into the search box: topic phrases, words and the odd operator.
const SEARCH_TEXTS: &[&str] = &[
    "birth registration",
    "cocoa",
    "school dropout",
    "child domestic workers",
    "labour inspectors",
    "cash transfers",
    "trade unions",
    "whatsapp",
    "girls",
    "migrant workers",
    "sustainability",
    "civil society",
    "monitoring committees",
    "apprenticeships",
    "national action plan",
    "hazardous work",
    "community",
    "training",
    "mercury",
    "fishing",
    "brick kilns",
    "referral",
    "teachers",
    "youth employment",
    "savings groups",
    "baseline survey",
    "covid",
    "employers",
    "social dialogue",
    "awareness campaign",
    "radio",
    "street children",
    "reintegration",
    "knowledge sharing",
    "capacity building",
    "coordination",
    "cotton",
    "tobacco",
    "\"birth registration\"",
    "cocoa OR cotton",
    "school -fees",
    "microfinance",
    "trafficking",
    "forced labour",
    "bridging classes",
    "psychosocial support",
    "case management",
    "school feeding",
    "vocational training",
    "gold mining",
    "child labour monitoring",
    "employers organizations",
    "minimum age",
    "health insurance",
    "garment",
    "quarries",
    "domestic work",
    "ownership",
    "budget",
    "partnerships",
    "evaluation",
    "data collection",
];

// =============================================================================================
// The text source: a word-pair chain over real learnings.
// =============================================================================================

struct Corpus {
    /// Words as they appear (with punctuation), in corpus order.
    tokens: Vec<String>,
    /// For each token, the list (index into `successors`) of tokens that followed its word.
    successor_list: Vec<u32>,
    successors: Vec<Vec<u32>>,
    /// Tokens that begin a sentence.
    starts: Vec<u32>,
    /// Real project titles from the seed file.
    project_titles: Vec<String>,
}

fn key(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn ends_sentence(token: &str) -> bool {
    token.ends_with(['.', '!', '?'])
}

/// Splits CSV text into records of fields (quotes, doubled quotes and newlines in quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

impl Corpus {
    fn load() -> anyhow::Result<Corpus> {
        let root = PathBuf::from(
            std::env::var("FORA_BENCH_CORPUS").unwrap_or_else(|_| "/work/shared".into()),
        );
        let mut paragraphs: Vec<String> = Vec::new();
        let mut project_titles = Vec::new();
        let csv = root.join("data/seed-learnings.csv");
        let text = std::fs::read_to_string(&csv)
            .with_context(|| format!("cannot read {} (set FORA_BENCH_CORPUS)", csv.display()))?;
        for record in parse_csv(&text).into_iter().skip(1) {
            if record.len() >= 2 {
                project_titles.push(record[0].trim().to_string());
                paragraphs.push(record[1].clone());
            }
        }
        let mut seeds: Vec<PathBuf> = std::fs::read_dir(root.join("seeds"))
            .with_context(|| format!("cannot list {}/seeds", root.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        seeds.sort();
        for path in seeds {
            let text = std::fs::read_to_string(&path)?;
            for line in text.lines() {
                // Table markup and link boilerplate of the scraped pages are not prose.
                let line = line
                    .replace("Click here to access the report", "")
                    .replace("Learning Description", "");
                if line.contains('|')
                    || line.contains("http")
                    || line.split_whitespace().count() < 6
                {
                    continue;
                }
                paragraphs.push(line);
            }
        }
        project_titles.sort();
        project_titles.dedup();

        let mut tokens: Vec<String> = Vec::new();
        let mut starts = Vec::new();
        let mut boundary = true;
        for paragraph in &paragraphs {
            for token in paragraph.split_whitespace() {
                if key(token).is_empty() {
                    continue;
                }
                if boundary {
                    starts.push(tokens.len() as u32);
                }
                boundary = ends_sentence(token);
                tokens.push(token.to_string());
            }
            if let Some(last) = tokens.last_mut()
                && !ends_sentence(last)
            {
                last.push('.');
            }
            boundary = true;
        }
        // Successors of each word (by key), across every place it occurs.
        let mut list_of_key: HashMap<String, u32> = HashMap::new();
        let mut successors: Vec<Vec<u32>> = Vec::new();
        let mut successor_list = Vec::with_capacity(tokens.len());
        for token in &tokens {
            let k = key(token);
            let id = *list_of_key.entry(k).or_insert_with(|| {
                successors.push(Vec::new());
                (successors.len() - 1) as u32
            });
            successor_list.push(id);
        }
        for i in 0..tokens.len().saturating_sub(1) {
            if !ends_sentence(&tokens[i]) {
                successors[successor_list[i] as usize].push(i as u32 + 1);
            }
        }
        if tokens.len() < 1_000 {
            bail!("the corpus in {} is too small", root.display());
        }
        Ok(Corpus {
            tokens,
            successor_list,
            successors,
            starts,
            project_titles,
        })
    }

    fn next_token(&self, current: u32, rng: &mut Rng) -> Option<u32> {
        let list = &self.successors[self.successor_list[current as usize] as usize];
        (!list.is_empty()).then(|| list[rng.below(list.len())])
    }
}

/// A learning's topic: what the phrases woven into its text are about.
struct Topic<'a> {
    sector: Option<&'a str>,
    intervention: Option<&'a str>,
    themes: Vec<&'a str>,
}

struct TextGen<'a> {
    corpus: &'a Corpus,
    /// Place names: the long tail of the vocabulary.
    places: Weighted<String>,
}

fn place_names(count: usize, rng: &mut Rng) -> Vec<String> {
    const FIRST: &[&str] = &[
        "ka", "ki", "mb", "ny", "ta", "bo", "sa", "ma", "lu", "ko", "da", "ga", "ba", "na", "pa",
        "tu", "wa", "so", "ha", "ri", "ch", "za", "ke", "mo", "je",
    ];
    const MIDDLE: &[&str] = &[
        "ra", "ni", "la", "wa", "si", "ta", "ku", "mbo", "nde", "ya", "ri", "go", "le", "ma", "pu",
        "te", "zi", "do", "an", "el",
    ];
    const LAST: &[&str] = &[
        "ni", "ra", "po", "ma", "ngo", "li", "ba", "pur", "abad", "ganj", "sso", "ta", "tenango",
        "ville", "kro", "ama", "ala", "ina", "um", "o",
    ];
    let mut seen = HashSet::new();
    let mut names = Vec::with_capacity(count);
    while names.len() < count {
        let mut name = rng.pick(FIRST).to_string();
        for _ in 0..rng.range(0, 2) {
            name.push_str(rng.pick::<&str>(MIDDLE));
        }
        name.push_str(rng.pick::<&str>(LAST));
        if seen.insert(name.clone()) {
            let mut chars = name.chars();
            let first = chars.next().expect("a letter").to_uppercase();
            names.push(first.chain(chars).collect());
        }
    }
    names
}

impl TextGen<'_> {
    fn phrase(&self, topic: &Topic, rng: &mut Rng) -> &'static str {
        let roll = rng.below(10);
        match (roll, topic.sector, topic.intervention) {
            (0..=3, Some(s), _) => rng.pick::<&str>(sector_phrases(s)),
            (4..=6, _, Some(i)) => rng.pick::<&str>(intervention_phrases(i)),
            (7..=8, _, _) if !topic.themes.is_empty() => {
                let theme = *rng.pick(&topic.themes);
                rng.pick::<&str>(theme_phrases(theme))
            }
            _ => rng.pick::<&str>(GENERAL_PHRASES),
        }
    }

    /// One sentence of at most `max_words` words, with topic phrases and place names woven in.
    fn sentence(&self, topic: &Topic, max_words: usize, out: &mut Vec<String>, rng: &mut Rng) {
        let corpus = self.corpus;
        let mut current = *rng.pick(&corpus.starts);
        let start = out.len();
        out.push(corpus.tokens[current as usize].clone());
        while out.len() - start < max_words {
            let roll = rng.f64();
            if roll < 0.05 {
                out.extend(self.phrase(topic, rng).split(' ').map(str::to_string));
                continue;
            }
            if roll < 0.065 {
                out.push(self.places.pick(rng).clone());
                continue;
            }
            if roll < 0.075 {
                out.push(match rng.below(3) {
                    0 => rng.range(2, 600).to_string(),
                    1 => format!("{}%", rng.range(5, 95)),
                    _ => rng.range(2000, 2025).to_string(),
                });
                continue;
            }
            // Mostly the chain; sometimes a jump to a word drawn by its corpus frequency.
            let next = if roll < 0.155 {
                Some(rng.below(corpus.tokens.len()) as u32)
            } else {
                corpus.next_token(current, rng)
            };
            let Some(next) = next else { break };
            current = next;
            let token = &corpus.tokens[current as usize];
            if ends_sentence(token) {
                if out.len() - start >= 6 {
                    out.push(token.clone());
                    return;
                }
                out.push(token.trim_end_matches(['.', '!', '?']).to_string());
            } else {
                out.push(token.clone());
            }
        }
        if let Some(last) = out.last_mut() {
            let trimmed = last.trim_end_matches([',', ';', ':', '.']).to_string();
            *last = format!("{trimmed}.");
        }
    }

    fn description(&self, topic: &Topic, rng: &mut Rng) -> String {
        let target = rng.range(40, 120);
        let mut words: Vec<String> = Vec::with_capacity(target + 40);
        let mut paragraph_breaks = Vec::new();
        while words.len() < target {
            let room = (target - words.len()).max(8);
            self.sentence(topic, room.min(rng.range(12, 32)), &mut words, rng);
            if words.len() > 60 && paragraph_breaks.is_empty() && rng.chance(0.3) {
                paragraph_breaks.push(words.len());
            }
        }
        let mut text = String::with_capacity(words.len() * 7);
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                text.push_str(if paragraph_breaks.contains(&i) {
                    "\n\n"
                } else {
                    " "
                });
            }
            text.push_str(word);
        }
        capitalize(&text)
    }

    fn title(&self, topic: &Topic, rng: &mut Rng) -> String {
        let mut words = Vec::new();
        let phrase = self.phrase(topic, rng);
        words.extend(phrase.split(' ').map(str::to_string));
        let mut rest = Vec::new();
        self.sentence(topic, rng.range(5, 11), &mut rest, rng);
        let glue = rng.pick(&["and", "in", "for", "through", "with", ":"]);
        if *glue == ":" {
            if let Some(last) = words.last_mut() {
                last.push(':');
            }
        } else {
            words.push(glue.to_string());
        }
        words.extend(rest.into_iter().map(|w| w.to_lowercase()));
        let title = words.join(" ");
        capitalize(title.trim_end_matches(['.', ',', ';', ':']))
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// =============================================================================================
// Projects and learnings
// =============================================================================================

struct Project {
    title: String,
    countries: Vec<i32>,
    sector: &'static str,
    second_sector: &'static str,
    /// (evaluation type code, year)
    evaluations: Vec<(&'static str, i32)>,
    language: &'static str,
}

/// Ids of the seeded terms, by vocabulary and code.
struct Ids {
    taxonomy: Taxonomy,
    themes: Vec<i32>,
    all_countries: Vec<i32>,
}

impl Ids {
    fn term(&self, vocabulary: Vocabulary, code: &str) -> i32 {
        self.taxonomy
            .by_code(vocabulary, code)
            .unwrap_or_else(|| panic!("{} {code} is not seeded", vocabulary.name()))
            .id
    }
}

fn country_weights() -> Weighted<&'static str> {
    Weighted::zipf(FOCUS_COUNTRIES.to_vec(), 1.0)
}

fn weighted(pairs: &[(&'static str, f64)]) -> Weighted<&'static str> {
    Weighted::new(
        pairs.iter().map(|p| p.0).collect(),
        pairs.iter().map(|p| p.1),
    )
}

fn projects(corpus: &Corpus, ids: &Ids, rng: &mut Rng) -> Vec<Project> {
    const PREFIXES: &[&str] = &[
        "Project to Reduce",
        "Combating",
        "Eliminating",
        "Towards the Elimination of",
        "Building the Capacity to Combat",
        "Preventing",
        "Addressing",
        "Reducing",
        "Action against",
        "Support to the National Action Plan against",
        "Accelerating Action against",
        "Measurement, Awareness-Raising and Policy Engagement on",
        "Strengthening Responses to",
        "Communities Free of",
    ];
    const GENERAL_TOPICS: &[&str] = &[
        "the Worst Forms of Child Labour",
        "Child Labour and Forced Labour",
        "Child Trafficking",
        "Child Labour through Education",
        "Child Labour and Youth Unemployment",
        "Child Labour in Supply Chains",
    ];
    const PHASES: &[&str] = &[
        "",
        "",
        "",
        "",
        " – Phase II",
        " – Phase III",
        " (Second Phase)",
    ];
    fn sector_topics(sector: &str) -> &'static [&'static str] {
        match sector {
            "agriculture" => &[
                "Child Labour in Cocoa-Growing Communities",
                "Child Labour in Cotton Production",
                "Child Labour in Tobacco Farming",
                "Hazardous Child Labour in Agriculture",
                "Child Labour in Coffee Supply Chains",
                "Child Labour on Sugarcane Plantations",
            ],
            "domestic_work" => &["Child Domestic Work", "Child Labour in Domestic Service"],
            "mining" => &[
                "Child Labour in Artisanal Gold Mining",
                "Child Labour in Small-Scale Mining and Quarrying",
            ],
            "fishing" => &[
                "Child Labour in Fishing Communities",
                "Child Labour in Fish Processing",
            ],
            "manufacturing" => &[
                "Child Labour in Garment Supply Chains",
                "Child Labour in Carpet Weaving",
                "Child Labour in Brick Kilns",
            ],
            "construction" => &["Child Labour in Construction"],
            "street_work" => &[
                "Child Labour among Street Children",
                "Child Labour in Urban Informal Work",
            ],
            "sexual_exploitation" => &["Commercial Sexual Exploitation of Children"],
            "armed_conflict" => &["the Recruitment of Children by Armed Groups"],
            _ => &[
                "Child Labour in the Informal Services Sector",
                "Child Labour in Tourism",
            ],
        }
    }
    let sectors = Weighted::zipf(SECTORS.to_vec(), 1.1);
    let countries = country_weights();
    let evaluation_types = weighted(EVALUATION_TYPES);
    let name_of = |id: i32| ids.taxonomy.term(id).expect("country").label.clone();
    let mut seen = HashSet::new();
    let mut projects = Vec::with_capacity(PROJECTS);
    let mut real_titles = corpus.project_titles.iter();
    while projects.len() < PROJECTS {
        let sector = *sectors.pick(rng);
        let second_sector = *sectors.pick(rng);
        // Most projects work in one focus country; some in several; a few anywhere.
        let roll = rng.f64();
        let mut country_ids: Vec<i32> = if roll < 0.85 {
            vec![ids.term(Vocabulary::Country, countries.pick(rng))]
        } else if roll < 0.95 {
            (0..rng.range(2, 4))
                .map(|_| ids.term(Vocabulary::Country, countries.pick(rng)))
                .collect()
        } else {
            vec![*rng.pick(&ids.all_countries)]
        };
        country_ids.sort_unstable();
        country_ids.dedup();
        let title = match real_titles.next() {
            Some(real) => real.clone(),
            None => {
                let topic = if rng.chance(0.7) {
                    *rng.pick(sector_topics(sector))
                } else {
                    *rng.pick(GENERAL_TOPICS)
                };
                let place = match country_ids.len() {
                    1 => name_of(country_ids[0]),
                    2 => format!(
                        "{} and {}",
                        name_of(country_ids[0]),
                        name_of(country_ids[1])
                    ),
                    _ => rng
                        .pick(&["West Africa", "South Asia", "Latin America", "East Africa"])
                        .to_string(),
                };
                let mut title = format!("{} {topic} in {place}", rng.pick(PREFIXES));
                if rng.chance(0.4) {
                    let acronym: String = title
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w.len() > 3 && w.chars().next().is_some_and(char::is_uppercase))
                        .filter_map(|w| w.chars().next())
                        .take(5)
                        .collect();
                    title.push_str(&format!(" ({acronym})"));
                }
                title.push_str(rng.pick::<&str>(PHASES));
                title
            }
        };
        if !seen.insert(title.clone()) {
            continue;
        }
        let start = rng.range(2000, 2021) as i32;
        let mut evaluations = vec![("midterm", start + rng.range(1, 3) as i32)];
        evaluations.push(("final", start + rng.range(3, 5) as i32));
        for _ in 0..rng.range(0, 2) {
            let kind = *evaluation_types.pick(rng);
            evaluations.push((kind, start + rng.range(0, 6) as i32));
        }
        for evaluation in &mut evaluations {
            evaluation.1 = evaluation.1.min(2025);
        }
        let first_code = ids
            .taxonomy
            .term(country_ids[0])
            .expect("country")
            .code
            .clone();
        let language = if FRANCOPHONE.contains(&first_code.as_str()) && rng.chance(0.5) {
            "fr"
        } else if HISPANOPHONE.contains(&first_code.as_str()) && rng.chance(0.5) {
            "es"
        } else {
            "en"
        };
        projects.push(Project {
            title,
            countries: country_ids,
            sector,
            second_sector,
            evaluations,
            language,
        });
    }
    projects
}

/// Everything needed to write one learning.
struct Row {
    id: i32,
    fields: LearningFields,
    status: LearningStatus,
    at: OffsetDateTime,
}

struct Generator<'a> {
    ids: &'a Ids,
    text: TextGen<'a>,
    projects: Vec<Project>,
    project_weights: Weighted<usize>,
    evaluation_types: Weighted<&'static str>,
    interventions: Weighted<&'static str>,
    stages: Weighted<&'static str>,
    criteria: Weighted<&'static str>,
    themes: Weighted<usize>,
    seen: HashSet<u64>,
}

impl<'a> Generator<'a> {
    fn new(corpus: &'a Corpus, ids: &'a Ids, size: usize, rng: &mut Rng) -> Generator<'a> {
        let projects = projects(corpus, ids, rng);
        // Some projects produce many learnings, most a few; the order is random.
        let mut order: Vec<usize> = (0..projects.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        // A vocabulary's tail grows with the collection (Heaps' law): about 30·√N place names.
        let places = place_names(30 * (size as f64).sqrt() as usize, rng);
        Generator {
            ids,
            text: TextGen {
                corpus,
                places: Weighted::zipf(places, 1.0),
            },
            projects,
            project_weights: Weighted::zipf(order, 0.8),
            evaluation_types: weighted(EVALUATION_TYPES),
            interventions: Weighted::zipf(INTERVENTION_TYPES.to_vec(), 0.9),
            stages: weighted(CYCLE_STAGES),
            criteria: weighted(CRITERIA),
            themes: Weighted::zipf((0..THEMES.len()).collect(), 0.8),
            seen: HashSet::new(),
        }
    }

    fn learning(&mut self, id: i32, rng: &mut Rng) -> Row {
        let ids = self.ids;
        let project = &self.projects[*self.project_weights.pick(rng)];
        let (evaluation, year) = if rng.chance(0.05) {
            (None, None)
        } else {
            let e = *rng.pick(&project.evaluations);
            (Some(e.0), Some(e.1))
        };
        let evaluation =
            evaluation.or_else(|| rng.chance(0.5).then(|| *self.evaluation_types.pick(rng)));
        let year = year.or_else(|| Some(rng.range(2000, 2025) as i32));
        let sector = match rng.below(20) {
            0 => None,
            1..=3 => Some(project.second_sector),
            _ => Some(project.sector),
        };
        let intervention = rng.chance(0.92).then(|| *self.interventions.pick(rng));
        let stage = rng.chance(0.85).then(|| *self.stages.pick(rng));
        let criterion = rng.chance(0.8).then(|| *self.criteria.pick(rng));
        let mut theme_slots = vec![*self.themes.pick(rng)];
        if rng.chance(0.4) {
            theme_slots.push(*self.themes.pick(rng));
        }
        theme_slots.sort_unstable();
        theme_slots.dedup();
        let country_ids = if project.countries.len() > 1 && rng.chance(0.6) {
            vec![*rng.pick(&project.countries)]
        } else {
            project.countries.clone()
        };
        let topic = Topic {
            sector,
            intervention,
            themes: theme_slots.iter().map(|&t| THEMES[t].0).collect(),
        };
        let description = loop {
            let d = self.text.description(&topic, rng);
            // Two identical texts would share a content key (unique); practically never.
            let hash = {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (&project.title, &d).hash(&mut h);
                h.finish()
            };
            if self.seen.insert(hash) {
                break d;
            }
        };
        let title = self.text.title(&topic, rng);
        let learning_type = if rng.chance(0.3) {
            "good_practice"
        } else {
            "lesson_learned"
        };
        let status = match rng.below(100) {
            0..=94 => LearningStatus::Published,
            95..=96 => LearningStatus::InReview,
            97..=98 => LearningStatus::Draft,
            _ => LearningStatus::Retired,
        };
        let day = rng.range(1, 365) as u16;
        let date = Date::from_ordinal_date(year.unwrap_or(2020), day).expect("a day of the year");
        let at = date
            .with_time(
                Time::from_hms(
                    rng.range(7, 18) as u8,
                    rng.below(60) as u8,
                    rng.below(60) as u8,
                )
                .expect("a time"),
            )
            .assume_utc();
        let mut theme_ids: Vec<i32> = theme_slots.iter().map(|&t| ids.themes[t]).collect();
        theme_ids.sort_unstable();
        let mut country_ids = country_ids;
        country_ids.sort_unstable();
        let term = |v, code: Option<&str>| code.map(|c| ids.term(v, c));
        Row {
            id,
            fields: LearningFields {
                external_id: None,
                title,
                description,
                learning_type: learning_type.to_string(),
                project_title: project.title.clone(),
                evaluation_type_id: term(Vocabulary::EvaluationType, evaluation),
                year,
                sector_id: term(Vocabulary::Sector, sector),
                intervention_type_id: term(Vocabulary::InterventionType, intervention),
                cycle_stage_id: term(Vocabulary::CycleStage, stage),
                criterion_id: term(Vocabulary::Criterion, criterion),
                source_url: String::new(),
                language: project.language.to_string(),
                theme_ids,
                country_ids,
            },
            status,
            at,
        }
    }
}

// =============================================================================================
// gen: cached databases
// =============================================================================================

fn parse_size(size: &str) -> anyhow::Result<usize> {
    let lower = size.to_ascii_lowercase();
    let (digits, factor) = if let Some(d) = lower.strip_suffix('k') {
        (d, 1_000)
    } else if let Some(d) = lower.strip_suffix('m') {
        (d, 1_000_000)
    } else {
        (lower.as_str(), 1)
    };
    let n: usize = digits
        .parse()
        .with_context(|| format!("SIZE must be like 100k, 1m or 20000, got {size:?}"))?;
    if n == 0 {
        bail!("SIZE must be positive");
    }
    Ok(n * factor)
}

fn marker(n: usize) -> String {
    format!("fora-bench-search v{GEN_VERSION} n={n}")
}

async fn count_learnings(db: &DatabaseConnection) -> Option<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM learnings",
        ))
        .await
        .ok()??;
    row.try_get::<i64>("", "n").ok()
}

async fn scalar_string(db: &DatabaseConnection, sql: &str) -> Option<String> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .ok()??;
    row.try_get_by_index::<Option<String>>(0).ok().flatten()
}

async fn generate_cached(backend: &str, size: &str) -> anyhow::Result<()> {
    let n = parse_size(size)?;
    let label = size.to_ascii_lowercase();
    let url = match backend {
        "sqlite" => {
            let dir = match std::env::var("FORA_BENCH_CACHE") {
                Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
                _ => {
                    PathBuf::from(std::env::var("HOME").context("HOME")?).join(".cache/fora-bench")
                }
            };
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(format!("learnings-{label}.db"));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            if path.exists() {
                let db = fora::db::connect(&url).await?;
                let version = db
                    .query_one_raw(Statement::from_string(
                        DatabaseBackend::Sqlite,
                        "PRAGMA user_version",
                    ))
                    .await?
                    .and_then(|r| r.try_get_by_index::<i64>(0).ok());
                let count = count_learnings(&db).await;
                db.close().await?;
                if version == Some(GEN_VERSION) && count == Some(n as i64) {
                    eprintln!("bench-search: cached {} ({n} learnings)", path.display());
                    migrate(&url).await?;
                    println!("{url}");
                    return Ok(());
                }
                eprintln!(
                    "bench-search: {} is stale or incomplete (version {version:?}, {count:?} learnings); regenerating",
                    path.display()
                );
            }
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                if file.exists() {
                    std::fs::remove_file(&file)?;
                }
            }
            url
        }
        "postgres" => {
            let admin_url = std::env::var("PG_ADMIN_URL")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| DEFAULT_PG_ADMIN.into());
            let name = format!("fora_bench_{label}");
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!("bad database name {name}");
            }
            let base = admin_url
                .rsplit_once('/')
                .map(|(base, _)| base.to_string())
                .context("PG_ADMIN_URL must end in /DATABASE")?;
            let url = format!("{base}/{name}");
            let admin = Database::connect(&admin_url)
                .await
                .with_context(|| format!("cannot connect to {admin_url}"))?;
            let comment = scalar_string(
                &admin,
                &format!(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'"
                ),
            )
            .await;
            if comment.as_deref() == Some(marker(n).as_str()) {
                let db = Database::connect(&url).await?;
                let count = count_learnings(&db).await;
                db.close().await?;
                if count == Some(n as i64) {
                    eprintln!("bench-search: cached PostgreSQL database {name} ({n} learnings)");
                    migrate(&url).await?;
                    println!("{url}");
                    return Ok(());
                }
            }
            eprintln!("bench-search: creating PostgreSQL database {name}");
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await?;
            url
        }
        other => bail!("backend must be sqlite or postgres, got {other:?}"),
    };

    let started = Instant::now();
    generate(&url, n).await?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "bench-search: generated {n} learnings in {seconds:.1} s ({:.0} learnings/s)",
        n as f64 / seconds
    );
    // Mark the data complete only now, so an interrupted run is redone next time.
    match backend {
        "sqlite" => {
            let db = fora::db::connect(&url).await?;
            db.execute_unprepared(&format!("PRAGMA user_version = {GEN_VERSION}"))
                .await?;
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
            db.close().await?;
        }
        _ => {
            let db = Database::connect(&url).await?;
            let name = url.rsplit('/').next().expect("a name").to_string();
            db.execute_unprepared(&format!("COMMENT ON DATABASE {name} IS '{}'", marker(n)))
                .await?;
            db.close().await?;
        }
    }
    println!("{url}");
    Ok(())
}

async fn migrate(url: &str) -> anyhow::Result<()> {
    let db = fora::db::connect(url).await?;
    migration::Migrator::up(&db, None).await?;
    db.close().await?;
    Ok(())
}

async fn generate(url: &str, n: usize) -> anyhow::Result<()> {
    let db = fora::db::connect(url).await?;
    migration::Migrator::up(&db, None).await?;
    let backend = db.get_database_backend();
    let existing = count_learnings(&db).await.unwrap_or(0);
    if existing != 0 {
        bail!("{url} already holds {existing} learnings");
    }
    // The demo's themes, created as an admin would.
    let now = fora::db::now();
    let mut theme_ids = Vec::new();
    for (slug, name) in THEMES {
        let existing = themes::Entity::find()
            .all(&db)
            .await?
            .into_iter()
            .find(|t| t.slug == *slug);
        let id = match existing {
            Some(t) => t.id,
            None => {
                themes::Entity::insert(themes::ActiveModel {
                    slug: Set(slug.to_string()),
                    name: Set(name.to_string()),
                    description: Set(String::new()),
                    created_at: Set(now),
                    ..Default::default()
                })
                .exec(&db)
                .await?
                .last_insert_id
            }
        };
        theme_ids.push(id);
    }
    let taxonomy = Taxonomy::load(&db).await?;
    let all_countries = taxonomy
        .terms_of(Vocabulary::Country)
        .map(|t| t.id)
        .collect();
    let ids = Ids {
        taxonomy,
        themes: theme_ids,
        all_countries,
    };
    let corpus = Corpus::load()?;
    eprintln!(
        "bench-search: corpus of {} words ({} distinct); generating {n} learnings into {url}",
        corpus.tokens.len(),
        corpus.successors.len()
    );

    // One thread writes the rows (text, facet tokens, rendered HTML) while this one inserts.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<learnings::ActiveModel>>(8);
    let (pair_sender, mut pair_receiver) = tokio::sync::mpsc::channel::<(
        Vec<learning_themes::ActiveModel>,
        Vec<learning_countries::ActiveModel>,
    )>(8);
    let producer = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut rng = Rng(20_261_124);
        let mut generator = Generator::new(&corpus, &ids, n, &mut rng);
        let mut id = 0;
        while id < n {
            let mut rows = Vec::with_capacity(BATCH);
            let mut themes = Vec::new();
            let mut countries = Vec::new();
            for _ in 0..BATCH.min(n - id) {
                id += 1;
                let row = generator.learning(id as i32, &mut rng);
                themes.extend(row.fields.theme_ids.iter().map(|&theme_id| {
                    learning_themes::ActiveModel {
                        learning_id: Set(row.id),
                        theme_id: Set(theme_id),
                    }
                }));
                countries.extend(row.fields.country_ids.iter().map(|&country_id| {
                    learning_countries::ActiveModel {
                        learning_id: Set(row.id),
                        country_id: Set(country_id),
                    }
                }));
                rows.push(active_model(&row));
            }
            if sender.blocking_send(rows).is_err()
                || pair_sender.blocking_send((themes, countries)).is_err()
            {
                break;
            }
        }
        Ok(())
    });

    let mut written = 0usize;
    let mut txn = db.begin().await?;
    let mut in_txn = 0;
    let started = Instant::now();
    while let Some(rows) = receiver.recv().await {
        let (themes, countries) = pair_receiver.recv().await.context("pairs")?;
        let count = rows.len();
        learnings::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        learning_themes::Entity::insert_many(themes)
            .exec_without_returning(&txn)
            .await?;
        // Country rows are fewer than 2·BATCH, well within both backends' parameter limits.
        learning_countries::Entity::insert_many(countries)
            .exec_without_returning(&txn)
            .await?;
        written += count;
        in_txn += count;
        if in_txn >= ROWS_PER_TRANSACTION {
            txn.commit().await?;
            txn = db.begin().await?;
            in_txn = 0;
        }
        if written % 50_000 < count {
            eprintln!(
                "bench-search: {written}/{n} ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    txn.commit().await?;
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the generator thread panicked"))??;
    if written != n {
        bail!("wrote {written} of {n} learnings");
    }
    if backend == DatabaseBackend::Postgres {
        // Explicit ids: move the sequence past them; statistics as autovacuum would leave them.
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('learnings', 'id'), (SELECT MAX(id) FROM learnings))",
        )
        .await?;
        eprintln!("bench-search: VACUUM ANALYZE");
        for table in ["learnings", "learning_themes", "learning_countries"] {
            db.execute_unprepared(&format!("VACUUM ANALYZE {table}"))
                .await?;
        }
    }
    db.close().await?;
    Ok(())
}

fn active_model(row: &Row) -> learnings::ActiveModel {
    let f = &row.fields;
    learnings::ActiveModel {
        id: Set(row.id),
        external_id: Set(f.external_id.clone()),
        content_key: Set(store::content_key(&f.project_title, &f.description)),
        title: Set(f.title.clone()),
        description: Set(f.description.clone()),
        description_html: Set(fora::markdown::render(&f.description)),
        learning_type: Set(f.learning_type.clone()),
        project_title: Set(f.project_title.clone()),
        evaluation_type_id: Set(f.evaluation_type_id),
        year: Set(f.year),
        sector_id: Set(f.sector_id),
        intervention_type_id: Set(f.intervention_type_id),
        cycle_stage_id: Set(f.cycle_stage_id),
        criterion_id: Set(f.criterion_id),
        source_url: Set(f.source_url.clone()),
        language: Set(f.language.clone()),
        status: Set(row.status),
        author_id: Set(None),
        reviewer_id: Set(None),
        // The same tokens the application writes (`store::insert`).
        facet_keys: Set(store::facet_keys(f, row.status)),
        published_at: Set((row.status == LearningStatus::Published).then_some(row.at)),
        created_at: Set(row.at),
        updated_at: Set(row.at),
    }
}

// =============================================================================================
// queries: the rotating set of searches
// =============================================================================================

fn write_queries(count: usize, file: &str) -> anyhow::Result<()> {
    let mut rng = Rng(77_000_123);
    let texts = Weighted::zipf(SEARCH_TEXTS.to_vec(), 0.6);
    let countries = country_weights();
    let evaluation_types = weighted(EVALUATION_TYPES);
    let sectors = Weighted::zipf(SECTORS.to_vec(), 1.1);
    let interventions = Weighted::zipf(INTERVENTION_TYPES.to_vec(), 0.9);
    let themes = Weighted::zipf(THEMES.iter().map(|t| t.0).collect(), 0.8);
    // Which filters people pick, as facet links on the results page.
    let kinds = weighted(&[
        ("country", 30.0),
        ("evaluation_type", 20.0),
        ("sector", 15.0),
        ("type", 10.0),
        ("theme", 10.0),
        ("year", 8.0),
        ("intervention_type", 7.0),
    ]);
    let mut seen = HashSet::new();
    let mut lines = Vec::with_capacity(count);
    let mut attempts = 0;
    while lines.len() < count {
        attempts += 1;
        if attempts > count * 100 {
            bail!("cannot make {count} distinct searches");
        }
        let first = *kinds.pick(&mut rng);
        let mut second = *kinds.pick(&mut rng);
        while second == first {
            second = *kinds.pick(&mut rng);
        }
        let mut params = SearchParams {
            q: texts.pick(&mut rng).to_string(),
            ..SearchParams::default()
        };
        for kind in [first, second] {
            let value = match kind {
                "country" => countries.pick(&mut rng).to_string(),
                "evaluation_type" => evaluation_types.pick(&mut rng).to_string(),
                "sector" => sectors.pick(&mut rng).to_string(),
                "type" => {
                    if rng.chance(0.5) {
                        "good_practice".into()
                    } else {
                        "lesson_learned".into()
                    }
                }
                "theme" => themes.pick(&mut rng).to_string(),
                "year" => rng.range(2005, 2025).to_string(),
                _ => interventions.pick(&mut rng).to_string(),
            };
            let slot = match kind {
                "country" => &mut params.country,
                "evaluation_type" => &mut params.evaluation_type,
                "sector" => &mut params.sector,
                "type" => &mut params.learning_type,
                "theme" => &mut params.theme,
                "year" => &mut params.year,
                _ => &mut params.intervention_type,
            };
            *slot = value;
        }
        if rng.chance(0.05) {
            params.sort = "newest".into();
        }
        if rng.chance(0.1) {
            params.page = "2".into();
        }
        let line = format!("/learnings?{}", params.to_query());
        if seen.insert(line.clone()) {
            lines.push(line);
        }
    }
    std::fs::write(file, lines.join("\n") + "\n")
        .with_context(|| format!("cannot write {file}"))?;
    Ok(())
}

fn read_paths(file: &str) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?;
    let paths: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if paths.is_empty() {
        bail!("{file} holds no paths");
    }
    Ok(paths)
}

fn query_of(path: &str) -> Option<&str> {
    path.split_once('?').map(|(_, q)| q)
}

// =============================================================================================
// The bare search: the two statements, nothing else
// =============================================================================================

struct Bare {
    total: u64,
    hits: Vec<(i32, String, String)>,
    facet_rows: usize,
    /// Time in the facet statement and in the page statement.
    facets_time: Duration,
    page_time: Duration,
}

async fn bare_search(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    query: Option<&str>,
    variants: &[String],
) -> Result<Bare, DbErr> {
    let backend = db.get_database_backend();
    let search = Search::resolve(SearchParams::from_query(query), taxonomy, Audience::Public);
    let started = Instant::now();
    let rows = db
        .query_all_raw(variant(
            search::facets_statement(&search, backend),
            variants,
        ))
        .await?;
    let mut total = 0;
    for row in &rows {
        let facet: String = row.try_get("", "facet")?;
        let _value: Option<String> = row.try_get("", "value")?;
        let n: i64 = row.try_get("", "n")?;
        if facet == "status" {
            total += n as u64;
        }
    }
    let facets_time = started.elapsed();
    let started = Instant::now();
    let mut hits = Vec::new();
    if total > 0 {
        // As `search::run`: the page clamped to the last one.
        let pages = total.div_ceil(PER_PAGE).max(1);
        let page = search.page.min(pages);
        for row in db
            .query_all_raw(variant(
                search::page_statement(&search, backend, (page - 1) * PER_PAGE),
                variants,
            ))
            .await?
        {
            hits.push((
                row.try_get("", "id")?,
                row.try_get("", "title")?,
                row.try_get::<Option<String>>("", "snippet")?
                    .unwrap_or_default(),
            ));
        }
    }
    Ok(Bare {
        total,
        hits,
        facet_rows: rows.len(),
        facets_time,
        page_time: started.elapsed(),
    })
}

async fn bare(port: &str, url: &str) -> anyhow::Result<()> {
    let port: u16 = port.parse().context("PORT must be a number")?;
    let db = fora::db::connect(url).await?;
    let taxonomy = Arc::new(Taxonomy::load(&db).await?);
    let state = (db, taxonomy);
    let app = Router::new()
        .fallback(
            |State((db, taxonomy)): State<(DatabaseConnection, Arc<Taxonomy>)>,
             RawQuery(query): RawQuery| async move {
                match bare_search(&db, &taxonomy, query.as_deref(), &[]).await {
                    Ok(result) => {
                        let mut body = format!("total {}\n", result.total);
                        for (id, title, snippet) in &result.hits {
                            body.push_str(&format!("{id}\t{title}\t{snippet}\n"));
                        }
                        ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
                            .into_response()
                    }
                    Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
                }
            },
        )
        .with_state(state);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!("bare search listening on {addr}");
    axum::serve(listener, app).await?;
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

async fn direct(url: &str, file: &str, concurrency: usize, seconds: f64) -> anyhow::Result<()> {
    let paths = Arc::new(read_paths(file)?);
    let db = connect(url).await?;
    let taxonomy = Arc::new(Taxonomy::load(&db).await?);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..concurrency {
        let (db, taxonomy, paths) = (db.clone(), taxonomy.clone(), paths.clone());
        let variants = variants();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = task * 97;
            while Instant::now() < deadline {
                let path = &paths[i % paths.len()];
                i += 1;
                let t = Instant::now();
                bare_search(&db, &taxonomy, query_of(path), &variants).await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, DbErr>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "requests={} rps={:.1} p50_ms={:.2} p99_ms={:.2}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0)
    );
    Ok(())
}

async fn profile(url: &str, file: &str, limit: usize) -> anyhow::Result<()> {
    let paths = read_paths(file)?;
    let db = connect(url).await?;
    let taxonomy = Taxonomy::load(&db).await?;
    // (upper bound of the match set, label)
    let buckets: [(u64, &str); 5] = [
        (0, "0"),
        (100, "1–100"),
        (1_000, "101–1,000"),
        (10_000, "1,001–10,000"),
        (u64::MAX, "> 10,000"),
    ];
    let mut stats: Vec<(usize, Duration, Duration)> = vec![(0, Duration::ZERO, Duration::ZERO); 5];
    let mut totals = Vec::new();
    let (mut all_facets, mut all_page) = (Duration::ZERO, Duration::ZERO);
    let mut facet_rows = 0;
    let mut hit_count = 0;
    for path in paths.iter().take(limit) {
        let result = bare_search(&db, &taxonomy, query_of(path), &variants()).await?;
        let bucket = buckets
            .iter()
            .position(|(upper, _)| result.total <= *upper)
            .expect("a bucket");
        stats[bucket].0 += 1;
        stats[bucket].1 += result.facets_time;
        stats[bucket].2 += result.page_time;
        all_facets += result.facets_time;
        all_page += result.page_time;
        facet_rows += result.facet_rows;
        hit_count += result.hits.len();
        totals.push(result.total);
    }
    let runs = totals.len().max(1);
    totals.sort_unstable();
    let ms = |d: Duration, n: usize| d.as_secs_f64() * 1000.0 / n.max(1) as f64;
    println!(
        "searches={} median_total={} mean_total={:.0} max_total={} mean_facets_ms={:.2} mean_page_ms={:.2} facet_rows/search={:.0} hits/search={:.1}",
        totals.len(),
        totals.get(totals.len() / 2).copied().unwrap_or(0),
        totals.iter().sum::<u64>() as f64 / runs as f64,
        totals.last().copied().unwrap_or(0),
        ms(all_facets, runs),
        ms(all_page, runs),
        facet_rows as f64 / runs as f64,
        hit_count as f64 / runs as f64,
    );
    println!("| matches | searches | facets (ms, mean) | page (ms, mean) |");
    println!("|---|---:|---:|---:|");
    for ((_, label), (count, facets, page)) in buckets.iter().zip(&stats) {
        if *count > 0 {
            println!(
                "| {label} | {count} | {:.2} | {:.2} |",
                ms(*facets, *count),
                ms(*page, *count)
            );
        }
    }
    Ok(())
}

async fn explain(url: &str, path: &str) -> anyhow::Result<()> {
    let db = connect(url).await?;
    let backend = db.get_database_backend();
    let taxonomy = Taxonomy::load(&db).await?;
    let search = Search::resolve(
        SearchParams::from_query(query_of(path).or(Some(path))),
        &taxonomy,
        Audience::Public,
    );
    let result = bare_search(&db, &taxonomy, query_of(path).or(Some(path)), &variants()).await?;
    println!(
        "{path}: {} matches; facets {:.2} ms, page {:.2} ms",
        result.total,
        result.facets_time.as_secs_f64() * 1000.0,
        result.page_time.as_secs_f64() * 1000.0
    );
    for (name, statement) in [
        (
            "facets",
            variant(search::facets_statement(&search, backend), &variants()),
        ),
        (
            "page",
            variant(search::page_statement(&search, backend, 0), &variants()),
        ),
    ] {
        let prefix = match backend {
            DatabaseBackend::Postgres => "EXPLAIN (ANALYZE, BUFFERS) ",
            _ => "EXPLAIN QUERY PLAN ",
        };
        println!("\n--- {name} ---\n{}\n", statement.sql);
        if let Some(values) = &statement.values {
            println!("values: {:?}\n", values.0);
        }
        let plan = Statement {
            sql: format!("{prefix}{}", statement.sql),
            ..statement
        };
        for row in db.query_all_raw(plan).await? {
            let line = match backend {
                DatabaseBackend::Postgres => row.try_get_by_index::<String>(0)?,
                _ => format!(
                    "{} {} {}",
                    row.try_get_by_index::<i64>(0)?,
                    row.try_get_by_index::<i64>(1)?,
                    row.try_get_by_index::<String>(3)?
                ),
            };
            println!("{line}");
        }
    }
    Ok(())
}

// =============================================================================================
// Variants: rewrites of the two statements, to measure a proposed fix on the same data
// (BENCH_VARIANT=facets-in,status-column for `direct`, `profile` and `explain`; never used by
// `bare`, whose statements are exactly the application's).
// =============================================================================================

fn variants() -> Vec<String> {
    std::env::var("BENCH_VARIANT")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn variant(statement: Statement, variants: &[String]) -> Statement {
    let mut statement = statement;
    for name in variants {
        statement = match name.as_str() {
            "facets-in" => facets_in(statement),
            "status-column" => status_column(statement),
            other => {
                panic!("unknown BENCH_VARIANT {other:?} (facets-in, status-column)")
            }
        };
    }
    statement
}

/// Country and theme counts as `… FROM pairs WHERE learning_id IN (SELECT id FROM m)`: the
/// planner then looks the pairs of each match up by primary key instead of scanning every pair
/// of the table and probing the match set (SQLite picks that when it is `m JOIN pairs`).
fn facets_in(statement: Statement) -> Statement {
    let pattern = regex::Regex::new(
        r"FROM m\s+JOIN (learning_countries|learning_themes) (\w) ON (\w)\.learning_id = m\.id",
    )
    .expect("a regex");
    let sql = pattern
        .replace_all(
            &statement.sql,
            "FROM $1 $2 WHERE $3.learning_id IN (SELECT id FROM m)",
        )
        .into_owned();
    Statement { sql, ..statement }
}

/// The public's "published only" as a column condition instead of the `zqspublished` token in
/// the full-text expression: that token is in 95 % of the rows, so intersecting with it (and,
/// on SQLite, bm25's walk over its doclist) costs in proportion to the whole collection.
fn status_column(statement: Statement) -> Statement {
    let published = fora::library::facets::status(LearningStatus::Published.as_str());
    let Some(values) = statement.values.clone() else {
        return statement;
    };
    let mut values = values.0;
    let mut changed = false;
    for value in values.iter_mut() {
        let sea_orm::Value::String(Some(text)) = value else {
            continue;
        };
        // SQLite: "… AND (facet_keys : (a AND b AND zqspublished))"; PostgreSQL: "a & zqspublished".
        for (separator, suffix) in [(" AND ", "))"), (" & ", "")] {
            let needle = format!("{separator}{published}{suffix}");
            if let Some(kept) = text.strip_suffix(needle.as_str()) {
                *text = format!("{kept}{suffix}");
                changed = true;
            }
        }
    }
    if !changed {
        return statement;
    }
    let sql = match statement.db_backend {
        DatabaseBackend::Postgres => statement.sql.replace(
            "to_tsquery('simple', $2))",
            "to_tsquery('simple', $2)) AND l.status = 'published'",
        ),
        // The unary plus keeps SQLite from driving the query by the (status, published_at)
        // index and probing the full-text index once per published row (minutes).
        _ => statement.sql.replace(
            "WHERE learnings_fts MATCH $1",
            "WHERE learnings_fts MATCH $1 AND +l.status = 'published'",
        ),
    };
    Statement::from_sql_and_values(statement.db_backend, sql, values)
}

/// The application's pool (`fora::db::connect`), or for experiments on SQLite the same
/// settings with another `mmap_size` (BENCH_MMAP=bytes).
async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mmap = std::env::var("BENCH_MMAP").ok().filter(|m| !m.is_empty());
    match mmap {
        Some(bytes) if url.starts_with("sqlite:") => {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            let bytes: u64 = bytes
                .parse()
                .context("BENCH_MMAP must be a number of bytes")?;
            let mut options = sea_orm::ConnectOptions::new(url.to_owned());
            options
                .max_connections(4)
                .min_connections(1)
                .sqlx_logging(false)
                .map_sqlx_sqlite_opts(move |o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                        .pragma("mmap_size", bytes.to_string())
                });
            Ok(Database::connect(options).await?)
        }
        _ => Ok(fora::db::connect(url).await?),
    }
}
