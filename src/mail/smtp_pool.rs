//! Fora's own pool of SMTP connections, for every `SMTP_URL` lettre accepts: plain
//! `smtp://host[:port]` (a local MTA, the usual relay of a newsletter), STARTTLS
//! (`?tls=required`, or `?tls=opportunistic`), implicit TLS (`smtps://`), and AUTH PLAIN or
//! LOGIN with the URL's user and password; speaking SMTP with PIPELINING (RFC 2920).
//!
//! lettre's client waits for the answer to each command, and writes a message and its `.`
//! terminator separately, on a socket without `TCP_NODELAY` (so every message waited for the
//! server's delayed ACK, 40 ms on Linux). With a relay that offers PIPELINING this client
//! writes `MAIL FROM`, `RCPT TO` and `DATA` together and the message with its terminator in
//! one write: two round trips per message instead of four, and half the packets for both
//! sides, over TLS as in the clear. Servers without PIPELINING get one command at a time.
//! Messages are built, and commands formatted, by lettre (`Mail`, `Rcpt`, `Auth`, …).
//!
//! It must never send a message or a password in the clear when the URL asks for TLS: a relay
//! that does not offer STARTTLS under `tls=required`, or whose certificate is not trusted, gets
//! nothing; credentials go over an unencrypted connection only when the URL itself is plain
//! `smtp://user:pass@host` (as lettre sends them), never after `tls=opportunistic` found no
//! STARTTLS. Certificates are always verified, against the system's roots and the
//! certificates of `FORA_SMTP_CA_FILE`.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context as TaskContext, Poll},
    time::{Duration, Instant},
};

use super::Deadline;
use anyhow::{Context, bail};
use lettre::{
    AsyncSmtpTransport, Tokio1Executor,
    address::Envelope,
    transport::smtp::{
        authentication::{Credentials, Mechanism},
        commands::{Auth, Data, Ehlo, Mail, Noop, Rcpt, Rset, Starttls},
        extension::{ClientId, MailBodyParameter, MailParameter},
        response::Response,
    },
};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf},
    net::TcpStream,
    sync::{Mutex, Semaphore},
};
use tokio_rustls::{TlsConnector, client::TlsStream};

/// A connection used this recently is taken as still open, without a NOOP first.
const RECENT: Duration = Duration::from_secs(2);
/// Limits on a server's reply (as Postfix's `line_length_limit` and `smtp_response_limit`).
const MAX_LINE: u64 = 1_000;
const MAX_REPLY: usize = 100_000;
/// How long messages are not tried after the relay refused Fora itself (they are retried
/// later, as after a 4xx answer).
const RELAY_PAUSE: Duration = Duration::from_secs(60);
/// AUTH LOGIN asks twice (user name, password); a server that goes on asking is not followed.
const MAX_CHALLENGES: usize = 3;

/// How the connection to the relay is secured, from the URL (the forms lettre accepts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// `smtp://host[:port]`, port 25 by default.
    Plain,
    /// `smtp://host[:port]?tls=opportunistic`, port 587: STARTTLS when the server offers it.
    Opportunistic,
    /// `smtp://host[:port]?tls=required`, port 587: STARTTLS, or nothing is sent.
    StartTls,
    /// `smtps://host[:port]`, port 465: TLS from the first byte (RFC 8314).
    Implicit,
}

