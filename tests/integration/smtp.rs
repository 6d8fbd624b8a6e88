//! Mail over a real SMTP server (postfix's smtp-sink, which writes each message to a file).

use std::{path::PathBuf, process::Stdio, time::Duration};

use crate::support::{Backend, Options, TestApp, parse_mail, skip};

pub struct SmtpSink {
    child: std::process::Child,
    pub port: u16,
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_sink_binary() -> Option<PathBuf> {
    ["/usr/sbin/smtp-sink", "/usr/bin/smtp-sink"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Starts `binary` (postfix's smtp-sink, as `nobody`, with `options`) on a free loopback
/// port, trying other ports if one is taken meanwhile; returns once it accepts connections.
pub fn spawn_smtp_sink(
    binary: &std::path::Path,
    options: &[&str],
    backlog: &str,
) -> (std::process::Child, u16) {
    for _ in 0..20 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let address = format!("127.0.0.1:{port}");
        let mut child = std::process::Command::new(binary)
            .args(["-u", "nobody"])
            .args(options)
            .args([address.as_str(), backlog])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn smtp-sink");
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (child, port);
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("smtp-sink did not start");
}

impl SmtpSink {
    /// Starts smtp-sink on a free loopback port, or None (with the reason printed) if the
    /// machine has no smtp-sink.
    pub fn start(test: &str) -> Option<SmtpSink> {
        let Some(binary) = smtp_sink_binary() else {
            skip(
                test,
                "postfix's smtp-sink is not installed (apt-get install postfix)",
            );
            return None;
        };
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("mail");
        std::fs::create_dir_all(&dir).expect("mail dir");
        // smtp-sink drops privileges to `nobody`, who must be able to write the files.
        let _ = std::process::Command::new("chmod")
            .args(["-R", "a+rwx", &tmp.path().display().to_string()])
            .status();
        let spool = format!("{}/%M.", dir.display());
        let (child, port) = spawn_smtp_sink(&binary, &["-d", &spool], "64");
        Some(SmtpSink {
            child,
            port,
            dir,
            _tmp: tmp,
        })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub async fn messages(&self, count: usize) -> Vec<crate::support::Mail> {
        for _ in 0..200 {
            let mut mails = Vec::new();
            if let Ok(entries) = std::fs::read_dir(&self.dir) {
                for entry in entries.flatten() {
                    if let Ok(bytes) = std::fs::read(entry.path())
                        && !bytes.is_empty()
                    {
                        mails.push(parse_mail(&bytes));
                    }
                }
            }
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("smtp-sink received fewer than {count} messages");
    }
}

async fn invitation_and_notification_over_smtp(backend: Backend, test: &str) {
    let Some(sink) = SmtpSink::start(test) else {
        return;
    };
    let app = TestApp::start(
        backend,
        Options {
            smtp_url: Some(sink.url()),
            ..Default::default()
        },
    )
    .await;
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "ny@example.org")],
        )
        .await
        .assert_status(303);
    let mails = sink.messages(1).await;
    let invitation = mails
        .iter()
        .find(|m| m.to == "ny@example.org")
        .expect("invitation received over SMTP");
    let link = invitation.link("/invitations/");
    let visitor = app.client();
    visitor.get(&link).await.assert_status(200);
    // A display name with CR/LF cannot inject headers into later mail.
    visitor
        .post(
            &link,
            &[
                ("display_name", "Ny\r\nBcc: victim@example.org"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(303);
    let (path, _, _) = crate::forums::thread_with_reply(&visitor, &member, &forum.slug).await;
    fora::forums::notify::deliver_due(&app.state, None)
        .await
        .expect("deliver");
    let mails = sink.messages(2).await;
    let notice = mails
        .iter()
        .find(|m| m.subject.contains("New reply in"))
        .expect("notification received");
    assert_eq!(notice.to, "ny@example.org");
    assert!(
        !notice.raw.to_lowercase().contains("bcc: victim"),
        "no injected header"
    );
    let _ = path;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_through_a_real_smtp_server_sqlite() {
    invitation_and_notification_over_smtp(Backend::Sqlite, "smtp::sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_through_a_real_smtp_server_postgres() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        skip("smtp::postgres", "TEST_DATABASE_URL is not set");
        return;
    }
    invitation_and_notification_over_smtp(Backend::Postgres, "smtp::postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_smtp_loses_no_notification() {
    // Nothing listens on this port: sending fails, and the notification waits for a retry.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let app = TestApp::start(
        Backend::Sqlite,
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            ..Default::default()
        },
    )
    .await;
    let (forum, moderator, member) = app.with_forum("agri", "post").await;
    crate::forums::thread_with_reply(&moderator, &member, &forum.slug).await;
    let queued = fora::forums::notify::deliver_due(&app.state, None)
        .await
        .expect("deliver");
    assert_eq!(queued, 1, "the notification's mail is queued");
    // The worker tries, fails, and keeps the message for a later attempt.
    use sea_orm::{ConnectionTrait, Statement};
    let mut row = None;
    for _ in 0..200 {
        row = app
            .db()
            .query_one_raw(Statement::from_string(
                app.db().get_database_backend(),
                "SELECT status, attempts, last_error FROM mail_queue",
            ))
            .await
            .expect("db")
            .filter(|row| row.try_get::<i32>("", "attempts").unwrap_or(0) > 0);
        if row.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let row = row.expect("an attempt was made");
    assert_eq!(
        row.try_get::<String>("", "status").expect("status"),
        "queued"
    );
    assert!(
        row.try_get::<Option<String>>("", "last_error")
            .expect("error")
            .is_some_and(|error| !error.is_empty()),
        "the failure is recorded"
    );
}
