//! Bounces (issue 14): every message carries a return path that names its recipient, and
//! `fora mail-in` — the real binary, fed on standard input as Postfix's pipe transport feeds
//! it — reads the reports that come back to it, counts them as Mailman does and suppresses
//! the address at the threshold. Bad input of every kind changes nothing and crashes nothing.

use std::{
    io::Write,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use fora::{
    entities::{states::SubscriberStatus, subscribers, users},
    mail::{
        Email,
        queue::{self, Kind},
        verp::{Recipient, Sent, Tag},
    },
    newsletter::deliver,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::{
    fake_smtp::FakeSmtp,
    newsletter_delivery::{edition_with_a_learning, seed_named, subscriber},
    support::{Options, TestApp},
};

const BOUNCE_DOMAIN: &str = "bounce.example.org";

fn options() -> Options {
    Options {
        bounces: fora::config::BounceConfig {
            domain: Some(BOUNCE_DOMAIN.into()),
            threshold_points: 10,
        },
        ..Default::default()
    }
}

crate::on_both_databases!(
    options = options;
    every_report_form_counts_against_its_recipient,
    soft_counts_half_and_a_day_counts_once,
    mail_that_gets_through_clears_the_score,
    the_threshold_suppresses_and_the_next_edition_skips_them,
    a_suppressed_member_gets_no_mail_and_is_told_when_signed_in,
    a_suppressed_subscription_holds_back_mail_to_the_address_but_not_the_members_own,
    the_admin_sees_the_reason_and_resets_it,
    a_forged_or_altered_token_is_an_unknown_address,
    a_report_about_an_address_fora_never_wrote_to_changes_nothing,
    report_loops_change_nothing,
    a_huge_message_is_refused_quickly,
    malformed_mime_and_an_unknown_charset_are_still_read,
    a_message_with_a_thousand_recipients_counts_once,
    an_auto_reply_changes_nothing,
);

/// What `fora mail-in` did: its exit status, what it logged, and its peak resident memory
/// (KiB, when GNU time is there to measure it).
pub(crate) struct Ran {
    pub(crate) code: i32,
    pub(crate) log: String,
    peak_kib: Option<u64>,
}

const GNU_TIME: &str = "/usr/bin/time";

/// Runs `fora mail-in` on this app's database and key, `input` on its standard input.
async fn mail_in(app: &TestApp, input: Vec<u8>, recipient: Option<&str>) -> Ran {
    mail_in_with(app, input, recipient, &[]).await
}

async fn mail_in_with(
    app: &TestApp,
    input: Vec<u8>,
    recipient: Option<&str>,
    settings: &[(&str, &str)],
) -> Ran {
    let args: Vec<&str> = match recipient {
        Some(recipient) => vec!["--recipient", recipient],
        None => vec![],
    };
    run_mail_in(app, input, &args, settings).await
}

/// Runs `fora mail-in ARGS` on this app's database and key, with the bounce domain and
/// `settings` in its environment and `input` on its standard input.
pub(crate) async fn run_mail_in(
    app: &TestApp,
    input: Vec<u8>,
    args: &[&str],
    settings: &[(&str, &str)],
) -> Ran {
    let dir = tempfile::tempdir().expect("dir");
    let peak_file = dir.path().join("peak");
    let measured = std::path::Path::new(GNU_TIME).exists();
    let mut command = if measured {
        let mut command = Command::new(GNU_TIME);
        command
            .args(["-f", "%M", "-o"])
            .arg(&peak_file)
            .arg(env!("CARGO_BIN_EXE_fora"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_fora"))
    };
    command
        .arg("mail-in")
        .current_dir(dir.path())
        .env_remove("SMTP_URL")
        .env("DATABASE_URL", &app.database_url)
        .env("FORA_SECRET_KEY_FILE", &app.secret_key_file)
        .env("FORA_BOUNCE_DOMAIN", BOUNCE_DOMAIN)
        .env("FORA_BASE_URL", "http://fora.test")
        .env("FORA_DATA_DIR", dir.path())
        .env("RUST_LOG", "fora=info")
        .envs(settings.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.args(args);
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("start fora mail-in");
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || {
            // A refused message may be cut short by the reader: that is its right.
            let _ = stdin.write_all(&input);
        });
        let output = child.wait_with_output().expect("fora mail-in");
        let _ = writer.join();
        let peak_kib = std::fs::read_to_string(&peak_file)
            .ok()
            .and_then(|text| text.lines().last()?.trim().parse().ok());
        drop(dir);
        Ran {
            code: output.status.code().unwrap_or(-1),
            log: String::from_utf8_lossy(&output.stderr).into_owned(),
            peak_kib,
        }
    })
    .await
    .expect("join")
}

fn return_path(app: &TestApp, recipient: Recipient, sent: Sent) -> String {
    app.state
        .return_path
        .as_ref()
        .expect("a bounce domain")
        .address(Tag { recipient, sent })
}

fn fixture(name: &str, return_path: &str, recipient: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/mail-in/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    // Byte-wise, so that a fixture's invalid UTF-8 stays as it is.
    replace(
        &replace(&raw, b"{{RETURN_PATH}}", return_path.as_bytes()),
        b"{{RECIPIENT}}",
        recipient.as_bytes(),
    )
}

pub(crate) fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

async fn member(app: &TestApp, id: i32) -> users::Model {
    users::Entity::find_by_id(id)
        .one(app.db())
        .await
        .expect("db")
        .expect("user")
}

/// A report in `fixture` about the subscriber `local`'s edition: runs `fora mail-in`.
async fn report_for_subscriber(app: &TestApp, fixture_name: &str, local: &str) -> Ran {
    let row = subscriber(app, local).await;
    let path = return_path(app, Recipient::Subscriber(row.id), Sent::Edition(1));
    mail_in(app, fixture(fixture_name, &path, &row.email), Some(&path)).await
}

/// Moves a subscriber's last bounce to the day before, as if the next report came a day later.
async fn a_day_passes(app: &TestApp, local: &str) {
    let row = subscriber(app, local).await;
    let last = row.bounce_last_at;
    let mut row: subscribers::ActiveModel = row.into();
    row.bounce_last_at = Set(last.map(|at| at - time::Duration::days(1)));
    row.update(app.db()).await.expect("age the bounce");
}

pub(crate) fn assert_ran(ran: &Ran, code: i32) {
    assert_eq!(
        ran.code, code,
        "fora mail-in exited {}: {}",
        ran.code, ran.log
    );
}

async fn every_report_form_counts_against_its_recipient(app: TestApp) {
    let forms = [
        ("postfix-hard.eml", "postfix"),
        ("gmail-failure.eml", "gmail"),
        ("exchange-ndr.eml", "exchange"),
        ("qmail-yahoo.eml", "qmail"),
    ];
    let locals: Vec<&str> = forms.iter().map(|(_, local)| *local).collect();
    seed_named(&app, &[&locals[..], &["bystander"]].concat()).await;
    for (file, local) in forms {
        // Delivered as Postfix does (with the recipient) and as procmail does (headers only).
        let row = subscriber(&app, local).await;
        let path = return_path(&app, Recipient::Subscriber(row.id), Sent::Edition(1));
        let ran = mail_in(&app, fixture(file, &path, &row.email), None).await;
        assert_ran(&ran, 0);
        let row = subscriber(&app, local).await;
        assert_eq!(row.bounce_points, 2, "{file}: a hard bounce counts 1");
        assert!(
            row.bounce_reason.as_deref().unwrap_or("").contains("5.1.1")
                || row
                    .bounce_reason
                    .as_deref()
                    .unwrap_or("")
                    .contains("5.1.10"),
            "{file}: {:?}",
            row.bounce_reason
        );
        assert!(row.bounce_last_at.is_some());
    }
    assert_eq!(subscriber(&app, "bystander").await.bounce_points, 0);

    // A member's notification bounced: counted against the member.
    let user = app.user("member@example.org", "Member").await;
    let path = return_path(
        &app,
        Recipient::Member(user.id),
        Sent::Queued(Kind::Notification.code()),
    );
    let ran = mail_in(
        &app,
        fixture("postfix-hard.eml", &path, &user.email),
        Some(&path),
    )
    .await;
    assert_ran(&ran, 0);
    assert_eq!(member(&app, user.id).await.bounce_points, 2);

    // A report that delivery succeeded changes nothing.
    let row = subscriber(&app, "bystander").await;
    let path = return_path(&app, Recipient::Subscriber(row.id), Sent::Edition(1));
    let ran = mail_in(&app, fixture("success.eml", &path, &row.email), None).await;
    assert_ran(&ran, 0);
    assert_eq!(subscriber(&app, "bystander").await.bounce_points, 0);
}

async fn soft_counts_half_and_a_day_counts_once(app: TestApp) {
    seed_named(&app, &["full"]).await;
    assert_ran(
        &report_for_subscriber(&app, "postfix-delayed.eml", "full").await,
        0,
    );
    assert_eq!(subscriber(&app, "full").await.bounce_points, 1, "soft: 0.5");
    assert_ran(
        &report_for_subscriber(&app, "postfix-delayed.eml", "full").await,
        0,
    );
    assert_eq!(
        subscriber(&app, "full").await.bounce_points,
        1,
        "the same day counts once"
    );
    assert_ran(
        &report_for_subscriber(&app, "postfix-hard.eml", "full").await,
        0,
    );
    assert_eq!(
        subscriber(&app, "full").await.bounce_points,
        2,
        "a hard one after a soft one the same day: one hard bounce"
    );
    a_day_passes(&app, "full").await;
    assert_ran(
        &report_for_subscriber(&app, "postfix-hard.eml", "full").await,
        0,
    );
    assert_eq!(subscriber(&app, "full").await.bounce_points, 4);
}

async fn mail_that_gets_through_clears_the_score(app: TestApp) {
    seed_named(&app, &["flaky"]).await;
    assert_ran(
        &report_for_subscriber(&app, "postfix-hard.eml", "flaky").await,
        0,
    );
    assert_eq!(subscriber(&app, "flaky").await.bounce_points, 2);
    let send_edition = || async {
        let edition = edition_with_a_learning(&app, "weekly").await;
        deliver::enqueue(app.db(), edition).await.expect("enqueue");
        let summary = deliver::drain(&app.state).await.expect("drain");
        assert_eq!(summary.sent, 1, "{summary}");
    };
    send_edition().await;
    let probing = subscriber(&app, "flaky").await;
    assert_eq!(probing.bounce_points, 2, "accepted is not yet delivered");
    assert!(probing.bounce_probe_at.is_some());
    // Six days later nothing has come back about that edition: it got through.
    let mut row: subscribers::ActiveModel = probing.clone().into();
    row.bounce_probe_at = Set(probing
        .bounce_probe_at
        .map(|at| at - time::Duration::days(6)));
    row.update(app.db()).await.expect("age the probe");
    send_edition().await;
    let cleared = subscriber(&app, "flaky").await;
    assert_eq!(
        cleared.bounce_points, 0,
        "a delivery since the bounce clears it"
    );
    assert_eq!(cleared.bounce_probe_at, None);
}

async fn the_threshold_suppresses_and_the_next_edition_skips_them(app: TestApp) {
    seed_named(&app, &["gone", "fine"]).await;
    for day in 1..=5 {
        assert_ran(
            &report_for_subscriber(&app, "gmail-failure.eml", "gone").await,
            0,
        );
        let row = subscriber(&app, "gone").await;
        assert_eq!(row.bounce_points, 2 * day);
        let expected = if day < 5 {
            SubscriberStatus::Active
        } else {
            SubscriberStatus::Suppressed
        };
        assert_eq!(row.status, expected, "after {day} bounces");
        a_day_passes(&app, "gone").await;
    }
    let edition = edition_with_a_learning(&app, "weekly").await;
    assert_eq!(
        deliver::enqueue(app.db(), edition).await.expect("enqueue"),
        1,
        "only the working address is queued"
    );
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent, 1, "{summary}");
    let senders = app.mailbox.senders();
    let messages = app.mailbox.messages();
    assert_eq!(messages.len(), 1);
    assert!(String::from_utf8_lossy(&messages[0]).contains("fine@example.org"));
    let fine = subscriber(&app, "fine").await;
    assert_eq!(
        senders[0],
        return_path(&app, Recipient::Subscriber(fine.id), Sent::Edition(edition)),
        "the edition's envelope sender names its subscriber"
    );
}

/// Queues a message of `kind` to `to`, as features do.
/// Sends what is queued and counts the rows sent and failed so far. The app's own mail worker
/// may take some rows before this drain does, so the rows, not the drain's summary, say what
/// happened; it waits until none is left queued or in flight.
async fn drain_and_count(app: &TestApp) -> (i64, i64) {
    #[derive(sea_orm::FromQueryResult)]
    struct Counts {
        sent: i64,
        failed: i64,
        open: i64,
    }
    for _ in 0..200 {
        queue::drain(app.state.mail_sender()).await.expect("drain");
        let counts = <Counts as sea_orm::FromQueryResult>::find_by_statement(
            sea_orm::Statement::from_string(
                app.db().get_database_backend(),
                "SELECT COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0) AS sent,
                        COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
                        COALESCE(SUM(CASE WHEN status NOT IN ('sent', 'failed') THEN 1 ELSE 0 END), 0) AS open
                 FROM mail_queue",
            ),
        )
        .one(app.db())
        .await
        .expect("counts")
        .expect("one row");
        if counts.open == 0 {
            return (counts.sent, counts.failed);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("mail stayed queued");
}

async fn queue_message(app: &TestApp, kind: Kind, to: &str) {
    let email = Email::new(
        to,
        None,
        templates::email::password_reset("en", "http://fora.test/password/reset/x"),
    );
    queue::enqueue(app.db(), app.state.mail_origin(), kind, email)
        .await
        .expect("enqueue");
}

async fn a_suppressed_member_gets_no_mail_and_is_told_when_signed_in(app: TestApp) {
    let user = app.user("away@example.org", "Away").await;
    let path = return_path(
        &app,
        Recipient::Member(user.id),
        Sent::Queued(Kind::Summary.code()),
    );
    for _ in 0..5 {
        let ran = mail_in(
            &app,
            fixture("exchange-ndr.eml", &path, &user.email),
            Some(&path),
        )
        .await;
        assert_ran(&ran, 0);
        let row = member(&app, user.id).await;
        let last = row.bounce_last_at;
        let mut row: users::ActiveModel = row.into();
        row.bounce_last_at = Set(last.map(|at| at - time::Duration::days(1)));
        row.update(app.db()).await.expect("age the bounce");
    }
    let suppressed = member(&app, user.id).await;
    assert!(suppressed.bounce_suppressed_at.is_some(), "{suppressed:?}");
    assert!(suppressed.disabled_at.is_none(), "the account stays");

    // Their mail is skipped, with the reason recorded; a password link they ask for still goes.
    queue_message(&app, Kind::Notification, &user.email).await;
    queue_message(&app, Kind::PasswordReset, &user.email).await;
    assert_eq!(drain_and_count(&app).await, (1, 1));
    #[derive(sea_orm::FromQueryResult)]
    struct Row {
        kind: String,
        status: String,
        last_error: Option<String>,
    }
    let rows =
        <Row as sea_orm::FromQueryResult>::find_by_statement(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT kind, status, last_error FROM mail_queue ORDER BY id",
        ))
        .all(app.db())
        .await
        .expect("rows");
    let notification = rows.iter().find(|r| r.kind == "notification").expect("row");
    assert_eq!(notification.status, "failed");
    assert!(
        notification
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("suppressed"),
        "{:?}",
        notification.last_error
    );
    assert!(
        rows.iter()
            .any(|r| r.kind == "password-reset" && r.status == "sent")
    );

    // Signed in, they are told on every page, and can say the address works again.
    let client = app.login(&user.email).await;
    for page in ["/", "/forums", "/profile"] {
        let body = client.get(page).await.body;
        assert!(
            body.contains("has stopped sending you mail"),
            "{page} tells them"
        );
    }
    let profile = client.get("/profile").await.body;
    assert!(
        profile.contains("RESOLVER.ADR.RecipientNotFound"),
        "the reason"
    );
    client
        .post("/profile/address-works", &[])
        .await
        .assert_status(303);
    let cleared = member(&app, user.id).await;
    assert!(cleared.bounce_suppressed_at.is_none());
    assert_eq!(cleared.bounce_points, 0);
    assert!(
        !client
            .get("/")
            .await
            .body
            .contains("has stopped sending you mail")
    );
}

async fn a_suppressed_subscription_holds_back_mail_to_the_address_but_not_the_members_own(
    app: TestApp,
) {
    seed_named(&app, &["reader"]).await;
    let mut row: subscribers::ActiveModel = subscriber(&app, "reader").await.into();
    row.status = Set(SubscriberStatus::Suppressed);
    row.update(app.db()).await.expect("suppress");
    queue_message(&app, Kind::Invitation, "reader@example.org").await;
    queue_message(&app, Kind::NewsletterConfirm, "reader@example.org").await;
    assert_eq!(drain_and_count(&app).await, (0, 2));
    // The same address as a member's: their own mail follows their own record.
    app.user("reader@example.org", "Reader").await;
    queue_message(&app, Kind::Notification, "reader@example.org").await;
    assert_eq!(
        drain_and_count(&app).await,
        (1, 2),
        "the two earlier rows stay failed"
    );
}

async fn the_admin_sees_the_reason_and_resets_it(app: TestApp) {
    seed_named(&app, &["bouncy"]).await;
    assert_ran(
        &report_for_subscriber(&app, "postfix-hard.eml", "bouncy").await,
        0,
    );
    let row = subscriber(&app, "bouncy").await;
    let mut suppressed: subscribers::ActiveModel = row.clone().into();
    suppressed.status = Set(SubscriberStatus::Suppressed);
    suppressed.update(app.db()).await.expect("suppress");
    let admin = app.admin().await;
    let client = app.login(&admin.email).await;
    let page = client.get("/admin/newsletter").await.body;
    assert!(page.contains("/admin/newsletter/bounces"));
    let page = client.get("/admin/newsletter/bounces").await;
    page.assert_status(200);
    assert!(page.body.contains("bouncy@example.org"));
    assert!(
        page.body.contains("Recipient address rejected"),
        "the reason"
    );
    assert!(page.body.contains("Mail stopped"));
    // A notice typed into the address is not one.
    let typed = client.get("/admin/newsletter/bounces?done=reset").await;
    typed.assert_status(200);
    assert!(!typed.body.contains("The count is cleared"));
    let done = client
        .post(
            &format!("/admin/newsletter/bounces/subscribers/{}/reset", row.id),
            &[],
        )
        .await;
    done.assert_status(303);
    assert_eq!(done.location.as_deref(), Some("/admin/newsletter/bounces"));
    // The notice shows once, after the action, and not on reload.
    let after = client.get("/admin/newsletter/bounces").await;
    assert!(
        after.body.contains("The count is cleared"),
        "{}",
        after.body
    );
    let reload = client.get("/admin/newsletter/bounces").await;
    assert!(!reload.body.contains("The count is cleared"));
    let reset = subscriber(&app, "bouncy").await;
    assert_eq!(reset.status, SubscriberStatus::Active);
    assert_eq!(reset.bounce_points, 0);
    assert!(reset.bounce_reason.is_none());
    // Nobody else may see or do it.
    let someone = app.user("someone@example.org", "Someone").await;
    let other = app.login(&someone.email).await;
    other
        .get("/admin/newsletter/bounces")
        .await
        .assert_status(404);
}

async fn a_forged_or_altered_token_is_an_unknown_address(app: TestApp) {
    seed_named(&app, &["target"]).await;
    let row = subscriber(&app, "target").await;
    let genuine = return_path(&app, Recipient::Subscriber(row.id), Sent::Edition(1));
    // Another subscriber's id with this one's signature.
    let altered = genuine.replacen(&format!("+s{}-", row.id), &format!("+s{}-", row.id + 1), 1);
    // A token in the right shape signed with another key.
    let forged = format!(
        "bounces+s{}-e1-00112233445566778899@{BOUNCE_DOMAIN}",
        row.id
    );
    for address in [altered, forged] {
        let ran = mail_in(
            &app,
            fixture("postfix-hard.eml", &address, &row.email),
            Some(&address),
        )
        .await;
        assert_ran(&ran, 67);
        let ran = mail_in(
            &app,
            fixture("postfix-hard.eml", &address, &row.email),
            None,
        )
        .await;
        assert_ran(&ran, 67);
    }
    assert_eq!(subscriber(&app, "target").await.bounce_points, 0);
}

async fn a_report_about_an_address_fora_never_wrote_to_changes_nothing(app: TestApp) {
    seed_named(&app, &["known"]).await;
    let row = subscriber(&app, "known").await;
    // A report naming a subscriber's address, sent to an address without a token.
    for to in [
        format!("bounces@{BOUNCE_DOMAIN}"),
        format!("postmaster@{BOUNCE_DOMAIN}"),
        "bounces+x@elsewhere.example.net".to_string(),
    ] {
        let ran = mail_in(&app, fixture("postfix-hard.eml", &to, &row.email), None).await;
        assert_ran(&ran, 67);
    }
    // A newcomer's invitation bounced: understood, nobody to count it against.
    let path = return_path(
        &app,
        Recipient::Newcomer,
        Sent::Queued(Kind::Invitation.code()),
    );
    let ran = mail_in(
        &app,
        fixture("postfix-hard.eml", &path, "stranger@example.net"),
        Some(&path),
    )
    .await;
    assert_ran(&ran, 0);
    // A token for a subscription that no longer exists.
    let path = return_path(&app, Recipient::Subscriber(99_999), Sent::Edition(1));
    let ran = mail_in(
        &app,
        fixture("postfix-hard.eml", &path, "old@example.net"),
        Some(&path),
    )
    .await;
    assert_ran(&ran, 0);
    assert_eq!(subscriber(&app, "known").await.bounce_points, 0);
}

async fn report_loops_change_nothing(app: TestApp) {
    seed_named(&app, &["looped"]).await;
    for file in ["dsn-about-a-dsn.eml", "dsn-for-a-return-path.eml"] {
        let ran = report_for_subscriber(&app, file, "looped").await;
        assert_ran(&ran, 0);
        assert!(
            ran.log.contains("a report about a report"),
            "{file}: {}",
            ran.log
        );
    }
    assert_eq!(subscriber(&app, "looped").await.bounce_points, 0);
}

async fn a_huge_message_is_refused_quickly(app: TestApp) {
    seed_named(&app, &["huge"]).await;
    let row = subscriber(&app, "huge").await;
    let path = return_path(&app, Recipient::Subscriber(row.id), Sent::Edition(1));
    let mut input = fixture("postfix-hard.eml", &path, &row.email);
    let line = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    while input.len() < 50 * 1024 * 1024 {
        input.extend_from_slice(line);
    }
    let started = Instant::now();
    let ran = mail_in(&app, input, Some(&path)).await;
    assert_ran(&ran, 65);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(ran.log.contains("too large"), "{}", ran.log);
    if let Some(peak) = ran.peak_kib {
        assert!(
            peak < 40 * 1024,
            "a 50 MB message held in memory: {peak} KiB at most"
        );
    }
    assert_eq!(subscriber(&app, "huge").await.bounce_points, 0);
    // Not a message at all.
    for junk in [
        &b""[..],
        b"\0\0\0\xff\xfe",
        b"no headers here, only words\n",
    ] {
        let ran = mail_in(&app, junk.to_vec(), Some(&path)).await;
        assert!(
            ran.code == 65 || ran.code == 0,
            "{junk:?}: {} {}",
            ran.code,
            ran.log
        );
        assert!(!ran.log.contains("panicked"), "{}", ran.log);
    }
    assert_eq!(subscriber(&app, "huge").await.bounce_points, 0);
}

async fn malformed_mime_and_an_unknown_charset_are_still_read(app: TestApp) {
    seed_named(&app, &["broken", "klingon"]).await;
    for (file, local) in [
        ("malformed-mime.eml", "broken"),
        ("unknown-charset.eml", "klingon"),
    ] {
        let ran = report_for_subscriber(&app, file, local).await;
        assert_ran(&ran, 0);
        assert!(!ran.log.contains("panicked"), "{}", ran.log);
        assert_eq!(subscriber(&app, local).await.bounce_points, 2, "{file}");
    }
}

async fn a_message_with_a_thousand_recipients_counts_once(app: TestApp) {
    seed_named(&app, &["many"]).await;
    let row = subscriber(&app, "many").await;
    let path = return_path(&app, Recipient::Subscriber(row.id), Sent::Edition(1));
    let others: Vec<String> = (0..999).map(|n| format!("person{n}@example.net")).collect();
    let report = fixture("postfix-hard.eml", &path, &row.email);
    // Addressed to all of them, with no delivery header naming the one that is Fora's.
    let crowded = String::from_utf8(report)
        .expect("utf-8")
        .replace(&format!("X-Original-To: {path}\n"), "")
        .replace(&format!("Delivered-To: {path}\n"), "")
        .replace(
            &format!("\nTo: {path}\n"),
            &format!("\nTo: {}, {path}\n", others.join(",\n  ")),
        );
    assert_eq!(
        crowded.matches(&path).count(),
        3,
        "To:, the sender and a header"
    );
    let started = Instant::now();
    let ran = mail_in(&app, crowded.clone().into_bytes(), None).await;
    assert_ran(&ran, 0);
    let ran = mail_in(&app, crowded.into_bytes(), Some(&path)).await;
    assert_ran(&ran, 0);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(subscriber(&app, "many").await.bounce_points, 2, "once");
    // None of them is Fora's.
    let nobody = fixture("postfix-hard.eml", "person1@example.net", &row.email);
    assert_ran(&mail_in(&app, nobody, None).await, 67);
}

async fn an_auto_reply_changes_nothing(app: TestApp) {
    seed_named(&app, &["holiday"]).await;
    let ran = report_for_subscriber(&app, "auto-reply.eml", "holiday").await;
    assert_ran(&ran, 0);
    assert!(ran.log.contains("an automatic reply"), "{}", ran.log);
    assert_eq!(subscriber(&app, "holiday").await.bounce_points, 0);
}

/// Over real SMTP, every message goes out with its recipient's return path, and `fora mail-in`
/// reads a report sent back to it; without a bounce domain the envelope sender is `FORA_FROM`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_envelope_sender_names_the_recipient_over_smtp() {
    let smtp = FakeSmtp::start(true).await;
    let app = TestApp::start(
        crate::support::Backend::Sqlite,
        Options {
            bounces: options().bounces,
            ..smtp.options(Default::default())
        },
    )
    .await;
    seed_named(&app, &["reader"]).await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    deliver::enqueue(app.db(), edition).await.expect("enqueue");
    deliver::drain(&app.state).await.expect("drain");
    let user = app.user("member@example.org", "Member").await;
    queue_message(&app, Kind::Notification, &user.email).await;
    queue_message(&app, Kind::Invitation, "newcomer@example.net").await;
    queue::drain(app.state.mail_sender()).await.expect("drain");
    let reader = subscriber(&app, "reader").await;
    // In the order sent: the edition, then the queue in the order queued.
    let envelopes = smtp.envelopes();
    let expected = |recipient, sent| return_path(&app, recipient, sent);
    assert_eq!(
        envelopes,
        vec![
            (
                expected(Recipient::Subscriber(reader.id), Sent::Edition(edition)),
                "reader@example.org".to_string()
            ),
            (
                expected(
                    Recipient::Member(user.id),
                    Sent::Queued(Kind::Notification.code())
                ),
                "member@example.org".to_string()
            ),
            (
                expected(Recipient::Newcomer, Sent::Queued(Kind::Invitation.code())),
                "newcomer@example.net".to_string()
            ),
        ]
    );
    for (sender, _) in &envelopes {
        let local = sender.split('@').next().expect("local part");
        assert!(
            local.len() <= 64 && local == local.to_ascii_lowercase(),
            "{local}"
        );
    }
    // The report that comes back to the edition's return path counts against its reader.
    let ran = mail_in(
        &app,
        fixture("postfix-hard.eml", &envelopes[0].0, &reader.email),
        Some(&envelopes[0].0),
    )
    .await;
    assert_ran(&ran, 0);
    assert_eq!(subscriber(&app, "reader").await.bounce_points, 2);

    // Without a bounce domain, nothing changes: the envelope sender is the From address.
    let plain_smtp = FakeSmtp::start(true).await;
    let plain = plain_smtp.app(Default::default()).await;
    seed_named(&plain, &["reader"]).await;
    let edition = edition_with_a_learning(&plain, "weekly").await;
    deliver::enqueue(plain.db(), edition)
        .await
        .expect("enqueue");
    deliver::drain(&plain.state).await.expect("drain");
    assert_eq!(
        plain_smtp.envelopes(),
        vec![(
            "fora@example.org".to_string(),
            "reader@example.org".to_string()
        )]
    );
    let ran = mail_in_with(
        &plain,
        fixture("postfix-hard.eml", &envelopes[0].0, &reader.email),
        Some(&envelopes[0].0),
        &[("FORA_BOUNCE_DOMAIN", "")],
    )
    .await;
    assert_ran(&ran, 67);
}

/// A database that does not answer: the MTA keeps the message and tries again later. Mail it
/// cannot be about is answered without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_a_temporary_failure() {
    let app = TestApp::start(crate::support::Backend::Sqlite, options()).await;
    let unreachable = [("DATABASE_URL", "postgres://fora@127.0.0.1:1/fora")];
    let path = return_path(&app, Recipient::Subscriber(1), Sent::Edition(1));
    let report = fixture("postfix-hard.eml", &path, "someone@example.net");
    let ran = mail_in_with(&app, report, Some(&path), &unreachable).await;
    assert_ran(&ran, 75);
    let forged = format!("bounces+s1-e1-00112233445566778899@{BOUNCE_DOMAIN}");
    let report = fixture("postfix-hard.eml", &forged, "someone@example.net");
    let ran = mail_in_with(&app, report, Some(&forged), &unreachable).await;
    assert_ran(&ran, 67);
}
