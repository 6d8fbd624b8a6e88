//! The fields of a learning as people and files supply them, and the rules that turn them into
//! something storable. The web form, the importers and the API share these rules, so a learning
//! is valid the same way wherever it comes from.

use serde::{Deserialize, Serialize};

use crate::{
    taxonomy::{Taxonomy, Vocabulary},
    web::forms::{self, FieldProblem},
};

pub use crate::entities::learnings::{LANGUAGES, LEARNING_TYPES};
/// The orders of a learnings listing.
pub const SORTS: [&str; 2] = ["relevance", "newest"];
pub const TITLE_MAX: usize = 300;
pub const PROJECT_MAX: usize = 500;
pub const EXTERNAL_ID_MAX: usize = 100;
pub const URL_MAX: usize = 2_000;

/// A learning as typed or imported: every field optional text. Lists (countries, themes) are
/// separated by `;` or `,` (and countries by new lines too: see [`countries`]).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RawLearning {
    pub external_id: String,
    pub title: String,
    pub description: String,
    #[serde(rename = "type", alias = "learning_type")]
    pub learning_type: String,
    pub project_title: String,
    pub evaluation_type: String,
    pub year: String,
    pub countries: String,
    pub themes: String,
    pub sector: String,
    pub intervention_type: String,
    pub cycle_stage: String,
    pub criterion: String,
    pub source_url: String,
    pub language: String,
}

/// A learning ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearningFields {
    pub external_id: Option<String>,
    pub title: String,
    pub description: String,
    pub learning_type: String,
    pub project_title: String,
    pub evaluation_type_id: Option<i32>,
    pub year: Option<i32>,
    pub sector_id: Option<i32>,
    pub intervention_type_id: Option<i32>,
    pub cycle_stage_id: Option<i32>,
    pub criterion_id: Option<i32>,
    pub source_url: String,
    pub language: String,
    pub theme_ids: Vec<i32>,
    pub country_ids: Vec<i32>,
}

impl LearningFields {
    /// Every taxonomy term the learning carries (for its facet tokens).
    pub fn term_ids(&self) -> Vec<i32> {
        [
            self.evaluation_type_id,
            self.sector_id,
            self.intervention_type_id,
            self.cycle_stage_id,
            self.criterion_id,
        ]
        .into_iter()
        .flatten()
        .chain(self.country_ids.iter().copied())
        .collect()
    }
}

/// The first sentence of a description, as a title when a file gives none.
pub fn title_from(description: &str) -> String {
    let flat = description.split_whitespace().collect::<Vec<_>>().join(" ");
    let sentence = flat
        .find(". ")
        .map(|end| &flat[..=end])
        .unwrap_or(flat.as_str());
    shorten(sentence, 160)
}

/// At most `max` characters, cut at a word boundary, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > max / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

fn optional_line(raw: &str, max: usize, field: &'static str) -> Result<String, FieldProblem> {
    forms::optional_line(raw, max)
        .map(Option::unwrap_or_default)
        .map_err(|problem| FieldProblem::new(field, problem.key()))
}

fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split([';', ','])
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

fn term(
    taxonomy: &Taxonomy,
    vocabulary: Vocabulary,
    raw: &str,
    field: &'static str,
    problems: &mut Vec<FieldProblem>,
) -> Option<i32> {
    let code = raw.trim();
    if code.is_empty() {
        return None;
    }
    match taxonomy.term_named(vocabulary, code) {
        Some(term) => Some(term.id),
        None => {
            problems.push(FieldProblem::new(field, "learning.unknown_code").naming(code));
            None
        }
    }
}

/// The longest list of countries read: every country of the world, named in full, fits.
pub const COUNTRIES_MAX: usize = 8_000;

/// The countries a list names, by code or by name in any of the three languages, separated by
/// semicolons, commas or new lines (`Taxonomy::terms_listed`), sorted by id. Learnings and
/// products, typed or imported, read their countries with it; each item that names no country
/// is a problem that names it.
pub fn countries(taxonomy: &Taxonomy, raw: &str, problems: &mut Vec<FieldProblem>) -> Vec<i32> {
    if raw.chars().count() > COUNTRIES_MAX {
        problems.push(FieldProblem::new(
            "countries",
            forms::TextProblem::TooLong.key(),
        ));
        return Vec::new();
    }
    let listed = taxonomy.terms_listed(Vocabulary::Country, raw);
    problems.extend(
        listed
            .unknown
            .iter()
            .map(|item| FieldProblem::new("countries", "learning.unknown_country").naming(item)),
    );
    let mut ids = listed.ids;
    ids.sort_unstable();
    ids
}

