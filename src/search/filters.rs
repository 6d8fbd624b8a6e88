//! Filters as cached sets of documents. Every search carries filters (learnings or products,
//! what the reader may see, the facet values picked), and most of them are long posting lists:
//! "published" holds nearly every document. Intersected as term queries, each of the
//! question's matches cost a seek into every one of those lists (a fifth of a search's time at
//! 1M learnings, docs/BENCHMARKS.md). Here each filter term is read once
//! per segment into a bitset, kept while the segment lives (segments never change; deleted
//! documents are left out by the collectors), the filters of a search are ANDed word by word,
//! and the question's matches are checked against the result: one bit test per candidate,
//! with jumps over runs of documents the filters leave out.
//!
//! The question's own words narrow the set first: every match holds one of them, so the
//! filter set is ANDed with the union of their sets (common words cached like filters, rare
//! ones read from their lists) and the question is then asked only about documents that hold
//! a word and pass the filters. The question still decides what matches and how it scores;
//! the union only says where to look.

use std::{collections::HashSet, fmt, sync::Arc};

use tantivy::{
    DocId, DocSet, Score, SegmentReader, TERMINATED, Term,
    index::SegmentId,
    postings::BlockSegmentPostings,
    query::{ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight},
    schema::IndexRecordOption,
};

use super::{seeking::Probe, segment_cache, statistics::Remembered};

/// Memory for cached filter sets. A set takes one bit per document of its segment: at a
/// million learnings 122 KiB per filter value, so about 500 distinct values stay cached.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// The filter set leads (and the question is read by seeking) when it keeps at least this many
/// times fewer documents than the question's longest list: a seek costs a few times a step.
const NARROW: u64 = 8;

/// A question's word is kept as a cached set when at least this fraction of the segment holds
/// it (1/256: a set then costs at most 32 bytes per document it holds); a rarer word's list
/// is read again at each search, which costs less than combining a whole set.
const CACHED_FROM: u64 = 256;

/// The documents of one segment that carry a filter's value (or all of them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bits {
    words: Vec<u64>,
}

impl Bits {
    fn words_for(max_doc: DocId) -> usize {
        (max_doc as usize).div_ceil(64)
    }

    /// Every document below `max_doc`.
    pub fn full(max_doc: DocId) -> Bits {
        let mut words = vec![u64::MAX; Bits::words_for(max_doc)];
        if let Some(last) = words.last_mut() {
            let used = max_doc % 64;
            if used != 0 {
                *last = (1u64 << used) - 1;
            }
        }
        Bits { words }
    }

    pub fn from_docs(max_doc: DocId, docs: impl IntoIterator<Item = DocId>) -> Bits {
        let mut bits = Bits {
            words: vec![0u64; Bits::words_for(max_doc)],
        };
        bits.insert(docs.into_iter().filter(|&doc| doc < max_doc));
        bits
    }

    /// Adds `docs` (those of the segment).
    fn insert(&mut self, docs: impl IntoIterator<Item = DocId>) {
        for doc in docs {
            if let Some(word) = self.words.get_mut((doc / 64) as usize) {
                *word |= 1u64 << (doc % 64);
            }
        }
    }

    /// The documents of `reader`'s segment whose posting list for `term` holds them.
    fn of_term(reader: &SegmentReader, term: &Term) -> tantivy::Result<Bits> {
        let mut bits = Bits::from_docs(reader.max_doc(), []);
        let inverted = reader.inverted_index(term.field())?;
        if let Some(mut postings) = inverted.read_block_postings(term, IndexRecordOption::Basic)? {
            bits.insert_postings(&mut postings);
        }
        Ok(bits)
    }

    /// Adds every document of a posting list, read a block at a time.
    fn insert_postings(&mut self, postings: &mut BlockSegmentPostings) {
        while !postings.docs().is_empty() {
            self.insert(postings.docs().iter().copied());
            postings.advance();
        }
    }

    fn or(&mut self, other: &Bits) {
        for (mine, theirs) in self.words.iter_mut().zip(&other.words) {
            *mine |= theirs;
        }
    }

    fn and(&mut self, other: &Bits) {
        for (mine, theirs) in self.words.iter_mut().zip(&other.words) {
            *mine &= theirs;
        }
    }

