//! The `fora` command line, run as a real process: the set-up commands a deployment script
//! uses, `demo`, and `serve` printing the first-run link and stopping cleanly on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc::Receiver,
    time::Duration,
};

struct Workdir {
    dir: tempfile::TempDir,
}

/// Which of `fora serve`'s streams a test reads.
enum Output {
    Stdout,
    Stderr,
}

impl Workdir {
    fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `fora serve` on a free port of 127.0.0.1 in this folder (SQLite, file outbox), its log at
    /// `info`, and the lines it writes to `output` as they come.
    fn serve(&self, output: Output) -> (Child, u16, Receiver<String>) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_fora"))
            .arg("serve")
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("SMTP_URL")
            .env("FORA_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info")
            // The stream not read goes nowhere: a full pipe would stop the server.
            .stdout(match output {
                Output::Stdout => Stdio::piped(),
                Output::Stderr => Stdio::null(),
            })
            .stderr(match output {
                Output::Stdout => Stdio::null(),
                Output::Stderr => Stdio::piped(),
            })
            .spawn()
            .expect("spawn fora serve");
        let (tx, rx) = std::sync::mpsc::channel();
        let lines: Box<dyn std::io::Read + Send> = match output {
            Output::Stdout => Box::new(child.stdout.take().expect("stdout")),
            Output::Stderr => Box::new(child.stderr.take().expect("stderr")),
        };
        std::thread::spawn(move || {
            for line in BufReader::new(lines).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        (child, port, rx)
    }

    fn fora(&self, args: &[&str]) -> std::process::Output {
        self.fora_with(args, &[])
    }

    /// `fora` with these settings in its environment.
    fn fora_with(&self, args: &[&str], settings: &[(&str, &str)]) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fora"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("SMTP_URL")
            .env_remove("FORA_FROM")
            .env_remove("FORA_DKIM_DOMAIN")
            .env_remove("FORA_DKIM_SELECTOR")
            .env_remove("FORA_DKIM_KEY")
            .env("FORA_BASE_URL", "http://fora.test")
            .env("RUST_LOG", "warn");
        command.envs(settings.iter().copied());
        command.output().expect("run fora")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.fora(args);
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            output.status.success(),
            "fora {args:?} failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }
}

#[test]
fn deployment_commands_set_up_a_forum() {
    let work = Workdir::new();
    assert!(work.ok(&["--help"]).contains("serve"));
    work.ok(&["migrate"]);
    let admin = work.ok(&["admin", "create", "--email", "km@example.org"]);
    assert!(
        admin.contains("http://fora.test/password/reset/"),
        "{admin}"
    );
    // Without a terminal to ask at, the name is the address's first part; --name gives it.
    assert!(
        admin.contains("Administrator km <km@example.org> created"),
        "{admin}"
    );
    let named = work.ok(&[
        "admin",
        "create",
        "--email",
        "rita.reviewer@example.org",
        "--name",
        "Rita Okafor",
    ]);
    assert!(
        named.contains("Administrator Rita Okafor <rita.reviewer@example.org> created"),
        "{named}"
    );
    let again = work.fora(&["admin", "create", "--email", "km@example.org"]);
    assert!(!again.status.success(), "the same admin twice is refused");
    let bad = work.fora(&["admin", "create", "--email", "not an address"]);
    assert!(!bad.status.success());
    work.ok(&[
        "theme",
        "create",
        "child-domestic-work",
        "--name",
        "Child domestic work",
    ]);
    let bad_slug = work.fora(&["theme", "create", "Bad Slug", "--name", "x"]);
    assert!(!bad_slug.status.success());
    assert!(String::from_utf8_lossy(&bad_slug.stderr).contains("lower-case"));
    work.ok(&[
        "forum",
        "create",
        "cdw",
        "--title",
        "CDW practitioners",
        "--theme",
        "child-domestic-work",
        "--moderation",
        "pre",
    ]);
    let unknown = work.fora(&["forum", "create", "x", "--title", "X", "--theme", "nope"]);
    assert!(!unknown.status.success());
    let invited = work.ok(&[
        "invite",
        "specialist@example.org",
        "--forum",
        "cdw",
        "--role",
        "moderator",
    ]);
    assert!(
        invited.contains("http://fora.test/invitations/"),
        "{invited}"
    );
    let outbox: Vec<_> = std::fs::read_dir(work.dir.path().join("outbox"))
        .expect("outbox")
        .collect();
    assert_eq!(outbox.len(), 1, "the invitation was written to the outbox");
    let missing = work.fora(&["invite", "x@example.org", "--forum", "nope"]);
    assert!(!missing.status.success());
}

/// DKIM settings are read when any command starts: with all three, mail (here an invitation in
/// the outbox) is signed; one or two of them, a key file that is missing or not a key, or a
/// domain that is not the From domain stop the command with a message naming the setting.
#[test]
fn dkim_settings_sign_the_mail_or_stop_start_up_naming_the_setting() {
    let work = Workdir::new();
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dkim/ed25519.pem"
    );
    let garbage = work.dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a key\n").expect("write");
    let garbage = garbage.to_str().expect("utf-8 path");
    let missing = work.dir.path().join("missing.pem");
    let missing = missing.to_str().expect("utf-8 path");
    let from = ("FORA_FROM", "Fora <fora@news.example.org>");
    let domain = ("FORA_DKIM_DOMAIN", "example.org");
    let selector = ("FORA_DKIM_SELECTOR", "fora2026");
    let refused = [
        (
            vec![domain],
            "FORA_DKIM_SELECTOR and FORA_DKIM_KEY are not set",
        ),
        (vec![domain, selector], "FORA_DKIM_KEY is not set"),
        (
            vec![domain, selector, ("FORA_DKIM_KEY", missing)],
            "FORA_DKIM_KEY: cannot read the key file",
        ),
        (
            vec![domain, selector, ("FORA_DKIM_KEY", garbage)],
            "FORA_DKIM_KEY: ",
        ),
        (
            vec![
                ("FORA_DKIM_DOMAIN", "example.com"),
                selector,
                ("FORA_DKIM_KEY", key),
            ],
            "FORA_DKIM_DOMAIN is example.com",
        ),
    ];
    for (settings, says) in refused {
        let mut settings = settings.clone();
        settings.push(from);
        let output = work.fora_with(&["migrate"], &settings);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{settings:?} refused");
        assert!(stderr.contains(says), "{settings:?}: {says:?} in {stderr}");
    }

