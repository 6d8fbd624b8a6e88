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
}

/// The page to show of `total` matches: the one asked for, or the last one; and how many.
pub fn clamp(page: u64, total: u64, per_page: u64) -> (u64, u64) {
    let pages = total.div_ceil(per_page.max(1)).max(1);
    (page.clamp(1, pages), pages)
}

impl SearchIndex {
    /// `None` while the index is being rebuilt.
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
        let mut builder = Builder::new(&engine.fields, &searcher, engine.filters.clone());
        if let Some(language) = text.reader_language {
            builder = builder.preferring(language);
        }
        let built = builder.build(text, &filters);
        let query: Arc<dyn Query> = Arc::from(built.query);
        let boost: Option<Arc<dyn Query>> = built.boost.map(Arc::from);
        let question: Option<Arc<dyn Query>> = built.scoring.map(Arc::from);
        let per_page = per_page.max(1);
        // No page lies beyond the whole index: an absurd page number must not become an
        // absurd offset (the engine keeps offset + limit documents while it ranks).
        let (page, _) = clamp(page, searcher.num_docs(), per_page);
        let (found, page) = {
            let (engine, searcher) = (engine.clone(), searcher.clone());
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
        Ok(Some(Results {
            engine,
            searcher,
            question,
            found,
            page,
            pages,
        }))
    }
}
