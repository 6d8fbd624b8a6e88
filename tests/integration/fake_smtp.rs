//! A scriptable SMTP server, for the answers smtp-sink does not give: refusals, dropped
//! connections, slow answers, and an answer held back until the test lets it go. The local
//! part of the recipient picks the answer. It also speaks TLS (implicit, or after STARTTLS)
//! with a certificate made for the test ([`TestCa`]) and checks AUTH PLAIN and LOGIN, and it
//! keeps every command that came in the clear.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::Notify,
};
use tokio_rustls::TlsAcceptor;

use crate::support::{Backend, Options, TestApp};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Answer {
    Accept,
    /// 451 to RCPT TO: try again later.
    Temporary,
    /// 550 to RCPT TO: refused for good.
    Permanent,
    /// The connection closes after RCPT TO, without an answer.
    Drop,
    /// 250 to the message, but only after a pause.
    Slow,
    /// The first time: the `354` to DATA is held back until [`Stall::release`].
    Stall,
}

/// The answer held back for the first recipient whose local part starts with "stall".
#[derive(Default)]
pub struct Stall {
    used: AtomicBool,
    started: Notify,
    released: Notify,
}

impl Stall {
    /// Waits until a client is waiting for the held-back answer.
    pub async fn started(&self) {
        tokio::time::timeout(Duration::from_secs(10), self.started.notified())
            .await
            .expect("a message to a stall@ address within 10 s");
    }

    /// Lets the held-back answer go.
    pub fn release(&self) {
        self.released.notify_one();
    }
}

#[derive(Clone)]
pub struct FakeSmtp {
    pub port: u16,
    accepted: Arc<Mutex<Vec<String>>>,
    /// The envelope (`MAIL FROM`, `RCPT TO`) of each message accepted.
    envelopes: Arc<Mutex<Vec<(String, String)>>>,
    /// While true, every address whose local part starts with "refuse" gets a 550.
    pub refusing: Arc<AtomicBool>,
    /// Whether EHLO offers PIPELINING (RFC 2920).
    pipelining: bool,
    /// MAIL FROM commands that arrived together with the commands after them.
    pub pipelined: Arc<AtomicUsize>,
    pub stall: Arc<Stall>,
    security: Arc<Security>,
    /// Every command line that came over an unencrypted connection (AUTH lines as `AUTH`).
    clear: Arc<Mutex<Vec<String>>>,
    /// Each AUTH exchange: the mechanism, and whether the credentials were right.
    auths: Arc<Mutex<Vec<(String, bool)>>>,
}

/// How the server is reached and whom it takes mail from.
#[derive(Default)]
pub struct Security {
    pub tls: Tls,
    /// The user name and password it accepts; with them, no mail without AUTH first.
    pub credentials: Option<(String, String)>,
    /// The mechanisms its EHLO offers (default `PLAIN LOGIN`).
    pub mechanisms: Option<&'static str>,
    /// Offers AUTH before STARTTLS too (as a careless server may).
    pub auth_in_clear: bool,
    /// Writes a second answer after its `220` to STARTTLS, before the handshake (as an
    /// attacker on the path could, CVE-2011-0411).
    pub inject_after_starttls: bool,
}

#[derive(Default)]
pub enum Tls {
    #[default]
    None,
    /// TLS from the first byte (`smtps://`).
    Implicit(TlsAcceptor),
    /// STARTTLS offered in EHLO.
    Starttls(TlsAcceptor),
}

