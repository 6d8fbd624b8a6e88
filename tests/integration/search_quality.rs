//! Search quality on a judged set: practitioners' questions in English, French and Spanish
//! (`data/search-judgments/questions.toml`) over the learnings Fora ships (the seed CSV, the
//! demo library) and the real learnings of the seed documents
//! (`data/search-judgments/learnings.json`). Every question goes through the public search page,
//! as a visitor would type it, so this measures whatever engine is behind the page; the
//! arithmetic is `fora::learnings::quality`.

use std::{collections::HashMap, io::Write, time::Duration};

use fora::{
    entities::learnings,
    learnings::quality::{self, Grades, Score},
    transfer::import::{self, Format, Kind, Options, Report},
};
use sea_orm::EntityTrait;
use serde::Deserialize;

use crate::support::TestApp;

/// The floors the judged set must reach (mean over all questions of recall@10 and nDCG@10).
/// Set just below what the tantivy engine (ranked OR matching, stemming by language, spelling
/// variants, synonyms, one combined text field per language with title and project weights
/// for scoring, the question's language preferred, 136 synonym groups) measured on 68
/// questions: recall@10 0.971, nDCG@10 0.929, the same on both databases (the index does not
/// depend on them); 0.966 and 0.926 with the 40 groups before the domain thesaurus; 0.953 and
/// 0.896 before the language preference; with separate fields for matching 0.950 and 0.844.
/// The SQL engine before it measured recall@10 0.279, nDCG@10 0.305 (SQLite FTS5; PostgreSQL
/// 0.301, 0.326).
const RECALL_FLOOR: f64 = 0.95;
const NDCG_FLOOR: f64 = 0.91;

/// The floors of the held-out set (`data/search-judgments/held-out`: 130 more learnings, 45
/// questions), written by a helper that had not seen the engine, its synonyms or the questions
/// above, and not tuned on: what generalises. Its first measurement, before any change it
/// could have guided, was recall@10 0.664, nDCG@10 0.673; with the question's language
/// preferred (chosen on the main set) 0.707 and 0.729; with the domain thesaurus 0.757 and
/// 0.779 (that one is not a blind figure: the thesaurus helper was given examples of
/// concepts that this set's misses had shown).
const HELD_OUT_RECALL_FLOOR: f64 = 0.73;
const HELD_OUT_NDCG_FLOOR: f64 = 0.75;

/// The floors of the blind set (`data/search-judgments/blind`: 120 more learnings, 40
/// questions), written by another helper that had seen neither the engine nor the other sets.
/// Only its means are read when the engine changes, never its questions one by one. First
/// measured, with the language preference, at recall@10 0.731, nDCG@10 0.715; with the domain
/// thesaurus (written before any of this set's results were seen) 0.800 and 0.774.
const BLIND_RECALL_FLOOR: f64 = 0.77;
const BLIND_NDCG_FLOOR: f64 = 0.75;

/// The floors of the second blind set (`data/search-judgments/blind-2`: 120 more learnings, 45
/// questions, 24 of them in words their answers do not use), written by a third helper that had
/// seen neither the engine nor any other set, after the engine's last tuning. Only its means
/// are read. First measured at main 9b1f0ff: recall@10 0.710, nDCG@10 0.662 (questions whose
/// words their answers do not use: 0.589 and 0.517); with the own-language weight at 8, 0.721
/// and 0.671 (its means were read for that choice).
const BLIND_2_RECALL_FLOOR: f64 = 0.70;
const BLIND_2_NDCG_FLOOR: f64 = 0.65;

/// The floors of the third blind set (`data/search-judgments/blind-3`: 120 more learnings, 45
/// questions, 32 of them in words their answers do not use), written on 2026-12-03 by a fourth
/// helper that had seen neither the engine nor any other set. Only its means are read. First
/// measured at main c75772a: recall@10 0.669, nDCG@10 0.584 (questions whose words their
/// answers do not use: 0.591 and 0.491); with question words as stop words and each synonym
/// group counted once (chosen on the held-out and second blind sets) 0.674 and 0.582.
const BLIND_3_RECALL_FLOOR: f64 = 0.65;
const BLIND_3_NDCG_FLOOR: f64 = 0.55;

