//! The forum forms as people type them, and the rules that turn each into checked fields.

use serde::Deserialize;

use crate::web::forms::{self, Checks, FieldProblem, FormErrors, TITLE_MAX};

/// The most addresses one pasted list may hold.
pub const MAX_INVITES: usize = 200;
/// The invite box names this many items that are not addresses, then says there are more.
const NAMED_MISTAKES: usize = 20;

#[derive(Deserialize)]
pub struct NewThreadForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The thread's language; absent (an older form) means the author's interface language.
    #[serde(default)]
    pub language: String,
}

/// A thread's title, its first post's Markdown and their language.
pub struct NewThread {
    pub title: String,
    pub body: String,
    pub language: &'static str,
}

impl NewThreadForm {
    /// `default_language`: the author's interface language, when the form names none.
    pub fn validate(&self, default_language: &'static str) -> Result<NewThread, FormErrors> {
        let mut checks = Checks::default();
        let title = checks.field("title", forms::single_line(&self.title, TITLE_MAX));
        let body = checks.field("body", forms::markdown_body(&self.body));
        let language = checks.field(
            "language",
            forms::language(&self.language, default_language),
        );
        checks.finish(|| {
            Some(NewThread {
                title: title?,
                body: body?,
                language: language?,
            })
        })
    }
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    pub body: String,
    /// The reply's language; absent (an older form) means the author's interface language.
    #[serde(default)]
    pub language: String,
}

/// A reply's Markdown and its language.
pub struct Reply {
    pub body: String,
    pub language: &'static str,
}

impl ReplyForm {
    pub fn validate(&self, default_language: &'static str) -> Result<Reply, FormErrors> {
        let mut checks = Checks::default();
        let body = checks.field("body", forms::markdown_body(&self.body));
        let language = checks.field(
            "language",
            forms::language(&self.language, default_language),
        );
        checks.finish(|| {
            Some(Reply {
                body: body?,
                language: language?,
            })
        })
    }
}

/// A post's new text and language.
#[derive(Deserialize)]
pub struct BodyForm {
    #[serde(default)]
    pub body: String,
    /// Absent (an older form) means the post keeps its language.
    #[serde(default)]
    pub language: String,
}

