//! TLS and authenticated relays through Fora's own SMTP pool: implicit TLS (`smtps://`),
//! STARTTLS (`?tls=required`, `?tls=opportunistic`) and AUTH PLAIN / LOGIN keep PIPELINING;
//! nothing (no message, no password) goes in the clear when the URL asks for TLS; a relay
//! that refuses Fora (wrong password, no STARTTLS, a certificate not trusted) is retried later
//! and never counted as the recipient's bounce.

use std::time::Duration;

use fora::{
    entities::states::DeliveryStatus,
    mail::{
        Email,
        queue::{self, Kind},
    },
    newsletter::deliver,
};
use sea_orm::{FromQueryResult, Statement};

use crate::{
    fake_smtp::{FakeSmtp, Security, TestCa, Tls},
    newsletter_delivery::{delivery_of, edition_with_a_learning, seed_named, subscriber},
    support::{Backend, Client, Options, TestApp},
};

const USER: &str = "fora@example.org";
const PASSWORD: &str = "p@ss:w/rd%";
/// `PASSWORD` as it stands in a URL.
const PASSWORD_IN_URL: &str = "p%40ss%3Aw%2Frd%25";

#[derive(Clone, Copy, Debug)]
enum Mode {
    Implicit,
    Required,
    Opportunistic,
}

impl Mode {
    fn tls(self, ca: &TestCa) -> Tls {
        match self {
            Mode::Implicit => Tls::Implicit(ca.acceptor()),
            Mode::Required | Mode::Opportunistic => Tls::Starttls(ca.acceptor()),
        }
    }

    fn url(self, credentials: &str, port: u16) -> String {
        match self {
            Mode::Implicit => format!("smtps://{credentials}127.0.0.1:{port}"),
            Mode::Required => format!("smtp://{credentials}127.0.0.1:{port}?tls=required"),
            Mode::Opportunistic => {
                format!("smtp://{credentials}127.0.0.1:{port}?tls=opportunistic")
            }
        }
    }
}

fn credentials() -> String {
    format!("{}:{PASSWORD_IN_URL}@", USER.replace('@', "%40"))
}

fn with_credentials(tls: Tls, mechanisms: &'static str) -> Security {
    Security {
        tls,
        credentials: Some((USER.into(), PASSWORD.into())),
        mechanisms: Some(mechanisms),
        ..Default::default()
    }
}

async fn app_for(backend: Backend, url: String, ca: Option<&TestCa>) -> TestApp {
    TestApp::start(
        backend,
        Options {
            smtp_url: Some(url),
            smtp_ca: ca.map(|ca| vec![ca.ca.clone()]).unwrap_or_default(),
            ..Default::default()
        },
    )
    .await
}

#[derive(Debug, FromQueryResult)]
struct Row {
    status: String,
    attempts: i32,
    last_error: Option<String>,
}

async fn rows(app: &TestApp) -> Vec<Row> {
    Row::find_by_statement(Statement::from_string(
        app.db().get_database_backend(),
        "SELECT status, attempts, last_error FROM mail_queue ORDER BY id",
    ))
    .all(app.db())
    .await
    .expect("mail queue")
}

