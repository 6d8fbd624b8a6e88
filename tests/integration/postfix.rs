//! Mail through a real Postfix (issue 14, "Done means"). The test starts a Postfix instance of
//! its own, with its own configuration folder, queue and log in a temporary folder, listening
//! on a free loopback port, wired to `fora mail-in` exactly as the README tells an operator
//! (a wrapper that reads the settings, a `pipe` transport, `transport_maps` for the reply and
//! bounce domains), relaying everything else to postfix's `smtp-sink` (the world), except one
//! domain whose server refuses every recipient. Through it:
//!
//! - a notification goes out (the app's SMTP pool → Postfix → the sink) with its `Reply-To`;
//! - the member's answer comes back in through Postfix's `smtpd` and `pipe`, and the post
//!   appears on the thread page; its confirmation goes out through Postfix too;
//! - an answer to a forged reply address is refused by `fora mail-in` (67) and Postfix bounces
//!   it to its sender, posting nothing;
//! - an edition to a subscriber whose server refuses them is accepted by Postfix, refused
//!   downstream, and the delivery report Postfix itself writes comes back to the return path
//!   through the `pipe` and is counted against that subscriber.
//!
//! Postfix runs as root (its master drops privileges itself); where it is missing or the tests
//! do not run as root, the test says so and is skipped (a failure under
//! `FORA_REQUIRE_SERVICES=1`). The instance is stopped at the end, and killed by its pid if it
//! does not stop or the test fails.

use std::{
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use fora::{config::BounceConfig, entities::subscribers, forums::notify, newsletter::deliver};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    forums::thread_with_reply,
    newsletter_delivery::edition_with_a_learning,
    smtp::SmtpSink,
    support::{Backend, Mail, Options, TestApp, skip, subscriber_row},
};

const POSTFIX: &str = "/usr/sbin/postfix";
const PIPE_DAEMON: &str = "/usr/lib/postfix/sbin/pipe";
const REPLY_DOMAIN: &str = "reply.example.org";
const BOUNCE_DOMAIN: &str = "bounce.example.org";
/// The domain whose mail server refuses every recipient.
const REFUSING_DOMAIN: &str = "nowhere.example.net";
const MODERATOR: &str = "mod-agri@example.org";
/// How long Postfix may take to pass a message on.
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    through_postfix(Backend::Sqlite, "postfix::sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        skip("postfix::postgres", "TEST_DATABASE_URL is not set");
        return;
    }
    through_postfix(Backend::Postgres, "postfix::postgres").await;
}

/// Why a private Postfix cannot run here, if it cannot.
fn missing() -> Option<String> {
    if !Path::new(POSTFIX).exists() || !Path::new(PIPE_DAEMON).exists() {
        return Some("Postfix is not installed (apt-get install postfix)".into());
    }
    // The effective user of this process owns its /proc entry.
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    if uid != Some(0) {
        return Some(format!(
            "a private Postfix instance must be started by root, and the tests run as uid {}",
            uid.map_or("unknown".into(), |u| u.to_string())
        ));
    }
    for user in ["postfix", "nobody"] {
        if user_ids(user).is_none() {
            return Some(format!("the system has no user `{user}` for Postfix"));
        }
    }
    None
}

