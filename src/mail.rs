//! Outgoing mail through lettre: an SMTP server with a connection pool (`SMTP_URL`), or `.eml`
//! files in an outbox folder so nothing is lost on a machine without a mail server.
//! Header text (names, subjects) is stripped of control characters here as a last guard.

use std::path::PathBuf;

use anyhow::Context;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// One message, already rendered by the templates crate.
#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn header_safe(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

impl Mailer {
    pub fn from_config(smtp_url: Option<&str>, outbox: PathBuf) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| format!("SMTP_URL is not a usable SMTP URL: {url:?}"))?
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

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(_) => "SMTP".into(),
            Mailer::Outbox(_, dir) => format!("outbox folder {}", dir.display()),
        }
    }

    pub fn build(from: &str, email: &Email) -> anyhow::Result<Message> {
        let from: Mailbox = from.parse().context("FORA_FROM is not a valid mailbox")?;
        let address = email.to.parse().context("recipient address is not valid")?;
        let to = Mailbox::new(email.to_name.as_deref().map(header_safe), address);
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(header_safe(&email.subject))
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))?;
        Ok(message)
    }

    pub async fn send(&self, from: &str, email: &Email) -> anyhow::Result<()> {
        let message = Self::build(from, email)?;
        match self {
            Mailer::Smtp(transport) => {
                transport.send(message).await?;
            }
            Mailer::Outbox(transport, _) => {
                transport.send(message).await?;
            }
        }
        Ok(())
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
        }
    }
}
