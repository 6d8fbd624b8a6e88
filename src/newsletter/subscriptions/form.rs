//! The subscription form's rules: address, themes, frequency. Each failure names its field and
//! the form comes back with what the person typed.

use super::service::{Choices, Theme};
use crate::{
    entities::states::Frequency,
    web::forms::{Checks, FormErrors},
};

/// The longest address accepted (RFC 5321's path limit less the angle brackets).
pub const EMAIL_MAX: usize = 254;

/// The submitted fields, as typed (length-capped, yet long enough that an over-long address
/// comes back whole for correction).
#[derive(Clone, Debug, Default)]
pub struct Submitted {
    pub email: String,
    pub themes: Vec<String>,
    pub frequency: String,
    /// The language of the mail, as typed (empty when the form did not send one).
    pub language: String,
}

impl Submitted {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut submitted = Submitted::default();
        for (name, value) in pairs {
            match name.as_str() {
                "email" => submitted.email = value.chars().take(EMAIL_MAX + 50).collect(),
                // Bounded: a request cannot make the server hold an unbounded list.
                "themes" if submitted.themes.len() < 1000 => submitted.themes.push(value),
                "frequency" => submitted.frequency = value.chars().take(20).collect(),
                "language" => submitted.language = value.chars().take(20).collect(),
                _ => {}
            }
        }
        submitted
    }

    /// The theme ids ticked that are real themes, for re-display.
    pub fn checked(&self, themes: &[Theme]) -> Vec<i32> {
        self.themes
            .iter()
            .filter_map(|v| v.trim().parse::<i32>().ok())
            .filter(|id| themes.iter().any(|t| t.id == *id))
            .collect()
    }
}

/// An address as stored: trimmed, lowercased, domain in its ASCII (IDNA) form so one mailbox
/// has one spelling and every SMTP server can route it. Refuses control characters anywhere
/// (CR/LF would be header injection), spaces, more than 254 characters, and whatever lettre
/// cannot parse.
pub fn email(raw: &str) -> Result<String, &'static str> {
    if raw.chars().any(char::is_control) {
        return Err("newsletter.email_invalid");
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("newsletter.email_required");
    }
    if trimmed.chars().count() > EMAIL_MAX {
        return Err("newsletter.email_too_long");
    }
    if trimmed.chars().any(char::is_whitespace) {
        return Err("newsletter.email_invalid");
    }
    let lowered = trimmed.to_lowercase();
    let address: lettre::Address = lowered.parse().map_err(|_| "newsletter.email_invalid")?;
    let domain = address.domain();
    let domain = if domain.is_ascii() {
        domain.to_string()
    } else {
        let ascii = url::quirks::domain_to_ascii(domain);
        if ascii.is_empty() {
            return Err("newsletter.email_invalid");
        }
        ascii
    };
    let stored = format!("{}@{}", address.user(), domain);
    if stored.len() > EMAIL_MAX || stored.parse::<lettre::Address>().is_err() {
        return Err("newsletter.email_too_long");
    }
    Ok(stored)
}

/// A subscription request: the address, what it asks for, and the language of the mail.
pub struct Subscription {
    pub email: String,
    pub choices: Choices,
    pub language: &'static str,
}

/// What a subscriber changes on the manage page.
pub struct Changes {
    pub choices: Choices,
    pub language: &'static str,
}

impl Submitted {
    /// The subscribe form; `page_language` when no other language is picked.
    pub fn subscription(
        &self,
        themes: &[Theme],
        page_language: &'static str,
    ) -> Result<Subscription, FormErrors> {
        let mut checks = Checks::default();
        let email = checks.field("email", email(&self.email));
        let choices = self.choices(themes, &mut checks);
        let language = self.language(page_language, &mut checks);
        checks.finish(|| {
            Some(Subscription {
                email: email?,
                choices: choices?,
                language: language?,
            })
        })
    }

    /// The manage page; left out (an older page), the language stays `current`.
    pub fn changes(&self, themes: &[Theme], current: &'static str) -> Result<Changes, FormErrors> {
        let mut checks = Checks::default();
        let choices = self.choices(themes, &mut checks);
        let language = self.language(current, &mut checks);
        checks.finish(|| {
            Some(Changes {
                choices: choices?,
                language: language?,
            })
        })
    }

    /// The profile's newsletter section: themes and frequency only.
    pub fn member_choices(&self, themes: &[Theme]) -> Result<Choices, FormErrors> {
        let mut checks = Checks::default();
        let choices = self.choices(themes, &mut checks);
        checks.finish(|| choices)
    }

    /// The language the newsletter is written in: `fallback` when the field was left out or
    /// empty, `en`, `fr` or `es` as picked; anything else is refused.
    fn language(&self, fallback: &'static str, checks: &mut Checks) -> Option<&'static str> {
        if self.language.trim().is_empty() {
            return Some(fallback);
        }
        let known = templates::i18n::known(&self.language);
        if known.is_none() {
            checks.add("language", "form.bad_language");
        }
        known
    }

    /// Themes and frequency. No theme ticked means every theme.
    fn choices(&self, themes: &[Theme], checks: &mut Checks) -> Option<Choices> {
        let mut ids = Vec::new();
        let mut themes_ok = true;
        for value in &self.themes {
            match value.trim().parse::<i32>() {
                Ok(id) if themes.iter().any(|t| t.id == id) => {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                _ => themes_ok = false,
            }
        }
        if !themes_ok {
            checks.add("themes", "newsletter.themes_invalid");
        }
        let frequency = if self.frequency.is_empty() {
            Some(Frequency::Weekly)
        } else {
            Frequency::parse(&self.frequency)
        };
        if frequency.is_none() {
            checks.add("frequency", "newsletter.frequency_invalid");
        }
        Some(Choices {
            themes: ids,
            frequency: frequency?,
        })
        .filter(|_| themes_ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(email(" Ana@Example.ORG "), Ok("ana@example.org".into()));
        assert_eq!(
            email("ana@bücher.example"),
            Ok("ana@xn--bcher-kva.example".into())
        );
        assert_eq!(email(""), Err("newsletter.email_required"));
        assert_eq!(
            email("a@b.org\r\nBcc: x@y.org"),
            Err("newsletter.email_invalid")
        );
        assert_eq!(email("a@b.org\n"), Err("newsletter.email_invalid"));
        assert_eq!(email("not an address"), Err("newsletter.email_invalid"));
        assert_eq!(email("nobody"), Err("newsletter.email_invalid"));
        let long = format!("{}@example.org", "a".repeat(290));
        assert_eq!(email(&long), Err("newsletter.email_too_long"));
    }
}
