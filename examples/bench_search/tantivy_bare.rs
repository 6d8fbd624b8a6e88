//! The bare tantivy search: the engine step of the application's search, nothing else. The
//! same index opened read-only with tantivy directly, the query built by the application's
//! `query::Builder` from the same parameters, run with the same exact facet collector and the
//! top 10 — no middleware, no session, no change-log check, no rows read from the database,
//! no rendering. Answers the total and the ids as plain text.

use std::{net::SocketAddr, path::Path, sync::Arc};

use anyhow::Context;
use axum::{
    Router,
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::IntoResponse,
};
use fora::{
    learnings::search::{Audience, PER_PAGE, Search, SearchParams, Sort},
    search::{
        analysis,
        collect::Counts,
        engine::{self, Ranking},
        facet_table::FacetTables,
        filters::FilterCache,
        query::{Builder, Built, Filter},
        schema::{Fields, Kind},
    },
    taxonomy::Taxonomy,
};
use tantivy::{Index, IndexReader, ReloadPolicy};

struct Bare {
    fields: Fields,
    filters: Arc<FilterCache>,
    facets: Arc<FacetTables>,
    reader: IndexReader,
    taxonomy: Taxonomy,
}

/// The filters of a search as the index knows them: the app's own, and its kind (learnings),
/// which the app adds as it pages (`search::page`).
pub fn filters(search: &Search, fields: &Fields) -> Vec<Filter> {
    let mut out = fora::learnings::search::index_filters(search, fields);
    out.push(Filter::Number(fields.kind, Kind::Learning.code()));
    out
}

/// The application's engine step (`search::engine::find`), on this read-only searcher.
fn run(
    searcher: &tantivy::Searcher,
    facets: &Arc<FacetTables>,
    query: &Built,
    sort: Sort,
    offset: usize,
) -> tantivy::Result<(Counts, Vec<i32>)> {
    let ranking = match sort {
        Sort::Relevance => Ranking::Relevance,
        Sort::Newest => Ranking::Newest,
    };
    let found = engine::find(
        searcher,
        facets,
        &*query.query,
        query.boost.as_deref(),
        ranking,
        offset,
        PER_PAGE as usize,
    )?;
    Ok((found.counts, found.ids))
}

fn answer(bare: &Bare, raw: Option<&str>) -> tantivy::Result<String> {
    let search = Search::resolve(
        SearchParams::from_query(raw),
        &bare.taxonomy,
        Audience::Public,
    );
    let searcher = bare.reader.searcher();
    let query = Builder::new(&bare.fields, &searcher, bare.filters.clone())
        .build(&search.text, &filters(&search, &bare.fields));
    let offset = |page: u64| ((page - 1) * PER_PAGE) as usize;
    let (mut counts, mut ids) = run(
        &searcher,
        &bare.facets,
        &query,
        search.sort,
        offset(search.page),
    )?;
    // As the application: a page past the last one shows the last one.
    let last = counts.total.div_ceil(PER_PAGE).max(1);
    if search.page > last {
        (counts, ids) = run(&searcher, &bare.facets, &query, search.sort, offset(last))?;
    }
    let mut body = format!("total {}\n", counts.total);
    for id in ids {
        body.push_str(&format!("{id}\n"));
    }
    Ok(body)
}

pub async fn bare_tantivy(port: &str, index_dir: &str, url: &str) -> anyhow::Result<()> {
    let port: u16 = port.parse().context("PORT must be a number")?;
    let index = Index::open_in_dir(Path::new(index_dir))
        .with_context(|| format!("cannot open the index in {index_dir}"))?;
    analysis::register(&index);
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    // Filter codes (country=GH, theme=…) resolve against the taxonomy, read once.
    let db = fora::db::connect(url).await?;
    let taxonomy = Taxonomy::load(&db).await?;
    db.close().await?;
    let bare = Arc::new(Bare {
        fields: Fields::new(),
        filters: Arc::default(),
        facets: Arc::default(),
        reader,
        taxonomy,
    });
    let app = Router::new()
        .fallback(
            |State(bare): State<Arc<Bare>>, RawQuery(query): RawQuery| async move {
                let result =
                    tokio::task::spawn_blocking(move || answer(&bare, query.as_deref())).await;
                match result {
                    Ok(Ok(body)) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
                        .into_response(),
                    Ok(Err(e)) => {
                        (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
                    }
                    Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
                }
            },
        )
        .with_state(bare);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!("bare tantivy search listening on {addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
