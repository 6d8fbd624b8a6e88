//! The facet values of a segment as small codes per document, read once from the fast-field
//! columns and kept while the segment lives (segments never change), with the projects' names
//! by ordinal. Counting a match is then an array read and an increment per facet, and a
//! search opens no column and looks up no name: opening seven columns per segment and looking
//! up every project counted in the column's dictionary (a block decode each) were most of
//! what facets cost, about 40 % of a search at a million learnings (docs/BENCHMARKS.md).

use std::{
    collections::{HashMap, HashSet},
    fmt,
    sync::Arc,
};

use tantivy::{
    DocId, SegmentReader,
    columnar::{Cardinality, Column, StrColumn},
    index::SegmentId,
};

use super::segment_cache;

/// Memory for the tables, about 30 MiB per million learnings. Every live segment's table is
/// meant to fit (one left out is read again, from every document, at every search): this
/// bound only stops a runaway, at about eight million learnings.
const CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// "No value" for a document of a single-valued facet.
const NONE: u16 = u16::MAX;

/// One facet of one segment: each document's values as codes into `values`.
pub struct Codes {
    layout: Layout,
    /// Code → the column's value.
    values: Vec<u64>,
}

enum Layout {
    /// At most one value per document (`NONE` for none).
    One(Vec<u16>),
    /// The codes of document `d` are `codes[starts[d]..starts[d + 1]]`.
    Many { starts: Vec<u32>, codes: Vec<u16> },
}

impl Codes {
    /// The codes of `column` for the documents below `max_doc`; `None` when it holds more
    /// distinct values than a code can name (then the column is read per match).
    pub fn of(column: &Column<u64>, max_doc: DocId) -> Option<Codes> {
        let mut values = Vec::new();
        let mut known: HashMap<u64, u16> = HashMap::new();
        let mut code_of = |value: u64| -> Option<u16> {
            if let Some(code) = known.get(&value) {
                return Some(*code);
            }
            let code = u16::try_from(values.len()).ok().filter(|c| *c != NONE)?;
            values.push(value);
            known.insert(value, code);
            Some(code)
        };
        let layout = match column.get_cardinality() {
            Cardinality::Multivalued => {
                let mut starts = Vec::with_capacity(max_doc as usize + 1);
                let mut codes = Vec::new();
                for doc in 0..max_doc {
                    starts.push(u32::try_from(codes.len()).ok()?);
                    for value in column.values_for_doc(doc) {
                        codes.push(code_of(value)?);
                    }
                }
                starts.push(u32::try_from(codes.len()).ok()?);
                Layout::Many { starts, codes }
            }
            Cardinality::Full | Cardinality::Optional => {
                let mut codes = Vec::with_capacity(max_doc as usize);
                for doc in 0..max_doc {
                    codes.push(match column.first(doc) {
                        Some(value) => code_of(value)?,
                        None => NONE,
                    });
                }
                Layout::One(codes)
            }
        };
        Some(Codes { layout, values })
    }

    /// How many distinct values there are (a tally needs one slot per code).
    pub fn distinct(&self) -> usize {
        self.values.len()
    }

    pub fn value(&self, code: usize) -> u64 {
        self.values[code]
    }

    /// Adds one to `tally` for each value of `doc`.
    #[inline]
    pub fn count(&self, doc: DocId, tally: &mut [u64]) {
        match &self.layout {
            Layout::One(codes) => {
                if let Some(&code) = codes.get(doc as usize)
                    && code != NONE
                {
                    tally[code as usize] += 1;
                }
            }
            Layout::Many { starts, codes } => {
                let doc = doc as usize;
                if let (Some(&start), Some(&end)) = (starts.get(doc), starts.get(doc + 1)) {
                    for &code in &codes[start as usize..end as usize] {
                        tally[code as usize] += 1;
                    }
                }
            }
        }
    }

    fn bytes(&self) -> usize {
        let layout = match &self.layout {
            Layout::One(codes) => codes.len() * 2,
            Layout::Many { starts, codes } => starts.len() * 4 + codes.len() * 2,
        };
        layout + self.values.len() * 8
    }
}

/// How one facet of a segment is counted.
pub enum Facet {
    Coded(Arc<Codes>),
    /// Too many values to code: read from the column per match.
    Column(Column<u64>),
}

/// The facets of one segment.
pub struct SegmentTable {
    /// Each facet, in the order its column was given.
    pub facets: Vec<Facet>,
    /// The text facet's values by ordinal, read once (through its dictionary, each lookup is a
    /// block decode, and thousands of projects may match).
    pub names: Vec<Arc<str>>,
}