/// Where the relay is, and how to speak to it.
struct Relay {
    /// `host:port`, for connecting and for messages.
    server: String,
    security: Security,
    /// The name the certificate must carry, and the TLS settings (not for `Plain`).
    tls: Option<(TlsConnector, ServerName<'static>)>,
    credentials: Option<Credentials>,
    hello: ClientId,
}

pub struct SmtpPool {
    relay: Relay,
    timeout: Duration,
    /// Open connections not in use, with when each was last used.
    idle: Mutex<Vec<(Connection, Instant)>>,
    open: Semaphore,
    /// When and why the relay last refused Fora itself: for [`RELAY_PAUSE`] after it, no
    /// message is tried (a relay that locks an account after repeated wrong passwords is not
    /// asked once per message of a newsletter).
    refused: std::sync::Mutex<Option<(Instant, String)>>,
}

/// What went wrong, in the terms the caller classifies.
#[derive(Debug)]
pub enum PoolError {
    /// The server answered no to this message: 5xx is for good, 4xx for now.
    Refused { permanent: bool, reply: String },
    /// The relay takes no mail from Fora as configured, whoever it is for: TLS could not be
    /// set up (no STARTTLS, a certificate not trusted), or it refused the credentials or asks
    /// for some. No recipient's fault, and mended by the operator, not by the recipient.
    Relay(String),
    /// Connecting failed, the connection broke, or the exchange took longer than the timeout.
    Network(String),
    /// The deadline passed before the message was written: it was not sent.
    Expired,
}

impl SmtpPool {
    /// A pool for `url`, in the forms lettre's `from_url` accepts (anything else is refused,
    /// as lettre refuses it); `extra_roots` are trusted besides the system's roots.
    pub fn for_url(
        url: &str,
        extra_roots: &[CertificateDer<'static>],
        connections: u32,
        timeout: Duration,
    ) -> anyhow::Result<SmtpPool> {
        // The same forms as lettre, word for word: lettre says which ones it takes.
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(anyhow::Error::from)?;
        let parsed = url::Url::parse(url)?;
        let tls = parsed
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let (security, default_port) = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("opportunistic")) => (Security::Opportunistic, 587),
            ("smtp", Some("required")) => (Security::StartTls, 587),
            ("smtps", _) => (Security::Implicit, 465),
            (scheme, tls) => bail!("unknown scheme {scheme:?} or tls parameter {tls:?}"),
        };
        let host = parsed.host_str().context("the URL names no host")?;
        let port = parsed.port().unwrap_or(default_port);
        let tls = match security {
            Security::Plain => None,
            _ => {
                let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
                    .with_context(|| format!("{host} is not a host name a certificate can name"))?;
                Some((TlsConnector::from(client_config(extra_roots)?), name))
            }
        };
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(text)
                .decode_utf8()
                .map(|text| text.into_owned())
                .context("the user name or password is not UTF-8 once decoded")
        };
        // As lettre: a user name without a password is no credentials.
        let credentials = match parsed.password() {
            Some(password) => Some(Credentials::new(
                decode(parsed.username())?,
                decode(password)?,
            )),
            None => None,
        };
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(SmtpPool {
            relay: Relay {
                server: format!("{host}:{port}"),
                security,
                tls,
                credentials,
                hello,
            },
            timeout,
            idle: Mutex::new(Vec::new()),
            open: Semaphore::new(connections.max(1) as usize),
            refused: std::sync::Mutex::new(None),
        })
    }

    pub fn security(&self) -> Security {
        self.relay.security
    }

    /// A connection used a moment ago, or one that still answers a NOOP, or a new one.
    async fn checkout(&self) -> Result<Connection, PoolError> {
        loop {
            let Some((mut conn, used)) = self.idle.lock().await.pop() else {
                return Connection::open(&self.relay).await;
            };
            if used.elapsed() < RECENT || conn.answers_noop().await {
                return Ok(conn);
            }
        }
    }

    /// Sends one message, unless `deadline` passes before it is written; `Ok` only when the
    /// server accepted it.
    pub async fn send(
        &self,
        envelope: &Envelope,
        message: &[u8],
        deadline: &Deadline,
    ) -> Result<(), PoolError> {
        let _slot = self
            .open
            .acquire()
            .await
            .map_err(|err| PoolError::Network(err.to_string()))?;
        if let Some(reason) = self.paused() {
            return Err(PoolError::Relay(reason));
        }
        let exchange = async {
            let mut conn = self.checkout().await?;
            let sent = conn.send(envelope, message, deadline).await;
            if !conn.broken {
                self.idle.lock().await.push((conn, Instant::now()));
            }
            sent
        };
        // A connection still in the exchange when time runs out is dropped with it (closed).
        let result = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(PoolError::Network(format!(
                "no answer from {} within {:?}",
                self.relay.server, self.timeout
            ))),
        };
        if let Err(PoolError::Relay(reason)) = &result {
            *self.refused.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((Instant::now(), reason.clone()));
        }
        result
    }

    /// Why the relay refused Fora a moment ago, if it did.
    fn paused(&self) -> Option<String> {
        let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        let (at, reason) = refused.as_ref()?;
        (at.elapsed() < RELAY_PAUSE).then(|| {
            format!(
                "{reason} (not tried: the relay refused Fora {} s ago)",
                at.elapsed().as_secs()
            )
        })
    }
}

