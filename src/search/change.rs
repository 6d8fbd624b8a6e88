//! The search change log: every write that changes what search shows adds rows here in its own
//! transaction, and every instance applies the rows in `id` order (`super::SearchIndex`).
//!
//! On PostgreSQL, ids come from a sequence when the row is inserted, but transactions commit in
//! any order: an instance that read up to id 7 while id 6 was still uncommitted would skip 6
//! for ever. A transaction-level advisory lock taken before inserting makes writers of the log
//! take turns until they commit, so ids become visible in order. SQLite has one writer anyway.

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, FromQueryResult, Statement,
    TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use time::OffsetDateTime;

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
    let rows = Row::find_by_statement(
        backend.build(
            Query::select()
                .columns([
                    Alias::new("id"),
                    Alias::new("item_kind"),
                    Alias::new("item_id"),
                ])
                .from(Alias::new("search_changes"))
                .and_where(Expr::col(Alias::new("id")).gt(position))
                .order_by(Alias::new("id"), sea_orm::Order::Asc)
                .limit(limit),
        ),
    )
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

/// How long change rows are kept. An instance stopped for longer rebuilds its index at start.
pub const KEEP: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Where the log stands: its newest row, and the last row pruned from it.
#[derive(Clone, Copy, Debug, Default, FromQueryResult)]
pub struct Head {
    last: Option<i64>,
    pruned_through: i64,
}

impl Head {
    /// The position an index that has seen every change stands at. Ids never go back (a
    /// sequence, SQLite's AUTOINCREMENT), so a log pruned empty still has its position.
    pub fn newest(&self) -> i64 {
        Ord::max(self.last.unwrap_or(0), self.pruned_through)
    }

    /// Whether an index at `position` missed changes that are no longer in the log.
    pub fn lost_to(&self, position: i64) -> bool {
        position < self.pruned_through
    }
}

/// The newest change and the pruning mark, in one statement.
pub async fn head(db: &impl ConnectionTrait) -> Result<Head, DbErr> {
    let backend = db.get_database_backend();
    let row = Head::find_by_statement(Statement::from_string(
        backend,
        "SELECT (SELECT MAX(id) FROM search_changes) AS last, pruned_through \
         FROM search_log_state WHERE id = 1",
    ))
    .one(db)
    .await?;
    Ok(row.unwrap_or_default())
}

/// The position of the newest change (0 when nothing was ever logged).
pub async fn last(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(head(db).await?.newest())
}

/// Deletes the rows written before `before`, and marks how far it deleted, in one
/// transaction. Returns how many rows went.
pub async fn prune(db: &DatabaseConnection, before: OffsetDateTime) -> Result<u64, DbErr> {
    #[derive(FromQueryResult)]
    struct Cutoff {
        cutoff: Option<i64>,
    }
    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    let cutoff = Cutoff::find_by_statement(
        backend.build(
            Query::select()
                .expr_as(Expr::col(Alias::new("id")).max(), Alias::new("cutoff"))
                .from(Alias::new("search_changes"))
                .and_where(Expr::col(Alias::new("created_at")).lt(before)),
        ),
    )
    .one(&txn)
    .await?
    .and_then(|row| row.cutoff);
    let Some(cutoff) = cutoff else {
        return Ok(0);
    };
    txn.execute_raw(
        backend.build(
            Query::update()
                .table(Alias::new("search_log_state"))
                .value(Alias::new("pruned_through"), cutoff)
                .and_where(Expr::col(Alias::new("id")).eq(1))
                .and_where(Expr::col(Alias::new("pruned_through")).lt(cutoff)),
        ),
    )
    .await?;
    let removed = txn
        .execute_raw(
            backend.build(
                Query::delete()
                    .from_table(Alias::new("search_changes"))
                    .and_where(Expr::col(Alias::new("id")).lte(cutoff)),
            ),
        )
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(removed)
}