impl Tls {
    fn acceptor(&self) -> Option<&TlsAcceptor> {
        match self {
            Tls::None => None,
            Tls::Implicit(acceptor) | Tls::Starttls(acceptor) => Some(acceptor),
        }
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// How a conversation ended: for good, or for a TLS handshake on the same connection.
enum Next {
    Done,
    StartTls(Box<dyn Io>),
}

impl FakeSmtp {
    pub async fn start(pipelining: bool) -> FakeSmtp {
        Self::start_secured(pipelining, Security::default()).await
    }

    pub async fn start_secured(pipelining: bool, security: Security) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let server = FakeSmtp {
            port: listener.local_addr().expect("addr").port(),
            accepted: Arc::default(),
            envelopes: Arc::default(),
            refusing: Arc::new(AtomicBool::new(true)),
            pipelining,
            pipelined: Arc::default(),
            stall: Arc::default(),
            security: Arc::new(security),
            clear: Arc::default(),
            auths: Arc::default(),
        };
        let shared = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = shared.clone();
                tokio::spawn(async move { server.session(socket).await });
            }
        });
        server
    }

    fn answer_for(&self, address: &str) -> Answer {
        let local = address.split('@').next().unwrap_or("");
        if local.starts_with("refuse") && self.refusing.load(Ordering::SeqCst) {
            Answer::Permanent
        } else if local.starts_with("later") {
            Answer::Temporary
        } else if local.starts_with("drop") {
            Answer::Drop
        } else if local.starts_with("slow") {
            Answer::Slow
        } else if local.starts_with("stall") && !self.stall.used.swap(true, Ordering::SeqCst) {
            Answer::Stall
        } else {
            Answer::Accept
        }
    }

    async fn session(&self, socket: tokio::net::TcpStream) {
        let mut stream: Box<dyn Io> = match &self.security.tls {
            Tls::Implicit(acceptor) => match acceptor.accept(socket).await {
                Ok(tls) => Box::new(tls),
                Err(_) => return,
            },
            _ => Box::new(socket),
        };
        let mut encrypted = matches!(self.security.tls, Tls::Implicit(_));
        let mut greet = true;
        loop {
            match self.converse(stream, encrypted, greet).await {
                Next::Done => return,
                Next::StartTls(plain) => {
                    let Some(acceptor) = self.security.tls.acceptor() else {
                        return;
                    };
                    match acceptor.accept(plain).await {
                        Ok(tls) => stream = Box::new(tls),
                        Err(_) => return,
                    }
                    encrypted = true;
                    greet = false;
                }
            }
        }
    }

    fn ehlo(&self, encrypted: bool) -> String {
        let mut reply = String::from("250-fake\r\n");
        if self.pipelining {
            reply.push_str("250-PIPELINING\r\n");
        }
        if matches!(self.security.tls, Tls::Starttls(_)) && !encrypted {
            reply.push_str("250-STARTTLS\r\n");
        }
        if self.security.credentials.is_some() && (encrypted || self.security.auth_in_clear) {
            let mechanisms = self.security.mechanisms.unwrap_or("PLAIN LOGIN");
            reply.push_str(&format!("250-AUTH {mechanisms}\r\n"));
        }
        reply.push_str("250 8BITMIME\r\n");
        reply
    }

    /// Reads the base64 answer to a `334` challenge.
    async fn challenge(reader: &mut BufReader<Box<dyn Io>>, prompt: &str) -> Option<Vec<u8>> {
        let write = reader.get_mut();
        write
            .write_all(format!("334 {prompt}\r\n").as_bytes())
            .await
            .ok()?;
        write.flush().await.ok()?;
        let mut line = String::new();
        reader.read_line(&mut line).await.ok()?;
        BASE64.decode(line.trim_end()).ok()
    }

    /// AUTH PLAIN (with or without an initial response) or AUTH LOGIN: whether the
    /// credentials were the right ones; `None` when the client went away.
    async fn authenticate(&self, reader: &mut BufReader<Box<dyn Io>>, line: &str) -> Option<bool> {
        let mut words = line.split_whitespace().skip(1);
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        let given = match mechanism.as_str() {
            "PLAIN" => {
                let response = match words.next() {
                    Some(initial) => BASE64.decode(initial).ok()?,
                    None => Self::challenge(reader, "").await?,
                };
                let mut parts = response.split(|&b| b == 0).skip(1);
                let user = String::from_utf8(parts.next()?.to_vec()).ok()?;
                let password = String::from_utf8(parts.next()?.to_vec()).ok()?;
                (user, password)
            }
            "LOGIN" => {
                let user = Self::challenge(reader, &BASE64.encode("Username:")).await?;
                let password = Self::challenge(reader, &BASE64.encode("Password:")).await?;
                (
                    String::from_utf8(user).ok()?,
                    String::from_utf8(password).ok()?,
                )
            }
            _ => (String::new(), String::new()),
        };
        let right = self.security.credentials.as_ref() == Some(&given);
        self.auths.lock().expect("lock").push((mechanism, right));
        Some(right)
    }

    async fn converse(&self, stream: Box<dyn Io>, encrypted: bool, greet: bool) -> Next {
        let mut reader = BufReader::new(stream);
        if greet && send(&mut reader, b"220 fake ESMTP\r\n").await.is_err() {
            return Next::Done;
        }
        let mut sender = String::new();
        let mut recipient = String::new();
        let mut answer = Answer::Accept;
        let mut authenticated = false;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return Next::Done,
                Ok(_) => {}
            }
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            let upper = line.to_ascii_uppercase();
            if !encrypted {
                let kept = if upper.starts_with("AUTH") {
                    "AUTH".into()
                } else {
                    line.clone()
                };
                self.clear.lock().expect("lock").push(kept);
            }
            let ehlo;
            let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                ehlo = self.ehlo(encrypted);
                ehlo.as_bytes()
            } else if upper.starts_with("STARTTLS") && !encrypted {
                if self.security.tls.acceptor().is_none() {
                    b"502 command not implemented\r\n"
                } else {
                    let ready: &[u8] = if self.security.inject_after_starttls {
                        b"220 ready\r\n250 injected\r\n"
                    } else {
                        b"220 ready\r\n"
                    };
                    if send(&mut reader, ready).await.is_err() {
                        return Next::Done;
                    }
                    return Next::StartTls(reader.into_inner());
                }
            } else if upper.starts_with("AUTH") {
                match self.authenticate(&mut reader, &line).await {
                    None => return Next::Done,
                    Some(true) => {
                        authenticated = true;
                        b"235 2.7.0 Authentication successful\r\n"
                    }
                    Some(false) => b"535 5.7.8 Authentication credentials invalid\r\n",
                }
            } else if upper.starts_with("MAIL FROM")
                && self.security.credentials.is_some()
                && !authenticated
            {
                b"530 5.7.0 Authentication required\r\n"
            } else if upper.starts_with("MAIL FROM") {
                sender = line[10..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_matches(|c| c == '<' || c == '>' || c == ':')
                    .to_string();
                if !reader.buffer().is_empty() {
                    self.pipelined.fetch_add(1, Ordering::SeqCst);
                }
                b"250 OK\r\n"
            } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
                answer = Answer::Accept;
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO") {
                recipient = line[8..]
                    .trim()
                    .trim_matches(|c| c == '<' || c == '>' || c == ':')
                    .to_string();
                answer = self.answer_for(&recipient);
                match answer {
                    Answer::Temporary => b"451 4.3.0 try again later\r\n",
                    Answer::Permanent => b"550 5.1.1 no such user\r\n",
                    Answer::Drop => return Next::Done,
                    Answer::Accept | Answer::Slow | Answer::Stall => b"250 OK\r\n",
                }
            } else if upper.starts_with("DATA") {
                if matches!(answer, Answer::Temporary | Answer::Permanent) {
                    // As real servers do: no message without an accepted recipient.
                    if send(&mut reader, b"554 5.5.1 no valid recipients\r\n")
                        .await
                        .is_err()
                    {
                        return Next::Done;
                    }
                    continue;
                }
                if answer == Answer::Stall {
                    self.stall.started.notify_one();
                    self.stall.released.notified().await;
                }
                if send(&mut reader, b"354 go ahead\r\n").await.is_err() {
                    return Next::Done;
                }
                // A message counts only once its final "." has come: a client that closes
                // the connection before has aborted it.
                let mut complete = false;
                let mut data = String::new();
                while let Ok(read) = reader.read_line(&mut data).await {
                    if read == 0 {
                        break;
                    }
                    if data == ".\r\n" || data == ".\n" {
                        complete = true;
                        break;
                    }
                    if !encrypted {
                        self.clear
                            .lock()
                            .expect("lock")
                            .push("(message line)".into());
                    }
                    data.clear();
                }
                if !complete {
                    return Next::Done;
                }
                if answer == Answer::Slow {
                    tokio::time::sleep(Duration::from_millis(1500)).await;
                }
                self.accepted.lock().expect("lock").push(recipient.clone());
                self.envelopes
                    .lock()
                    .expect("lock")
                    .push((sender.clone(), recipient.clone()));
                b"250 2.0.0 queued\r\n"
            } else if upper.starts_with("QUIT") {
                let _ = send(&mut reader, b"221 bye\r\n").await;
                return Next::Done;
            } else {
                b"502 command not implemented\r\n"
            };
            if send(&mut reader, reply).await.is_err() {
                return Next::Done;
            }
        }
    }

    /// The options for a Fora that sends through this server.
    pub fn options(&self, newsletter: fora::config::NewsletterConfig) -> Options {
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{}", self.port)),
            newsletter,
            ..Default::default()
        }
    }

    /// A Fora on SQLite that sends through this server.
    pub async fn app(&self, newsletter: fora::config::NewsletterConfig) -> TestApp {
        TestApp::start(Backend::Sqlite, self.options(newsletter)).await
    }

    /// The envelope sender and recipient of the messages accepted, in the order they were.
    pub fn envelopes(&self) -> Vec<(String, String)> {
        self.envelopes.lock().expect("lock").clone()
    }

    /// The recipients of the messages accepted, in the order they were.
    pub fn accepted(&self) -> Vec<String> {
        self.accepted.lock().expect("lock").clone()
    }

    /// The command lines that came over an unencrypted connection.
    pub fn clear(&self) -> Vec<String> {
        self.clear.lock().expect("lock").clone()
    }

    /// Each AUTH exchange: its mechanism and whether the credentials were right.
    pub fn auths(&self) -> Vec<(String, bool)> {
        self.auths.lock().expect("lock").clone()
    }
}

