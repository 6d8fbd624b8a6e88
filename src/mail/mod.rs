//! Outgoing mail through lettre: an SMTP server with a connection pool (`SMTP_URL`), or `.eml`
//! files in an outbox folder so nothing is lost on a machine without a mail server.
//! Header text (names, subjects) is stripped of control characters here as a last guard.

use std::path::PathBuf;

use anyhow::Context;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox, MultiPart,
        header::{HeaderName, HeaderValue},
    },
    transport::smtp::PoolConfig,
};

/// The longest one SMTP command may take before the attempt counts as a temporary failure.
pub const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

mod deadline;
pub mod memory;
mod plain_pool;

pub use deadline::Deadline;

#[derive(Clone)]
pub enum Mailer {
    /// Plain `smtp://host:port`: Fora's own pool of pipelining `TCP_NODELAY` connections.
    Plain(std::sync::Arc<plain_pool::PlainPool>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
    /// Kept in memory (tests).
    Memory(std::sync::Arc<memory::MemoryOutbox>),
}

/// One message, already rendered by the templates crate.
#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub list: Option<ListHeaders>,
}

/// What makes a message part of a mailing list: a stable `Message-ID` (so a message sent again
/// after a crash is recognisably the same one), `List-Id` (RFC 2919), `List-Unsubscribe`
/// (RFC 2369) with one-click `List-Unsubscribe-Post` (RFC 8058), and `Reply-To`.
#[derive(Clone, Debug)]
pub struct ListHeaders {
    /// Without angle brackets: `edition-3.subscriber-17@fora.example.org`.
    pub message_id: String,
    /// `Fora newsletter <newsletter.fora.example.org>`
    pub list_id: String,
    pub unsubscribe_url: String,
    pub reply_to: Option<String>,
}

/// A message built and encoded (headers, MIME parts, transfer encoding), with its envelope.
#[derive(Clone, Debug)]
pub struct Prepared {
    envelope: lettre::address::Envelope,
    bytes: Vec<u8>,
}

/// Why a message was not sent, in the terms a retry policy needs.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The message could not even be built (bad address): sending again cannot help.
    #[error("message not built: {0}")]
    Invalid(String),
    /// A 5xx answer: the server refused this message for good.
    #[error("refused: {0}")]
    Permanent(String),
    /// A 4xx answer, a dropped connection, a timeout: worth trying again later.
    #[error("not sent for now: {0}")]
    Transient(String),
    /// Not written to the server: its deadline had passed.
    #[error("not sent: its deadline had passed")]
    Expired,
}

