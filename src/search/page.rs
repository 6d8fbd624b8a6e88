//! One page of a search: the query built from the words and filters, exact counts over every
//! match, the ids of the page asked for (clamped to the last page), and what snippets need.

use std::sync::Arc;

use tantivy::{Searcher, query::Query};

use super::{
    Availability, SearchError, SearchIndex,
    engine::{Engine, Found, Ranking},
    query::{Builder, Filter},
    query_text::TextQuery,
    schema::{Fields, Kind},
    spelling::{self, Speller, Spelling},
};

pub struct Results {
    pub engine: Arc<Engine>,
    pub searcher: Searcher,
    /// The question's words, matching and boost (what highlighting marks), when there were
    /// words.
    pub question: Option<Arc<dyn Query>>,
    pub found: Found,
    pub page: u64,
    pub pages: u64,
    /// Whether the words were searched as typed.
    pub spelling: Spelling,
}

/// The page to show of `total` matches: the one asked for, or the last one; and how many.
pub fn clamp(page: u64, total: u64, per_page: u64) -> (u64, u64) {
    let pages = total.div_ceil(per_page.max(1)).max(1);
    (page.clamp(1, pages), pages)
}

impl SearchIndex {
    /// `None` while the index is being rebuilt.
    ///
    /// Words that nothing in the search's scope holds are checked for slips (`spelling`):
    /// when the question as typed finds nothing, the corrected one is searched instead; when
    /// it finds something, the results stay those of the words as typed, and a correction is
    /// only offered, when it is likely a slip (`Speller::worth_offering`).
    pub async fn page(
        &self,
        kind: Kind,
        text: &TextQuery,
        filters: impl FnOnce(&Fields) -> Vec<Filter>,
        ranking: Ranking,
        page: u64,
        per_page: u64,
    ) -> Result<Option<Results>, SearchError> {
        let Availability::Ready(engine) = self.ready().await? else {
            return Ok(None);
        };
        let searcher = engine.searcher();
        let mut filters = filters(&engine.fields);
        filters.push(Filter::Number(engine.fields.kind, kind.code()));
        let mut speller = Speller::new(
            &engine.fields,
            &searcher,
            engine.filters.clone(),
            filters.iter().map(Filter::term).collect(),
        );
        let corrections = if text.as_typed || text.is_empty() {
            Vec::new()
        } else {
            speller.corrections(text)
        };
        let search = Search {
            engine: &engine,
            searcher: &searcher,
            filters: &filters,
            ranking,
            per_page: per_page.max(1),
        };
        let mut results = search.run(text, page).await?;
        if corrections.is_empty() {
            return Ok(Some(results));
        }
        if results.found.counts.total == 0 {
            let corrected = text.with_words(|word| spelling::replacement(&corrections, word));
            results = search.run(&corrected, page).await?;
            results.spelling = Spelling::Corrected(corrections);
        } else {
            let offered = speller.worth_offering(corrections);
            if !offered.is_empty() {
                results.spelling = Spelling::Offered(offered);
            }
        }
        Ok(Some(results))
    }
}

/// One search of a page: what stays the same when the question is corrected.
struct Search<'a> {
    engine: &'a Arc<Engine>,
    searcher: &'a Searcher,
    filters: &'a [Filter],
    ranking: Ranking,
    per_page: u64,
}

impl Search<'_> {
    async fn run(&self, text: &TextQuery, page: u64) -> Result<Results, SearchError> {
        let Search {
            engine,
            searcher,
            ranking,
            per_page,
            ..
        } = *self;
        let mut builder = Builder::new(&engine.fields, searcher, engine.filters.clone());
        if let Some(language) = text.reader_language {
            builder = builder.preferring(language);
        }
        let built = builder.build(text, self.filters);
        let query: Arc<dyn Query> = Arc::from(built.query);
        let boost: Option<Arc<dyn Query>> = built.boost.map(Arc::from);
        let question: Option<Arc<dyn Query>> = built.scoring.map(Arc::from);
        // No page lies beyond the whole index: an absurd page number must not become an
        // absurd offset (the engine keeps offset + limit documents while it ranks).
        let (page, _) = clamp(page, searcher.num_docs(), per_page);
        let (found, page) = {
            let (engine, searcher) = ((*engine).clone(), searcher.clone());
            tokio::task::spawn_blocking(move || -> Result<(Found, u64), SearchError> {
                let offset = |page: u64| ((page - 1).saturating_mul(per_page)) as usize;
                let limit = per_page as usize;
                let find = |page: u64| {
                    engine.find(
                        &searcher,
                        &*query,
                        boost.as_deref(),
                        ranking,
                        offset(page),
                        limit,
                    )
                };
                let mut found = find(page)?;
                let (clamped, _) = clamp(page, found.counts.total, per_page);
                if clamped != page {
                    found = find(clamped)?;
                }
                Ok((found, clamped))
            })
            .await
            .map_err(|e| SearchError::Engine(e.to_string()))??
        };
        let (_, pages) = clamp(page, found.counts.total, per_page);
        Ok(Results {
            engine: (*engine).clone(),
            searcher: searcher.clone(),
            question,
            found,
            page,
            pages,
            spelling: Spelling::AsTyped,
        })
    }
}
