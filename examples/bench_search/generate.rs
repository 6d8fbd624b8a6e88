//! Projects and learnings: what one generated learning holds.

use std::collections::HashSet;

use fora::{
    entities::learnings::LearningStatus,
    learnings::fields::LearningFields,
    taxonomy::{Taxonomy, Vocabulary},
};
use time::{Date, OffsetDateTime, Time};

use crate::{
    corpus::Corpus,
    rng::{Rng, Weighted},
    shape::{
        CRITERIA, CYCLE_STAGES, EVALUATION_TYPES, FRANCOPHONE, HISPANOPHONE, INTERVENTION_TYPES,
        SECTORS, THEMES, country_weights, weighted,
    },
    text::{TextGen, Topic, place_names},
};

const PROJECTS: usize = 2_000;

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
pub struct Ids {
    pub taxonomy: Taxonomy,
    pub themes: Vec<i32>,
    pub all_countries: Vec<i32>,
}

impl Ids {
    pub fn term(&self, vocabulary: Vocabulary, code: &str) -> i32 {
        self.taxonomy
            .by_code(vocabulary, code)
            .unwrap_or_else(|| panic!("{} {code} is not seeded", vocabulary.name()))
            .id
    }
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
    let name_of = |id: i32| {
        ids.taxonomy
            .term(id)
            .expect("country")
            .label("en")
            .to_string()
    };
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
pub struct Row {
    pub id: i32,
    pub fields: LearningFields,
    pub status: LearningStatus,
    pub at: OffsetDateTime,
}

pub struct Generator<'a> {
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
    pub fn new(corpus: &'a Corpus, ids: &'a Ids, size: usize, rng: &mut Rng) -> Generator<'a> {
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

    pub fn learning(&mut self, id: i32, rng: &mut Rng) -> Row {
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