    let signed = [from, domain, selector, ("FORA_DKIM_KEY", key)];
    let run = |args: &[&str]| {
        let output = work.fora_with(args, &signed);
        assert!(
            output.status.success(),
            "fora {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&["migrate"]);
    run(&["theme", "create", "agriculture", "--name", "Agriculture"]);
    run(&[
        "forum",
        "create",
        "agri",
        "--title",
        "Agriculture",
        "--theme",
        "agriculture",
    ]);
    run(&["invite", "guest@example.org", "--forum", "agri"]);
    let sent: Vec<_> = std::fs::read_dir(work.dir.path().join("outbox"))
        .expect("outbox")
        .map(|entry| std::fs::read_to_string(entry.expect("entry").path()).expect("read"))
        .collect();
    assert_eq!(sent.len(), 1);
    let unfolded = sent[0].replace("\r\n ", " ").replace("\r\n\t", " ");
    let signature = unfolded
        .lines()
        .find(|line| line.starts_with("DKIM-Signature:"))
        .unwrap_or_else(|| panic!("signed: {}", sent[0]));
    for part in [
        "a=ed25519-sha256",
        "d=example.org",
        "s=fora2026",
        "c=relaxed/relaxed",
    ] {
        assert!(signature.contains(part), "{part} in {signature}");
    }
}

/// The messages in the outbox, oldest first.
fn outbox_mails(work: &Workdir) -> Vec<crate::support::Mail> {
    let mut files: Vec<_> = std::fs::read_dir(work.dir.path().join("outbox"))
        .expect("outbox")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .map(|p| crate::support::parse_mail(&std::fs::read(p).expect("mail")))
        .collect()
}

#[test]
fn forums_and_invitations_take_a_language_from_the_command_line() {
    let work = Workdir::new();
    work.ok(&["theme", "create", "agri", "--name", "Agriculture"]);
    for bad in ["de", "FR", "french", ""] {
        let refused = work.fora(&[
            "forum",
            "create",
            "cacao",
            "--title",
            "Cacao",
            "--theme",
            "agri",
            "--language",
            bad,
        ]);
        assert!(!refused.status.success(), "--language {bad:?} is refused");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("[possible values: en, fr, es]"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
    }
    work.ok(&[
        "forum",
        "create",
        "cacao",
        "--title",
        "Cacao",
        "--theme",
        "agri",
        "--language",
        "fr",
    ]);
    // Not created by the refused attempts, created once now: a second time is refused.
    assert!(
        !work
            .fora(&[
                "forum", "create", "cacao", "--title", "C", "--theme", "agri"
            ])
            .status
            .success()
    );
    // The forum's language by default; another when asked; an unknown one refused.
    work.ok(&["invite", "ana@example.org", "--forum", "cacao"]);
    work.ok(&[
        "invite",
        "luis@example.org",
        "--forum",
        "cacao",
        "--language",
        "es",
    ]);
    let refused = work.fora(&[
        "invite",
        "kim@example.org",
        "--forum",
        "cacao",
        "--language",
        "de",
    ]);
    assert!(!refused.status.success());
    let mails = outbox_mails(&work);
    assert_eq!(mails.len(), 2, "nothing sent for the refused invitation");
    let to = |address: &str| {
        mails
            .iter()
            .find(|m| m.to == address)
            .unwrap_or_else(|| panic!("no mail to {address}"))
    };
    assert_eq!(
        to("ana@example.org").subject,
        "Invitation au forum Cacao sur Fora"
    );
    assert_eq!(
        to("luis@example.org").subject,
        "Invitación al foro Cacao en Fora"
    );
}

#[test]
fn demo_fills_an_empty_database_once() {
    let work = Workdir::new();
    let out = work.ok(&["demo"]);
    assert!(out.contains("admin@example.org"), "{out}");
    assert!(
        !work.fora(&["demo"]).status.success(),
        "demo refuses a database that has accounts"
    );
    // The demo queues a first edition for its three subscribers; send-due sends it.
    assert!(out.contains("queued for 3 subscribers"), "{out}");
    let sent = work.ok(&["newsletter", "send-due"]);
    assert!(sent.contains("3 sent"), "{sent}");
    let again = work.ok(&["newsletter", "send-due"]);
    assert!(again.contains("0 sent"), "nothing is sent twice: {again}");
    let digests = std::fs::read_dir(work.dir.path().join("outbox"))
        .expect("outbox")
        .flatten()
        .filter(|e| {
            std::fs::read_to_string(e.path()).is_ok_and(|m| m.contains("List-Unsubscribe-Post"))
        })
        .count();
    assert_eq!(digests, 3);
    let preview = work.ok(&[
        "newsletter",
        "preview",
        "--edition",
        "1",
        "--to",
        "admin@example.org",
        "--text",
    ]);
    assert!(preview.contains("New learnings"), "{preview}");
    let unknown = work.fora(&[
        "newsletter",
        "preview",
        "--edition",
        "1",
        "--to",
        "nobody@example.org",
    ]);
    assert!(
        !unknown.status.success(),
        "no preview for someone who is not a subscriber"
    );
}

#[test]
fn serve_prints_the_setup_link_and_stops_on_sigterm() {
    let work = Workdir::new();
    let (mut child, port, rx) = work.serve(Output::Stdout);
    let mut link = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        if line.contains("/admin/setup/") {
            link = Some(line);
            break;
        }
    }
    let link = link.expect("setup link printed");
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{port}/admin/setup/")),
        "{link}"
    );
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ =
                stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            healthy = answer.starts_with("HTTP/1.1 200");
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(healthy, "/healthz answers");
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let mut stopped = None;
    for _ in 0..100 {
        if let Ok(Some(status)) = child.try_wait() {
            stopped = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = stopped.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("fora serve did not stop on SIGTERM");
    });
    assert!(status.success(), "clean exit: {status:?}");
}

/// `fora serve` renders posts written by an older renderer again at start-up
/// (`forums::rerender`): a post of the demo, made to look written before mentions were marked
/// up, shows its mention once the server has started.
#[test]
fn serve_renders_old_posts_again() {
    use sea_orm::{ConnectionTrait, Database, FromQueryResult, Statement};

    #[derive(FromQueryResult)]
    struct Stored {
        body_html: String,
        render_version: i32,
    }

    let work = Workdir::new();
    work.ok(&["demo"]);
    let url = format!(
        "sqlite://{}?mode=rw",
        work.dir.path().join("fora.db").display()
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let old = "SELECT body_html, render_version FROM posts WHERE id = (SELECT MIN(id) FROM posts)";
    runtime.block_on(async {
        let db = Database::connect(&url).await.expect("demo database");
        db.execute_unprepared(
            "UPDATE posts SET body_md = 'Thanks @[Amina] for this.', \
             body_html = '<p>Thanks @[Amina] for this.</p>', render_version = 0 \
             WHERE id = (SELECT MIN(id) FROM posts)",
        )
        .await
        .expect("an old post");
        db.close().await.expect("close");
    });
    let (mut child, _, rx) = work.serve(Output::Stderr);
    let mut told = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        if line.contains("old posts rendered again") {
            told = Some(line);
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let told = told.expect("serve renders old posts at start-up");
    // The log may be coloured: its escape sequences apart, it counts the one post.
    let mut pieces = told.split('\u{1b}');
    let mut plain = pieces.next().unwrap_or_default().to_string();
    for piece in pieces {
        plain.push_str(piece.split_once('m').map_or(piece, |(_, rest)| rest));
    }
    assert!(plain.contains("posts=1 held_edits=0"), "{told}");
    let stored = runtime.block_on(async {
        let db = Database::connect(&url).await.expect("database");
        Stored::find_by_statement(Statement::from_string(db.get_database_backend(), old))
            .one(&db)
            .await
            .expect("read")
            .expect("the post")
    });
    assert!(
        stored
            .body_html
            .contains("<span class=\"mention\">@Amina</span>"),
        "{}",
        stored.body_html
    );
    assert_eq!(stored.render_version, fora::markdown::RENDER_VERSION);
}