/// Results that count: the first page a person sees.
const K: usize = 10;

const QUESTIONS: &str = include_str!("../../data/search-judgments/questions.toml");
const FIXTURE: &[u8] = include_bytes!("../../data/search-judgments/learnings.json");
const HELD_OUT_QUESTIONS: &str =
    include_str!("../../data/search-judgments/held-out/questions.toml");
const HELD_OUT_FIXTURE: &[u8] =
    include_bytes!("../../data/search-judgments/held-out/learnings.json");
const BLIND_QUESTIONS: &str = include_str!("../../data/search-judgments/blind/questions.toml");
const BLIND_FIXTURE: &[u8] = include_bytes!("../../data/search-judgments/blind/learnings.json");
const BLIND_2_QUESTIONS: &str = include_str!("../../data/search-judgments/blind-2/questions.toml");
const BLIND_2_FIXTURE: &[u8] = include_bytes!("../../data/search-judgments/blind-2/learnings.json");
const BLIND_3_QUESTIONS: &str = include_str!("../../data/search-judgments/blind-3/questions.toml");
const BLIND_3_FIXTURE: &[u8] = include_bytes!("../../data/search-judgments/blind-3/learnings.json");

/// A set of judged questions: the questions, the learnings they need beside the library Fora
/// ships and the main fixture, and the floors its means must reach.
struct JudgedSet {
    name: &'static str,
    questions: &'static str,
    learnings: Option<(&'static [u8], &'static str)>,
    recall_floor: f64,
    ndcg_floor: f64,
    /// Only the means are shown, never a question's results.
    blind: bool,
}

const MAIN_SET: JudgedSet = JudgedSet {
    name: "judged set",
    questions: QUESTIONS,
    learnings: None,
    recall_floor: RECALL_FLOOR,
    ndcg_floor: NDCG_FLOOR,
    blind: false,
};

const HELD_OUT_SET: JudgedSet = JudgedSet {
    name: "held-out set",
    questions: HELD_OUT_QUESTIONS,
    learnings: Some((HELD_OUT_FIXTURE, "search-judgments/held-out/learnings.json")),
    recall_floor: HELD_OUT_RECALL_FLOOR,
    ndcg_floor: HELD_OUT_NDCG_FLOOR,
    blind: false,
};

const BLIND_SET: JudgedSet = JudgedSet {
    name: "blind set",
    questions: BLIND_QUESTIONS,
    learnings: Some((BLIND_FIXTURE, "search-judgments/blind/learnings.json")),
    recall_floor: BLIND_RECALL_FLOOR,
    ndcg_floor: BLIND_NDCG_FLOOR,
    blind: true,
};

const BLIND_2_SET: JudgedSet = JudgedSet {
    name: "second blind set",
    questions: BLIND_2_QUESTIONS,
    learnings: Some((BLIND_2_FIXTURE, "search-judgments/blind-2/learnings.json")),
    recall_floor: BLIND_2_RECALL_FLOOR,
    ndcg_floor: BLIND_2_NDCG_FLOOR,
    blind: true,
};

const BLIND_3_SET: JudgedSet = JudgedSet {
    name: "third blind set",
    questions: BLIND_3_QUESTIONS,
    learnings: Some((BLIND_3_FIXTURE, "search-judgments/blind-3/learnings.json")),
    recall_floor: BLIND_3_RECALL_FLOOR,
    ndcg_floor: BLIND_3_NDCG_FLOOR,
    blind: true,
};

