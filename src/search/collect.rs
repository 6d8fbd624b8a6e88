//! Exact facet counts over the whole match set, counted while the engine walks the matches
//! (the same pass that ranks them), from each segment's facet codes (`facet_table`).

use std::{collections::HashMap, sync::Arc};

use tantivy::{
    DocId, Score, SegmentOrdinal, SegmentReader,
    collector::{Collector, SegmentCollector},
    columnar::Column,
};

use super::{
    facet_table::{Codes, Facet, FacetTables, SegmentTable},
    filters::Bits,
};

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
        let counters: Vec<Counter> = table
            .facets
            .iter()
            .map(|facet| match facet {
                Facet::Coded(codes) if codes.sets().is_some() => Counter::Later {
                    tally: vec![0; codes.distinct()],
                    codes: codes.clone(),
                },
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
        let later = counters
            .iter()
            .any(|counter| matches!(counter, Counter::Later { .. }));
        Ok(SegmentCounts {
            total: 0,
            matched: later.then(|| Bits::from_docs(reader.max_doc(), [])),
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
/// by the values read from its column; a facet of few values is counted once the matches are
/// known, from its values' sets when they are many.
enum Counter {
    Coded { codes: Arc<Codes>, tally: Vec<u64> },
    Read { column: Column<u64>, tally: Tally },
    Later { codes: Arc<Codes>, tally: Vec<u64> },
}

/// Combining a value's set with the matches costs about this many times less per 64 documents
/// than counting one match by its code.
const SET_WORDS_PER_MATCH: u64 = 4;

impl Counter {
    fn add(&mut self, doc: DocId) {
        match self {
            Counter::Coded { codes, tally } => codes.count(doc, tally),
            Counter::Read { column, tally } => {
                for value in column.values_for_doc(doc) {
                    tally.add(value);
                }
            }
            Counter::Later { .. } => {}
        }
    }

    /// Counts a facet left for when the matches are known: per match when they are few,
    /// else by how many of each value's documents matched (the cost of a search then stops
    /// growing with its matches).
    fn finish(&mut self, matched: &Bits, total: u64) {
        let Counter::Later { codes, tally } = self else {
            return;
        };
        let cheaper = |sets: &&[Bits]| {
            (sets.len() * matched.span()) as u64 <= total.saturating_mul(SET_WORDS_PER_MATCH)
        };
        match codes.sets().filter(cheaper) {
            Some(sets) => {
                for (n, set) in tally.iter_mut().zip(sets) {
                    *n = matched.count_both(set);
                }
            }
            None => matched.for_each(|doc| codes.count(doc, tally)),
        }
    }

    /// Each value counted at least once, with its count.
    fn for_each_count(&self, mut each: impl FnMut(u64, u64)) {
        match self {
            Counter::Coded { codes, tally } | Counter::Later { codes, tally } => {
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
    /// The matches, when a facet is counted once they are known.
    matched: Option<Bits>,
    /// The number facets, in `NUMBER_FACETS` order, then the projects' ords.
    counters: Vec<Counter>,
    table: Arc<SegmentTable>,
}

impl SegmentCollector for SegmentCounts {
    type Fruit = SegmentTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        if let Some(matched) = &mut self.matched {
            matched.insert(doc);
        }
        for counter in &mut self.counters {
            counter.add(doc);
        }
    }

    fn harvest(mut self) -> SegmentTally {
        if let Some(matched) = &self.matched {
            for counter in &mut self.counters {
                counter.finish(matched, self.total);
            }
        }
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

#[cfg(test)]
mod tests {
    use tantivy::{
        Index, IndexWriter, TantivyDocument, Term,
        query::{AllQuery, Query, TermQuery},
        schema::IndexRecordOption,
    };

    use super::*;
    use crate::search::{analysis, schema::Fields};

    /// A document as the test wrote it: its id, facet values and project.
    type Written = (u64, Vec<(&'static str, u64)>, String);

    /// Three segments, some documents deleted: a search matching nearly everything (the
    /// facets of few values counted from their sets) and one matching a few (counted per
    /// match) give exactly the counts read document by document.
    #[test]
    fn counts_by_sets_and_per_match_are_exact() {
        let fields = Fields::new();
        let index = Index::create_in_ram(fields.schema.clone());
        analysis::register(&index);
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut expected: Vec<Written> = Vec::new();
        for segment in 0..3u64 {
            for _ in 0..900 + segment * 400 {
                let n = expected.len() as u64;
                let mut doc = TantivyDocument::default();
                doc.add_u64(fields.id, n);
                doc.add_u64(fields.key, n);
                let mut values = vec![("status", n % 3), ("type", 1 + n % 2), ("language", n % 3)];
                if !n.is_multiple_of(5) {
                    values.push(("year", 2000 + n % 25));
                }
                for theme in 0..n % 3 {
                    values.push(("theme", 10 + (n + theme) % 7));
                }
                // More distinct terms than a facet keeps sets for: counted per match.
                for term in 0..1 + n % 2 {
                    values.push(("term", 100 + (n * 7 + term) % 90));
                }
                for (name, value) in &values {
                    let field = match *name {
                        "status" => fields.status,
                        "type" => fields.learning_type,
                        "language" => fields.language,
                        "year" => fields.year,
                        "theme" => fields.themes,
                        _ => fields.terms,
                    };
                    doc.add_u64(field, *value);
                }
                let project = format!("project {}", n % 40);
                doc.add_text(fields.project_exact, &project);
                if n.is_multiple_of(97) {
                    doc.add_text(fields.plain, "rare");
                }
                writer.add_document(doc).unwrap();
                expected.push((n, values, project));
            }
            writer.commit().unwrap();
        }
        for gone in (0..expected.len() as u64).filter(|n| n.is_multiple_of(11)) {
            writer.delete_term(Term::from_field_u64(fields.key, gone));
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let rare: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_field_text(fields.plain, "rare"),
            IndexRecordOption::Basic,
        ));
        let tables = Arc::new(FacetTables::default());
        for (query, wanted) in [
            (Box::new(AllQuery) as Box<dyn Query>, None),
            (rare, Some(97)),
        ] {
            let counts = searcher
                .search(
                    query.as_ref(),
                    &FacetCounts {
                        tables: tables.clone(),
                    },
                )
                .unwrap();
            let mut numbers: HashMap<&str, HashMap<u64, u64>> = HashMap::new();
            let mut projects: HashMap<Arc<str>, u64> = HashMap::new();
            let mut total = 0;
            for (n, values, project) in &expected {
                if n.is_multiple_of(11) || wanted.is_some_and(|every| !n.is_multiple_of(every)) {
                    continue;
                }
                total += 1;
                for (name, value) in values {
                    *numbers.entry(name).or_default().entry(*value).or_default() += 1;
                }
                *projects.entry(Arc::from(project.as_str())).or_default() += 1;
            }
            assert_eq!(counts.total, total);
            for (name, _) in NUMBER_FACETS {
                assert_eq!(
                    counts.numbers.get(name).cloned().unwrap_or_default(),
                    numbers.get(name).cloned().unwrap_or_default(),
                    "{name}, {wanted:?}"
                );
            }
            assert_eq!(counts.projects, projects);
        }
    }
}