    pub fn count(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }

    /// How many of its documents `reader`'s segment has not deleted.
    pub fn live_count(&self, reader: &SegmentReader) -> u32 {
        if reader.has_deletes() {
            self.docs().filter(|&doc| !reader.is_deleted(doc)).count() as u32
        } else {
            self.count()
        }
    }

    fn bytes(&self) -> usize {
        self.words.len() * 8
    }

    pub fn contains(&self, doc: DocId) -> bool {
        self.words
            .get((doc / 64) as usize)
            .is_some_and(|word| word & (1u64 << (doc % 64)) != 0)
    }

    /// Its documents, in order.
    fn docs(&self) -> impl Iterator<Item = DocId> + '_ {
        self.words.iter().enumerate().flat_map(|(at, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    at as DocId * 64 + bit
                })
            })
        })
    }

    /// The first document at or after `from` in the set, or `TERMINATED`.
    fn next_from(&self, from: DocId) -> DocId {
        let mut at = (from / 64) as usize;
        let Some(first) = self.words.get(at) else {
            return TERMINATED;
        };
        let mut word = first & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                return at as DocId * 64 + word.trailing_zeros();
            }
            at += 1;
            match self.words.get(at) {
                Some(next) => word = *next,
                None => return TERMINATED,
            }
        }
    }
}

/// A set holding fewer than one document in `FEW` of its segment is kept as its documents
/// (two bytes each), not as a bit per document: at most an eighth of the room. Most cached
/// sets are such: a country, a sector, a question's word held by 1 % of the learnings. At a
/// million learnings the benchmark's searches cached 2,595 sets, 44 MiB as bits (40 % of the
/// process), and 1,193 of them held fewer than one document in 32 (docs/BENCHMARKS.md,
/// "Memory at a million learnings").
const FEW: u64 = 16;

/// A cached set as it is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kept {
    Bits(Bits),
    Few(Few),
}

/// The documents of a sparse set, each as its place within a run of 65,536 documents.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Few {
    /// The documents of run `r` are `r << 16 | low` for each `low` of
    /// `lows[starts[r]..starts[r + 1]]`.
    starts: Vec<u32>,
    lows: Vec<u16>,
}

impl Few {
    /// The documents of `docs`, in increasing order.
    fn of(docs: impl Iterator<Item = DocId>) -> Few {
        let mut starts = vec![0];
        let mut lows = Vec::new();
        for doc in docs {
            let run = (doc >> 16) as usize;
            while starts.len() <= run {
                starts.push(lows.len() as u32);
            }
            lows.push(doc as u16);
        }
        starts.push(lows.len() as u32);
        lows.shrink_to_fit();
        starts.shrink_to_fit();
        Few { starts, lows }
    }

    fn docs(&self) -> impl Iterator<Item = DocId> + '_ {
        self.starts.windows(2).enumerate().flat_map(|(run, range)| {
            self.lows[range[0] as usize..range[1] as usize]
                .iter()
                .map(move |&low| (run as DocId) << 16 | DocId::from(low))
        })
    }
}

impl Kept {
    fn of(bits: Bits) -> Kept {
        let max_doc = bits.words.len() as u64 * 64;
        if u64::from(bits.count()) * FEW < max_doc {
            Kept::Few(Few::of(bits.docs()))
        } else {
            Kept::Bits(bits)
        }
    }

    fn count(&self) -> u32 {
        match self {
            Kept::Bits(bits) => bits.count(),
            Kept::Few(few) => few.lows.len() as u32,
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Kept::Bits(bits) => bits.bytes(),
            Kept::Few(few) => few.lows.len() * 2 + few.starts.len() * 4,
        }
    }

    /// The set as bits, for a segment of `max_doc` documents.
    fn to_bits(&self, max_doc: DocId) -> Bits {
        match self {
            Kept::Bits(bits) => bits.clone(),
            Kept::Few(few) => Bits::from_docs(max_doc, few.docs()),
        }
    }

    /// Keeps in `bits` only the documents of this set.
    fn and_into(&self, bits: &mut Bits) {
        match self {
            Kept::Bits(set) => bits.and(set),
            Kept::Few(few) => {
                let max_doc = (bits.words.len() * 64) as DocId;
                *bits = Bits::from_docs(max_doc, few.docs().filter(|&doc| bits.contains(doc)));
            }
        }
    }