/// Writes a whole answer (through TLS too, which holds it until a flush).
async fn send(reader: &mut BufReader<Box<dyn Io>>, bytes: &[u8]) -> std::io::Result<()> {
    let stream = reader.get_mut();
    stream.write_all(bytes).await?;
    stream.flush().await
}

/// A certificate authority made for one test with the `openssl` command, and a certificate
/// it signed for 127.0.0.1 and localhost.
pub struct TestCa {
    _dir: tempfile::TempDir,
    /// The authority's certificate (what `FORA_SMTP_CA_FILE` would hold).
    pub ca: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: std::path::PathBuf,
}

impl TestCa {
    pub fn new() -> TestCa {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = |name: &str| dir.path().join(name);
        let openssl = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("openssl (apt-get install openssl)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        openssl(
            &[
                &["req", "-x509"][..],
                &ec,
                &[
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=Fora test CA",
                ],
            ]
            .concat(),
        );
        openssl(
            &[
                &["req"][..],
                &ec,
                &[
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=localhost",
                ],
            ]
            .concat(),
        );
        std::fs::write(
            path("server.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .expect("write");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        let ca = CertificateDer::from_pem_file(path("ca.pem")).expect("CA certificate");
        let server = CertificateDer::from_pem_file(path("server.pem")).expect("certificate");
        TestCa {
            ca,
            chain: vec![server],
            key: path("server.key"),
            _dir: dir,
        }
    }

    /// What a server holding this authority's certificate answers a TLS handshake with.
    pub fn acceptor(&self) -> TlsAcceptor {
        let key = PrivateKeyDer::from_pem_file(&self.key).expect("key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .expect("server certificate");
        TlsAcceptor::from(Arc::new(config))
    }
}
