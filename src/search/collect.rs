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
    /// Project title → count. Each segment's projects are added by title, thousands of them
    /// for a broad question at a million learnings: a fast hasher, as nobody picks the keys.
    pub projects: HashMap<Arc<str>, u64, foldhash::fast::RandomState>,
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
            block: Vec::with_capacity(MATCH_BLOCK),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    /// Every segment's tallies go straight into the totals: no map is made per segment.
    fn merge_fruits(&self, fruits: Vec<SegmentTally>) -> tantivy::Result<Counts> {
        let mut merged = Counts::default();
        let mut numbers: Vec<Tally> = NUMBER_FACETS.iter().map(|_| Tally::default()).collect();
        for fruit in fruits {
            merged.total += fruit.total;
            let mut counters = fruit.counters.into_iter();
            for (into, counter) in numbers.iter_mut().zip(counters.by_ref()) {
                counter.for_each_count(|value, n| into.add(value, n));
            }
            if let Some(ords) = counters.next() {
                ords.for_each_count(|ord, n| {
                    if let Some(name) = fruit.table.names.get(ord as usize) {
                        *merged.projects.entry(name.clone()).or_default() += n;
                    }
                });
            }
        }
        for ((name, _), tally) in NUMBER_FACETS.iter().zip(numbers) {
            let mut counted = HashMap::new();
            tally.for_each_count(|value, n| {
                counted.insert(value, n);
            });
            merged.numbers.insert(*name, counted);
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
    fn add(&mut self, value: u64, n: u64) {
        if value < DENSE_LIMIT {
            let at = value as usize;
            if at >= self.dense.len() {
                self.dense.resize(at + 1, 0);
            }
            self.dense[at] += n;
        } else {
            *self.sparse.entry(value).or_default() += n;
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
    fn add_all(&mut self, docs: &[DocId]) {
        match self {
            Counter::Coded { codes, tally } => codes.count_all(docs, tally),
            Counter::Read { column, tally } => {
                for &doc in docs {
                    for value in column.values_for_doc(doc) {
                        tally.add(value, 1);
                    }
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

/// Matches are counted by blocks of this many: each facet's codes are read for a block at a
/// time, rather than every facet's for each match.
const MATCH_BLOCK: usize = 64;

pub struct SegmentCounts {
    total: u64,
    /// The number facets, in `NUMBER_FACETS` order, then the projects' ords.
    counters: Vec<Counter>,
    table: Arc<SegmentTable>,
    /// Matches not counted yet.
    block: Vec<DocId>,
}

impl SegmentCounts {
    fn count_block(&mut self) {
        for counter in &mut self.counters {
            counter.add_all(&self.block);
        }
        self.block.clear();
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = SegmentTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        self.block.push(doc);
        if self.block.len() == MATCH_BLOCK {
            self.count_block();
        }
    }

    fn harvest(mut self) -> SegmentTally {
        self.count_block();
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