/// Queues `count` password-reset messages, as any feature does in its transaction, and waits
/// until the worker has tried each once.
async fn send_through_queue(app: &TestApp, count: usize) -> Vec<Row> {
    for i in 0..count {
        let email = Email::new(
            &format!("reader{i}@example.org"),
            None,
            templates::email::password_reset("en", "http://fora.test/password/reset/x"),
        );
        queue::enqueue(
            app.db(),
            app.state.mail_origin(),
            Kind::PasswordReset,
            email,
        )
        .await
        .expect("enqueue");
    }
    app.state.mail_queued();
    for _ in 0..200 {
        let now = rows(app).await;
        if now.len() == count && now.iter().all(|row| row.attempts >= 1) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not tried: {:?}", rows(app).await);
}

/// Only the greeting's EHLO and STARTTLS came in the clear (or nothing, with `smtps://`).
fn nothing_but_starttls_in_the_clear(smtp: &FakeSmtp) {
    for line in smtp.clear() {
        let upper = line.to_ascii_uppercase();
        assert!(
            upper.starts_with("EHLO") || upper.starts_with("STARTTLS") || upper == "QUIT",
            "{line:?} came in the clear: {:?}",
            smtp.clear()
        );
    }
}

async fn each_mode_sends_pipelined_and_authenticated(mode: Mode, mechanisms: &'static str) {
    let ca = TestCa::new();
    let smtp = FakeSmtp::start_secured(true, with_credentials(mode.tls(&ca), mechanisms)).await;
    let app = app_for(
        Backend::Sqlite,
        mode.url(&credentials(), smtp.port),
        Some(&ca),
    )
    .await;
    let rows = send_through_queue(&app, 6).await;
    assert!(rows.iter().all(|row| row.status == "sent"), "{rows:?}");
    assert_eq!(smtp.accepted().len(), 6, "{mode:?}");
    assert!(
        smtp.pipelined.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "{mode:?}: MAIL, RCPT and DATA went together, in TLS"
    );
    let auths = smtp.auths();
    let mechanism = mechanisms.split(' ').next().unwrap_or_default();
    assert!(!auths.is_empty(), "{mode:?}: authenticated");
    assert!(
        auths
            .iter()
            .all(|(used, right)| used == mechanism && *right),
        "{mode:?}: {auths:?}"
    );
    assert!(
        auths.len() <= app.state.config.newsletter.concurrency,
        "once per connection, not per message: {auths:?}"
    );
    nothing_but_starttls_in_the_clear(&smtp);
    if matches!(mode, Mode::Implicit) {
        assert_eq!(
            smtp.clear(),
            Vec::<String>::new(),
            "TLS from the first byte"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_with_auth_plain_sends_pipelined() {
    each_mode_sends_pipelined_and_authenticated(Mode::Implicit, "PLAIN LOGIN").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_required_with_auth_login_sends_pipelined() {
    each_mode_sends_pipelined_and_authenticated(Mode::Required, "LOGIN").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_opportunistic_with_auth_plain_sends_pipelined() {
    each_mode_sends_pipelined_and_authenticated(Mode::Opportunistic, "PLAIN").await;
}

/// A wrong password is the relay refusing Fora, not the recipient's address: retried later
/// (at most `MAX_ATTEMPTS` times), no bounce counted against the subscriber, and the relay not
/// asked again for the next messages of the minute.
async fn a_wrong_password_is_retried_and_never_a_bounce(backend: Backend) {
    let ca = TestCa::new();
    let smtp = FakeSmtp::start_secured(
        true,
        with_credentials(Mode::Implicit.tls(&ca), "PLAIN LOGIN"),
    )
    .await;
    let url = format!(
        "smtps://{}:wrong@127.0.0.1:{}",
        USER.replace('@', "%40"),
        smtp.port
    );
    let app = app_for(backend, url, Some(&ca)).await;

    let rows = send_through_queue(&app, 1).await;
    assert_eq!(rows[0].status, "queued", "{rows:?}");
    let error = rows[0].last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("refused the credentials") && error.contains("535"),
        "{error}"
    );
    assert!(
        !error.contains("wrong"),
        "no password in the error: {error}"
    );

    seed_named(&app, &["reader"]).await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    deliver::enqueue(app.db(), edition).await.expect("enqueue");
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(
        (summary.sent, summary.retry_later, summary.failed),
        (0, 1, 0),
        "{summary}"
    );
    let delivery = delivery_of(&app, edition, "reader").await;
    assert_eq!(delivery.status, DeliveryStatus::Queued);
    assert!(delivery.next_attempt_at > fora::db::now(), "after a pause");
    let reader = subscriber(&app, "reader").await;
    assert_eq!((reader.permanent_failures, reader.bounce_points), (0, 0));
    assert!(smtp.accepted().is_empty());
    assert_eq!(
        smtp.auths(),
        [("PLAIN".to_string(), false)],
        "the relay is not asked again for every message right after it said no"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_retried_and_never_a_bounce_sqlite() {
    a_wrong_password_is_retried_and_never_a_bounce(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_retried_and_never_a_bounce_postgres() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        crate::support::skip(
            "a_wrong_password_is_retried_and_never_a_bounce_postgres",
            "TEST_DATABASE_URL is not set",
        );
        return;
    }
    a_wrong_password_is_retried_and_never_a_bounce(Backend::Postgres).await;
}

/// A relay that wants credentials Fora was not given answers 530 to every message: that is
/// no recipient's fault either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_asking_for_credentials_is_not_the_recipients_bounce() {
    let ca = TestCa::new();
    let smtp =
        FakeSmtp::start_secured(true, with_credentials(Mode::Implicit.tls(&ca), "PLAIN")).await;
    let app = app_for(
        Backend::Sqlite,
        Mode::Implicit.url("", smtp.port),
        Some(&ca),
    )
    .await;
    let rows = send_through_queue(&app, 1).await;
    assert_eq!(rows[0].status, "queued", "{rows:?}");
    assert!(
        rows[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("530"),
        "{rows:?}"
    );
    assert!(smtp.accepted().is_empty());
}

/// `tls=required` against a server without STARTTLS: nothing at all after EHLO, neither the
/// message nor the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_required_without_starttls_sends_nothing_in_the_clear() {
    let smtp = FakeSmtp::start_secured(
        true,
        Security {
            credentials: Some((USER.into(), PASSWORD.into())),
            auth_in_clear: true,
            ..Default::default()
        },
    )
    .await;
    let app = app_for(
        Backend::Sqlite,
        Mode::Required.url(&credentials(), smtp.port),
        None,
    )
    .await;
    let rows = send_through_queue(&app, 2).await;
    assert!(rows.iter().all(|row| row.status == "queued"), "{rows:?}");
    let error = rows[0].last_error.as_deref().unwrap_or_default();
    assert!(error.contains("does not offer STARTTLS"), "{error}");
    assert!(smtp.accepted().is_empty());
    assert!(
        smtp.auths().is_empty(),
        "no password sent: {:?}",
        smtp.auths()
    );
    nothing_but_starttls_in_the_clear(&smtp);
}

/// `tls=opportunistic` goes on in the clear when the server offers no STARTTLS, but never with
/// the password; plain `smtp://user:pass@` asks for that itself, and gets it, as from lettre.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_go_in_the_clear_only_when_the_url_is_plain() {
    let security = || Security {
        credentials: Some((USER.into(), PASSWORD.into())),
        auth_in_clear: true,
        ..Default::default()
    };
    let smtp = FakeSmtp::start_secured(true, security()).await;
    let app = app_for(
        Backend::Sqlite,
        Mode::Opportunistic.url(&credentials(), smtp.port),
        None,
    )
    .await;
    let rows = send_through_queue(&app, 1).await;
    assert_eq!(rows[0].status, "queued", "{rows:?}");
    let error = rows[0].last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("not sent over an unencrypted connection"),
        "{error}"
    );
    assert!(smtp.auths().is_empty(), "{:?}", smtp.auths());
    assert!(smtp.clear().iter().all(|line| !line.starts_with("AUTH")));

    let smtp = FakeSmtp::start_secured(true, security()).await;
    let url = format!("smtp://{}127.0.0.1:{}", credentials(), smtp.port);
    let app = app_for(Backend::Sqlite, url, None).await;
    let rows = send_through_queue(&app, 1).await;
    assert_eq!(rows[0].status, "sent", "{rows:?}");
    assert_eq!(smtp.auths(), [("PLAIN".to_string(), true)]);
}

/// A certificate from an authority Fora does not trust (here: none given, so only the
/// system's roots), or STARTTLS answered with more than its `220`: refused, nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_or_an_injected_answer_is_refused() {
    let ca = TestCa::new();
    for mode in [Mode::Implicit, Mode::Required] {
        let smtp = FakeSmtp::start_secured(true, with_credentials(mode.tls(&ca), "PLAIN")).await;
        let app = app_for(Backend::Sqlite, mode.url(&credentials(), smtp.port), None).await;
        let rows = send_through_queue(&app, 1).await;
        assert_eq!(rows[0].status, "queued", "{mode:?}: {rows:?}");
        let error = rows[0].last_error.as_deref().unwrap_or_default();
        assert!(
            error.contains("TLS with 127.0.0.1") && error.contains("certificate"),
            "{mode:?}: {error}"
        );
        assert!(smtp.accepted().is_empty() && smtp.auths().is_empty());
        nothing_but_starttls_in_the_clear(&smtp);
    }

    let smtp = FakeSmtp::start_secured(
        true,
        Security {
            inject_after_starttls: true,
            ..with_credentials(Mode::Required.tls(&ca), "PLAIN")
        },
    )
    .await;
    let app = app_for(
        Backend::Sqlite,
        Mode::Required.url(&credentials(), smtp.port),
        Some(&ca),
    )
    .await;
    let rows = send_through_queue(&app, 1).await;
    assert_eq!(rows[0].status, "queued", "{rows:?}");
    let error = rows[0].last_error.as_deref().unwrap_or_default();
    assert!(error.contains("before the TLS handshake"), "{error}");
    assert!(smtp.accepted().is_empty() && smtp.auths().is_empty());
}

/// The whole way through TLS and AUTH, on both databases: a newsletter edition to several
/// subscribers, and a password reset asked for on the site.
async fn a_newsletter_and_a_password_reset_go_out_through_tls(backend: Backend) {
    let ca = TestCa::new();
    let smtp = FakeSmtp::start_secured(
        true,
        with_credentials(Mode::Required.tls(&ca), "PLAIN LOGIN"),
    )
    .await;
    let app = app_for(
        backend,
        Mode::Required.url(&credentials(), smtp.port),
        Some(&ca),
    )
    .await;

    let locals = ["ama", "kofi", "lucia", "nadia", "omar"];
    seed_named(&app, &locals).await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    deliver::enqueue(app.db(), edition).await.expect("enqueue");
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent as usize, locals.len(), "{summary}");
    for local in locals {
        assert_eq!(
            delivery_of(&app, edition, local).await.status,
            DeliveryStatus::Sent
        );
    }

    app.user("member@example.org", "Member").await;
    Client::new(&app.base)
        .post("/password/forgot", &[("email", "member@example.org")])
        .await;
    for _ in 0..200 {
        if smtp.accepted().contains(&"member@example.org".to_string()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut accepted = smtp.accepted();
    accepted.sort();
    let mut expected: Vec<String> = locals.iter().map(|l| format!("{l}@example.org")).collect();
    expected.push("member@example.org".into());
    expected.sort();
    assert_eq!(accepted, expected, "each once");
    assert!(smtp.pipelined.load(std::sync::atomic::Ordering::SeqCst) > 0);
    nothing_but_starttls_in_the_clear(&smtp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newsletter_and_a_password_reset_go_out_through_tls_sqlite() {
    a_newsletter_and_a_password_reset_go_out_through_tls(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newsletter_and_a_password_reset_go_out_through_tls_postgres() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        crate::support::skip(
            "a_newsletter_and_a_password_reset_go_out_through_tls_postgres",
            "TEST_DATABASE_URL is not set",
        );
        return;
    }
    a_newsletter_and_a_password_reset_go_out_through_tls(Backend::Postgres).await;
}
