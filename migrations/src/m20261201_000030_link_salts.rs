//! Links in mail (unsubscribe, stop following) become HMAC tokens signed with the server
//! secret, so the database no longer holds the tokens themselves: `subscribers.
//! unsubscribe_token` and `follows.token` become `link_salt`, the per-row salt of the new
//! tokens. Rows from before keep, as their salt, the SHA-256 (hex) of their old token, so a
//! link already mailed is still found by its digest; the plain token is gone.
//!
//! The column is renamed rather than dropped: SQLite cannot drop a UNIQUE column without
//! rebuilding the table, and the uniqueness still serves the digest lookup (the unique index
//! keeps its old name, `subscribers_unsubscribe_token`). The whole step runs in one
//! transaction on both databases, so no instance ever sees a renamed column still holding
//! working tokens.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, FromQueryResult, Statement},
};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose links change, with their old column.
const TABLES: [(&str, &str); 2] = [("subscribers", "unsubscribe_token"), ("follows", "token")];
/// Length of an old token (base64url of 32 bytes); a digest is 64 hex digits.
const OLD_TOKEN_CHARS: usize = 43;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, column) in TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} RENAME COLUMN {column} TO link_salt"
            ))
            .await?;
            hash_old_tokens(db, table).await?;
        }
        Ok(())
    }

    /// The old tokens cannot come back: links mailed before stay broken after a downgrade.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, column) in TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} RENAME COLUMN link_salt TO {column}"
            ))
            .await?;
        }
        Ok(())
    }
}

/// Replaces every old token still in `table.link_salt` by its SHA-256 (hex), in Rust (SQLite
/// has no SHA-256). Salts already hashed or new are left alone, so running it again changes
/// nothing.
pub async fn hash_old_tokens(db: &impl ConnectionTrait, table: &str) -> Result<u64, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i32,
        link_salt: String,
    }
    let backend = db.get_database_backend();
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!("SELECT id, link_salt FROM {table} WHERE LENGTH(link_salt) = $1"),
        [(OLD_TOKEN_CHARS as i32).into()],
    ))
    .all(db)
    .await?;
    for row in &rows {
        let digest = hex::encode(Sha256::digest(row.link_salt.as_bytes()));
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("UPDATE {table} SET link_salt = $1 WHERE id = $2"),
            [digest.into(), row.id.into()],
        ))
        .await?;
    }
    Ok(rows.len() as u64)
}
