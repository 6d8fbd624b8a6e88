//! DKIM: the mail Fora sends is signed, and an independent verifier agrees. Python's `dkimpy`
//! checks each message against the public key as DNS would publish it (the test answers its
//! DNS question), for an RSA-2048 and an Ed25519 key made by `openssl genpkey` for the run, for
//! an invitation (built and signed when it is queued, sent by the mail queue's worker) and a
//! newsletter edition (built and signed by the deliveries worker). A message with one byte of
//! its body or one signed header changed must fail, so a verifier that passes everything (or a
//! test that never reaches it) cannot pass the test.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use base64::Engine;
use fora::{config::NewsletterConfig, mail::dkim::DkimSigner, newsletter::deliver};

use crate::{
    newsletter_delivery::{edition_with_a_learning, seed_subscribers},
    support::{Backend, Options, TestApp, parse_mail, skip},
};

const DOMAIN: &str = "example.org";
const SELECTOR: &str = "fora-test";

/// Reads the message named on the command line, answers the verifier's DNS question with the
/// record given (only for the expected name), and exits 0 when the signature verifies.
const VERIFY_PY: &str = r#"
import logging, sys
import dkim
record, expected, path = sys.argv[1], sys.argv[2], sys.argv[3]
asked = []
def dns(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    asked.append(name)
    return record.encode() if name.rstrip(".").lower() == expected else None
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
with open(path, "rb") as message:
    ok = dkim.verify(message.read(), logger=logging.getLogger("dkim"), dnsfunc=dns)
print("pass" if ok else "fail", "asked:", " ".join(asked))
sys.exit(0 if ok else 1)
"#;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    Rsa,
    Ed25519,
}

/// Whether python3 with dkimpy (and PyNaCl for Ed25519) and openssl are here; says why not.
fn tools_missing(algorithm: Algorithm) -> Option<String> {
    let runs = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if !runs("openssl", &["version"]) {
        return Some("openssl is not installed".into());
    }
    if !runs("python3", &["--version"]) {
        return Some("python3 is not installed".into());
    }
    if !runs("python3", &["-c", "import dkim"]) {
        return Some("Python's dkimpy is not installed (pip install 'dkimpy[ed25519]')".into());
    }
    if algorithm == Algorithm::Ed25519 && !runs("python3", &["-c", "import nacl"]) {
        return Some(
            "PyNaCl, which dkimpy needs for Ed25519, is not installed (pip install \
             'dkimpy[ed25519]')"
                .into(),
        );
    }
    None
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A new private key file, and the DKIM TXT record that publishes its public key.
fn new_key(dir: &Path, algorithm: Algorithm) -> (PathBuf, String) {
    let path = dir.join(format!("{algorithm:?}.pem").to_lowercase());
    let path_text = path.to_str().expect("utf-8 path");
    match algorithm {
        Algorithm::Rsa => openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            path_text,
        ]),
        Algorithm::Ed25519 => openssl(&["genpkey", "-algorithm", "ed25519", "-out", path_text]),
    };
    let public = openssl(&["pkey", "-in", path_text, "-pubout", "-outform", "DER"]);
    let base64 = base64::engine::general_purpose::STANDARD;
    let record = match algorithm {
        // RSA: the whole SubjectPublicKeyInfo (RFC 6376 3.6.1).
        Algorithm::Rsa => format!("v=DKIM1; k=rsa; p={}", base64.encode(&public)),
        // Ed25519: the bare 32-byte key, the end of its SubjectPublicKeyInfo (RFC 8463).
        Algorithm::Ed25519 => format!(
            "v=DKIM1; k=ed25519; p={}",
            base64.encode(&public[public.len() - 32..])
        ),
    };
    (path, record)
}

