//! A union of clauses (their scores summed, or the best one) read by seeking each clause's own
//! scorer to the document asked for.
//!
//! tantivy's union scorer is made to walk whole lists: it fills a window of 4,096 documents at
//! every seek. Two readers only ever seek: the question's boost, added to the best hundred
//! matches (`engine::find`), and a question whose filters let few documents through, led by
//! the filter set (`filters`). Through tantivy's union, a hundred seeks of the boost took 6 ms,
//! a quarter of a search at 1M learnings, and a narrow filter still walked every list of a
//! word nearly every learning holds; here a seek moves each clause, and nothing else.

use tantivy::{
    DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED, Term,
    query::{EnableScoring, Explanation, Query, Scorer, Weight},
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Combine {
    Sum,
    /// The best clause counts, not their sum (several synonyms of one word).
    Max,
}

#[derive(Debug)]
pub struct Seeking {
    clauses: Vec<Box<dyn Query>>,
    combine: Combine,
}

impl Clone for Seeking {
    fn clone(&self) -> Seeking {
        Seeking {
            clauses: self.clauses.iter().map(|q| q.box_clone()).collect(),
            combine: self.combine,
        }
    }
}

impl Seeking {
    /// Every clause found in a document adds its score.
    pub fn sum(clauses: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
        Seeking::of(clauses, Combine::Sum)
    }

    /// The best clause found in a document gives its score.
    pub fn max(clauses: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
        Seeking::of(clauses, Combine::Max)
    }

    fn of(mut clauses: Vec<Box<dyn Query>>, combine: Combine) -> Option<Box<dyn Query>> {
        match clauses.len() {
            0 => None,
            1 => clauses.pop(),
            _ => Some(Box::new(Seeking { clauses, combine })),
        }
    }
}

impl Query for Seeking {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let clauses = self
            .clauses
            .iter()
            .map(|q| q.weight(enable_scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(SeekingWeight {
            clauses,
            combine: self.combine,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct SeekingWeight {
    clauses: Vec<Box<dyn Weight>>,
    combine: Combine,
}

impl Weight for SeekingWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let clauses = self
            .clauses
            .iter()
            .map(|w| w.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let doc = clauses.iter().map(|c| c.doc()).min().unwrap_or(TERMINATED);
        Ok(Box::new(SeekingScorer {
            clauses: clauses.into_iter().map(Probe::new).collect(),
            combine: self.combine,
            doc,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("any of", scorer.score()))
    }
}

/// A scorer moved only forward to documents asked about, by `seek` or by `seek_danger` (which
/// may stop at the document asked about and answer "not here": a phrase then reads the
/// positions of that document only, instead of walking on to its next match).
pub struct Probe {
    scorer: Box<dyn Scorer>,
    state: State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Standing on a document it holds (or `TERMINATED`).
    At(DocId),
    /// Left by a `seek_danger` miss: it holds nothing before this document, and must only be
    /// asked again with `seek_danger` until it answers "here".
    Beyond(DocId),
}

impl Probe {
    pub fn new(scorer: Box<dyn Scorer>) -> Probe {
        let state = State::At(scorer.doc());
        Probe { scorer, state }
    }

    /// Whether the scorer holds `target`; if not, a document before which it holds nothing.
    /// `target`s must increase from one call to the next.
    pub fn probe(&mut self, target: DocId) -> Result<(), DocId> {
        match self.state {
            State::At(doc) if doc == target => return Ok(()),
            State::At(doc) | State::Beyond(doc) if doc > target => return Err(doc),
            _ => {}
        }
        match self.scorer.seek_danger(target) {
            SeekDangerResult::Found => {
                self.state = State::At(target);
                Ok(())
            }
            SeekDangerResult::SeekLowerBound(bound) => {
                self.state = State::Beyond(bound);
                Err(bound)
            }
        }
    }

    /// The first document at or after `target` the scorer holds.
    pub fn seek(&mut self, target: DocId) -> DocId {
        let mut target = target;
        loop {
            match self.state {
                State::At(doc) if doc >= target => return doc,
                State::At(_) => {
                    let doc = self.scorer.seek(target);
                    self.state = State::At(doc);
                    return doc;
                }
                State::Beyond(_) if target >= TERMINATED => {
                    self.state = State::At(TERMINATED);
                    return TERMINATED;
                }
                State::Beyond(bound) => match self.probe(target.max(bound)) {
                    Ok(()) => return target.max(bound),
                    Err(bound) => target = bound,
                },
            }
        }
    }

    /// The document it stands on, when it stands on one.
    fn at(&self) -> Option<DocId> {
        match self.state {
            State::At(doc) => Some(doc),
            State::Beyond(_) => None,
        }
    }

    pub fn score(&mut self) -> Score {
        self.scorer.score()
    }
}

struct SeekingScorer {
    clauses: Vec<Probe>,
    combine: Combine,
    doc: DocId,
}

impl DocSet for SeekingScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let next = self.doc + 1;
        self.seek(next)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut doc = TERMINATED;
        for clause in &mut self.clauses {
            doc = doc.min(clause.seek(target));
        }
        self.doc = doc;
        doc
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        let mut found = false;
        let mut bound = TERMINATED;
        for clause in &mut self.clauses {
            match clause.probe(target) {
                Ok(()) => found = true,
                Err(next) => bound = bound.min(next),
            }
        }
        if found {
            self.doc = target;
            SeekDangerResult::Found
        } else {
            // Not standing on a document: only `seek_danger` may follow, as for any docset.
            self.doc = bound;
            SeekDangerResult::SeekLowerBound(bound)
        }
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.clauses
            .iter()
            .map(|c| c.scorer.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for SeekingScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let scores = self
            .clauses
            .iter_mut()
            .filter(|clause| clause.at() == Some(doc))
            .map(|clause| clause.score());
        match self.combine {
            Combine::Sum => scores.sum(),
            Combine::Max => scores.fold(0.0, Score::max),
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::{
        DocAddress, Index, IndexWriter, TantivyDocument,
        collector::TopDocs,
        query::{BooleanQuery, DisjunctionMaxQuery, Occur, PhraseQuery, TermQuery},
        schema::{IndexRecordOption, STRING, Schema, TEXT},
    };

    use super::*;

    /// The same scores as tantivy's own union and disjunction-max, for every document.
    #[test]
    fn seeking_unions_score_as_tantivys_do() {
        let mut builder = Schema::builder();
        let title = builder.add_text_field("title", STRING);
        let body = builder.add_text_field("body", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for n in 0..5_000u32 {
            let mut doc = TantivyDocument::default();
            if n.is_multiple_of(3) {
                doc.add_text(title, "school");
            }
            if n.is_multiple_of(5) {
                doc.add_text(body, "school");
            }
            if n.is_multiple_of(7) {
                doc.add_text(body, "teacher");
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |field, word: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, word),
                IndexRecordOption::WithFreqs,
            ))
        };
        let clauses = || {
            vec![
                term(title, "school"),
                term(body, "school"),
                term(body, "teacher"),
            ]
        };
        let union = BooleanQuery::new(clauses().into_iter().map(|q| (Occur::Should, q)).collect());
        let best = DisjunctionMaxQuery::new(clauses());
        for (ours, theirs) in [
            (
                Seeking::sum(clauses()).unwrap(),
                Box::new(union) as Box<dyn Query>,
            ),
            (
                Seeking::max(clauses()).unwrap(),
                Box::new(best) as Box<dyn Query>,
            ),
        ] {
            let top = TopDocs::with_limit(5_000).order_by_score();
            let mut found: Vec<(Score, DocAddress)> = searcher.search(&*ours, &top).unwrap();
            let mut wanted: Vec<(Score, DocAddress)> = searcher.search(&*theirs, &top).unwrap();
            found.sort_by_key(|(_, address)| *address);
            wanted.sort_by_key(|(_, address)| *address);
            assert_eq!(found.len(), wanted.len());
            for ((a, x), (b, y)) in found.iter().zip(&wanted) {
                assert_eq!(x, y);
                assert!((a - b).abs() < 1e-4, "{x:?}: {a} against {b}");
            }
            // Seeking sparse documents gives the same scores as walking.
            let weight = ours
                .weight(EnableScoring::enabled_from_searcher(&searcher))
                .unwrap();
            let mut scorer = weight.scorer(searcher.segment_reader(0), 1.0).unwrap();
            for (score, address) in wanted.iter().step_by(97) {
                assert_eq!(scorer.seek(address.doc_id), address.doc_id);
                assert!((scorer.score() - score).abs() < 1e-4);
            }
        }
    }

    /// A phrase asked about documents one by one answers as seeking it would, and a seek after
    /// a miss finds the next match.
    #[test]
    fn probes_answer_as_seeks_do() {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for n in 0..3_000u32 {
            let text = match n % 3 {
                0 => "child labour monitoring",
                1 => "labour of a child",
                _ => "child",
            };
            let mut doc = TantivyDocument::default();
            doc.add_text(body, text);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let phrase = PhraseQuery::new(vec![
            Term::from_field_text(body, "child"),
            Term::from_field_text(body, "labour"),
        ]);
        let weight = phrase
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let reader = searcher.segment_reader(0);
        let mut probe = Probe::new(weight.scorer(reader, 1.0).unwrap());
        for target in (1..2_000u32).step_by(7) {
            match probe.probe(target) {
                Ok(()) => assert_eq!(target % 3, 0, "{target}"),
                Err(bound) => {
                    assert_ne!(target % 3, 0, "{target}");
                    assert!(bound > target, "{target}: {bound}");
                }
            }
        }
        // From wherever the misses left it, a seek finds the next match.
        assert_eq!(probe.seek(2_001), 2_001);
        assert_eq!(probe.seek(2_002), 2_004);
        assert!(probe.score() > 0.0);
        assert_eq!(probe.seek(3_000), TERMINATED);
    }
}
