//! Outgoing mail: an SMTP server through Fora's own connection pool (`SMTP_URL`), or `.eml`
//! files in an outbox folder so nothing is lost on a machine without a mail server.
//! Header text (names, subjects) is stripped of control characters here as a last guard.

use std::path::PathBuf;

use anyhow::{Context, bail};
use lettre::{
    AsyncFileTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Body, Mailbox, MultiPart,
        header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue, MIME_VERSION_1_0},
    },
};

/// The longest one SMTP command may take before the attempt counts as a temporary failure.
pub const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub mod bounces;
mod deadline;
pub mod dkim;
pub mod inbound;
pub mod lease;
pub mod memory;
pub mod queue;
pub mod reply_address;
pub mod smtp_pool;
pub mod verp;

pub use deadline::Deadline;

#[derive(Clone)]
pub enum Mailer {
    /// `SMTP_URL`: Fora's own pool of pipelining `TCP_NODELAY` connections, in the clear or
    /// in TLS, with or without AUTH.
    Smtp(std::sync::Arc<smtp_pool::SmtpPool>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
    /// Kept in memory (tests).
    Memory(std::sync::Arc<memory::MemoryOutbox>),
}

/// Who mail comes from: the `From` mailbox (`FORA_FROM`), when DKIM is configured the key
/// that signs for its domain, and when `FORA_BOUNCE_DOMAIN` is set the return path that names
/// each recipient. Every message is built with one ([`Mailer::prepare`]), so none can be sent
/// unsigned or without its return path by mistake; `AppState::mail_origin` gives the
/// configured one.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    pub from: &'a str,
    pub dkim: Option<&'a dkim::DkimSigner>,
    pub return_path: Option<&'a verp::ReturnPath>,
}

/// One message, already rendered by the templates crate.
#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Without angle brackets: `edition-3.subscriber-17@fora.example.org`. Stable where a
    /// message may be built again (a newsletter resent after a crash is recognisably the same
    /// one); `None` makes a random one on the sender's domain when the message is built.
    pub message_id: Option<String>,
    /// Mail that no person wrote (a notification, a password link): marked
    /// `Auto-Submitted: auto-generated` (RFC 3834), or `auto-replied` for an answer to mail
    /// that came in, so that auto-responders stay silent.
    pub automatic: Option<AutoSubmitted>,
    pub list: Option<ListHeaders>,
    /// Where an answer goes, when not to `From`: a notification's reply address
    /// ([`reply_address`]).
    pub reply_to: Option<String>,
    /// Whom and what the message is, for its return path (see [`verp`]); without one, or
    /// without a bounce domain, the envelope sender is the `From` address.
    pub tag: Option<verp::Tag>,
}

/// Why no person wrote a message (RFC 3834's `Auto-Submitted`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoSubmitted {
    /// Fora wrote it of itself: a notification, a password link.
    Generated,
    /// Fora answers a message that came in (a reply by mail it could not post).
    Replied,
}

impl AutoSubmitted {
    fn header(self) -> &'static str {
        match self {
            AutoSubmitted::Generated => "auto-generated",
            AutoSubmitted::Replied => "auto-replied",
        }
    }
}

/// What makes a message part of a mailing list: `List-Id` (RFC 2919), `List-Unsubscribe`
/// (RFC 2369) with one-click `List-Unsubscribe-Post` (RFC 8058), and `Reply-To`.
#[derive(Clone, Debug)]
pub struct ListHeaders {
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
    /// The relay takes no mail from Fora as configured (TLS could not be set up, credentials
    /// refused or missing), whoever the message is for: retried later like a temporary
    /// failure, until the operator mends `SMTP_URL`, and never counted against the recipient.
    #[error("not sent: the relay refused Fora: {0}")]
    Relay(String),
    /// Not written to the server: its deadline had passed.
    #[error("not sent: its deadline had passed")]
    Expired,
    /// Not tried: mail to the address bounced until it was suppressed.
    #[error("not sent: the address is suppressed after repeated bounces")]
    Suppressed,
}

