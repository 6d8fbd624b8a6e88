//! A pool of plain SMTP connections with `TCP_NODELAY`, for `smtp://host:port` without TLS
//! or credentials (a local MTA, the usual relay of a newsletter).
//!
//! lettre writes a message and its `.` terminator as two writes; with Nagle's algorithm on,
//! the small second write waits for the server to acknowledge the first, and a server that
//! delays its acknowledgements (40 ms on Linux) makes every message take that long — about
//! 180 messages per second over eight connections. lettre's own transport does not set
//! `TCP_NODELAY`, so Fora connects the sockets itself and hands them to lettre's protocol code
//! (`AsyncSmtpConnection`), which still does all of SMTP. URLs with TLS or credentials keep
//! lettre's transport.

use std::time::{Duration, Instant};

use lettre::{
    address::Envelope,
    transport::smtp::{Error as SmtpError, client::AsyncSmtpConnection, extension::ClientId},
};
use tokio::{
    net::TcpStream,
    sync::{Mutex, Semaphore},
};

/// A connection used this recently is taken as still open, without a NOOP first.
const RECENT: Duration = Duration::from_secs(2);

pub struct PlainPool {
    server: String,
    hello: ClientId,
    timeout: Duration,
    /// Open connections not in use, with when each was last used.
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    open: Semaphore,
}

/// What went wrong, in the terms the caller classifies.
pub enum PoolError {
    Smtp(SmtpError),
    /// Connecting failed, or the exchange took longer than the timeout.
    Network(String),
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

    async fn connect(&self) -> Result<AsyncSmtpConnection, PoolError> {
        let stream = TcpStream::connect(&self.server).await.map_err(|err| {
            PoolError::Network(format!("cannot connect to {}: {err}", self.server))
        })?;
        stream
            .set_nodelay(true)
            .map_err(|err| PoolError::Network(err.to_string()))?;
        AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
            .await
            .map_err(PoolError::Smtp)
    }

    /// A connection used a moment ago, or one that still answers a NOOP, or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, PoolError> {
        loop {
            let Some((mut conn, used)) = self.idle.lock().await.pop() else {
                return self.connect().await;
            };
            if used.elapsed() < RECENT || conn.test_connected().await {
                return Ok(conn);
            }
        }
    }

    /// Sends one message; `Ok` only when the server accepted it.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), PoolError> {
        let _slot = self
            .open
            .acquire()
            .await
            .map_err(|err| PoolError::Network(err.to_string()))?;
        let exchange = async {
            let mut conn = self.checkout().await?;
            let sent = conn.send(envelope, message).await;
            // lettre closes a connection on any failed command; only good ones go back.
            if sent.is_ok() && !conn.has_broken() {
                self.idle.lock().await.push((conn, Instant::now()));
            }
            sent.map(drop).map_err(PoolError::Smtp)
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(PoolError::Network(format!(
                "no answer from {} within {:?}",
                self.server, self.timeout
            ))),
        }
    }
}