/// The relay's address without its password (user names stay: they help find a mistake), for
/// messages and the log.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("****"));
            }
            parsed.set_query(None);
            parsed.to_string()
        }
        Err(_) => "(SMTP_URL is not a URL)".into(),
    }
}

/// How the connection to the relay of `url` is secured, in words for the start-up notice;
/// a password sent unencrypted is said plainly.
pub fn described(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return String::new();
    };
    let tls = parsed
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.into_owned());
    let security = match (parsed.scheme(), tls.as_deref()) {
        ("smtps", _) => "implicit TLS",
        (_, Some("required")) => "STARTTLS required",
        (_, Some("opportunistic")) => "STARTTLS when offered",
        _ => "no TLS",
    };
    match parsed.password() {
        None => format!("{security}, no AUTH"),
        Some(_) if security == "no TLS" => {
            format!("{security}: its password is sent UNENCRYPTED; use smtps:// or ?tls=required")
        }
        Some(_) if security == "STARTTLS when offered" => {
            format!("{security}; AUTH only over TLS")
        }
        Some(_) => format!("{security}, AUTH"),
    }
}

/// TLS 1.2 or 1.3 (rustls' safe defaults, as lettre's), certificates checked against the
/// system's roots (as lettre's `rustls-native-certs`) and `extra_roots`.
fn client_config(
    extra_roots: &[CertificateDer<'static>],
) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    for (i, cert) in extra_roots.iter().enumerate() {
        roots.add(cert.clone()).with_context(|| {
            format!(
                "FORA_SMTP_CA_FILE: certificate {} is not usable as a root",
                i + 1
            )
        })?;
    }
    if roots.is_empty() {
        bail!(
            "no trusted root certificates: the system has none (install ca-certificates) and \
             FORA_SMTP_CA_FILE is not set"
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A connection's bytes: in the clear, or in TLS (from the start, or after STARTTLS).
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

/// One server reply: its code and the text of each line.
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// The lines' text joined by spaces, after the code.
    fn describe(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" "))
    }

    fn refusal(&self) -> PoolError {
        // 530 (RFC 4954): the relay wants credentials, whatever the message.
        if self.code == 530 {
            return PoolError::Relay(format!(
                "the relay asks for credentials, which SMTP_URL does not give: {}",
                self.describe()
            ));
        }
        PoolError::Refused {
            permanent: self.code >= 500,
            reply: self.describe(),
        }
    }

    /// As lettre reads it, for its `Auth` command to answer a challenge.
    fn as_lettre(&self) -> Option<Response> {
        let mut raw = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            let more = if i + 1 < self.lines.len() { '-' } else { ' ' };
            raw.push_str(&format!("{}{more}{line}\r\n", self.code));
        }
        raw.parse().ok()
    }
}

/// What the server said it offers in its answer to EHLO.
#[derive(Default)]
struct Extensions {
    pipelining: bool,
    eight_bit_mime: bool,
    smtp_utf8: bool,
    starttls: bool,
    auth_plain: bool,
    auth_login: bool,
}

