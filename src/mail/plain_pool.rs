//! A pool of plain SMTP connections for `smtp://host:port` without TLS or credentials (a local
//! MTA, the usual relay of a newsletter), speaking SMTP with PIPELINING (RFC 2920).
//!
//! lettre's client waits for the answer to each command, and writes a message and its `.`
//! terminator separately, on a socket without `TCP_NODELAY` (so every message waited for the
//! server's delayed ACK, 40 ms on Linux). With a relay that offers PIPELINING this client
//! writes `MAIL FROM`, `RCPT TO` and `DATA` together and the message with its terminator in
//! one write: two round trips per message instead of four, and half the packets for both
//! sides. Servers without PIPELINING get one command at a time. Messages are built, and
//! commands formatted, by lettre (`Mail`, `Rcpt`, …); URLs with TLS or credentials keep
//! lettre's transport.

use std::time::{Duration, Instant};

use super::Deadline;
use lettre::{
    address::Envelope,
    transport::smtp::{
        commands::{Data, Ehlo, Mail, Noop, Rcpt, Rset},
        extension::{ClientId, MailBodyParameter, MailParameter},
    },
};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    sync::{Mutex, Semaphore},
};

/// A connection used this recently is taken as still open, without a NOOP first.
const RECENT: Duration = Duration::from_secs(2);
/// Limits on a server's reply (as Postfix's `line_length_limit` and `smtp_response_limit`).
const MAX_LINE: u64 = 1_000;
const MAX_REPLY: usize = 100_000;

pub struct PlainPool {
    server: String,
    hello: ClientId,
    timeout: Duration,
    /// Open connections not in use, with when each was last used.
    idle: Mutex<Vec<(Connection, Instant)>>,
    open: Semaphore,
}

/// What went wrong, in the terms the caller classifies.
#[derive(Debug)]
pub enum PoolError {
    /// The server answered no: 5xx is for good, 4xx for now.
    Refused { permanent: bool, reply: String },
    /// Connecting failed, the connection broke, or the exchange took longer than the timeout.
    Network(String),
    /// The deadline passed before the message was written: it was not sent.
    Expired,
}

impl PlainPool {
    /// Returns `None` when the URL is not a plain `smtp://host[:port]` (TLS, credentials).
    pub fn for_url(url: &str, connections: u32, timeout: Duration) -> Option<PlainPool> {
        let parsed = url::Url::parse(url).ok()?;
        let plain = parsed.scheme() == "smtp"
            && parsed.username().is_empty()
            && parsed.password().is_none()
            && parsed.query().is_none();
        if !plain {
            return None;
        }
        let host = parsed.host_str()?;
        let port = parsed.port().unwrap_or(25);
        Some(PlainPool {
            server: format!("{host}:{port}"),
            hello: ClientId::default(),
            timeout,
            idle: Mutex::new(Vec::new()),
            open: Semaphore::new(connections.max(1) as usize),
        })
    }

    /// A connection used a moment ago, or one that still answers a NOOP, or a new one.
    async fn checkout(&self) -> Result<Connection, PoolError> {
        loop {
            let Some((mut conn, used)) = self.idle.lock().await.pop() else {
                return Connection::open(&self.server, &self.hello).await;
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
        let exchange = async {
            let mut conn = self.checkout().await?;
            let sent = conn.send(envelope, message, deadline).await;
            if !conn.broken {
                self.idle.lock().await.push((conn, Instant::now()));
            }
            sent
        };
        // A connection still in the exchange when time runs out is dropped with it (closed).
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(PoolError::Network(format!(
                "no answer from {} within {:?}",
                self.server, self.timeout
            ))),
        }
    }
}

/// One server reply: its code and its text (lines joined by spaces).
struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    fn refusal(&self) -> PoolError {
        PoolError::Refused {
            permanent: self.code >= 500,
            reply: format!("{} {}", self.code, self.text),
        }
    }
}

struct Connection {
    stream: BufReader<TcpStream>,
    pipelining: bool,
    eight_bit_mime: bool,
    smtp_utf8: bool,
    /// Set after any network error or an aborted transaction: never reused.
    broken: bool,
}

impl Connection {
    async fn open(server: &str, hello: &ClientId) -> Result<Connection, PoolError> {
        let stream = TcpStream::connect(server)
            .await
            .map_err(|err| PoolError::Network(format!("cannot connect to {server}: {err}")))?;
        stream
            .set_nodelay(true)
            .map_err(|err| PoolError::Network(err.to_string()))?;
        let mut conn = Connection {
            stream: BufReader::new(stream),
            pipelining: false,
            eight_bit_mime: false,
            smtp_utf8: false,
            broken: false,
        };
        conn.expect_positive().await?;
        conn.write(Ehlo::new(hello.clone()).to_string().as_bytes())
            .await?;
        let features = conn.read_reply().await?;
        if !features.is_positive() {
            return Err(features.refusal());
        }
        for keyword in features.text.split(' ') {
            match keyword.to_ascii_uppercase().as_str() {
                "PIPELINING" => conn.pipelining = true,
                "8BITMIME" => conn.eight_bit_mime = true,
                "SMTPUTF8" => conn.smtp_utf8 = true,
                _ => {}
            }
        }
        Ok(conn)
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), PoolError> {
        let written = self.stream.get_mut().write_all(bytes).await;
        written.map_err(|err| self.network(err))
    }

    fn network(&mut self, err: impl std::fmt::Display) -> PoolError {
        self.broken = true;
        PoolError::Network(format!("SMTP connection failed: {err}"))
    }

    /// Reads one reply, every line of it (`250-…` continues, `250 …` ends).
    async fn read_reply(&mut self) -> Result<Reply, PoolError> {
        let mut text = String::new();
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
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(line.get(4..).unwrap_or(""));
            if text.len() > MAX_REPLY {
                return Err(self.network("reply too long"));
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(Reply { code, text });
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
            if !self.smtp_utf8 {
                return Err(PoolError::Refused {
                    permanent: true,
                    reply: "the address is not ASCII and the server does not offer SMTPUTF8".into(),
                });
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !self.eight_bit_mime {
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

        if self.pipelining {
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
    use super::dot_stuffed;

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
