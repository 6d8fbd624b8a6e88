//! Where mail goes, said at start-up, and the one combination refused: a public (`https://`)
//! site whose invitations and password resets would only be written to files.

use anyhow::bail;

/// What `fora serve` says about mail before it listens.
#[derive(Debug, PartialEq, Eq)]
pub enum MailNotice {
    Relay(String),
    Files(String),
}

impl MailNotice {
    pub fn new(smtp_url: Option<&str>, outbox: &std::path::Path) -> MailNotice {
        match smtp_url {
            Some(url) => {
                MailNotice::Relay(format!("Mail goes to the SMTP relay {}", redacted(url)))
            }
            None => MailNotice::Files(format!(
                "Mail is NOT sent: SMTP_URL is not set, so every message (invitations, password \
                 resets, newsletters) is only written as a .eml file in {}. Set SMTP_URL to \
                 deliver mail.",
                outbox.display()
            )),
        }
    }

    pub fn log(&self) {
        match self {
            MailNotice::Relay(text) => tracing::info!("{text}"),
            MailNotice::Files(text) => tracing::warn!("{text}"),
        }
    }
}

/// The relay's address without its password (user names stay: they help find a mistake).
fn redacted(url: &str) -> String {
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

/// A site served over https is a real deployment: without a relay nobody could join it.
pub fn check(base_url: &str, smtp_url: Option<&str>, outbox_set: bool) -> anyhow::Result<()> {
    if base_url.starts_with("https://") && smtp_url.is_none() && !outbox_set {
        bail!(
            "FORA_BASE_URL is {base_url}, a public site, but SMTP_URL is not set: invitations \
             and password resets would only be written to files and nobody could join. Set \
             SMTP_URL to your mail relay, or set FORA_OUTBOX to a folder to keep mail in files \
             on purpose."
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        let notice = MailNotice::new(
            Some("smtps://fora:s3cret@mail.example.org:465?tls=required"),
            Path::new("outbox"),
        );
        let MailNotice::Relay(text) = notice else {
            panic!("a relay is configured")
        };
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("mail.example.org:465"), "{text}");
    }

    #[test]
    fn files_only_is_a_warning_that_names_the_folder() {
        let notice = MailNotice::new(None, Path::new("/var/lib/fora/outbox"));
        assert!(
            matches!(&notice, MailNotice::Files(text) if text.contains("/var/lib/fora/outbox"))
        );
    }

    #[test]
    fn https_without_a_relay_is_refused_unless_files_were_chosen() {
        assert!(check("https://fora.example.org", None, false).is_err());
        assert!(check("https://fora.example.org", None, true).is_ok());
        assert!(check("https://fora.example.org", Some("smtp://relay:25"), false).is_ok());
        assert!(check("http://127.0.0.1:3000", None, false).is_ok());
    }
}
