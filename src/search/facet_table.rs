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

/// Memory for the tables, about 20 MiB per million learnings (`fora serve` grows by 22 MiB at
/// its first search of a million; 30 before codes were narrowed to bytes and many-valued
/// starts to blocks). Every live segment's table is meant to fit (one left out is read again,
/// from every document, at every search): this bound only stops a runaway, at about twelve
/// million learnings.
const CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// "No value" for a document of a single-valued facet.
const NONE: u16 = u16::MAX;

/// Documents per block of a many-valued facet: where a document's codes start is its block's
/// start (four bytes per block) plus its own offset (two bytes), not four bytes per document.
const BLOCK: usize = 64;

/// One facet of one segment: each document's values as codes into `values`.
pub struct Codes {
    layout: Layout,
    /// Code → the column's value.
    values: Vec<u64>,
}

enum Layout {
    /// At most one value per document (`NONE` for none).
    One(Narrow),
    /// The codes of document `d` run from `start(d)` to `start(d + 1)`, where `start(d)` is
    /// `blocks[d / BLOCK] + offsets[d]`.
    Many {
        blocks: Vec<u32>,
        offsets: Vec<u16>,
        codes: Narrow,
    },
}

/// Codes, a byte each when every one (and `NONE`) fits in a byte: the status, the type, the
/// language, the year and the themes do, so their tables take half the room.
enum Narrow {
    Bytes(Vec<u8>),
    Wide(Vec<u16>),
}