    /// Adds to `bits` the documents of this set.
    fn or_into(&self, bits: &mut Bits) {
        match self {
            Kept::Bits(set) => bits.or(set),
            Kept::Few(few) => bits.insert(few.docs()),
        }
    }
}

/// The filter sets of every segment searched, shared by all searches of one index.
pub struct FilterCache {
    sets: moka::sync::Cache<(SegmentId, Term), Arc<Kept>>,
}

impl Default for FilterCache {
    fn default() -> FilterCache {
        FilterCache::with_capacity(CACHE_BYTES)
    }
}

impl fmt::Debug for FilterCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilterCache")
            .field("sets", &self.sets.entry_count())
            .finish()
    }
}

impl FilterCache {
    pub fn with_capacity(bytes: u64) -> FilterCache {
        FilterCache {
            sets: moka::sync::Cache::builder()
                .max_capacity(bytes)
                .weigher(|_, set: &Arc<Kept>| u32::try_from(set.bytes()).unwrap_or(u32::MAX))
                .build(),
        }
    }

    /// Forgets the sets of segments not in `live` (merged or emptied).
    pub fn forget_gone(&self, live: &HashSet<SegmentId>) {
        segment_cache::forget_gone(&self.sets, live, |(segment, _)| *segment);
    }

    #[cfg(test)]
    pub fn segments(&self) -> HashSet<SegmentId> {
        segment_cache::cached(&self.sets, |(segment, _)| *segment)
    }

    /// The cached set of `term` in `reader`'s segment, read on first use.
    fn set_of(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Arc<Kept>> {
        self.sets
            .try_get_with((reader.segment_id(), term.clone()), || {
                Bits::of_term(reader, term).map(|bits| Arc::new(Kept::of(bits)))
            })
            .map_err(|err| tantivy::TantivyError::InternalError(err.to_string()))
    }

    /// The documents of `reader`'s segment that carry every one of `terms`.
    pub fn all_of(&self, reader: &SegmentReader, terms: &[Term]) -> tantivy::Result<Bits> {
        let mut sets = Vec::with_capacity(terms.len());
        for term in terms {
            sets.push(self.set_of(reader, term)?);
        }
        // Start from the smallest set: the others only narrow it.
        sets.sort_by_key(|set| set.count());
        let mut all = match sets.first() {
            Some(smallest) => smallest.to_bits(reader.max_doc()),
            None => Bits::full(reader.max_doc()),
        };
        for set in sets.iter().skip(1) {
            set.and_into(&mut all);
        }
        Ok(all)
    }

    /// The documents of `reader`'s segment that hold at least one of `terms`: common words
    /// from their cached sets, rare ones from their posting lists.
    pub fn any_of(&self, reader: &SegmentReader, terms: &[Term]) -> tantivy::Result<Bits> {
        let max_doc = reader.max_doc();
        let mut any = Bits::from_docs(max_doc, []);
        for term in terms {
            let inverted = reader.inverted_index(term.field())?;
            let Some(info) = inverted.get_term_info(term)? else {
                continue;
            };
            if u64::from(info.doc_freq) * CACHED_FROM >= u64::from(max_doc) {
                self.set_of(reader, term)?.or_into(&mut any);
            } else {
                let mut postings =
                    inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
                any.insert_postings(&mut postings);
            }
        }
        Ok(any)
    }
}

/// The documents that match `question` (every document when there is none) and carry every
/// one of `filters`; scored by the question alone, the filters only select.
pub struct Filtered {
    question: Option<Box<dyn Query>>,
    /// The same question with its unions read by seeking (`seeking`): in a segment where the
    /// filters keep far fewer documents than the question's longest list, the filter set
    /// leads and the question is only asked about the documents it keeps.
    seeking: Option<Box<dyn Query>>,
    /// Words one of which every match of the question holds (`holding_any_of`).
    holding: Option<Vec<Term>>,
    filters: Vec<Term>,
    cache: Arc<FilterCache>,
}

impl fmt::Debug for Filtered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filtered")
            .field("question", &self.question)
            .field("seeking", &self.seeking)
            .field("holding", &self.holding)
            .field("filters", &self.filters)
            .finish()
    }
}