/// http(s) links only: a `javascript:` source link would be a trap for every reader.
pub fn web_link(raw: &str, field: &'static str) -> Result<String, FieldProblem> {
    let link = optional_line(raw, URL_MAX, field)?;
    if link.is_empty() {
        return Ok(link);
    }
    match url::Url::parse(&link) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(link),
        _ => Err(FieldProblem::new(field, "learning.bad_url")),
    }
}

impl RawLearning {
    pub fn validate(&self, taxonomy: &Taxonomy) -> Result<LearningFields, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut check = |result: Result<String, FieldProblem>| match result {
            Ok(value) => value,
            Err(problem) => {
                problems.push(problem);
                String::new()
            }
        };
        let description = check(
            forms::markdown_body(&self.description)
                .map_err(|problem| FieldProblem::new("description", problem.key())),
        );
        let mut title = check(optional_line(&self.title, TITLE_MAX, "title"));
        if title.is_empty() {
            title = title_from(&description);
        }
        let project_title = check(optional_line(
            &self.project_title,
            PROJECT_MAX,
            "project_title",
        ));
        let external_id = check(optional_line(
            &self.external_id,
            EXTERNAL_ID_MAX,
            "external_id",
        ));
        let source_url = check(web_link(&self.source_url, "source_url"));
        let learning_type = match self
            .learning_type
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
        {
            kind if kind.is_empty() => "lesson_learned".to_string(),
            kind if LEARNING_TYPES.contains(&kind.as_str()) => kind,
            _ => {
                problems.push(FieldProblem::new("type", "learning.bad_type"));
                String::new()
            }
        };
        let language = match self.language.trim().to_ascii_lowercase() {
            code if code.is_empty() => "en".to_string(),
            code if LANGUAGES.contains(&code.as_str()) => code,
            _ => {
                problems.push(FieldProblem::new("language", "learning.bad_language"));
                String::new()
            }
        };
        let year = match self.year.trim() {
            "" => None,
            text => match text.parse::<i32>() {
                Ok(y) if (1950..=2100).contains(&y) => Some(y),
                _ => {
                    problems.push(FieldProblem::new("year", "learning.bad_year"));
                    None
                }
            },
        };
        let evaluation_type_id = term(
            taxonomy,
            Vocabulary::EvaluationType,
            &self.evaluation_type,
            "evaluation_type",
            &mut problems,
        );
        let sector_id = term(
            taxonomy,
            Vocabulary::Sector,
            &self.sector,
            "sector",
            &mut problems,
        );
        let intervention_type_id = term(
            taxonomy,
            Vocabulary::InterventionType,
            &self.intervention_type,
            "intervention_type",
            &mut problems,
        );
        let cycle_stage_id = term(
            taxonomy,
            Vocabulary::CycleStage,
            &self.cycle_stage,
            "cycle_stage",
            &mut problems,
        );
        let criterion_id = term(
            taxonomy,
            Vocabulary::Criterion,
            &self.criterion,
            "criterion",
            &mut problems,
        );
        let country_ids = countries(taxonomy, &self.countries, &mut problems);
        let mut theme_ids = Vec::new();
        for slug in split_list(&self.themes) {
            match taxonomy.theme_named(slug) {
                Some(theme) if !theme_ids.contains(&theme.id) => theme_ids.push(theme.id),
                Some(_) => {}
                None => {
                    problems.push(FieldProblem::new("themes", "learning.unknown_code").naming(slug))
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        theme_ids.sort_unstable();
        Ok(LearningFields {
            external_id: Some(external_id).filter(|id| !id.is_empty()),
            title,
            description,
            learning_type,
            project_title,
            evaluation_type_id,
            year,
            sector_id,
            intervention_type_id,
            cycle_stage_id,
            criterion_id,
            source_url,
            language,
            theme_ids,
            country_ids,
        })
    }
}
