//! The mail queue: every message Fora sends carries a `Message-ID` on the sender's domain, a
//! `Date` and the right automatic-mail headers; transactional mail is stored with the change
//! that causes it and sent by the worker, again after a crash with the same `Message-ID`, and
//! retried or given up as the server answers.

use std::time::Duration;

use fora::mail::{
    Email,
    queue::{self, Kind},
};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::{
    fake_smtp::FakeSmtp,
    forums::thread_with_reply,
    support::{PASSWORD, TestApp},
};

crate::on_both_databases!(
    every_kind_of_mail_names_itself_and_says_who_wrote_it,
    a_message_claimed_by_a_crashed_worker_goes_out_once_with_its_message_id,
    queued_mail_waits_for_the_transaction_that_causes_it,
    sent_and_given_up_messages_lose_their_bodies_and_are_pruned,
);

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i32,
    kind: String,
    status: String,
    attempts: i32,
    message_id: String,
    message: Vec<u8>,
    last_error: Option<String>,
}

async fn rows(app: &TestApp) -> Vec<Row> {
    Row::find_by_statement(Statement::from_string(
        app.db().get_database_backend(),
        "SELECT id, kind, status, attempts, message_id, message, last_error FROM mail_queue ORDER BY id",
    ))
    .all(app.db())
    .await
    .expect("mail queue")
}

/// Waits up to 10 s for every row to leave `queued` (or for `done` rows to be settled).
async fn settled(app: &TestApp) -> Vec<Row> {
    for _ in 0..200 {
        let now = rows(app).await;
        if now.iter().all(|row| row.status != "queued") {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("mail still queued: {:?}", rows(app).await);
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let head = raw.split("\r\n\r\n").next().unwrap_or("");
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn mail_with_subject(app: &TestApp, to: &str, starts: &str) -> String {
    app.sent_mails()
        .into_iter()
        .find(|mail| mail.to == to && mail.subject.starts_with(starts))
        .unwrap_or_else(|| panic!("no mail to {to} starting {starts:?}"))
        .raw
}

async fn every_kind_of_mail_names_itself_and_says_who_wrote_it(app: TestApp) {
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    // An invitation (a member's act), a notification, a daily summary.
    moderator
        .get(&format!("/forums/{}/members", forum.slug))
        .await;
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "guest@example.org")],
        )
        .await
        .assert_status(303);
    let (path, _, _) = thread_with_reply(&moderator, &member, &forum.slug).await;
    fora::forums::notify::deliver_due(&app.state, None)
        .await
        .expect("notifications");
    member.get("/profile").await;
    member
        .post(
            "/profile",
            &[
                ("display_name", "Member Mia"),
                ("locale", "en"),
                ("notify_mode", "daily"),
            ],
        )
        .await
        .assert_status(303);
    moderator
        .post(&format!("{path}/reply"), &[("body", "For the summary")])
        .await
        .assert_status(303);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let cutoff = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    fora::forums::notify::deliver_due(&app.state, Some(cutoff))
        .await
        .expect("summary");
    // A password reset, a password change, a newsletter confirmation and its repeat.
    let visitor = app.client();
    visitor.get("/password/forgot").await;
    visitor
        .post("/password/forgot", &[("email", "member-agri@example.org")])
        .await
        .assert_status(200);
    moderator
        .post(
            "/profile/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a long new passphrase"),
            ],
        )
        .await
        .assert_status(303);
    visitor.get("/newsletter").await;
    visitor
        .post(
            "/newsletter",
            &[("email", "reader@example.org"), ("frequency", "weekly")],
        )
        .await
        .assert_status(200);
    use sea_orm::ActiveModelTrait;
    crate::support::subscriber_row("known@example.org", "weekly", "salt-of-known")
        .insert(app.db())
        .await
        .expect("subscriber");
    visitor
        .post(
            "/newsletter",
            &[("email", "known@example.org"), ("frequency", "weekly")],
        )
        .await
        .assert_status(200);
    app.mails(7).await;
    let kinds = [
        ("guest@example.org", "You are invited", false),
        ("mod-agri@example.org", "New reply in", true),
        ("member-agri@example.org", "Fora: 1 new", true),
        ("member-agri@example.org", "Choose a new", true),
        (
            "mod-agri@example.org",
            "Your Fora password was changed",
            true,
        ),
        ("reader@example.org", "Confirm", true),
        ("known@example.org", "You already receive", true),
    ];
    let mut seen = std::collections::HashSet::new();
    for (to, subject, automatic) in kinds {
        let raw = mail_with_subject(&app, to, subject);
        let message_id = header(&raw, "Message-ID").expect("Message-ID");
        assert!(
            message_id.starts_with('<') && message_id.ends_with("@example.org>"),
            "on the sender's domain: {message_id}"
        );
        assert!(seen.insert(message_id.to_string()), "unique: {message_id}");
        let date = header(&raw, "Date").expect("Date");
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("parse");
        assert!(parsed.date().is_some(), "a valid Date: {date}");
        assert_eq!(
            header(&raw, "Auto-Submitted"),
            automatic.then_some("auto-generated"),
            "{subject}"
        );
        assert_eq!(
            header(&raw, "X-Auto-Response-Suppress"),
            automatic.then_some("All"),
            "{subject}"
        );
        assert!(header(&raw, "List-Id").is_none(), "{subject}: not a list");
    }
    // The queue holds one row per message, each with the id it was sent with.
    let rows = settled(&app).await;
    assert!(rows.len() >= 7, "{rows:?}");
    for row in &rows {
        assert_eq!(row.status, "sent", "{row:?}");
        assert!(seen.contains(&format!("<{}>", row.message_id)), "{row:?}");
    }
    assert!(rows.iter().any(|row| row.kind == "summary"));
    assert!(rows.iter().any(|row| row.kind == "invitation"));
}

