//! One tantivy index in a folder: opening it (or finding it unusable), writing changes with the
//! log position they reach, and answering a search with exact counts.

use std::{
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, Ordering},
    },
};

use serde::{Deserialize, Serialize};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, Searcher,
    SegmentOrdinal, TantivyDocument, Term,
    collector::TopDocs,
    query::{EnableScoring, Query, Scorer},
    snippet::{Snippet, SnippetGenerator},
};

use super::{
    analysis,
    collect::{Counts, FacetCounts},
    facet_table::FacetTables,
    filters::FilterCache,
    schema::{Fields, SCHEMA_VERSION},
    segment_cache, synonyms,
};

/// Heap for the index writer (tantivy's minimum per thread is 15 MB).
const WRITER_HEAP: usize = 50_000_000;

/// What a commit records beside the documents.
#[derive(Debug, Serialize, Deserialize)]
pub struct Stamp {
    pub schema: u32,
    /// The last change log row the index reflects. Only complete indexes carry a stamp: a
    /// rebuild commits once, at its end, so an interrupted one has none.
    pub position: i64,
    /// The thesaurus its phrases were found with (`synonyms::fingerprint`).
    #[serde(default)]
    pub thesaurus: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("no index here yet")]
    Missing,
    #[error("index written for schema {0}, this release reads {SCHEMA_VERSION}")]
    Outdated(u32),
    #[error("index written with another thesaurus")]
    OtherThesaurus,
    #[error("index was not finished")]
    Incomplete,
    #[error("another process is writing this index")]
    Busy,
    #[error("unreadable index: {0}")]
    Broken(String),
}

pub struct Engine {
    pub fields: Fields,
    /// The filter sets of this index's segments, shared by its searches.
    pub filters: Arc<FilterCache>,
    /// The facet codes of this index's segments, shared by its searches.
    pub facets: Arc<FacetTables>,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    position: AtomicI64,
}

/// The matches of one search: total, counts and the documents of the page asked for.
pub struct Found {
    pub counts: Counts,
    pub ids: Vec<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ranking {
    Relevance,
    Newest,
}

fn broken(err: impl std::fmt::Display) -> OpenError {
    OpenError::Broken(err.to_string())
}

fn writer_of(index: &Index) -> Result<IndexWriter, OpenError> {
    index
        .writer_with_num_threads(1, WRITER_HEAP)
        .map_err(|err| match err {
            tantivy::TantivyError::LockFailure(..) => OpenError::Busy,
            other => broken(other),
        })
}

impl Engine {
    /// Opens the index in `dir` when it is complete and of this schema.
    pub fn open(dir: &Path) -> Result<Engine, OpenError> {
        if !dir.join("meta.json").exists() {
            return Err(OpenError::Missing);
        }
        let index = Index::open_in_dir(dir).map_err(broken)?;
        let stamp: Stamp = index
            .load_metas()
            .map_err(broken)?
            .payload
            .and_then(|p| serde_json::from_str(&p).ok())
            .ok_or(OpenError::Incomplete)?;
        if stamp.schema != SCHEMA_VERSION {
            return Err(OpenError::Outdated(stamp.schema));
        }
        if stamp.thesaurus != synonyms::fingerprint() {
            return Err(OpenError::OtherThesaurus);
        }
        let fields = Fields::new();
        if index.schema() != fields.schema {
            return Err(OpenError::Outdated(stamp.schema));
        }
        Engine::with(index, fields, stamp.position)
    }

    /// A new, empty index in `dir` (which must be empty or missing).
    pub fn create(dir: &Path) -> Result<Engine, OpenError> {
        std::fs::create_dir_all(dir).map_err(broken)?;
        let fields = Fields::new();
        let index = Index::create_in_dir(dir, fields.schema.clone()).map_err(broken)?;
        Engine::with(index, fields, 0)
    }

    fn with(index: Index, fields: Fields, position: i64) -> Result<Engine, OpenError> {
        analysis::register(&index);
        let writer = writer_of(&index)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(broken)?;
        Ok(Engine {
            fields,
            filters: Arc::default(),
            facets: Arc::default(),
            reader,
            writer: Mutex::new(writer),
            position: AtomicI64::new(position),
        })
    }

    pub fn position(&self) -> i64 {
        self.position.load(Ordering::SeqCst)
    }

