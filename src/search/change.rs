//! The search change log: every write that changes what search shows adds rows here in its own
//! transaction, and every instance applies the rows in `id` order (`super::SearchIndex`).
//!
//! On PostgreSQL, ids come from a sequence when the row is inserted, but transactions commit in
//! any order: an instance that read up to id 7 while id 6 was still uncommitted would skip 6
//! for ever. A transaction-level advisory lock taken before inserting makes writers of the log
//! take turns until they commit, so ids become visible in order. SQLite has one writer anyway.

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DbErr, FromQueryResult, Statement,
    sea_query::{Alias, Query},
};

/// What a change row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    Learning(i32),
    Product(i32),
    /// Everything: `fora search reindex` while a server owns the index, or a bulk change.
    Rebuild,
}

impl Item {
    fn stored(self) -> (&'static str, i32) {
        match self {
            Item::Learning(id) => (LEARNING, id),
            Item::Product(id) => (PRODUCT, id),
            Item::Rebuild => (REBUILD, 0),
        }
    }
}

const LEARNING: &str = "learning";
const PRODUCT: &str = "product";
const REBUILD: &str = "rebuild";
/// Any number will do, as long as nothing else in Fora takes the same advisory lock.
const LOG_LOCK: i64 = 0x666f_7261_7365_6172;

/// Records that `items` changed, inside the caller's transaction.
pub async fn record(db: &impl ConnectionTrait, items: &[Item]) -> Result<(), DbErr> {
    if items.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_advisory_xact_lock($1)",
            [LOG_LOCK.into()],
        ))
        .await?;
    }
    let now = crate::db::now();
    for chunk in items.chunks(300) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new("search_changes")).columns([
            Alias::new("item_kind"),
            Alias::new("item_id"),
            Alias::new("created_at"),
        ]);
        for item in chunk {
            let (kind, id) = item.stored();
            insert.values_panic([kind.into(), id.into(), now.into()]);
        }
        db.execute_raw(backend.build(&insert)).await?;
    }
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    item_kind: String,
    item_id: i32,
}

/// The changes after `position`, at most `limit`, in order, and the position of the last one.
pub struct Batch {
    pub items: Vec<Item>,
    pub up_to: i64,
}

pub async fn after(db: &impl ConnectionTrait, position: i64, limit: u64) -> Result<Batch, DbErr> {
    let backend = db.get_database_backend();
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT id, item_kind, item_id FROM search_changes WHERE id > $1 ORDER BY id LIMIT {limit}"
        ),
        [position.into()],
    ))
    .all(db)
    .await?;
    let up_to = rows.last().map_or(position, |r| r.id);
    let items = rows
        .into_iter()
        .filter_map(|row| match row.item_kind.as_str() {
            LEARNING => Some(Item::Learning(row.item_id)),
            PRODUCT => Some(Item::Product(row.item_id)),
            REBUILD => Some(Item::Rebuild),
            other => {
                tracing::warn!(kind = other, "unknown search change ignored");
                None
            }
        })
        .collect();
    Ok(Batch { items, up_to })
}

#[derive(FromQueryResult)]
struct Last {
    last: Option<i64>,
}

/// The position of the newest change (0 when the log is empty).
pub async fn last(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let row = Last::find_by_statement(Statement::from_string(
        backend,
        "SELECT MAX(id) AS last FROM search_changes",
    ))
    .one(db)
    .await?;
    Ok(row.and_then(|r| r.last).unwrap_or(0))
}