/// Queues a message directly, as any feature does inside its transaction.
async fn queue_one(app: &TestApp, to: &str) {
    queue_in(app.db(), app, to).await.expect("enqueue");
}

/// Queues a password-reset message to `to` on `db` (a transaction, or the pool).
async fn queue_in(
    db: &impl ConnectionTrait,
    app: &TestApp,
    to: &str,
) -> Result<(), queue::EnqueueError> {
    let email = Email::new(
        to,
        None,
        templates::email::password_reset("en", "http://fora.test/password/reset/x"),
    );
    queue::enqueue(db, app.state.mail_origin(), Kind::PasswordReset, email).await
}

async fn a_message_claimed_by_a_crashed_worker_goes_out_once_with_its_message_id(app: TestApp) {
    // A worker that claimed the row and then died: its lease is all that is left of it.
    // Written in the transaction that queues the row, so the running worker never sees it
    // unleased.
    use sea_orm::TransactionTrait;
    let txn = app.db().begin().await.expect("begin");
    queue_in(&txn, &app, "someone@example.org")
        .await
        .expect("enqueue");
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        "UPDATE mail_queue SET lease_owner = 'crashed-worker', lease_until = $1",
        [(time::OffsetDateTime::now_utc() + time::Duration::seconds(3)).into()],
    ))
    .await
    .expect("lease");
    txn.commit().await.expect("commit");
    let claimed = rows(&app).await;
    assert_eq!(claimed.len(), 1);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(app.mail_count(), 0, "nothing is sent while the lease holds");
    let mail = app.mails(1).await.remove(0);
    let row = settled(&app).await.remove(0);
    assert_eq!(
        header(&mail.raw, "Message-ID"),
        Some(format!("<{}>", claimed[0].message_id).as_str())
    );
    assert_eq!(row.status, "sent");
    assert_eq!(row.attempts, 1);
    // The dead worker's late mark changes nothing: the row is no longer its own.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(app.mail_count(), 1, "sent once");
}

async fn queued_mail_waits_for_the_transaction_that_causes_it(app: TestApp) {
    use sea_orm::TransactionTrait;
    let txn = app.db().begin().await.expect("begin");
    queue_in(&txn, &app, "rolled-back@example.org")
        .await
        .expect("enqueue");
    txn.rollback().await.expect("rollback");
    queue_one(&app, "kept@example.org").await;
    app.state.mail_queued();
    let mails = app.mails(1).await;
    settled(&app).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "kept@example.org");
    assert_eq!(
        rows(&app).await.len(),
        1,
        "the rolled-back message never existed"
    );
    // A message that cannot be built is refused at once, not queued.
    let refused = queue_in(app.db(), &app, "not an address").await;
    assert!(matches!(refused, Err(queue::EnqueueError::Unbuildable(_))));
}

async fn sent_and_given_up_messages_lose_their_bodies_and_are_pruned(app: TestApp) {
    queue_one(&app, "someone@example.org").await;
    app.state.mail_queued();
    app.mails(1).await;
    let row = settled(&app).await.remove(0);
    assert!(
        row.message.is_empty(),
        "a sent message keeps no body (it held a link)"
    );
    assert_eq!(
        queue::prune(
            app.db(),
            time::OffsetDateTime::now_utc() - time::Duration::hours(1)
        )
        .await
        .expect("prune"),
        0,
        "recent rows are kept"
    );
    assert_eq!(
        queue::prune(
            app.db(),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1)
        )
        .await
        .expect("prune"),
        1
    );
    assert!(rows(&app).await.is_empty());
}