impl Clone for Filtered {
    fn clone(&self) -> Filtered {
        Filtered {
            question: self.question.as_ref().map(|q| q.box_clone()),
            seeking: self.seeking.as_ref().map(|q| q.box_clone()),
            holding: self.holding.clone(),
            filters: self.filters.clone(),
            cache: self.cache.clone(),
        }
    }
}

impl Filtered {
    pub fn new(
        question: Option<Box<dyn Query>>,
        seeking: Option<Box<dyn Query>>,
        filters: Vec<Term>,
        cache: Arc<FilterCache>,
    ) -> Filtered {
        Filtered {
            question,
            seeking,
            holding: None,
            filters,
            cache,
        }
    }

    /// Tells that every match of the question holds at least one of `terms` (more may hold
    /// them: the question still decides). The filter set is narrowed to the documents that
    /// do, from cached sets, before the question is asked: a question of common words with
    /// narrow filters then reads only the documents both keep.
    pub fn holding_any_of(mut self, terms: Vec<Term>) -> Filtered {
        self.holding = Some(terms);
        self
    }
}

impl Query for Filtered {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // Both forms weigh the same words: their statistics are looked up once.
        let remembered;
        let enable_scoring = match enable_scoring {
            EnableScoring::Enabled {
                searcher,
                statistics_provider,
            } => {
                remembered = Remembered::new(statistics_provider);
                EnableScoring::enabled_from_statistics_provider(&remembered, searcher)
            }
            disabled => disabled,
        };
        let question = self
            .question
            .as_ref()
            .map(|q| q.weight(enable_scoring))
            .transpose()?;
        let seeking = self
            .seeking
            .as_ref()
            .map(|q| q.weight(enable_scoring))
            .transpose()?;
        Ok(Box::new(FilteredWeight {
            question,
            seeking,
            holding: self.holding.clone(),
            filters: self.filters.clone(),
            cache: self.cache.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        if let Some(question) = &self.question {
            question.query_terms(visitor);
        }
    }
}

struct FilteredWeight {
    question: Option<Box<dyn Weight>>,
    seeking: Option<Box<dyn Weight>>,
    holding: Option<Vec<Term>>,
    filters: Vec<Term>,
    cache: Arc<FilterCache>,
}

impl Weight for FilteredWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut bits = self.cache.all_of(reader, &self.filters)?;
        let Some(question) = &self.question else {
            return Ok(Box::new(ConstScorer::new(bits_docset(bits), boost)));
        };
        if let Some(terms) = &self.holding {
            bits.and(&self.cache.any_of(reader, terms)?);
        }
        let kept = u64::from(bits.count());
        if kept == 0 {
            return Ok(Box::new(EmptyScorer));
        }
        // No list is longer than the segment: filters keeping an eighth of it or more walk,
        // without opening the seeking form at all.
        if let Some(seeking) = self
            .seeking
            .as_ref()
            .filter(|_| kept * NARROW < u64::from(reader.max_doc()))
        {
            let scorer = seeking.scorer(reader, boost)?;
            if kept * NARROW < u64::from(scorer.size_hint()) {
                return Ok(Box::new(led_scorer(scorer, bits)));
            }
        }
        Ok(Box::new(filtered_scorer(
            question.scorer(reader, boost)?,
            bits,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        match &self.question {
            Some(question) => question.explain(reader, doc),
            None => Ok(Explanation::new("every document", scorer.score())),
        }
    }
}

/// A set of documents read forward only, by the first of them at or after a position.
trait FirstFrom: Send {
    fn first_from(&mut self, from: DocId) -> DocId;

    /// The first document after `doc`, which is the current one.
    fn next_after(&mut self, doc: DocId) -> DocId {
        self.first_from(doc + 1)
    }
}

/// A [`FirstFrom`] as a tantivy `DocSet` (and `Scorer`, when it scores): the current document,
/// moved only forward, and how many documents it holds at most.
struct Walk<S> {
    source: S,
    doc: DocId,
    size: u32,
}

impl<S: FirstFrom> Walk<S> {
    fn new(mut source: S, size: u32) -> Walk<S> {
        let doc = source.first_from(0);
        Walk { source, doc, size }
    }
}

impl<S: FirstFrom> DocSet for Walk<S> {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.source.next_after(self.doc);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc != TERMINATED && self.doc < target {
            self.doc = self.source.first_from(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.size
    }
}

/// What a walk scores by: the question it asks.
trait Scored {
    fn score(&mut self) -> Score;
}

impl<S: FirstFrom + Scored + 'static> Scorer for Walk<S> {
    fn score(&mut self) -> Score {
        self.source.score()
    }
}

impl FirstFrom for Bits {
    fn first_from(&mut self, from: DocId) -> DocId {
        self.next_from(from)
    }
}

/// The documents of a filter set, in order.
fn bits_docset(bits: Bits) -> Walk<Bits> {
    let size = bits.count();
    Walk::new(bits, size)
}

/// The question's matches that are in the filter set. Each candidate is one bit test; when it
/// fails, the question jumps to the next document the filters keep, so a narrow filter skips
/// most of a long list and a broad one costs no more than the walk itself.
struct QuestionFiltered {
    question: Box<dyn Scorer>,
    bits: Bits,
}

fn filtered_scorer(question: Box<dyn Scorer>, bits: Bits) -> Walk<QuestionFiltered> {
    let size = bits.count().min(question.size_hint());
    Walk::new(QuestionFiltered { question, bits }, size)
}

impl QuestionFiltered {
    /// The question's first document, from where it stands, that the filters keep.
    fn settle(&mut self) -> DocId {
        let mut doc = self.question.doc();
        while doc != TERMINATED && !self.bits.contains(doc) {
            let next = self.bits.next_from(doc + 1);
            if next == TERMINATED {
                return TERMINATED;
            }
            doc = self.question.seek(next);
        }
        doc
    }
}

impl FirstFrom for QuestionFiltered {
    fn first_from(&mut self, from: DocId) -> DocId {
        if self.question.doc() < from {
            self.question.seek(from);
        }
        self.settle()
    }

    /// Stepping the question is cheaper than seeking it one document on.
    fn next_after(&mut self, _doc: DocId) -> DocId {
        self.question.advance();
        self.settle()
    }
}

impl Scored for QuestionFiltered {
    fn score(&mut self) -> Score {
        self.question.score()
    }
}

/// The documents of a filter set that the question holds, the filter set leading: the
/// question is only asked about each document the filters keep (`seeking::Probe`), and tells
/// how far it holds nothing, which the filter set then jumps over.
struct FilterLed {
    question: Probe,
    bits: Bits,
}

fn led_scorer(question: Box<dyn Scorer>, bits: Bits) -> Walk<FilterLed> {
    let size = bits.count().min(question.size_hint());
    Walk::new(
        FilterLed {
            question: Probe::new(question),
            bits,
        },
        size,
    )
}

impl FirstFrom for FilterLed {
    fn first_from(&mut self, from: DocId) -> DocId {
        let mut candidate = self.bits.next_from(from);
        while candidate != TERMINATED {
            match self.question.probe(candidate) {
                Ok(()) => return candidate,
                Err(bound) if bound >= TERMINATED => return TERMINATED,
                Err(bound) => candidate = self.bits.next_from(bound.max(candidate + 1)),
            }
        }
        TERMINATED
    }
}

impl Scored for FilterLed {
    fn score(&mut self) -> Score {
        self.question.score()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::{
        Index, IndexWriter, TantivyDocument,
        collector::{Count, TopDocs},
        query::{BooleanQuery, ConstScoreQuery, Occur, TermQuery},
        schema::{FAST, INDEXED, STRING, Schema},
    };

    use super::*;
    use crate::search::seeking::Seeking;

    /// Three segments of documents with two words and two filter values, some deleted: every
    /// question and combination of filters must find exactly what the same search as term
    /// queries finds, with the question's scores; the union of the two words is also read by
    /// seeking, which the narrow filters (a fifteenth of the documents, or none, against
    /// "child" in nearly all) make the filter set lead. The words the matches hold narrow the
    /// filter set from cached sets ("school", "child") and from lists read each time ("rare",
    /// two or three per segment), and change nothing found.
    #[test]
    fn filtered_searches_find_what_term_queries_find() {
        let mut builder = Schema::builder();
        let id = builder.add_u64_field("id", INDEXED | FAST);
        let word = builder.add_text_field("word", STRING);
        let colour = builder.add_u64_field("colour", INDEXED);
        let size = builder.add_u64_field("size", INDEXED);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut next = 0u64;
        for segment in 0..3u64 {
            for _ in 0..700 + segment * 300 {
                let mut doc = TantivyDocument::default();
                doc.add_u64(id, next);
                if next.is_multiple_of(3) || next.is_multiple_of(7) {
                    doc.add_text(word, "school");
                }
                if next.is_multiple_of(11) {
                    doc.add_text(word, "school");
                }
                if !next.is_multiple_of(17) {
                    doc.add_text(word, "child");
                }
                // Two or three per segment: fewer than `CACHED_FROM` asks to keep as a set.
                if next.is_multiple_of(401) {
                    doc.add_text(word, "rare");
                }
                doc.add_u64(colour, next % 5);
                doc.add_u64(size, (next / 64) % 3);
                writer.add_document(doc).unwrap();
                next += 1;
            }
            writer.commit().unwrap();
        }
        for gone in (0..next).filter(|n| n % 13 == 0) {
            writer.delete_term(Term::from_field_u64(id, gone));
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let cache = Arc::new(FilterCache::default());
        let term = |text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(word, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let words = |texts: &[&str]| -> Vec<Term> {
            texts
                .iter()
                .map(|text| Term::from_field_text(word, text))
                .collect()
        };
        let terms_of = |texts: &[&str]| -> Vec<Box<dyn Query>> {
            texts.iter().map(|text| term(text)).collect()
        };
        let union = |texts: &[&str]| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                terms_of(texts)
                    .into_iter()
                    .map(|q| (Occur::Should, q))
                    .collect(),
            ))
        };
        // The question as walked, as read by seeking, and the words one of which its matches
        // hold (some with more words than the question has, which must change nothing).
        type Question = (
            Option<Box<dyn Query>>,
            Option<Box<dyn Query>>,
            Option<Vec<Term>>,
        );
        let questions = || -> Vec<Question> {
            vec![
                (None, None, None),
                (Some(term("school")), None, None),
                (Some(term("school")), None, Some(words(&["school"]))),
                (
                    Some(union(&["school", "child"])),
                    Seeking::sum(terms_of(&["school", "child"])),
                    None,
                ),
                (
                    Some(union(&["school", "child"])),
                    Seeking::sum(terms_of(&["school", "child"])),
                    Some(words(&["child", "school"])),
                ),
                (
                    Some(union(&["school", "rare"])),
                    Seeking::sum(terms_of(&["school", "rare"])),
                    Some(words(&["rare", "school", "absent"])),
                ),
                (Some(term("rare")), None, Some(words(&["rare"]))),
                (
                    Some(term("rare")),
                    Seeking::sum(terms_of(&["rare", "absent"])),
                    Some(words(&["rare", "child"])),
                ),
            ]
        };
        let filter_sets: Vec<Vec<Term>> = vec![
            vec![],
            vec![Term::from_field_u64(colour, 2)],
            vec![
                Term::from_field_u64(colour, 2),
                Term::from_field_u64(size, 1),
            ],
            vec![Term::from_field_u64(size, 0), Term::from_field_u64(size, 1)],
            vec![Term::from_field_u64(colour, 9)],
        ];
        for terms in filter_sets {
            for (question, seeking, holding) in questions() {
                let scored = question.is_some();
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = terms
                    .iter()
                    .map(|t| {
                        let q: Box<dyn Query> = Box::new(ConstScoreQuery::new(
                            Box::new(TermQuery::new(t.clone(), IndexRecordOption::Basic)),
                            0.0,
                        ));
                        (Occur::Must, q)
                    })
                    .collect();
                clauses.push((
                    Occur::Must,
                    question.as_ref().map_or_else(
                        || Box::new(tantivy::query::AllQuery) as _,
                        |q| q.box_clone(),
                    ),
                ));
                let expected = BooleanQuery::new(clauses);
                let mut filtered = Filtered::new(question, seeking, terms.clone(), cache.clone());
                if let Some(holding) = holding {
                    filtered = filtered.holding_any_of(holding);
                }
                // Twice: the second search reads the cached sets.
                for _ in 0..2 {
                    let count = searcher.search(&filtered, &Count).unwrap();
                    assert_eq!(
                        count,
                        searcher.search(&expected, &Count).unwrap(),
                        "{terms:?}"
                    );
                    let top = TopDocs::with_limit(10_000).order_by_score();
                    let mut found = searcher.search(&filtered, &top).unwrap();
                    let mut wanted = searcher.search(&expected, &top).unwrap();
                    assert_eq!(found.len(), count);
                    found.sort_by_key(|(_, address)| *address);
                    wanted.sort_by_key(|(_, address)| *address);
                    for ((a, x), (b, y)) in found.iter().zip(&wanted) {
                        assert_eq!(x, y, "{terms:?}");
                        assert!(!scored || (a - b).abs() < 1e-4, "{terms:?} {x:?}: {a}, {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn bits_walk_and_jump() {
        let bits = Bits::from_docs(200, [0, 3, 63, 64, 130, 199, 250]);
        assert_eq!(bits.count(), 6);
        let mut walked = Vec::new();
        let mut set = bits_docset(bits.clone());
        while set.doc() != TERMINATED {
            walked.push(set.doc());
            set.advance();
        }
        assert_eq!(walked, [0, 3, 63, 64, 130, 199]);
        assert_eq!(bits.next_from(4), 63);
        assert_eq!(bits.next_from(65), 130);
        assert_eq!(bits.next_from(200), TERMINATED);
        assert!(bits.contains(199) && !bits.contains(198) && !bits.contains(10_000));
        let mut set = bits_docset(bits);
        assert_eq!(set.seek(100), 130);
        assert_eq!(set.seek(100), 130);
        assert_eq!(set.seek(131), 199);
        assert_eq!(set.seek(1_000), TERMINATED);
        assert_eq!(set.advance(), TERMINATED);
    }

    /// A sparse set kept as its documents reads back, intersects and joins as its bits do.
    #[test]
    fn sparse_sets_are_kept_small_and_read_as_bits() {
        let max_doc = 200_000;
        let sparse = Bits::from_docs(max_doc, (0..max_doc).filter(|d| d % 97 == 5));
        let dense = Bits::from_docs(max_doc, (0..max_doc).filter(|d| d % 3 != 0));
        let kept_sparse = Kept::of(sparse.clone());
        let kept_dense = Kept::of(dense.clone());
        assert!(matches!(kept_sparse, Kept::Few(_)));
        assert!(matches!(kept_dense, Kept::Bits(_)));
        assert!(
            kept_sparse.bytes() * 6 < sparse.bytes(),
            "{}",
            kept_sparse.bytes()
        );
        assert_eq!(kept_sparse.count(), sparse.count());
        assert_eq!(kept_sparse.to_bits(max_doc), sparse);
        assert_eq!(kept_dense.to_bits(max_doc), dense);

        let mut both = dense.clone();
        kept_sparse.and_into(&mut both);
        let mut expected = dense.clone();
        expected.and(&sparse);
        assert_eq!(both, expected);
        assert!(both.count() > 0 && both.count() < sparse.count());

        let mut either = dense.clone();
        kept_sparse.or_into(&mut either);
        let mut expected = dense;
        expected.or(&sparse);
        assert_eq!(either, expected);

        let empty = Kept::of(Bits::from_docs(max_doc, []));
        assert_eq!(empty.count(), 0);
        assert_eq!(empty.to_bits(max_doc), Bits::from_docs(max_doc, []));
        let last = Kept::of(Bits::from_docs(max_doc, [max_doc - 1]));
        assert_eq!(last.to_bits(max_doc).next_from(0), max_doc - 1);
    }

    #[test]
    fn full_sets_end_at_the_last_document() {
        for max_doc in [0, 1, 63, 64, 65, 130] {
            let full = Bits::full(max_doc);
            assert_eq!(full.count(), max_doc);
            let mut other = Bits::from_docs(max_doc, (0..max_doc).filter(|d| d % 3 == 0));
            other.and(&full);
            assert_eq!(other.count(), max_doc.div_ceil(3));
        }
    }
}