/// The themes the demo library and the fixture use.
const THEMES: &[&str] = &[
    "child-domestic-work",
    "agriculture",
    "education",
    "trafficking",
    "forced-labour",
    "labour-migration",
];

crate::on_both_databases!(judged_questions_reach_the_floor);
crate::on_both_databases!(held_out_questions_reach_their_floor);
crate::on_both_databases!(blind_questions_reach_their_floor);
crate::on_both_databases!(second_blind_questions_reach_their_floor);
crate::on_both_databases!(third_blind_questions_reach_their_floor);

#[derive(Deserialize)]
struct Judgments {
    question: Vec<Question>,
}

#[derive(Deserialize)]
struct Question {
    id: String,
    lang: String,
    text: String,
    #[serde(default)]
    gap: bool,
    relevant: HashMap<String, u8>,
}

/// Which questions a mean is taken over.
type Selection = dyn Fn(&Question) -> bool;

fn judgments(questions: &str) -> Vec<Question> {
    let judged: Judgments = toml::from_str(questions).expect("questions.toml parses");
    judged.question
}

async fn import(app: &TestApp, format: Format, bytes: &[u8], name: &str) -> Report {
    let options = Options {
        source_name: name.into(),
        ..Options::default()
    };
    let report = import::import(app.db(), Kind::Learnings, format, bytes, &options)
        .await
        .expect("import runs");
    assert!(report.is_clean(), "{name}: {}", report.to_text("en"));
    report
}

/// Learnings are the library as Fora ships it (seed CSV, demo library with its drafts and
/// learnings in review), then the fixture, whose first rows give the seed learnings their ids,
/// then the set's own learnings.
async fn load_library(app: &TestApp, set: &JudgedSet) {
    for slug in THEMES {
        fora::admin::service::create_theme(app.db(), slug, slug)
            .await
            .expect("theme");
    }
    import(
        app,
        Format::Csv,
        fora::demo::SEED_LEARNINGS,
        "seed-learnings.csv",
    )
    .await;
    import(
        app,
        Format::Json,
        fora::demo::DEMO_LIBRARY,
        "demo-library.json",
    )
    .await;
    let fixture = import(
        app,
        Format::Json,
        FIXTURE,
        "search-judgments/learnings.json",
    )
    .await;
    assert_eq!(
        fixture.updated, 10,
        "the fixture's SEED-nn rows are the seed CSV's learnings (same project and text)"
    );
    if let Some((learnings, name)) = set.learnings {
        import(app, Format::Json, learnings, name).await;
    }
}