impl SegmentTable {
    fn bytes(&self) -> usize {
        let codes: usize = self
            .facets
            .iter()
            .map(|facet| match facet {
                Facet::Coded(codes) => codes.bytes(),
                Facet::Column(_) => 0,
            })
            .sum();
        let names: usize = self.names.iter().map(|name| name.len() + 16).sum();
        codes + names
    }
}

/// The tables of every segment searched, shared by all searches of one index.
pub struct FacetTables {
    tables: moka::sync::Cache<SegmentId, Arc<SegmentTable>>,
}

impl Default for FacetTables {
    fn default() -> FacetTables {
        FacetTables {
            tables: moka::sync::Cache::builder()
                .max_capacity(CACHE_BYTES)
                .weigher(|_, table: &Arc<SegmentTable>| {
                    u32::try_from(table.bytes()).unwrap_or(u32::MAX)
                })
                .build(),
        }
    }
}

impl fmt::Debug for FacetTables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FacetTables")
            .field("segments", &self.tables.entry_count())
            .finish()
    }
}

impl FacetTables {
    /// Forgets the tables of segments not in `live` (merged or emptied).
    pub fn forget_gone(&self, live: &HashSet<SegmentId>) {
        segment_cache::forget_gone(&self.tables, live, |segment| *segment);
    }

    #[cfg(test)]
    pub fn segments(&self) -> HashSet<SegmentId> {
        segment_cache::cached(&self.tables, |segment| *segment)
    }

    /// The table of `reader`'s segment, read on first use from the columns `open` gives: one
    /// per facet (always the same ones, in the same order), and the text facet whose values
    /// `names` holds.
    pub fn of(
        &self,
        reader: &SegmentReader,
        open: impl FnOnce() -> tantivy::Result<(Vec<Column<u64>>, Option<StrColumn>)>,
    ) -> tantivy::Result<Arc<SegmentTable>> {
        self.tables
            .try_get_with(reader.segment_id(), || -> tantivy::Result<_> {
                let (columns, named) = open()?;
                let mut names = Vec::new();
                if let Some(column) = named {
                    let mut stream = column.dictionary().stream()?;
                    while stream.advance() {
                        names.push(Arc::from(String::from_utf8_lossy(stream.key()).as_ref()));
                    }
                }
                let facets = columns
                    .into_iter()
                    .map(|column| match Codes::of(&column, reader.max_doc()) {
                        Some(codes) => Facet::Coded(Arc::new(codes)),
                        None => Facet::Column(column),
                    })
                    .collect();
                Ok(Arc::new(SegmentTable { facets, names }))
            })
            .map_err(|err| tantivy::TantivyError::InternalError(err.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use tantivy::{
        Index, IndexWriter, TantivyDocument,
        schema::{FAST, INDEXED, Schema},
    };

    use super::*;

    /// Single-valued (with documents lacking a value) and multi-valued columns: every
    /// document counts exactly the values the column gives it.
    #[test]
    fn codes_count_what_the_columns_hold() {
        let mut builder = Schema::builder();
        let year = builder.add_u64_field("year", INDEXED | FAST);
        let themes = builder.add_u64_field("themes", INDEXED | FAST);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for n in 0..500u64 {
            let mut doc = TantivyDocument::default();
            if n % 7 != 0 {
                doc.add_u64(year, 2000 + n % 13);
            }
            for theme in 0..n % 4 {
                doc.add_u64(themes, 1_000_000 + theme * (n % 5));
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        let fast = reader.fast_fields();
        let columns = [fast.u64("year").unwrap(), fast.u64("themes").unwrap()];
        let tables = FacetTables::default();
        let table = tables.of(reader, || Ok((columns.to_vec(), None))).unwrap();
        let again = tables.of(reader, || panic!("read again")).unwrap();
        assert!(Arc::ptr_eq(&table, &again), "kept");
        for (column, facet) in columns.iter().zip(table.facets.iter()) {
            let Facet::Coded(codes) = facet else {
                panic!("few values, coded");
            };
            let mut tally = vec![0; codes.distinct()];
            let mut expected: HashMap<u64, u64> = HashMap::new();
            for doc in 0..reader.max_doc() {
                codes.count(doc, &mut tally);
                for value in column.values_for_doc(doc) {
                    *expected.entry(value).or_default() += 1;
                }
            }
            let counted: HashMap<u64, u64> = tally
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(code, n)| (codes.value(code), *n))
                .collect();
            assert_eq!(counted, expected);
        }
    }

    #[test]
    fn too_many_values_have_no_codes() {
        let mut builder = Schema::builder();
        let id = builder.add_u64_field("id", FAST);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000).unwrap();
        for n in 0..70_000u64 {
            let mut doc = TantivyDocument::default();
            doc.add_u64(id, n);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let reader = searcher.segment_reader(0);
        let column = reader.fast_fields().u64("id").unwrap();
        assert!(Codes::of(&column, reader.max_doc()).is_none());
    }
}