fn header_safe(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

impl Mailer {
    /// `connections`: the most SMTP connections kept open and used at once; `extra_roots`:
    /// certificates trusted for the relay's TLS besides the system's (`FORA_SMTP_CA_FILE`).
    pub fn from_config(
        smtp_url: Option<&str>,
        extra_roots: &[rustls::pki_types::CertificateDer<'static>],
        outbox: PathBuf,
        connections: u32,
    ) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => {
                let pool =
                    smtp_pool::SmtpPool::for_url(url, extra_roots, connections, SMTP_TIMEOUT)
                        .with_context(|| {
                            format!(
                                "SMTP_URL is not a usable SMTP URL: {}",
                                smtp_pool::redacted(url)
                            )
                        })?;
                Ok(Mailer::Smtp(std::sync::Arc::new(pool)))
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
        let message_id = match &email.message_id {
            Some(id) => header_safe(id),
            None => new_message_id("mail", from.email.domain()),
        };
        let mut builder = Message::builder()
            .message_id(Some(format!("<{message_id}>")))
            .from(from)
            .to(to)
            .subject(header_safe(&email.subject));
        if let Some(automatic) = email.automatic {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("Auto-Submitted"),
                    automatic.header().into(),
                ))
                // Outlook and Exchange ignore RFC 3834 and read their own header.
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
                    "All".into(),
                ));
        }
        if let Some(reply_to) = &email.reply_to {
            let reply_to: Mailbox = reply_to
                .parse()
                .context("the Reply-To address is not a valid mailbox")?;
            builder = builder.reply_to(reply_to);
        }
        let builder = match &email.list {
            None => builder,
            Some(list) => {
                let mut builder = builder
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
        let (content_type, body) = alternative_body(email)?;
        let message = builder
            .header(MIME_VERSION_1_0)
            .header(content_type)
            .body(body)?;
        Ok(message)
    }

    /// Builds, signs (DKIM, when configured) and encodes a message once, so it can be handed to
    /// the transport later (the newsletter builds its messages apart from the connections that
    /// send them; the mail queue stores them and may send the same bytes again).
    pub fn prepare(origin: Origin<'_>, email: &Email) -> Result<Prepared, SendError> {
        let mut message = Self::build(origin.from, email)
            .map_err(|err| SendError::Invalid(format!("{err:#}")))?;
        if let Some(signer) = origin.dkim {
            signer.sign(&mut message);
        }
        let envelope = match (origin.return_path, email.tag) {
            (Some(path), Some(tag)) => {
                let sender = path
                    .address(tag)
                    .parse()
                    .map_err(|err| SendError::Invalid(format!("return path: {err}")))?;
                lettre::address::Envelope::new(Some(sender), message.envelope().to().to_vec())
                    .map_err(|err| SendError::Invalid(err.to_string()))?
            }
            _ => message.envelope().clone(),
        };
        Ok(Prepared {
            envelope,
            bytes: message.formatted(),
        })
    }

    /// Sends one message and says, when it was not accepted, whether trying again may help.
    /// `Ok` means the SMTP server accepted it (or the outbox file was written).
    pub async fn deliver(&self, origin: Origin<'_>, email: &Email) -> Result<(), SendError> {
        self.deliver_prepared(&Self::prepare(origin, email)?, &Deadline::NONE)
            .await
    }

    /// [`Mailer::deliver`] for a message already built, which is not sent once `deadline` has
    /// passed: Fora's own pool checks it just before writing the message (after every wait
    /// for a connection or an answer); the outbox, just before writing it.
    pub async fn deliver_prepared(
        &self,
        message: &Prepared,
        deadline: &Deadline,
    ) -> Result<(), SendError> {
        let Prepared { envelope, bytes } = message;
        match self {
            Mailer::Smtp(pool) => {
                pool.send(envelope, bytes, deadline)
                    .await
                    .map_err(|err| match err {
                        smtp_pool::PoolError::Refused {
                            permanent: true,
                            reply,
                        } => SendError::Permanent(reply),
                        smtp_pool::PoolError::Refused { reply, .. }
                        | smtp_pool::PoolError::Network(reply) => SendError::Transient(reply),
                        smtp_pool::PoolError::Relay(reason) => SendError::Relay(reason),
                        smtp_pool::PoolError::Expired => SendError::Expired,
                    })
            }
            _ if deadline.passed() => Err(SendError::Expired),
            // Written as a mailbox keeps delivered mail: with the envelope sender as the
            // `Return-Path` a final delivery adds (RFC 5321 4.4), which no signature covers.
            Mailer::Outbox(transport, _) => transport
                .send_raw(envelope, &with_return_path(envelope, bytes))
                .await
                .map(drop)
                .map_err(|err| SendError::Transient(err.to_string())),
            Mailer::Memory(outbox) => {
                outbox.push(envelope, bytes.clone());
                Ok(())
            }
        }
    }
}