async fn through_postfix(backend: Backend, test: &str) {
    if let Some(why) = missing() {
        skip(test, &why);
        return;
    }
    let Some(world) = SmtpSink::start(test) else {
        return;
    };
    let refusing = RefusingServer::start();
    let port = free_port();
    let app = TestApp::start(
        backend,
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            reply_domain: Some(REPLY_DOMAIN.into()),
            bounces: BounceConfig {
                domain: Some(BOUNCE_DOMAIN.into()),
                threshold_points: 10,
            },
            ..Default::default()
        },
    )
    .await;
    let mut postfix = Postfix::start(&app, port, world.port, refusing.port);

    // A notification goes out through Postfix, with the address to answer it at.
    let (_forum, moderator, member) = app.with_forum("agri", "post").await;
    let (path, thread_id, _) = thread_with_reply(&moderator, &member, "agri").await;
    assert_eq!(
        notify::deliver_due(&app.state, None).await.expect("notify"),
        1
    );
    let notification = postfix.wait_for(&world, "the notification", |mail| {
        mail.to == MODERATOR && mail.raw.contains("Reply-To: reply+")
    });
    let notification = notification.await;
    assert!(
        notification.raw.contains("by mx.fora-test.example"),
        "it passed through Postfix: {}",
        notification.raw
    );
    let reply_to = header(&notification.raw, "Reply-To").expect("a Reply-To");
    let in_reply_to = header(&notification.raw, "Message-ID").expect("a Message-ID");

    // The answer comes back in through Postfix and is posted.
    let answer = format!(
        "From: Moderator Mo <{MODERATOR}>\r\n\
         To: <{reply_to}>\r\n\
         Subject: Re: {subject}\r\n\
         Message-ID: <through-postfix-{backend:?}@mail.example.net>\r\n\
         In-Reply-To: {in_reply_to}\r\n\
         Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Answered through Postfix: the village committees meet every month.\r\n\
         \r\n\
         On Tue, 1 Dec 2026 at 09:00, Fora <fora@example.org> wrote:\r\n\
         > They run their own monitoring.\r\n",
        subject = notification.subject,
    );
    let posts_before = posts_in(&app, thread_id).await;
    postfix.submit(MODERATOR, &reply_to, answer.as_bytes());
    let deadline = Instant::now() + WAIT;
    while posts_in(&app, thread_id).await == posts_before {
        assert!(
            Instant::now() < deadline,
            "the reply was never posted.\n{}",
            postfix.diagnostics()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Read once it is there: on SQLite a server that already holds the page learns of another
    // process's post only at its own next change (see the README), on PostgreSQL at once.
    let page = member.get(&path).await;
    page.assert_status(200);
    assert!(
        page.body
            .contains("Answered through Postfix: the village committees meet every month."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("wrote:"), "the quote is cut");
    // Its confirmation goes out through Postfix.
    postfix
        .wait_for(&world, "the confirmation", |mail| {
            mail.to == MODERATOR && mail.subject == "Your reply by email is posted"
        })
        .await;

    // A forged reply address: refused by `fora mail-in`, bounced by Postfix to its sender,
    // nothing posted.
    let posts_before = posts_in(&app, thread_id).await;
    let forged = format!("reply+m1-t{thread_id}-00112233445566778899@{REPLY_DOMAIN}");
    let intruder = "intruder@elsewhere.example.net";
    let attempt = format!(
        "From: <{intruder}>\r\nTo: <{forged}>\r\nSubject: Re: hello\r\n\
         Message-ID: <forged-{backend:?}@elsewhere.example.net>\r\n\r\nPost this for me.\r\n"
    );
    postfix.submit(intruder, &forged, attempt.as_bytes());
    let bounced = postfix
        .wait_for(&world, "the bounce of the forged reply", |mail| {
            mail.to == intruder
        })
        .await;
    assert!(bounced.raw.contains("5.1.1"), "{}", bounced.raw);
    assert_eq!(posts_in(&app, thread_id).await, posts_before);

    // An edition to a subscriber whose server refuses them: Postfix accepts it, the refusal
    // comes back as Postfix's own delivery report, through the pipe, and is counted.
    let gone = format!("gone@{REFUSING_DOMAIN}");
    subscriber_row(&gone, "weekly", &"g".repeat(40))
        .insert(app.db())
        .await
        .expect("subscriber");
    let edition = edition_with_a_learning(&app, "weekly").await;
    deliver::enqueue(app.db(), edition).await.expect("enqueue");
    let summary = deliver::drain(&app.state).await.expect("drain");
    assert_eq!(summary.sent, 1, "Postfix accepted it: {summary}");
    let deadline = Instant::now() + WAIT;
    let counted = loop {
        let row = subscribers::Entity::find()
            .filter(subscribers::Column::Email.eq(gone.as_str()))
            .one(app.db())
            .await
            .expect("db")
            .expect("the subscriber");
        if row.bounce_points > 0 {
            break row;
        }
        assert!(
            Instant::now() < deadline,
            "the bounce was never counted.\n{}",
            postfix.diagnostics()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(counted.bounce_points, 2, "a hard bounce counts 1");
    let reason = counted.bounce_reason.unwrap_or_default();
    assert!(reason.contains("5.1.1"), "{reason}");
    assert!(
        postfix.log().contains("relay=fora"),
        "delivered by the pipe: {}",
        postfix.log()
    );

    postfix.stop();
}

async fn posts_in(app: &TestApp, thread_id: i32) -> u64 {
    use sea_orm::PaginatorTrait;
    fora::entities::posts::Entity::find()
        .filter(fora::entities::posts::Column::ThreadId.eq(thread_id))
        .count(app.db())
        .await
        .expect("db")
}

/// The value of the first header `name` in a raw message's head, unfolded.
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    let mut lines = head.lines();
    let mut value = lines.find_map(|line| {
        let (field, value) = line.split_once(':')?;
        field
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })?;
    for line in lines {
        if !line.starts_with([' ', '\t']) {
            break;
        }
        value.push_str(line.trim());
    }
    Some(value)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The uid and gid of a system user.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&name) && fields.len() > 3)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })
}

