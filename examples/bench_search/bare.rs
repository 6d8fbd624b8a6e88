//! The bare SQL search: the previous search's two statements (`sql_search`), nothing else.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use axum::{
    Router,
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::IntoResponse,
};
use fora::{
    learnings::search::{Audience, PER_PAGE, Search, SearchParams},
    taxonomy::Taxonomy,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use crate::{
    experiments::variant,
    sql_search::{self, SqlSearch},
};

pub struct Bare {
    pub total: u64,
    pub hits: Vec<(i32, String, String)>,
    pub facet_rows: usize,
    /// Time in the facet statement and in the page statement.
    pub facets_time: Duration,
    pub page_time: Duration,
}

pub async fn bare_search(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    query: Option<&str>,
    variants: &[String],
) -> Result<Bare, DbErr> {
    let backend = db.get_database_backend();
    let search = SqlSearch::of(&Search::resolve(
        SearchParams::from_query(query),
        taxonomy,
        Audience::Public,
    ));
    let started = Instant::now();
    let rows = db
        .query_all_raw(variant(
            sql_search::facets_statement(&search, backend),
            variants,
        ))
        .await?;
    let mut total = 0;
    for row in &rows {
        let facet: String = row.try_get("", "facet")?;
        let _value: Option<String> = row.try_get("", "value")?;
        let n: i64 = row.try_get("", "n")?;
        if facet == "status" {
            total += n as u64;
        }
    }
    let facets_time = started.elapsed();
    let started = Instant::now();
    let mut hits = Vec::new();
    if total > 0 {
        // As `search::run`: the page clamped to the last one.
        let pages = total.div_ceil(PER_PAGE).max(1);
        let page = search.page.min(pages);
        for row in db
            .query_all_raw(variant(
                sql_search::page_statement(&search, backend, (page - 1) * PER_PAGE),
                variants,
            ))
            .await?
        {
            hits.push((
                row.try_get("", "id")?,
                row.try_get("", "title")?,
                row.try_get::<Option<String>>("", "snippet")?
                    .unwrap_or_default(),
            ));
        }
    }
    Ok(Bare {
        total,
        hits,
        facet_rows: rows.len(),
        facets_time,
        page_time: started.elapsed(),
    })
}

pub async fn bare_sql(port: &str, url: &str) -> anyhow::Result<()> {
    let port: u16 = port.parse().context("PORT must be a number")?;
    let db = fora::db::connect(url).await?;
    let taxonomy = Arc::new(Taxonomy::load(&db).await?);
    let state = (db, taxonomy);
    let app = Router::new()
        .fallback(
            |State((db, taxonomy)): State<(DatabaseConnection, Arc<Taxonomy>)>,
             RawQuery(query): RawQuery| async move {
                match bare_search(&db, &taxonomy, query.as_deref(), &[]).await {
                    Ok(result) => {
                        let mut body = format!("total {}\n", result.total);
                        for (id, title, snippet) in &result.hits {
                            body.push_str(&format!("{id}\t{title}\t{snippet}\n"));
                        }
                        ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
                            .into_response()
                    }
                    Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
                }
            },
        )
        .with_state(state);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!("bare SQL search listening on {addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
