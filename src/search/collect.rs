//! Exact facet counts over the whole match set, counted while the engine walks the matches
//! (the same pass that ranks them), from each segment's facet codes (`facet_table`).

use std::{collections::HashMap, sync::Arc};

use tantivy::{
    DocId, Score, SegmentOrdinal, SegmentReader,
    collector::{Collector, SegmentCollector},
    columnar::Column,
};

use super::facet_table::{Codes, Facet, FacetTables, SegmentTable};

/// How many documents matched, and per facet how many carry each value.
#[derive(Debug, Default)]
pub struct Counts {
    pub total: u64,
    /// Facet name → stored value → count.
    pub numbers: HashMap<&'static str, HashMap<u64, u64>>,
    pub projects: HashMap<Arc<str>, u64>,
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

/// The projects' text facet (one exact value per learning).
const PROJECT_FIELD: &str = "project_exact";

/// Counts every facet of the matches; `tables` keeps each segment's codes for these facets.
pub struct FacetCounts {
    pub tables: Arc<FacetTables>,
}

impl Collector for FacetCounts {
    type Fruit = Counts;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let table = self.tables.of(reader, || {
            let fast = reader.fast_fields();
            let mut columns = Vec::with_capacity(NUMBER_FACETS.len() + 1);
            for (_, field) in NUMBER_FACETS {
                columns.push(fast.u64(field)?);
            }
            let projects = fast.str(PROJECT_FIELD)?;
            // A segment without any project has no column: its ords are an empty column.
            columns.push(projects.as_ref().map_or_else(
                || Column::build_empty_column(reader.max_doc()),
                |p| p.ords().clone(),
            ));
            Ok((columns, projects))
        })?;
        let counters = table
            .facets
            .iter()
            .map(|facet| match facet {
                Facet::Coded(codes) => Counter::Coded {
                    tally: vec![0; codes.distinct()],
                    codes: codes.clone(),
                },
                Facet::Column(column) => Counter::Read {
                    column: column.clone(),
                    tally: Tally::default(),
                },
            })
            .collect();
        Ok(SegmentCounts {
            total: 0,
            counters,
            table,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    /// Every segment's tallies go straight into the totals: no map is made per segment.
    fn merge_fruits(&self, fruits: Vec<SegmentTally>) -> tantivy::Result<Counts> {
        let mut merged = Counts::default();
        for fruit in fruits {
            merged.total += fruit.total;
            let mut counters = fruit.counters.into_iter();
            for ((name, _), counter) in NUMBER_FACETS.iter().zip(counters.by_ref()) {
                let into = merged.numbers.entry(name).or_default();
                counter.for_each_count(|value, n| *into.entry(value).or_default() += n);
            }
            if let Some(ords) = counters.next() {
                ords.for_each_count(|ord, n| {
                    if let Some(name) = fruit.table.names.get(ord as usize) {
                        *merged.projects.entry(name.clone()).or_default() += n;
                    }
                });
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

    fn for_each_count(&self, mut each: impl FnMut(u64, u64)) {
        for (value, &n) in self.dense.iter().enumerate() {
            if n > 0 {
                each(value as u64, n);
            }
        }
        for (&value, &n) in &self.sparse {
            each(value, n);
        }
    }
}

/// One facet's counts in a segment: by code, or, for a facet with too many values to code,
/// by the values read from its column.
enum Counter {
    Coded { codes: Arc<Codes>, tally: Vec<u64> },
    Read { column: Column<u64>, tally: Tally },
}

impl Counter {
    fn add(&mut self, doc: DocId) {
        match self {
            Counter::Coded { codes, tally } => codes.count(doc, tally),
            Counter::Read { column, tally } => {
                for value in column.values_for_doc(doc) {
                    tally.add(value);
                }
            }
        }
    }

    /// Each value counted at least once, with its count.
    fn for_each_count(&self, mut each: impl FnMut(u64, u64)) {
        match self {
            Counter::Coded { codes, tally } => {
                for (code, &n) in tally.iter().enumerate() {
                    if n > 0 {
                        each(codes.value(code), n);
                    }
                }
            }
            Counter::Read { tally, .. } => tally.for_each_count(each),
        }
    }
}

pub struct SegmentCounts {
    total: u64,
    /// The number facets, in `NUMBER_FACETS` order, then the projects' ords.
    counters: Vec<Counter>,
    table: Arc<SegmentTable>,
}

impl SegmentCollector for SegmentCounts {
    type Fruit = SegmentTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        for counter in &mut self.counters {
            counter.add(doc);
        }
    }

    fn harvest(self) -> SegmentTally {
        SegmentTally {
            total: self.total,
            counters: self.counters,
            table: self.table,
        }
    }
}

/// One segment's tallies, as counted, until they are merged.
pub struct SegmentTally {
    total: u64,
    counters: Vec<Counter>,
    table: Arc<SegmentTable>,
}
