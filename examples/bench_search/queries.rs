//! queries: the rotating set of searches.

use std::collections::HashSet;

use anyhow::{Context, bail};
use fora::learnings::search::SearchParams;

use crate::{
    rng::{Rng, Weighted},
    shape::{EVALUATION_TYPES, INTERVENTION_TYPES, SECTORS, THEMES, country_weights, weighted},
};

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

pub fn write_queries(count: usize, file: &str) -> anyhow::Result<()> {
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

pub fn read_paths(file: &str) -> anyhow::Result<Vec<String>> {
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

pub fn query_of(path: &str) -> Option<&str> {
    path.split_once('?').map(|(_, q)| q)
}
