//! The database refuses a state, mode or role it does not know, whoever writes it (the
//! application, an import, a script with `psql` or `sqlite3`). PostgreSQL gets `CHECK`
//! constraints; SQLite cannot add a constraint to an existing table without rebuilding it, so
//! it gets `BEFORE INSERT` / `BEFORE UPDATE OF` triggers that abort with the same rule.
//!
//! The value lists are frozen here, as every migration's content is: a new state needs a new
//! migration. A test compares `CHECKED` with the application's state types.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

/// (table, column, allowed values).
pub const CHECKED: &[(&str, &str, &[&str])] = &[
    ("posts", "status", &["pending", "published", "rejected"]),
    ("forums", "moderation_mode", &["pre", "post"]),
    ("memberships", "role", &["member", "moderator"]),
    ("invitations", "role", &["member", "moderator"]),
    (
        "learnings",
        "status",
        &["draft", "in_review", "published", "retired"],
    ),
    ("products", "status", &["draft", "published", "retired"]),
    ("editions", "frequency", &["weekly", "monthly"]),
    ("subscribers", "frequency", &["weekly", "monthly"]),
    (
        "subscribers",
        "status",
        &["pending", "active", "unsubscribed", "suppressed"],
    ),
    (
        "editions",
        "status",
        &["scheduled", "sending", "sent", "empty"],
    ),
    (
        "deliveries",
        "status",
        &["queued", "sent", "failed", "cancelled", "skipped"],
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

fn name(table: &str, column: &str) -> String {
    format!("{table}_{column}_known")
}

fn allowed(values: &[&str]) -> String {
    values
        .iter()
        .map(|value| format!("'{value}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn up_statements(backend: DatabaseBackend) -> Vec<String> {
    let mut statements = Vec::new();
    for (table, column, values) in CHECKED {
        let name = name(table, column);
        let list = allowed(values);
        match backend {
            DatabaseBackend::Postgres => statements.push(format!(
                "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({list}))"
            )),
            _ => {
                let abort = format!("SELECT RAISE(ABORT, 'CHECK constraint failed: {name}');");
                statements.push(format!(
                    "CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} \
                     WHEN NEW.{column} NOT IN ({list}) BEGIN {abort} END"
                ));
                statements.push(format!(
                    "CREATE TRIGGER {name}_update BEFORE UPDATE OF {column} ON {table} \
                     WHEN NEW.{column} NOT IN ({list}) BEGIN {abort} END"
                ));
            }
        }
    }
    statements
}

fn down_statements(backend: DatabaseBackend) -> Vec<String> {
    let mut statements = Vec::new();
    for (table, column, _) in CHECKED {
        let name = name(table, column);
        match backend {
            DatabaseBackend::Postgres => {
                statements.push(format!("ALTER TABLE {table} DROP CONSTRAINT {name}"));
            }
            _ => {
                statements.push(format!("DROP TRIGGER {name}_insert"));
                statements.push(format!("DROP TRIGGER {name}_update"));
            }
        }
    }
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in up_statements(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in down_statements(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}