/// Against a real SMTP conversation: a temporary refusal is retried later with the same
/// message, a permanent one is given up at once and recorded.
#[tokio::test]
async fn refusals_are_retried_or_given_up_as_the_server_says() {
    let smtp = FakeSmtp::start(true).await;
    let app = smtp.app(Default::default()).await;
    queue_one(&app, "later@example.org").await;
    queue_one(&app, "refuse@example.org").await;
    queue_one(&app, "welcome@example.org").await;
    app.state.mail_queued();
    let mut rows = Vec::new();
    for _ in 0..200 {
        rows = self::rows(&app).await;
        if rows.iter().all(|row| row.attempts == 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let by_kind: Vec<(&str, i32, bool)> = rows
        .iter()
        .map(|row| (row.status.as_str(), row.attempts, row.message.is_empty()))
        .collect();
    assert_eq!(
        by_kind,
        [("queued", 1, false), ("failed", 1, true), ("sent", 1, true)],
        "{rows:?}"
    );
    assert!(rows[0].last_error.as_deref().unwrap_or("").contains("451"));
    assert!(rows[1].last_error.as_deref().unwrap_or("").contains("550"));
    assert_eq!(smtp.accepted(), ["welcome@example.org"]);
    let due: Option<time::OffsetDateTime> = app
        .db()
        .query_one_raw(Statement::from_sql_and_values(
            app.db().get_database_backend(),
            "SELECT next_attempt_at FROM mail_queue WHERE id = $1",
            [rows[0].id.into()],
        ))
        .await
        .expect("query")
        .and_then(|row| row.try_get("", "next_attempt_at").ok());
    let wait = due.expect("retry time") - time::OffsetDateTime::now_utc();
    assert!(
        wait > time::Duration::seconds(50) && wait <= time::Duration::seconds(60),
        "retried after a minute: {wait}"
    );
}

/// `fora serve` as a child process on the work folder's SQLite file, sending through `smtp`.
fn serve(dir: &std::path::Path, port: u16, smtp: &FakeSmtp) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_fora"))
        .arg("serve")
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port))
        .env("FORA_BIND", format!("127.0.0.1:{port}"))
        .env("FORA_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("FORA_MAIL_LEASE", "5")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn fora serve")
}

async fn wait_until_healthy(base: &str) {
    for _ in 0..600 {
        if let Ok(answer) = reqwest::get(format!("{base}/healthz")).await
            && answer.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fora serve did not start");
}

/// Done means: kill -9 of `fora serve` right after an invitation is created, and the
/// invitation is sent after the restart, once. The first server is killed while it is in the
/// middle of sending it (the SMTP server holds back its answer to DATA).
#[tokio::test]
async fn an_invitation_survives_kill_9_of_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = std::process::Command::new(env!("CARGO_BIN_EXE_fora"))
        .arg("demo")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("SMTP_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("fora demo");
    assert!(demo.status.success(), "{demo:?}");
    let smtp = FakeSmtp::start(true).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut first = serve(dir.path(), port, &smtp);
    wait_until_healthy(&base).await;
    let admin = crate::support::Client::new(&base);
    admin.get("/login").await;
    admin
        .post(
            "/login",
            &[
                ("email", "admin@example.org"),
                ("password", fora::demo::DEMO_PASSWORD),
            ],
        )
        .await
        .assert_status(303);
    let members = "/forums/domestic-work-practitioners/members";
    admin.get(members).await.assert_status(200);
    admin
        .post(members, &[("emails", "stall.invitee@example.org")])
        .await
        .assert_status(303);
    tokio::time::timeout(Duration::from_secs(20), smtp.stall.started())
        .await
        .expect("the first server started sending the invitation");
    first.kill().expect("kill -9");
    first.wait().expect("reaped");
    let invitee = |sent: Vec<String>| -> usize {
        sent.iter()
            .filter(|to| *to == "stall.invitee@example.org")
            .count()
    };
    assert_eq!(
        invitee(smtp.accepted()),
        0,
        "the first server never finished"
    );
    let mut second = serve(dir.path(), port, &smtp);
    for _ in 0..300 {
        if invitee(smtp.accepted()) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(invitee(smtp.accepted()), 1, "sent after the restart");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(invitee(smtp.accepted()), 1, "and only once");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status();
    second.wait().expect("stopped");
}