    /// Replaces the documents of the `removed` keys by `documents` (those still in the
    /// database), and commits them with the log position they bring the index to. Blocking.
    pub fn write(
        &self,
        removed: &[u64],
        documents: Vec<TantivyDocument>,
        position: i64,
    ) -> tantivy::Result<()> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for key in removed {
            writer.delete_term(Term::from_field_u64(self.fields.key, *key));
        }
        for document in documents {
            writer.add_document(document)?;
        }
        let mut commit = writer.prepare_commit()?;
        let stamp = Stamp {
            schema: SCHEMA_VERSION,
            position,
            thesaurus: synonyms::fingerprint(),
        };
        commit.set_payload(&serde_json::to_string(&stamp).expect("a stamp serializes"));
        commit.commit()?;
        self.reader.reload()?;
        let live = segment_cache::live_segments(&self.reader.searcher());
        self.filters.forget_gone(&live);
        self.facets.forget_gone(&live);
        self.position.store(position, Ordering::SeqCst);
        Ok(())
    }

    /// Adds documents without committing: the bulk of a rebuild.
    pub fn add(&self, documents: Vec<TantivyDocument>) -> tantivy::Result<()> {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for document in documents {
            writer.add_document(document)?;
        }
        Ok(())
    }

    /// Waits for background merges, so the folder can be moved and reopened.
    pub fn finish(self) -> tantivy::Result<()> {
        let writer = self.writer.into_inner().unwrap_or_else(|e| e.into_inner());
        writer.wait_merging_threads()
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Runs `query`: exact counts over every match, and `limit` ids from `offset` in the
    /// ranking asked for.
    pub fn find(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        boost: Option<&dyn Query>,
        ranking: Ranking,
        offset: usize,
        limit: usize,
    ) -> tantivy::Result<Found> {
        find(searcher, &self.facets, query, boost, ranking, offset, limit)
    }

    /// A highlighter of `query`'s words in a description written in `language` (the words
    /// matched in that language's combined field, read by its analyzer).
    pub fn highlighter(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        language: &str,
    ) -> Option<SnippetGenerator> {
        let mut generator =
            SnippetGenerator::create(searcher, query, self.fields.all.of(language)).ok()?;
        generator.set_max_num_chars(300);
        Some(generator)
    }

    /// Every document the index holds (for tests and `fora search check`).
    pub fn count(&self) -> u64 {
        self.searcher().num_docs()
    }
}

/// A snippet as text with `start`/`end` around highlighted words, and "…" where it was cut.
pub fn marked(snippet: &Snippet, text_len: usize, start: char, end: char) -> String {
    let fragment = snippet.fragment();
    let mut out = String::with_capacity(fragment.len() + 16);
    let range = snippet.fragment_range();
    if range.start > 0 {
        out.push('…');
    }
    let mut at = 0;
    for highlight in snippet.highlighted() {
        if highlight.start < at || highlight.end > fragment.len() {
            continue;
        }
        out.push_str(&fragment[at..highlight.start]);
        out.push(start);
        out.push_str(&fragment[highlight.clone()]);
        out.push(end);
        at = highlight.end;
    }
    out.push_str(&fragment[at..]);
    if range.end < text_len {
        out.push('…');
    }
    out
}

/// How many of the best matches by their words get the question's boost (title, project,
/// words near each other) before they are ranked: the boost is seeked document by document,
/// so it is read for this many documents and not for every match. A document below this
/// rank by its words keeps its place, after them.
pub const BOOSTED: usize = 100;

/// The engine step of every search, on any searcher of an index with this schema (the
/// benchmark's bare baseline opens one read-only): exact counts over every match, and
/// `limit` ids from `offset` in the ranking asked for. Ranked by relevance, every match is
/// scored by its words, and the best [`BOOSTED`] of them get `boost` on top.
pub fn find(
    searcher: &Searcher,
    tables: &Arc<FacetTables>,
    query: &dyn Query,
    boost: Option<&dyn Query>,
    ranking: Ranking,
    offset: usize,
    limit: usize,
) -> tantivy::Result<Found> {
    let facets = FacetCounts {
        tables: tables.clone(),
    };
    // A collector keeps at least one document; the page still holds `limit`.
    let kept = limit.max(1);
    let (counts, addresses): (Counts, Vec<DocAddress>) = match ranking {
        Ranking::Relevance => {
            let top = TopDocs::with_limit(BOOSTED.max(offset.saturating_add(kept)));
            let (counts, mut top) = searcher.search(query, &(facets, top.order_by_score()))?;
            if let Some(boost) = boost {
                boosted(searcher, boost, &mut top)?;
            }
            let page = top.into_iter().skip(offset).take(limit);
            (counts, page.map(|(_, a)| a).collect())
        }
        Ranking::Newest => {
            let top = TopDocs::with_limit(kept).and_offset(offset);
            let (counts, top) = searcher.search(
                query,
                &(
                    facets,
                    top.order_by_fast_field::<i64>("newest", Order::Desc),
                ),
            )?;
            (counts, top.into_iter().map(|(_, a)| a).collect())
        }
    };
    let mut ids = Vec::with_capacity(addresses.len());
    for address in addresses.into_iter().take(limit) {
        let column = searcher
            .segment_reader(address.segment_ord)
            .fast_fields()
            .u64("id")?;
        if let Some(id) = column.first(address.doc_id) {
            ids.push(id as i32);
        }
    }
    Ok(Found { counts, ids })
}

/// Adds `boost`'s score to the first [`BOOSTED`] of `ranked` (best first, as the collector
/// gave them) and ranks those again; the rest keep their order after them.
fn boosted(
    searcher: &Searcher,
    boost: &dyn Query,
    ranked: &mut [(Score, DocAddress)],
) -> tantivy::Result<()> {
    let boosted = BOOSTED.min(ranked.len());
    let best = &mut ranked[..boosted];
    let weight = boost.weight(EnableScoring::enabled_from_searcher(searcher))?;
    // A scorer only moves forward: visit the documents segment by segment, in order.
    let mut order: Vec<usize> = (0..best.len()).collect();
    order.sort_by_key(|&at| best[at].1);
    let mut scorer: Option<(SegmentOrdinal, Box<dyn Scorer>)> = None;
    for at in order {
        let address = best[at].1;
        let scorer = match &mut scorer {
            Some((segment, scorer)) if *segment == address.segment_ord => scorer,
            slot => {
                let reader = searcher.segment_reader(address.segment_ord);
                &mut slot
                    .insert((address.segment_ord, weight.scorer(reader, 1.0)?))
                    .1
            }
        };
        if scorer.doc() < address.doc_id {
            scorer.seek(address.doc_id);
        }
        if scorer.doc() == address.doc_id {
            best[at].0 += scorer.score();
        }
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        entities::learnings::LearningStatus,
        search::{
            documents::{self, Labels, Learning, Row},
            query::{Builder, Filter},
            query_text::TextQuery,
            schema::Kind,
        },
    };

    fn learning(id: i32) -> Learning {
        Learning {
            row: Row {
                id,
                title: "Keeping children in school".into(),
                description: "Cash transfers kept children in school.".into(),
                project_title: "Education project".into(),
                learning_type: "lesson_learned".into(),
                language: "en".into(),
                status: LearningStatus::Published,
                year: Some(2020),
                evaluation_type_id: None,
                sector_id: None,
                intervention_type_id: None,
                cycle_stage_id: None,
                criterion_id: None,
                published_at: None,
            },
            country_ids: Vec::new(),
            theme_ids: Vec::new(),
        }
    }

    /// A question filtered by status, with its facet counts: it fills both caches.
    fn search(engine: &Engine) -> u64 {
        let searcher = engine.searcher();
        let published = documents::status_code(LearningStatus::Published);
        let built = Builder::new(&engine.fields, &searcher, engine.filters.clone()).build(
            &TextQuery::parse("school"),
            &[Filter::Number(engine.fields.status, published)],
        );
        let found = engine
            .find(
                &searcher,
                built.query.as_ref(),
                None,
                Ranking::Relevance,
                0,
                10,
            )
            .unwrap();
        found.counts.total
    }

    /// A segment whose documents are all replaced is dropped at the commit: its filter sets
    /// and facet table go with it, whatever room the caches have left.
    #[test]
    fn caches_forget_the_segments_that_are_gone() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::create(dir.path()).unwrap();
        let document =
            |id| documents::learning_document(&engine.fields, &learning(id), &Labels::default());
        engine.write(&[], vec![document(1)], 1).unwrap();
        assert_eq!(search(&engine), 1);
        let first = segment_cache::live_segments(&engine.searcher());
        assert_eq!(engine.filters.segments(), first);
        assert_eq!(engine.facets.segments(), first);

        let key = Kind::Learning.key(1);
        engine.write(&[key], vec![document(2)], 2).unwrap();
        let second = segment_cache::live_segments(&engine.searcher());
        assert!(first.is_disjoint(&second), "the emptied segment is dropped");
        assert!(engine.filters.segments().is_empty());
        assert!(engine.facets.segments().is_empty());
        assert_eq!(search(&engine), 1);
        assert_eq!(engine.filters.segments(), second);
        assert_eq!(engine.facets.segments(), second);
    }
}
