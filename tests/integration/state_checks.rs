//! The database itself refuses a state, mode or role the application does not know.

use fora::entities::states::{
    DeliveryStatus, EditionStatus, Frequency, LearningStatus, MemberRole, ModerationMode,
    PostStatus, ProductStatus, SubscriberStatus,
};
use migration::m20261201_000060_state_checks::CHECKED;
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseBackend, FromQueryResult, Iterable, Statement};

use crate::support::TestApp;

crate::on_both_databases!(
    every_checked_column_has_its_rule_installed,
    unknown_words_are_refused_and_known_ones_kept,
);

fn words<E: ActiveEnum<Value = String> + Iterable>() -> Vec<String> {
    E::iter().map(|state| state.to_value()).collect()
}

/// The migration's frozen lists are exactly the application's state types: a state added
/// to a type without a migration fails here.
#[test]
fn the_frozen_lists_match_the_state_types() {
    let expected: Vec<(&str, &str, Vec<String>)> = vec![
        ("posts", "status", words::<PostStatus>()),
        ("forums", "moderation_mode", words::<ModerationMode>()),
        ("memberships", "role", words::<MemberRole>()),
        ("invitations", "role", words::<MemberRole>()),
        ("learnings", "status", words::<LearningStatus>()),
        ("products", "status", words::<ProductStatus>()),
        ("editions", "frequency", words::<Frequency>()),
        ("subscribers", "frequency", words::<Frequency>()),
        ("subscribers", "status", words::<SubscriberStatus>()),
        ("editions", "status", words::<EditionStatus>()),
        ("deliveries", "status", words::<DeliveryStatus>()),
    ];
    let frozen: Vec<(&str, &str, Vec<String>)> = CHECKED
        .iter()
        .map(|(table, column, values)| {
            (
                *table,
                *column,
                values.iter().map(|v| v.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(frozen, expected);
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let backend = app.db().get_database_backend();
    Count::find_by_statement(Statement::from_string(backend, sql))
        .one(app.db())
        .await
        .expect("count query")
        .expect("one row")
        .n
}

async fn every_checked_column_has_its_rule_installed(app: TestApp) {
    let postgres = app.db().get_database_backend() == DatabaseBackend::Postgres;
    for (table, column, _) in CHECKED {
        let name = format!("{table}_{column}_known");
        let sql = if postgres {
            format!("SELECT COUNT(*) AS n FROM pg_constraint WHERE conname = '{name}'")
        } else {
            format!(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger' \
                 AND name IN ('{name}_insert', '{name}_update')"
            )
        };
        let expected = if postgres { 1 } else { 2 };
        assert_eq!(
            count(&app, &sql).await,
            expected,
            "rule for {table}.{column}"
        );
    }
}

async fn unknown_words_are_refused_and_known_ones_kept(app: TestApp) {
    let forum = app.forum("cocoa", "post").await;
    let user = app.user("ama@example.org", "Ama").await;
    app.join(&forum, &user, "member").await;

    for (table, column, bad) in [
        ("forums", "moderation_mode", "sometimes"),
        ("memberships", "role", "owner"),
        ("memberships", "role", "Moderator"),
        ("forums", "moderation_mode", ""),
    ] {
        let refused = app
            .db()
            .execute_unprepared(&format!("UPDATE {table} SET {column} = '{bad}'"))
            .await;
        assert!(refused.is_err(), "{table}.{column} = {bad:?} was accepted");
    }

    app.sql("UPDATE forums SET moderation_mode = 'pre'").await;
    app.sql("UPDATE memberships SET role = 'moderator'").await;
    let kept = count(
        &app,
        "SELECT COUNT(*) AS n FROM forums WHERE moderation_mode = 'pre'",
    )
    .await;
    assert_eq!(kept, 1);

    let other = app.user("kofi@example.org", "Kofi").await;
    let insert = |role: &str| {
        format!(
            "INSERT INTO memberships (forum_id, user_id, role, created_at) \
             VALUES ({}, {}, '{role}', CURRENT_TIMESTAMP)",
            forum.id, other.id
        )
    };
    assert!(app.db().execute_unprepared(&insert("admin")).await.is_err());
    app.sql(&insert("member")).await;
}