impl Narrow {
    /// `codes`, narrowed to bytes when all of them (other than `NONE`) are below 255.
    fn of(codes: Vec<u16>) -> Narrow {
        if codes.iter().all(|&code| code < 255 || code == NONE) {
            Narrow::Bytes(
                codes
                    .into_iter()
                    .map(|code| if code == NONE { u8::MAX } else { code as u8 })
                    .collect(),
            )
        } else {
            Narrow::Wide(codes)
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Narrow::Bytes(codes) => codes.len(),
            Narrow::Wide(codes) => codes.len() * 2,
        }
    }
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
                let mut blocks = Vec::with_capacity((max_doc as usize).div_ceil(BLOCK) + 1);
                let mut offsets = Vec::with_capacity(max_doc as usize + 1);
                let mut codes = Vec::new();
                for doc in 0..=max_doc {
                    if (doc as usize).is_multiple_of(BLOCK) {
                        blocks.push(u32::try_from(codes.len()).ok()?);
                    }
                    let block_start = *blocks.last()? as usize;
                    offsets.push(u16::try_from(codes.len() - block_start).ok()?);
                    if doc < max_doc {
                        for value in column.values_for_doc(doc) {
                            codes.push(code_of(value)?);
                        }
                    }
                }
                Layout::Many {
                    blocks,
                    offsets,
                    codes: Narrow::of(codes),
                }
            }
            Cardinality::Full | Cardinality::Optional => {
                let mut codes = Vec::with_capacity(max_doc as usize);
                for doc in 0..max_doc {
                    codes.push(match column.first(doc) {
                        Some(value) => code_of(value)?,
                        None => NONE,
                    });
                }
                Layout::One(Narrow::of(codes))
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

    /// Adds one to `tally` for each value of each of `docs`: the layout is told once for a
    /// block of matches, not for every match.
    pub fn count_all(&self, docs: &[DocId], tally: &mut [u64]) {
        fn one<C: Copy + Into<usize> + PartialEq>(
            codes: &[C],
            none: C,
            docs: &[DocId],
            tally: &mut [u64],
        ) {
            for &doc in docs {
                if let Some(&code) = codes.get(doc as usize)
                    && code != none
                {
                    tally[code.into()] += 1;
                }
            }
        }
        fn many<C: Copy + Into<usize>>(
            codes: &[C],
            starts: impl Fn(usize) -> Option<usize>,
            docs: &[DocId],
            tally: &mut [u64],
        ) {
            for &doc in docs {
                let doc = doc as usize;
                if let (Some(start), Some(end)) = (starts(doc), starts(doc + 1)) {
                    for &code in &codes[start..end] {
                        tally[code.into()] += 1;
                    }
                }
            }
        }
        match &self.layout {
            Layout::One(Narrow::Bytes(codes)) => one(codes, u8::MAX, docs, tally),
            Layout::One(Narrow::Wide(codes)) => one(codes, NONE, docs, tally),
            Layout::Many {
                blocks,
                offsets,
                codes,
            } => {
                let starts = |doc: usize| {
                    Some(*blocks.get(doc / BLOCK)? as usize + *offsets.get(doc)? as usize)
                };
                match codes {
                    Narrow::Bytes(codes) => many(codes, starts, docs, tally),
                    Narrow::Wide(codes) => many(codes, starts, docs, tally),
                }
            }
        }
    }

    fn bytes(&self) -> usize {
        let layout = match &self.layout {
            Layout::One(codes) => codes.bytes(),
            Layout::Many {
                blocks,
                offsets,
                codes,
            } => blocks.len() * 4 + offsets.len() * 2 + codes.bytes(),
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

    /// Writes `documents` (each a list of (field, value)) and checks that the documents, counted
    /// by blocks, count exactly the values each column gives them; returns the table.
    fn counted(fields: &[&str], documents: Vec<Vec<(usize, u64)>>) -> Arc<SegmentTable> {
        let mut builder = Schema::builder();
        let handles: Vec<_> = fields
            .iter()
            .map(|name| builder.add_u64_field(name, INDEXED | FAST))
            .collect();
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for values in documents {
            let mut doc = TantivyDocument::default();
            for (field, value) in values {
                doc.add_u64(handles[field], value);
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        let fast = reader.fast_fields();
        let columns: Vec<_> = fields.iter().map(|name| fast.u64(name).unwrap()).collect();
        let tables = FacetTables::default();
        let table = tables.of(reader, || Ok((columns.clone(), None))).unwrap();
        let again = tables.of(reader, || panic!("read again")).unwrap();
        assert!(Arc::ptr_eq(&table, &again), "kept");
        for (column, facet) in columns.iter().zip(table.facets.iter()) {
            let Facet::Coded(codes) = facet else {
                panic!("few values, coded");
            };
            let mut tally = vec![0; codes.distinct()];
            let mut expected: HashMap<u64, u64> = HashMap::new();
            let docs: Vec<DocId> = (0..reader.max_doc()).collect();
            // Blocks of an odd size, so that some end short.
            for block in docs.chunks(37) {
                codes.count_all(block, &mut tally);
            }
            for doc in 0..reader.max_doc() {
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
        table
    }

    fn narrow(facet: &Facet) -> bool {
        let Facet::Coded(codes) = facet else {
            panic!("coded");
        };
        match &codes.layout {
            Layout::One(codes) | Layout::Many { codes, .. } => matches!(codes, Narrow::Bytes(_)),
        }
    }

    /// Single-valued (with documents lacking a value) and multi-valued columns: every
    /// document counts exactly the values the column gives it.
    #[test]
    fn codes_count_what_the_columns_hold() {
        let documents = (0..500u64)
            .map(|n| {
                let year = (n % 7 != 0).then_some((0, 2000 + n % 13));
                let themes = (0..n % 4).map(|theme| (1, 1_000_000 + theme * (n % 5)));
                year.into_iter().chain(themes).collect()
            })
            .collect();
        let table = counted(&["year", "themes"], documents);
        assert!(table.facets.iter().all(narrow), "few values: a byte each");
    }

    /// More values than a byte can name, and documents with hundreds of values (more than a
    /// block's offsets would hold as bytes) or none, across many blocks.
    #[test]
    fn wide_codes_and_long_lists_count_exactly() {
        let documents = (0..3_000u64)
            .map(|n| {
                let project = (n % 11 != 0).then_some((0, n % 700));
                let many = if n % 500 == 7 { 400 } else { n % 5 };
                let terms = (0..many).map(|term| (1, (n * 31 + term) % 900));
                project.into_iter().chain(terms).collect()
            })
            .collect();
        let table = counted(&["project", "terms"], documents);
        assert!(
            !table.facets.iter().any(narrow),
            "hundreds of values: two bytes each"
        );
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