impl BodyForm {
    /// `current_language`: the post's language, kept when the form names none.
    pub fn validate(&self, current_language: &'static str) -> Result<Edit, FormErrors> {
        let mut checks = Checks::default();
        let body = checks.field("body", forms::markdown_body(&self.body));
        let language = checks.field(
            "language",
            forms::language(&self.language, current_language),
        );
        checks.finish(|| {
            Some(Edit {
                body: body?,
                language: language?,
            })
        })
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub emails: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub language: String,
}

/// The addresses to invite (each once, lower-case) and the language of the mail.
#[derive(Debug, PartialEq, Eq)]
pub struct Invites {
    pub addresses: Vec<String>,
    pub language: &'static str,
}

impl InviteForm {
    /// Every address that is not one is named, so the moderator corrects just those.
    pub fn validate(&self, forum_language: &str) -> Result<Invites, FormErrors> {
        let mut checks = Checks::default();
        // Absent (an older form) means the forum's language; anything else must be one we write.
        let language = if self.language.trim().is_empty() {
            templates::i18n::known(forum_language)
        } else {
            templates::i18n::known(&self.language)
        };
        if language.is_none() {
            checks.add("language", "form.bad_language");
        }
        let (addresses, bad) = parse_address_list(&self.emails);
        for piece in bad.iter().take(NAMED_MISTAKES) {
            checks.push(FieldProblem::new("emails", "form.not_an_address").naming(piece));
        }
        if bad.len() > NAMED_MISTAKES {
            checks.add("emails", "form.more_not_addresses");
        }
        if bad.is_empty() && addresses.is_empty() {
            checks.add("emails", "form.required");
        } else if addresses.len() + bad.len() > MAX_INVITES {
            checks.add("emails", "form.too_many_addresses");
        }
        checks.finish(|| {
            Some(Invites {
                addresses,
                language: language?,
            })
        })
    }
}

/// Splits a pasted list into addresses; the second list holds what is not an address.
pub fn parse_address_list(raw: &str) -> (Vec<String>, Vec<String>) {
    let mut good: Vec<String> = Vec::new();
    let mut bad = Vec::new();
    for piece in raw
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let piece = piece.trim_matches(|c| c == '<' || c == '>');
        match forms::email(piece) {
            Ok(email) if !good.contains(&email) => good.push(email),
            Ok(_) => {}
            Err(_) => bad.push(piece.chars().take(100).collect()),
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(emails: &str, language: &str) -> Result<Invites, FormErrors> {
        InviteForm {
            emails: emails.into(),
            role: String::new(),
            language: language.into(),
        }
        .validate("fr")
    }

    #[test]
    fn each_address_that_is_not_one_is_named() {
        let errors = invite("amina@example.org, not-an-address; <also@@bad>", "").unwrap_err();
        let named: Vec<_> = errors
            .problems()
            .iter()
            .map(|p| (p.field, p.key, p.value.as_deref()))
            .collect();
        assert_eq!(
            named,
            [
                ("emails", "form.not_an_address", Some("not-an-address")),
                ("emails", "form.not_an_address", Some("also@@bad")),
            ]
        );
    }

    #[test]
    fn addresses_are_kept_once_and_the_language_defaults_to_the_forums() {
        let invites = invite(
            "Amina@Example.org\namina@example.org <kofi@example.org>",
            "",
        )
        .unwrap();
        assert_eq!(invites.addresses, ["amina@example.org", "kofi@example.org"]);
        assert_eq!(invites.language, "fr");
        assert_eq!(invite("kofi@example.org", "es").unwrap().language, "es");
    }

    #[test]
    fn empty_unknown_language_and_too_many_are_refused() {
        assert_eq!(
            invite("  ", "").unwrap_err().get("emails"),
            Some("form.required")
        );
        assert_eq!(
            invite("kofi@example.org", "xx")
                .unwrap_err()
                .get("language"),
            Some("form.bad_language")
        );
        let many: Vec<String> = (0..=MAX_INVITES)
            .map(|i| format!("p{i}@example.org"))
            .collect();
        assert_eq!(
            invite(&many.join(","), "").unwrap_err().get("emails"),
            Some("form.too_many_addresses")
        );
    }

    #[test]
    fn a_long_list_of_mistakes_names_the_first_twenty_and_says_there_are_more() {
        let pasted: Vec<String> = (0..500).map(|i| format!("nobody{i}")).collect();
        let errors = invite(&pasted.join(" "), "").unwrap_err();
        let named: Vec<_> = errors
            .problems()
            .iter()
            .filter(|p| p.key == "form.not_an_address")
            .collect();
        assert_eq!(named.len(), NAMED_MISTAKES);
        assert_eq!(named[0].value.as_deref(), Some("nobody0"));
        assert!(
            errors
                .problems()
                .iter()
                .any(|p| p.key == "form.more_not_addresses")
        );
    }
}

/// A moderator's decision as the confirmation step sends it: `confirmed=yes` once the
/// moderator saw what it does, and the reason the author will read.
#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub confirmed: Option<String>,
    #[serde(default)]
    pub reason: String,
}

impl DecisionForm {
    /// Whether it comes from the confirmation page (the first POST, from a menu, does not).
    pub fn confirmed(&self) -> bool {
        self.confirmed.as_deref() == Some("yes")
    }

    /// The reason, which must be given.
    pub fn validate(&self) -> Result<String, FormErrors> {
        let mut checks = Checks::default();
        let reason = checks.field(
            "reason",
            forms::single_line(&self.reason, forms::REASON_MAX),
        );
        checks.finish(|| reason)
    }
}

/// A post's new text and its language.
pub struct Edit {
    pub body: String,
    pub language: &'static str,
}
