//! Exact facet counts over the whole match set, read from the fast-field columns while the
//! engine walks the matches (the same pass that ranks them).

use std::collections::HashMap;

use tantivy::{
    DocId, Score, SegmentOrdinal, SegmentReader,
    collector::{Collector, SegmentCollector},
    columnar::{Column, StrColumn},
};

/// How many documents matched, and per facet how many carry each value.
#[derive(Debug, Default)]
pub struct Counts {
    pub total: u64,
    /// Facet name → stored value → count.
    pub numbers: HashMap<&'static str, HashMap<u64, u64>>,
    pub projects: HashMap<String, u64>,
}

/// The numeric facet fields, by the name results use.
pub const NUMBER_FACETS: [(&str, &str); 6] = [
    ("status", "status"),
    ("type", "learning_type"),
    ("language", "language"),
    ("year", "year"),
    ("term", "terms"),
    ("theme", "themes"),
];

pub struct FacetCounts {
    pub project_field: &'static str,
}

impl Collector for FacetCounts {
    type Fruit = Counts;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let fast = reader.fast_fields();
        let mut columns = Vec::with_capacity(NUMBER_FACETS.len());
        for (name, field) in NUMBER_FACETS {
            columns.push((name, fast.u64(field)?, Tally::default()));
        }
        let projects = fast.str(self.project_field)?;
        let project_counts = vec![0; projects.as_ref().map_or(0, |p| p.num_terms())];
        Ok(SegmentCounts {
            total: 0,
            columns,
            projects,
            project_counts,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut merged = Counts::default();
        for fruit in fruits {
            merged.total += fruit.total;
            for (name, counts) in fruit.numbers {
                let into = merged.numbers.entry(name).or_default();
                for (value, n) in counts {
                    *into.entry(value).or_default() += n;
                }
            }
            for (project, n) in fruit.projects {
                *merged.projects.entry(project).or_default() += n;
            }
        }
        Ok(merged)
    }
}

/// Counts per value: a dense array for the small numbers ids and years are, a map beyond.
#[derive(Default)]
struct Tally {
    dense: Vec<u64>,
    sparse: HashMap<u64, u64>,
}

const DENSE_LIMIT: u64 = 1 << 16;

impl Tally {
    fn add(&mut self, value: u64) {
        if value < DENSE_LIMIT {
            let at = value as usize;
            if at >= self.dense.len() {
                self.dense.resize(at + 1, 0);
            }
            self.dense[at] += 1;
        } else {
            *self.sparse.entry(value).or_default() += 1;
        }
    }

    fn into_map(self) -> HashMap<u64, u64> {
        let mut map = self.sparse;
        map.extend(
            self.dense
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .map(|(value, n)| (value as u64, n)),
        );
        map
    }
}

pub struct SegmentCounts {
    total: u64,
    columns: Vec<(&'static str, Column<u64>, Tally)>,
    projects: Option<StrColumn>,
    project_counts: Vec<u64>,
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        for (_, column, counts) in &mut self.columns {
            for value in column.values_for_doc(doc) {
                counts.add(value);
            }
        }
        if let Some(projects) = &self.projects {
            for ord in projects.term_ords(doc) {
                self.project_counts[ord as usize] += 1;
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut projects = HashMap::new();
        if let Some(column) = &self.projects {
            let mut name = String::new();
            for (ord, n) in self.project_counts.iter().enumerate() {
                if *n > 0 && column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                    projects.insert(name.clone(), *n);
                }
            }
        }
        Counts {
            total: self.total,
            numbers: self
                .columns
                .into_iter()
                .map(|(name, _, counts)| (name, counts.into_map()))
                .collect(),
            projects,
        }
    }
}