fn with_return_path(envelope: &lettre::address::Envelope, bytes: &[u8]) -> Vec<u8> {
    let sender = envelope.from().map(ToString::to_string).unwrap_or_default();
    let mut delivered = format!("Return-Path: <{sender}>\r\n").into_bytes();
    delivered.extend_from_slice(bytes);
    delivered
}

/// The text and HTML versions as one `multipart/alternative` body, and its `Content-Type`.
///
/// lettre writes the headers of a MIME body (here the multipart's `Content-Type`, which holds
/// the boundary) as the start of the body, where its DKIM signer cannot cover them: a
/// signature that lists `Content-Type` then fails at every receiver. So the message takes the
/// `Content-Type` as a header of its own and the parts as a plain 7-bit body.
/// RFC 5322 2.1.1: a line holds at most 998 characters before its CRLF.
const MAX_LINE: usize = 999;

fn alternative_body(email: &Email) -> anyhow::Result<(ContentType, Body)> {
    let alternative = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
    let content_type = alternative
        .headers()
        .get::<ContentType>()
        .context("a multipart body has a Content-Type")?;
    let formatted = alternative.formatted();
    let parts = formatted
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|end| formatted[end + 4..].to_vec())
        .context("a multipart body has headers")?;
    // lettre encodes each part as 7-bit, quoted-printable or base64 (lines of at most 76
    // characters), so the whole is 7-bit text; checked, since it is passed on as it is.
    if parts.contains(&0)
        || parts
            .split(|&b| b == b'\n')
            .any(|line| line.len() > MAX_LINE)
    {
        bail!("the message's parts are not text in lines of at most {MAX_LINE} characters");
    }
    let encoding = if parts.is_ascii() {
        ContentTransferEncoding::SevenBit
    } else {
        ContentTransferEncoding::EightBit
    };
    Ok((content_type, Body::dangerous_pre_encoded(parts, encoding)))
}

impl Email {
    pub fn new(to: &str, to_name: Option<&str>, rendered: templates::email::RenderedEmail) -> Self {
        Self {
            to: to.to_owned(),
            to_name: to_name.map(str::to_owned),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: None,
            automatic: None,
            list: None,
            reply_to: None,
            tag: None,
        }
    }

    /// The same message, marked as one no person wrote (RFC 3834).
    pub fn automatic(self) -> Self {
        Self {
            automatic: Some(AutoSubmitted::Generated),
            ..self
        }
    }
}

/// A new `Message-ID` (without angle brackets) on `domain`: what the message is, then 128
/// random bits, so ids never repeat and reveal nothing.
pub fn new_message_id(kind: &str, domain: &str) -> String {
    format!("{kind}.{:032x}@{domain}", rand::random::<u128>())
}

impl Prepared {
    /// A message as the mail queue stored it: its envelope addresses and its bytes.
    pub fn stored(sender: &str, recipient: &str, bytes: Vec<u8>) -> Result<Prepared, SendError> {
        let invalid = |err: lettre::address::AddressError| SendError::Invalid(err.to_string());
        let envelope = lettre::address::Envelope::new(
            Some(sender.parse().map_err(invalid)?),
            vec![recipient.parse().map_err(invalid)?],
        )
        .map_err(|err| SendError::Invalid(err.to_string()))?;
        Ok(Prepared { envelope, bytes })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The envelope sender and recipient, as the mail queue stores them.
    pub fn addresses(&self) -> (String, String) {
        let sender = self
            .envelope
            .from()
            .map(ToString::to_string)
            .unwrap_or_default();
        let recipient = self
            .envelope
            .to()
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        (sender, recipient)
    }
}