/// Result ids in page order: the links to `/learnings/{id}` inside the results list
/// (`<ol class="hits">`), each once.
fn result_ids(body: &str) -> Vec<i32> {
    let Some(start) = body.find("class=\"hits\"") else {
        return Vec::new();
    };
    let list = &body[start..];
    let list = &list[..list.find("</ol>").unwrap_or(list.len())];
    let link = regex::Regex::new(r#"href="/learnings/(\d+)""#).expect("regex");
    let mut ids: Vec<i32> = Vec::new();
    for found in link.captures_iter(list) {
        let id = found[1].parse().expect("an id");
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The number after "of" in "Showing 1–10 of N" (the last number in the status line).
fn total_shown(body: &str) -> Option<u64> {
    let start = body.find("class=\"showing\"")?;
    let line = &body[start..];
    let line = &line[..line.find("</p>")?];
    regex::Regex::new(r"\d[\d,.\u{a0}\u{202f} ]*")
        .expect("regex")
        .find_iter(line)
        .last()
        .and_then(|m| {
            m.as_str()
                .replace(|c: char| !c.is_ascii_digit(), "")
                .parse()
                .ok()
        })
}

struct Visitor {
    base: String,
    http: reqwest::Client,
}

impl Visitor {
    /// The page a visitor reading in `lang` gets for `query`.
    async fn page(&self, lang: &str, query: &[(&str, &str)]) -> String {
        let response = self
            .http
            .get(format!("{}/learnings", self.base))
            .query(query)
            .header("Accept-Language", lang)
            .send()
            .await
            .expect("GET /learnings");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, 200, "GET /learnings {query:?}: {body}");
        body
    }

    /// The first `K` result ids for a question, across pages if a page holds fewer.
    async fn ranked(&self, lang: &str, text: &str) -> Vec<i32> {
        let mut ids: Vec<i32> = Vec::new();
        for page in 1..=K {
            let page = page.to_string();
            let body = self.page(lang, &[("q", text), ("page", &page)]).await;
            let before = ids.len();
            for id in result_ids(&body) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            if ids.len() >= K || ids.len() == before {
                break;
            }
        }
        ids.truncate(K);
        ids
    }
}

/// Writes past the test harness's capture, so the figures show in every run.
fn announce(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

async fn judged_questions_reach_the_floor(app: TestApp) {
    measure(app, &MAIN_SET).await;
}

async fn held_out_questions_reach_their_floor(app: TestApp) {
    measure(app, &HELD_OUT_SET).await;
}

async fn blind_questions_reach_their_floor(app: TestApp) {
    measure(app, &BLIND_SET).await;
}

async fn second_blind_questions_reach_their_floor(app: TestApp) {
    measure(app, &BLIND_2_SET).await;
}

async fn third_blind_questions_reach_their_floor(app: TestApp) {
    measure(app, &BLIND_3_SET).await;
}

async fn measure(app: TestApp, set: &JudgedSet) {
    let questions = judgments(set.questions);
    load_library(&app, set).await;
    let stored = learnings::Entity::find().all(app.db()).await.expect("db");
    let by_external: HashMap<String, &learnings::Model> = stored
        .iter()
        .filter_map(|l| l.external_id.clone().map(|e| (e, l)))
        .collect();
    let external_of: HashMap<i32, String> =
        by_external.iter().map(|(e, l)| (l.id, e.clone())).collect();
    let published = stored
        .iter()
        .filter(|l| l.status.as_str() == "published")
        .count() as u64;
    // The judgments name published learnings in the question's own language.
    for q in &questions {
        assert!(!q.relevant.is_empty(), "{}: no relevant learning", q.id);
        for (external, grade) in &q.relevant {
            let learning = by_external
                .get(external)
                .unwrap_or_else(|| panic!("{}: unknown learning {external}", q.id));
            assert_eq!(
                learning.status.as_str(),
                "published",
                "{}: {external}",
                q.id
            );
            assert_eq!(learning.language, q.lang, "{}: {external}", q.id);
            assert!(
                (1..=2).contains(grade),
                "{}: {external} grade {grade}",
                q.id
            );
        }
    }

    let visitor = Visitor {
        base: app.base.clone(),
        http: reqwest::Client::new(),
    };
    // An engine may index in the background: wait until the whole library is searchable.
    let mut waited = Duration::ZERO;
    loop {
        let listing = visitor.page("en", &[]).await;
        let last = visitor
            .ranked(
                "en",
                "Aprovechar las experiencias y programas existentes de la OIT",
            )
            .await;
        let indexed = last
            .iter()
            .any(|id| external_of.get(id).map(String::as_str) == Some("ES-05"));
        if total_shown(&listing) == Some(published) && indexed {
            break;
        }
        assert!(
            waited < Duration::from_secs(30),
            "the library did not become searchable: {:?} of {published} listed",
            total_shown(&listing)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        waited += Duration::from_millis(200);
    }

    let mut scores: Vec<(&Question, Score, Vec<String>)> = Vec::new();
    for q in &questions {
        let ranked: Vec<String> = visitor
            .ranked(&q.lang, &q.text)
            .await
            .into_iter()
            .map(|id| external_of.get(&id).cloned().unwrap_or(format!("#{id}")))
            .collect();
        let grades: Grades = q.relevant.clone();
        let score = quality::score(&ranked, &grades, K);
        scores.push((q, score, ranked));
    }

    let mean_of = |keep: &Selection| {
        let chosen: Vec<Score> = scores
            .iter()
            .filter(|(q, _, _)| keep(q))
            .map(|(_, s, _)| s.clone())
            .collect();
        (chosen.len(), quality::mean(&chosen))
    };
    let (count, (recall, ndcg)) = mean_of(&|_| true);
    let backend = if app.database_url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    announce(&format!(
        "search quality, {} ({backend}): {count} questions, recall@{K} {recall:.3}, nDCG@{K} {ndcg:.3}",
        set.name
    ));
    let groups: [(&str, &Selection); 5] = [
        ("en", &|q| q.lang == "en"),
        ("fr", &|q| q.lang == "fr"),
        ("es", &|q| q.lang == "es"),
        ("words in the answers", &|q| !q.gap),
        ("words not in the answers", &|q| q.gap),
    ];
    for (name, keep) in groups {
        let (n, (r, g)) = mean_of(keep);
        announce(&format!(
            "  {name}: {n} questions, recall@{K} {r:.3}, nDCG@{K} {g:.3}"
        ));
    }
    // Per question, worst first (shown with --nocapture, or when the floor fails).
    scores.sort_by(|a, b| a.1.ndcg.total_cmp(&b.1.ndcg).then(a.0.id.cmp(&b.0.id)));
    for (q, score, ranked) in scores.iter().filter(|_| !set.blind) {
        if score.missed.is_empty() && score.ndcg > 0.999 {
            continue;
        }
        let missed: Vec<String> = score
            .missed
            .iter()
            .map(|(id, grade)| format!("{id}({grade})"))
            .collect();
        println!(
            "{} recall {:.2} nDCG {:.2} {:?}: missed [{}]; top: [{}]",
            q.id,
            score.recall,
            score.ndcg,
            q.text,
            missed.join(", "),
            ranked.join(", ")
        );
    }
    let (recall_floor, ndcg_floor) = (set.recall_floor, set.ndcg_floor);
    assert!(
        recall >= recall_floor && ndcg >= ndcg_floor,
        "{} ({backend}): recall@{K} {recall:.3} (floor {recall_floor}), nDCG@{K} {ndcg:.3} (floor {ndcg_floor})",
        set.name
    );
}

#[test]
fn the_judged_sets_are_large_and_in_three_languages() {
    for set in [MAIN_SET, HELD_OUT_SET, BLIND_SET, BLIND_2_SET, BLIND_3_SET] {
        let questions = judgments(set.questions);
        let in_lang = |lang: &str| questions.iter().filter(|q| q.lang == lang).count();
        assert!(questions.len() >= 40, "{} questions", questions.len());
        assert!(in_lang("fr") >= 5 && in_lang("es") >= 5);
        let gaps = questions.iter().filter(|q| q.gap).count();
        assert!(
            gaps * 3 >= questions.len(),
            "{gaps} questions of words not in the answers"
        );
        let mut ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), questions.len(), "question ids are unique");
    }
}

#[test]
fn result_links_are_read_in_order_from_the_results_list() {
    let body = r#"<nav><a href="/learnings/99">menu</a></nav>
        <p class="showing" role="status">Showing 1–2 of 1,234</p>
        <ol class="hits" start="1">
          <li class="hit"><h2><a href="/learnings/7">A</a></h2>
            <p class="project"><a href="/learnings?project=x">P</a></p></li>
          <li class="hit"><h2><a href="/learnings/3">B</a></h2><a href="/learnings/7">again</a></li>
        </ol><aside><a href="/learnings/5">related</a></aside>"#;
    assert_eq!(result_ids(body), vec![7, 3]);
    assert_eq!(total_shown(body), Some(1234));
    assert_eq!(result_ids("<p>No learnings match</p>"), Vec::<i32>::new());
}