impl Extensions {
    /// One keyword a line, after the first (the server's name), its parameters after it.
    fn read(reply: &Reply) -> Extensions {
        let mut offered = Extensions::default();
        for line in reply.lines.iter().skip(1) {
            let line = line.to_ascii_uppercase();
            // `AUTH=LOGIN` is the form some old servers still use.
            let mut words = line.split([' ', '=']).filter(|word| !word.is_empty());
            match words.next() {
                Some("PIPELINING") => offered.pipelining = true,
                Some("8BITMIME") => offered.eight_bit_mime = true,
                Some("SMTPUTF8") => offered.smtp_utf8 = true,
                Some("STARTTLS") => offered.starttls = true,
                Some("AUTH") => {
                    for mechanism in words {
                        match mechanism {
                            "PLAIN" => offered.auth_plain = true,
                            "LOGIN" => offered.auth_login = true,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        offered
    }
}

struct Connection {
    stream: BufReader<Stream>,
    offered: Extensions,
    /// Set after any network error or an aborted transaction: never reused.
    broken: bool,
}

impl Connection {
    /// Connects, secures the connection as the URL says, and authenticates when it gives
    /// credentials: ready for `MAIL FROM`.
    async fn open(relay: &Relay) -> Result<Connection, PoolError> {
        let server = &relay.server;
        let tcp = TcpStream::connect(server)
            .await
            .map_err(|err| PoolError::Network(format!("cannot connect to {server}: {err}")))?;
        tcp.set_nodelay(true)
            .map_err(|err| PoolError::Network(err.to_string()))?;
        let stream = match relay.security {
            Security::Implicit => Stream::Tls(Box::new(handshake(relay, tcp).await?)),
            _ => Stream::Plain(tcp),
        };
        let mut conn = Connection {
            stream: BufReader::new(stream),
            offered: Extensions::default(),
            broken: false,
        };
        conn.expect_positive().await?;
        conn.hello(&relay.hello).await?;
        match relay.security {
            Security::StartTls | Security::Opportunistic if conn.offered.starttls => {
                conn = conn.start_tls(relay).await?;
            }
            Security::StartTls => {
                return Err(PoolError::Relay(format!(
                    "{server} does not offer STARTTLS, which SMTP_URL requires (tls=required): \
                     nothing was sent"
                )));
            }
            _ => {}
        }
        if let Some(credentials) = &relay.credentials {
            if !conn.encrypted() && relay.security != Security::Plain {
                return Err(PoolError::Relay(format!(
                    "{server} does not offer STARTTLS, and the credentials of SMTP_URL are not \
                     sent over an unencrypted connection (use tls=required, or smtps://)"
                )));
            }
            conn.authenticate(credentials).await?;
        }
        Ok(conn)
    }

    fn encrypted(&self) -> bool {
        matches!(self.stream.get_ref(), Stream::Tls(_))
    }

    /// EHLO, and what the server offers (again after STARTTLS: it may offer other things).
    async fn hello(&mut self, hello: &ClientId) -> Result<(), PoolError> {
        self.write(Ehlo::new(hello.clone()).to_string().as_bytes())
            .await?;
        let reply = self.read_reply().await?;
        if !reply.is_positive() {
            self.broken = true;
            return Err(reply.refusal());
        }
        self.offered = Extensions::read(&reply);
        Ok(())
    }

    /// STARTTLS (RFC 3207), then EHLO again over TLS.
    async fn start_tls(mut self, relay: &Relay) -> Result<Connection, PoolError> {
        self.write(Starttls.to_string().as_bytes()).await?;
        let reply = self.read_reply().await?;
        if reply.code != 220 {
            return Err(PoolError::Relay(format!(
                "{} offers STARTTLS but refused it: {}",
                relay.server,
                reply.describe()
            )));
        }
        // Anything read after the 220 came before the handshake, in the clear: an attacker's
        // injected commands or answers (CVE-2011-0411). Nothing of it may be taken as the
        // server's.
        if !self.stream.buffer().is_empty() {
            return Err(PoolError::Relay(format!(
                "{} sent data after its answer to STARTTLS, before the TLS handshake",
                relay.server
            )));
        }
        let Stream::Plain(tcp) = self.stream.into_inner() else {
            return Err(PoolError::Relay("STARTTLS inside TLS".into()));
        };
        let mut conn = Connection {
            stream: BufReader::new(Stream::Tls(Box::new(handshake(relay, tcp).await?))),
            offered: Extensions::default(),
            broken: false,
        };
        conn.hello(&relay.hello).await?;
        Ok(conn)
    }

    /// AUTH PLAIN, or AUTH LOGIN when the server offers only that (RFC 4954).
    async fn authenticate(&mut self, credentials: &Credentials) -> Result<(), PoolError> {
        let mechanism = if self.offered.auth_plain {
            Mechanism::Plain
        } else if self.offered.auth_login {
            Mechanism::Login
        } else {
            return Err(PoolError::Relay(
                "SMTP_URL gives credentials, but the relay offers neither AUTH PLAIN nor AUTH \
                 LOGIN"
                    .into(),
            ));
        };
        let failed = |err: lettre::transport::smtp::Error| {
            PoolError::Relay(format!("AUTH {mechanism}: {err}"))
        };
        let command = Auth::new(mechanism, credentials.clone(), None).map_err(failed)?;
        self.write(command.to_string().as_bytes()).await?;
        let mut reply = self.read_reply().await?;
        let mut challenges = 0;
        while reply.code == 334 && challenges < MAX_CHALLENGES {
            challenges += 1;
            let challenge = reply.as_lettre().ok_or_else(|| {
                self.broken = true;
                PoolError::Relay(format!(
                    "AUTH {mechanism}: not a challenge: {}",
                    reply.describe()
                ))
            })?;
            let answer = Auth::new_from_response(mechanism, credentials.clone(), &challenge);
            let answer = answer.map_err(|err| {
                self.broken = true;
                failed(err)
            })?;
            self.write(answer.to_string().as_bytes()).await?;
            reply = self.read_reply().await?;
        }
        // 235 by RFC 4954; any 2xx, as lettre takes it (postfix's smtp-sink answers 250).
        if (200..300).contains(&reply.code) {
            return Ok(());
        }
        self.broken = true;
        Err(PoolError::Relay(format!(
            "the relay refused the credentials of SMTP_URL (AUTH {mechanism}): {}",
            reply.describe()
        )))
    }

    /// Writes all of `bytes` and flushes them (TLS holds written bytes until a flush).
    async fn write(&mut self, bytes: &[u8]) -> Result<(), PoolError> {
        let stream = self.stream.get_mut();
        let written = match stream.write_all(bytes).await {
            Ok(()) => stream.flush().await,
            Err(err) => Err(err),
        };
        written.map_err(|err| self.network(err))
    }

    fn network(&mut self, err: impl std::fmt::Display) -> PoolError {
        self.broken = true;
        PoolError::Network(format!("SMTP connection failed: {err}"))
    }

    /// Reads one reply, every line of it (`250-…` continues, `250 …` ends).
    async fn read_reply(&mut self) -> Result<Reply, PoolError> {
        let mut lines = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            let read = (&mut self.stream)
                .take(MAX_LINE + 2)
                .read_line(&mut line)
                .await;
            match read {
                Ok(0) => return Err(self.network("closed by the server")),
                Ok(_) if !line.ends_with('\n') => return Err(self.network("reply line too long")),
                Ok(_) => {}
                Err(err) => return Err(self.network(err)),
            }
            let line = line.trim_end_matches(['\r', '\n']);
            let code = line
                .get(..3)
                .filter(|code| code.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|code| code.parse::<u16>().ok());
            let Some(code) = code else {
                return Err(self.network(format!("not an SMTP reply: {line:?}")));
            };
            let text = line.get(4..).unwrap_or("");
            length += text.len() + 1;
            if length > MAX_REPLY {
                return Err(self.network("reply too long"));
            }
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(text.to_owned());
            if last {
                return Ok(Reply { code, lines });
            }
        }
    }

    async fn expect_positive(&mut self) -> Result<(), PoolError> {
        let reply = self.read_reply().await?;
        if reply.is_positive() {
            Ok(())
        } else {
            self.broken = true;
            Err(reply.refusal())
        }
    }

    async fn answers_noop(&mut self) -> bool {
        self.write(Noop.to_string().as_bytes()).await.is_ok()
            && self.expect_positive().await.is_ok()
    }

    /// Ends a transaction the server refused, so the connection can carry the next one.
    async fn reset(&mut self, refusal: PoolError) -> PoolError {
        if self.write(Rset.to_string().as_bytes()).await.is_err()
            || self.expect_positive().await.is_err()
        {
            self.broken = true;
        }
        refusal
    }

    /// Checked before the transaction starts (nothing to undo then), and again just before
    /// the message itself is written: past `354`, closing the connection is the only way to
    /// abort, and the server then discards what it has.
    async fn send(
        &mut self,
        envelope: &Envelope,
        message: &[u8],
        deadline: &Deadline,
    ) -> Result<(), PoolError> {
        if deadline.passed() {
            return Err(PoolError::Expired);
        }
        let mut parameters = Vec::new();
        let addresses_ascii =
            envelope.from().is_none_or(is_ascii) && envelope.to().iter().all(is_ascii);
        if !addresses_ascii {
            if !self.offered.smtp_utf8 {
                return Err(PoolError::Refused {
                    permanent: true,
                    reply: "the address is not ASCII and the server does not offer SMTPUTF8".into(),
                });
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !self.offered.eight_bit_mime {
                return Err(PoolError::Refused {
                    permanent: true,
                    reply: "the message is not ASCII and the server does not offer 8BITMIME".into(),
                });
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let mut commands = vec![Mail::new(envelope.from().cloned(), parameters).to_string()];
        for recipient in envelope.to() {
            commands.push(Rcpt::new(recipient.clone(), Vec::new()).to_string());
        }
        commands.push(Data.to_string());

        if self.offered.pipelining {
            self.write(commands.concat().as_bytes()).await?;
            let mut refusal = None;
            for _ in 0..commands.len() - 1 {
                let reply = self.read_reply().await?;
                if !reply.is_positive() && refusal.is_none() {
                    refusal = Some(reply.refusal());
                }
            }
            let data = self.read_reply().await?;
            match (refusal, data.code == 354) {
                (None, true) => {}
                (None, false) => return Err(self.reset(data.refusal()).await),
                (Some(refusal), false) => return Err(self.reset(refusal).await),
                // A server that takes DATA after refusing the sender or recipient: whatever
                // the message would be, it must not go; closing the connection aborts it.
                (Some(refusal), true) => {
                    self.broken = true;
                    return Err(refusal);
                }
            }
        } else {
            for (i, command) in commands.iter().enumerate() {
                self.write(command.as_bytes()).await?;
                let reply = self.read_reply().await?;
                let last = i == commands.len() - 1;
                let expected = if last {
                    reply.code == 354
                } else {
                    reply.is_positive()
                };
                if !expected {
                    return Err(self.reset(reply.refusal()).await);
                }
            }
        }
        let data = dot_stuffed(message);
        if deadline.passed() {
            self.broken = true;
            return Err(PoolError::Expired);
        }
        self.write(&data).await?;
        let reply = self.read_reply().await?;
        if reply.is_positive() {
            Ok(())
        } else {
            Err(reply.refusal())
        }
    }
}

/// The TLS handshake, checking the certificate against the relay's host name.
async fn handshake(relay: &Relay, tcp: TcpStream) -> Result<TlsStream<TcpStream>, PoolError> {
    let Some((connector, name)) = &relay.tls else {
        return Err(PoolError::Relay("TLS without TLS settings".into()));
    };
    connector.connect(name.clone(), tcp).await.map_err(|err| {
        PoolError::Relay(format!(
            "TLS with {} failed: {err} (a private relay's certificate authority can be \
                 trusted with FORA_SMTP_CA_FILE)",
            relay.server
        ))
    })
}

fn is_ascii(address: &lettre::Address) -> bool {
    let text: &str = address.as_ref();
    text.is_ascii()
}

/// The message as DATA carries it: a `.` doubled at the start of every line (RFC 5321
/// 4.5.2), a final line break, and the `.` line that ends it.
fn dot_stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 5);
    for line in message.split_inclusive(|&byte| byte == b'\n') {
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool_for(url: &str) -> anyhow::Result<SmtpPool> {
        SmtpPool::for_url(url, &[], 2, Duration::from_secs(1))
    }

    #[test]
    fn the_url_forms_are_lettres_with_their_ports_and_credentials() {
        for (url, security, server) in [
            (
                "smtp://relay.example.org",
                Security::Plain,
                "relay.example.org:25",
            ),
            (
                "smtp://relay.example.org:2525",
                Security::Plain,
                "relay.example.org:2525",
            ),
            (
                "smtp://relay.example.org?tls=required",
                Security::StartTls,
                "relay.example.org:587",
            ),
            (
                "smtp://relay.example.org?tls=opportunistic",
                Security::Opportunistic,
                "relay.example.org:587",
            ),
            (
                "smtps://relay.example.org",
                Security::Implicit,
                "relay.example.org:465",
            ),
            (
                "smtps://127.0.0.1:1465",
                Security::Implicit,
                "127.0.0.1:1465",
            ),
        ] {
            let pool = pool_for(url).unwrap_or_else(|err| panic!("{url}: {err:#}"));
            assert_eq!(pool.security(), security, "{url}");
            assert_eq!(pool.relay.server, server, "{url}");
            assert!(pool.relay.credentials.is_none(), "{url}");
            assert_eq!(
                pool.relay.tls.is_some(),
                security != Security::Plain,
                "{url}"
            );
        }
        let pool = pool_for(
            "smtps://fora%40example.org:p%40ss%3Aw%2Frd@relay.example.org/fora.example.org",
        )
        .expect("credentials");
        let expected = Credentials::new("fora@example.org".into(), "p@ss:w/rd".into());
        assert_eq!(pool.relay.credentials, Some(expected));
        assert_eq!(
            pool.relay.hello,
            ClientId::Domain("fora.example.org".into())
        );
        // As lettre: a user name without a password is no credentials.
        assert!(
            pool_for("smtps://fora@relay.example.org")
                .unwrap()
                .relay
                .credentials
                .is_none()
        );
        for url in [
            "smtp://relay.example.org?tls=sometimes",
            "imap://relay.example.org",
            "smtp://",
            "not a url",
        ] {
            assert!(
                pool_for(url).is_err(),
                "{url} is refused, as lettre refuses it"
            );
        }
    }

    fn reply(lines: &[&str]) -> Reply {
        Reply {
            code: 250,
            lines: lines.iter().map(|line| line.to_string()).collect(),
        }
    }

    #[test]
    fn extensions_are_read_one_a_line_after_the_servers_name() {
        let offered = Extensions::read(&reply(&[
            "mail.example.org PIPELINING",
            "pipelining",
            "STARTTLS",
            "AUTH=LOGIN",
            "8BITMIME",
        ]));
        assert!(offered.pipelining && offered.starttls && offered.auth_login);
        assert!(offered.eight_bit_mime && !offered.smtp_utf8 && !offered.auth_plain);
        let offered =
            Extensions::read(&reply(&["mail.example.org STARTTLS", "AUTH XOAUTH2 PLAIN"]));
        assert!(
            !offered.starttls && !offered.pipelining,
            "the name line offers nothing"
        );
        assert!(offered.auth_plain && !offered.auth_login);
    }

    #[test]
    fn a_challenge_reads_as_lettre_reads_it() {
        let challenge = Reply {
            code: 334,
            lines: vec!["VXNlcm5hbWU6".into()],
        };
        let response = challenge.as_lettre().expect("a reply");
        assert!(response.has_code(334));
        assert_eq!(response.first_word(), Some("VXNlcm5hbWU6"));
    }

    #[test]
    fn credentials_wanted_are_the_relays_refusal_not_the_recipients() {
        let wanted = Reply {
            code: 530,
            lines: vec!["5.7.0 Authentication required".into()],
        };
        assert!(matches!(wanted.refusal(), PoolError::Relay(_)));
        let unknown = Reply {
            code: 550,
            lines: vec!["5.1.1 no such user".into()],
        };
        assert!(matches!(
            unknown.refusal(),
            PoolError::Refused {
                permanent: true,
                ..
            }
        ));
    }

    #[test]
    fn dots_at_line_starts_are_doubled_and_the_message_ends() {
        assert_eq!(
            dot_stuffed(b".a\r\nb.\r\n.\r\n..c"),
            b"..a\r\nb.\r\n..\r\n...c\r\n.\r\n".to_vec()
        );
        assert_eq!(dot_stuffed(b"x\r\n"), b"x\r\n.\r\n".to_vec());
        assert_eq!(dot_stuffed(b""), b".\r\n".to_vec());
    }
}