fn chown(path: &Path, user: &str) {
    let (uid, gid) = user_ids(user).expect("a system user");
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|err| panic!("chown {}: {err}", path.display()));
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|err| panic!("chmod {}: {err}", path.display()));
}

/// A mail server that refuses every recipient (postfix's `smtp-sink -f RCPT`): the server of
/// an address that no longer exists.
struct RefusingServer {
    child: std::process::Child,
    port: u16,
}

impl RefusingServer {
    fn start() -> RefusingServer {
        let (child, port) = crate::smtp::spawn_smtp_sink(
            Path::new("/usr/sbin/smtp-sink"),
            &["-f", "RCPT", "-B", "550 5.1.1 User unknown"],
            "16",
        );
        RefusingServer { child, port }
    }
}

impl Drop for RefusingServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private Postfix instance: its configuration folder, queue, data and log in one temporary
/// folder, its `smtpd` on a loopback port.
struct Postfix {
    root: tempfile::TempDir,
    conf: PathBuf,
    port: u16,
    master_pid: Option<u32>,
}

impl Postfix {
    /// Writes the instance's configuration for this app and starts it: `smtpd` on `port`,
    /// mail for the reply and bounce domains piped into `fora mail-in`, mail for
    /// [`REFUSING_DOMAIN`] to `refusing_port`, everything else to `relay_port`.
    fn start(app: &TestApp, port: u16, relay_port: u16, refusing_port: u16) -> Postfix {
        let root = tempfile::Builder::new()
            .prefix("fora-postfix-")
            .tempdir()
            .expect("temp dir");
        let dir = root.path().to_path_buf();
        // Postfix's own users walk into it; the pipe runs `fora` as `nobody`.
        chmod(&dir, 0o755);
        let conf = dir.join("conf");
        let queue = dir.join("queue");
        let data = dir.join("data");
        let mail_in_data = dir.join("mail-in-data");
        for folder in [&conf, &queue, &data, &mail_in_data] {
            std::fs::create_dir(folder).expect("folder");
            chmod(folder, 0o755);
        }
        chown(&data, "postfix");
        chown(&mail_in_data, "nobody");

        // `fora mail-in` reads the servers' key and database as the pipe's user.
        let key = dir.join("secret.key");
        std::fs::copy(&app.secret_key_file, &key).expect("copy the key");
        chmod(&key, 0o600);
        chown(&key, "nobody");
        share_sqlite_database(&app.database_url);
        // The binary itself, where `nobody` may run it (the target folder may be private).
        let fora = dir.join("fora");
        if std::fs::hard_link(env!("CARGO_BIN_EXE_fora"), &fora).is_err() {
            std::fs::copy(env!("CARGO_BIN_EXE_fora"), &fora).expect("copy fora");
        }
        chmod(&fora, 0o755);
        let log = dir.join("mail-in.log");
        std::fs::write(&log, "").expect("log");
        chmod(&log, 0o666);

        // The README's wrapper: the settings from a file, then `fora mail-in`.
        let env_file = dir.join("fora.env");
        let settings = [
            ("DATABASE_URL", app.database_url.as_str()),
            ("FORA_SECRET_KEY_FILE", &key.display().to_string()),
            ("FORA_DATA_DIR", &mail_in_data.display().to_string()),
            ("FORA_BOUNCE_DOMAIN", BOUNCE_DOMAIN),
            ("FORA_REPLY_DOMAIN", REPLY_DOMAIN),
            ("FORA_BASE_URL", app.base.as_str()),
            ("FORA_FROM", "Fora <fora@example.org>"),
            ("RUST_LOG", "fora=info"),
        ]
        .iter()
        .map(|(name, value)| format!("{name}='{value}'\n"))
        .collect::<String>();
        std::fs::write(&env_file, settings).expect("env file");
        chmod(&env_file, 0o644);
        let wrapper = dir.join("fora-mail-in");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nset -a; . {env}; set +a\nexec {fora} mail-in \"$@\" 2>>{log}\n",
                env = env_file.display(),
                fora = fora.display(),
                log = log.display(),
            ),
        )
        .expect("wrapper");
        chmod(&wrapper, 0o755);

        let dir_text = dir.display().to_string();
        std::fs::write(
            conf.join("transport"),
            format!(
                "{REPLY_DOMAIN} fora:\n{BOUNCE_DOMAIN} fora:\n\
                 {REFUSING_DOMAIN} smtp:[127.0.0.1]:{refusing_port}\n"
            ),
        )
        .expect("transport");
        std::fs::write(
            conf.join("main.cf"),
            format!(
                "compatibility_level = 3.6
queue_directory = {dir_text}/queue
data_directory = {dir_text}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.fora-test.example
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = {BOUNCE_DOMAIN}, {REPLY_DOMAIN}
transport_maps = texthash:{dir_text}/conf/transport
fora_destination_recipient_limit = 1
relayhost = [127.0.0.1]:{relay_port}
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
notify_classes =
biff = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maillog_file = {dir_text}/maillog
maillog_file_prefixes = {dir_text}
"
            ),
        )
        .expect("main.cf");
        std::fs::write(
            conf.join("master.cf"),
            format!(
                "127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
fora      unix  -       n       n       -       4       pipe
  flags=Rq user=nobody argv={wrapper} --recipient ${{recipient}} --sender ${{sender}}
",
                wrapper = wrapper.display(),
            ),
        )
        .expect("master.cf");

        let mut postfix = Postfix {
            root,
            conf,
            port,
            master_pid: None,
        };
        let started = postfix.control("start");
        postfix.master_pid = std::fs::read_to_string(dir.join("queue/pid/master.pid"))
            .ok()
            .and_then(|pid| pid.trim().parse().ok());
        assert!(
            started,
            "postfix -c {} start failed.\n{}",
            postfix.conf.display(),
            postfix.diagnostics()
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "Postfix does not listen on {port}.\n{}",
                postfix.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        postfix
    }

    /// Runs `postfix -c CONF COMMAND`; whether it succeeded.
    fn control(&self, command: &str) -> bool {
        Command::new(POSTFIX)
            .arg("-c")
            .arg(&self.conf)
            .arg(command)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("maillog")).unwrap_or_default()
    }

    /// Postfix's log and what `fora mail-in` wrote, for a failure's message.
    fn diagnostics(&self) -> String {
        let mail_in =
            std::fs::read_to_string(self.root.path().join("mail-in.log")).unwrap_or_default();
        format!(
            "--- Postfix log ---\n{}\n--- fora mail-in ---\n{mail_in}",
            self.log()
        )
    }

    /// Hands a message to Postfix's `smtpd`, as another mail server would.
    fn submit(&self, from: &str, to: &str, message: &[u8]) {
        if let Err(err) = smtp_send(self.port, from, to, message) {
            panic!("Postfix refused the message: {err}\n{}", self.diagnostics());
        }
    }

    /// Waits for the sink to hold a message that `wanted` picks.
    async fn wait_for(&self, sink: &SmtpSink, what: &str, wanted: impl Fn(&Mail) -> bool) -> Mail {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(mail) = sink_mails(sink).into_iter().find(|mail| wanted(mail)) {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "{what} never came out of Postfix.\n{}",
                self.diagnostics()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops the instance and waits until its master is gone.
    fn stop(&mut self) {
        let Some(pid) = self.master_pid else {
            return;
        };
        self.control("stop");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        self.master_pid = None;
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The messages the sink holds, read afresh.
fn sink_mails(sink: &SmtpSink) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(&sink.dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path()).ok())
        .filter(|bytes| !bytes.is_empty())
        .map(|bytes| crate::support::parse_mail(&bytes))
        .collect()
}

/// Lets the pipe's user (`nobody`) write a SQLite database the test created: its folder and
/// files. PostgreSQL needs nothing.
fn share_sqlite_database(database_url: &str) {
    let Some(path) = database_url.strip_prefix("sqlite://") else {
        return;
    };
    let file = Path::new(path.split('?').next().unwrap_or(path));
    let Some(folder) = file.parent() else {
        return;
    };
    chmod(folder, 0o777);
    for entry in std::fs::read_dir(folder)
        .expect("database folder")
        .flatten()
    {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("fora.db") {
            chmod(&entry.path(), 0o666);
        }
    }
}

/// One message over SMTP, the plain way another mail server sends it.
fn smtp_send(port: u16, from: &str, to: &str, message: &[u8]) -> Result<(), String> {
    use std::io::{BufRead, BufReader, Write};
    let stream = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut writer = stream;
    let mut answer = |expected: &str| -> Result<(), String> {
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            if !line.starts_with(expected) {
                return Err(format!("expected {expected}, got {line:?}"));
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    };
    answer("220")?;
    let mut say = |command: String| writer.write_all(command.as_bytes());
    say("EHLO mail.example.net\r\n".into()).map_err(|e| e.to_string())?;
    answer("250")?;
    say(format!("MAIL FROM:<{from}>\r\n")).map_err(|e| e.to_string())?;
    answer("250")?;
    say(format!("RCPT TO:<{to}>\r\n")).map_err(|e| e.to_string())?;
    answer("250")?;
    say("DATA\r\n".into()).map_err(|e| e.to_string())?;
    answer("354")?;
    let mut data = Vec::with_capacity(message.len() + 8);
    for line in message.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b".") {
            data.push(b'.');
        }
        data.extend_from_slice(line);
    }
    if !data.ends_with(b"\r\n") {
        data.extend_from_slice(b"\r\n");
    }
    data.extend_from_slice(b".\r\n");
    writer.write_all(&data).map_err(|e| e.to_string())?;
    answer("250")?;
    let _ = writer.write_all(b"QUIT\r\n");
    Ok(())
}

#[test]
fn headers_are_read_unfolded() {
    let raw = "Subject: a\r\nReply-To: reply+m1-t2-abc@reply.example.org\r\nMessage-ID:\r\n <x@y>\r\n\r\nbody";
    assert_eq!(
        header(raw, "Reply-To").as_deref(),
        Some("reply+m1-t2-abc@reply.example.org")
    );
    assert_eq!(header(raw, "message-id").as_deref(), Some("<x@y>"));
    assert_eq!(header(raw, "Missing"), None);
    assert_eq!(header(raw, "body"), None);
}