fn header_safe(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

impl Mailer {
    /// `connections`: the most SMTP connections kept open and used at once.
    pub fn from_config(
        smtp_url: Option<&str>,
        outbox: PathBuf,
        connections: u32,
    ) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url)
                if let Some(pool) =
                    plain_pool::PlainPool::for_url(url, connections, SMTP_TIMEOUT) =>
            {
                Ok(Mailer::Plain(std::sync::Arc::new(pool)))
            }
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| format!("SMTP_URL is not a usable SMTP URL: {url:?}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .pool_config(PoolConfig::new().max_size(connections.max(1)))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&outbox).with_context(|| {
                    format!("cannot create the outbox folder {}", outbox.display())
                })?;
                Ok(Mailer::Outbox(AsyncFileTransport::new(&outbox), outbox))
            }
        }
    }

    /// A mailer that keeps every message in memory, and the mailbox to read them from.
    pub fn memory() -> (Self, std::sync::Arc<memory::MemoryOutbox>) {
        let outbox = std::sync::Arc::new(memory::MemoryOutbox::default());
        (Mailer::Memory(outbox.clone()), outbox)
    }

    pub fn build(from: &str, email: &Email) -> anyhow::Result<Message> {
        let from: Mailbox = from.parse().context("FORA_FROM is not a valid mailbox")?;
        let address = email.to.parse().context("recipient address is not valid")?;
        let to = Mailbox::new(email.to_name.as_deref().map(header_safe), address);
        let builder = Message::builder()
            .from(from)
            .to(to)
            .subject(header_safe(&email.subject));
        let builder = match &email.list {
            None => builder,
            Some(list) => {
                let mut builder = builder
                    .message_id(Some(format!("<{}>", header_safe(&list.message_id))))
                    .raw_header(HeaderValue::new(
                        HeaderName::new_from_ascii_str("List-Id"),
                        header_safe(&list.list_id),
                    ))
                    .raw_header(HeaderValue::new(
                        HeaderName::new_from_ascii_str("List-Unsubscribe"),
                        format!("<{}>", header_safe(&list.unsubscribe_url)),
                    ))
                    .raw_header(HeaderValue::new(
                        HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                        "List-Unsubscribe=One-Click".into(),
                    ));
                if let Some(reply_to) = &list.reply_to {
                    let reply_to: Mailbox = reply_to
                        .parse()
                        .context("the Reply-To address is not a valid mailbox")?;
                    builder = builder.reply_to(reply_to);
                }
                builder
            }
        };
        let message = builder.multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))?;
        Ok(message)
    }

    pub async fn send(&self, from: &str, email: &Email) -> anyhow::Result<()> {
        Ok(self.deliver(from, email).await?)
    }

    /// Builds and encodes a message once, so it can be handed to the transport later (the
    /// newsletter builds its messages apart from the connections that send them).
    pub fn prepare(from: &str, email: &Email) -> Result<Prepared, SendError> {
        let message =
            Self::build(from, email).map_err(|err| SendError::Invalid(format!("{err:#}")))?;
        Ok(Prepared {
            envelope: message.envelope().clone(),
            bytes: message.formatted(),
        })
    }

    /// Sends one message and says, when it was not accepted, whether trying again may help.
    /// `Ok` means the SMTP server accepted it (or the outbox file was written).
    pub async fn deliver(&self, from: &str, email: &Email) -> Result<(), SendError> {
        self.deliver_prepared(&Self::prepare(from, email)?, &Deadline::NONE)
            .await
    }

    /// [`Mailer::deliver`] for a message already built, which is not sent once `deadline` has
    /// passed: Fora's own pool checks it just before writing the message (after every wait
    /// for a connection or an answer); lettre's transports, just before taking it.
    pub async fn deliver_prepared(
        &self,
        message: &Prepared,
        deadline: &Deadline,
    ) -> Result<(), SendError> {
        let Prepared { envelope, bytes } = message;
        let classify = |err: lettre::transport::smtp::Error| {
            if err.is_permanent() {
                SendError::Permanent(err.to_string())
            } else {
                SendError::Transient(err.to_string())
            }
        };
        match self {
            Mailer::Plain(pool) => {
                pool.send(envelope, bytes, deadline)
                    .await
                    .map_err(|err| match err {
                        plain_pool::PoolError::Refused {
                            permanent: true,
                            reply,
                        } => SendError::Permanent(reply),
                        plain_pool::PoolError::Refused { reply, .. }
                        | plain_pool::PoolError::Network(reply) => SendError::Transient(reply),
                        plain_pool::PoolError::Expired => SendError::Expired,
                    })
            }
            _ if deadline.passed() => Err(SendError::Expired),
            Mailer::Smtp(transport) => transport
                .send_raw(envelope, bytes)
                .await
                .map(drop)
                .map_err(classify),
            Mailer::Outbox(transport, _) => transport
                .send_raw(envelope, bytes)
                .await
                .map(drop)
                .map_err(|err| SendError::Transient(err.to_string())),
            Mailer::Memory(outbox) => {
                outbox.push(bytes.clone());
                Ok(())
            }
        }
    }

    /// Sends in the background, so an answer never waits on (or reveals) mail delivery.
    pub fn queue(&self, from: &str, email: Email) {
        let mailer = self.clone();
        let from = from.to_owned();
        tokio::spawn(async move {
            if let Err(err) = mailer.send(&from, &email).await {
                tracing::warn!(error = %err, subject = %email.subject, "mail not sent");
            }
        });
    }
}

impl Email {
    pub fn new(to: &str, to_name: Option<&str>, rendered: templates::email::RenderedEmail) -> Self {
        Self {
            to: to.to_owned(),
            to_name: to_name.map(str::to_owned),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            list: None,
        }
    }
}
