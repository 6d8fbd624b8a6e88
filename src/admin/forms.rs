//! The admin pages' forms that carry more than a confirmation: raw as they arrive, checked by
//! their `validate` methods.

use serde::Deserialize;

use crate::web::forms::{self, Checks, FormErrors, NAME_MAX};

/// The users page's "invite an outside reviewer" form.
#[derive(Debug, Default, Deserialize)]
pub struct ReviewerInviteForm {
    #[serde(default)]
    pub reviewer_email: String,
    #[serde(default)]
    pub reviewer_name: String,
    #[serde(default)]
    pub reviewer_language: String,
}

/// An outside reviewer to invite: the address (lower-case), the name the admin knows them by
/// (they may change it) and the language of the mail.
#[derive(Debug, PartialEq, Eq)]
pub struct ReviewerInvite {
    pub email: String,
    pub display_name: String,
    pub language: &'static str,
}

impl ReviewerInviteForm {
    /// `admin_language` is the mail's language when the form sends none.
    pub fn validate(&self, admin_language: &'static str) -> Result<ReviewerInvite, FormErrors> {
        let mut checks = Checks::default();
        let email = checks.field("reviewer_email", forms::email(&self.reviewer_email));
        let display_name = checks.field(
            "reviewer_name",
            forms::single_line(&self.reviewer_name, NAME_MAX),
        );
        let language = checks.field(
            "reviewer_language",
            forms::language(self.reviewer_language.trim(), admin_language),
        );
        checks.finish(|| {
            Some(ReviewerInvite {
                email: email?,
                display_name: display_name?,
                language: language?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_needs_an_address_and_a_name() {
        let form = ReviewerInviteForm {
            reviewer_email: " Rita@Example.org ".into(),
            reviewer_name: "Rita Reviewer".into(),
            reviewer_language: "fr".into(),
        };
        assert_eq!(
            form.validate("en").ok(),
            Some(ReviewerInvite {
                email: "rita@example.org".into(),
                display_name: "Rita Reviewer".into(),
                language: "fr",
            })
        );
        let bad = ReviewerInviteForm {
            reviewer_email: "not an address".into(),
            reviewer_name: "  ".into(),
            reviewer_language: "de".into(),
        };
        let Err(errors) = bad.validate("en") else {
            panic!("three problems");
        };
        for field in ["reviewer_email", "reviewer_name", "reviewer_language"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let default = ReviewerInviteForm {
            reviewer_email: "a@example.org".into(),
            reviewer_name: "A".into(),
            reviewer_language: String::new(),
        };
        assert_eq!(default.validate("es").ok().map(|i| i.language), Some("es"));
    }
}