/// Runs dkimpy on `message`: `Ok` with its output when the signature verifies.
fn verify(dir: &Path, record: &str, message: &[u8]) -> Result<String, String> {
    let path = dir.join("message.eml");
    std::fs::write(&path, message).expect("write message");
    let output = Command::new("python3")
        .args(["-c", VERIFY_PY, record])
        .arg(format!("{SELECTOR}._domainkey.{DOMAIN}"))
        .arg(&path)
        .output()
        .expect("run python3");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// The `DKIM-Signature` header, unfolded.
fn signature_header(message: &[u8]) -> String {
    let text = String::from_utf8_lossy(message);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let mut found: Option<String> = None;
    for line in head.split("\r\n") {
        match &mut found {
            Some(value) if line.starts_with([' ', '\t']) => value.push_str(line),
            Some(_) => break,
            None => {
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("DKIM-Signature")
                {
                    found = Some(value.to_string());
                }
            }
        }
    }
    found.expect("a DKIM-Signature header")
}

fn tag(header: &str, name: &str) -> String {
    header
        .split(';')
        .filter_map(|tag| tag.split_once('='))
        .find(|(key, _)| key.trim() == name)
        .map(|(_, value)| value.split_whitespace().collect())
        .unwrap_or_else(|| panic!("no {name}= in {header}"))
}

/// The message with one letter of its body changed (in the text part, not a boundary).
fn tamper_body(message: &[u8]) -> Vec<u8> {
    let body = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a body")
        + 4;
    let text_part = message[body..]
        .windows(12)
        .position(|w| w.eq_ignore_ascii_case(b"content-type"))
        .map(|at| body + at)
        .expect("a MIME part");
    let part_body = message[text_part..]
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a part body")
        + text_part
        + 4;
    let at = message[part_body..]
        .iter()
        .position(u8::is_ascii_alphabetic)
        .expect("a letter")
        + part_body;
    let mut changed = message.to_vec();
    changed[at] = if changed[at] == b'x' { b'y' } else { b'x' };
    changed
}

/// The message with its subject changed.
fn tamper_subject(message: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(message.to_vec()).expect("utf-8");
    let at = text.find("\r\nSubject: ").expect("a Subject") + "\r\nSubject: ".len();
    format!("{}Re: {}", &text[..at], &text[at..]).into_bytes()
}

async fn raw_mail_to(app: &TestApp, address: &str) -> Vec<u8> {
    app.mails_to(address, 1).await;
    app.mailbox
        .messages()
        .into_iter()
        .find(|raw| parse_mail(raw).to == address)
        .expect("the message")
}

async fn signed_mail_passes_an_independent_verifier(test: &str, algorithm: Algorithm) {
    if let Some(why) = tools_missing(algorithm) {
        skip(test, &why);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (key, record) = new_key(dir.path(), algorithm);
    let signer = DkimSigner::load(DOMAIN, SELECTOR, &key).expect("the key loads");
    let app = TestApp::start(
        Backend::Sqlite,
        Options {
            dkim: Some(signer),
            newsletter: NewsletterConfig {
                reply_to: Some("Fora team <team@example.org>".into()),
                ..NewsletterConfig::default()
            },
            ..Options::default()
        },
    )
    .await;

    // An invitation: a member's act, queued in the transaction and sent by the queue's worker.
    let (forum, moderator, _member) = app.with_forum("signed", "post").await;
    let members = format!("/forums/{}/members", forum.slug);
    moderator.get(&members).await;
    moderator
        .post(&members, &[("emails", "guest@example.org")])
        .await
        .assert_status(303);
    let invitation = raw_mail_to(&app, "guest@example.org").await;

    // A newsletter edition, built and sent by the deliveries worker.
    seed_subscribers(&app, 0, 1, "weekly").await;
    let edition = edition_with_a_learning(&app, "weekly").await;
    assert_eq!(
        deliver::enqueue(app.db(), edition).await.expect("enqueue"),
        1
    );
    assert_eq!(deliver::drain(&app.state).await.expect("drain").sent, 1);
    let newsletter = raw_mail_to(&app, "reader0@example.org").await;

    let algorithm_tag = match algorithm {
        Algorithm::Rsa => "rsa-sha256",
        Algorithm::Ed25519 => "ed25519-sha256",
    };
    for (what, message) in [("invitation", &invitation), ("newsletter", &newsletter)] {
        let header = signature_header(message);
        assert_eq!(tag(&header, "a"), algorithm_tag, "{what}: {header}");
        assert_eq!(tag(&header, "d"), DOMAIN, "{what}");
        assert_eq!(tag(&header, "s"), SELECTOR, "{what}");
        assert_eq!(tag(&header, "c"), "relaxed/relaxed", "{what}");
        let signed: Vec<String> = tag(&header, "h")
            .split(':')
            .map(str::to_ascii_lowercase)
            .collect();
        for name in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "reply-to",
            "list-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
            "content-type",
            "content-transfer-encoding",
            "mime-version",
        ] {
            assert!(
                signed.iter().any(|h| h == name),
                "{what}: {name} in {header}"
            );
        }

        let verdict = verify(dir.path(), &record, message)
            .unwrap_or_else(|log| panic!("{what} ({algorithm:?}) does not verify:\n{log}"));
        assert!(
            verdict.starts_with("pass")
                && verdict.contains(&format!("{SELECTOR}._domainkey.{DOMAIN}")),
            "{what}: {verdict}"
        );
        let changed = tamper_body(message);
        assert_ne!(&changed, message);
        assert!(
            verify(dir.path(), &record, &changed).is_err(),
            "{what} ({algorithm:?}): a changed body must not verify"
        );
        assert!(
            verify(dir.path(), &record, &tamper_subject(message)).is_err(),
            "{what} ({algorithm:?}): a changed subject must not verify"
        );
    }
    // The newsletter's list headers are present and signed (not only listed as absent).
    let text = String::from_utf8_lossy(&newsletter);
    for present in ["List-Unsubscribe-Post: ", "List-Id: ", "Reply-To: "] {
        assert!(text.contains(present), "{present} in {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_signed_mail_passes_an_independent_verifier() {
    signed_mail_passes_an_independent_verifier(
        "dkim::rsa_signed_mail_passes_an_independent_verifier",
        Algorithm::Rsa,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ed25519_signed_mail_passes_an_independent_verifier() {
    signed_mail_passes_an_independent_verifier(
        "dkim::ed25519_signed_mail_passes_an_independent_verifier",
        Algorithm::Ed25519,
    )
    .await;
}
