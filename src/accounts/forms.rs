//! The account forms as people type them, and the rules that turn each into checked fields
//! (or every problem at once).

use serde::Deserialize;

use super::password_rules;
use crate::{
    entities::states::NotifyMode,
    web::forms::{self, Checks, FormErrors, NAME_MAX},
};

/// A new password must pass the rules, which also keep it apart from the address.
fn check_password(checks: &mut Checks, password: &str, email: &str) {
    checks.field(
        "password",
        password_rules::check(password, email).map_err(|problem| problem.key()),
    );
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub email: String,
}

impl ForgotForm {
    /// The address a reset link is asked for.
    pub fn validate(&self) -> Result<String, FormErrors> {
        let mut checks = Checks::default();
        let email = checks.field("email", forms::email(&self.email));
        checks.finish(|| email)
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub password: String,
    /// Asked with an account's first password only.
    #[serde(default)]
    pub display_name: Option<String>,
}

impl PasswordForm {
    /// The display name to save with the password: asked (and required) only when `first_name`
    /// is given, the account's first password, which then starts as the name shown.
    pub fn validate(
        &self,
        email: &str,
        first_name: Option<&str>,
    ) -> Result<Option<String>, FormErrors> {
        let mut checks = Checks::default();
        let name = first_name.map(|current| {
            let typed = self.display_name.as_deref().unwrap_or(current);
            checks.field("display_name", forms::single_line(typed, NAME_MAX))
        });
        check_password(&mut checks, &self.password, email);
        checks.finish(|| match name {
            Some(name) => name.map(Some),
            None => Some(None),
        })
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
}

impl AcceptForm {
    /// The display name of the account an invitation to `email` creates.
    pub fn validate(&self, email: &str) -> Result<String, FormErrors> {
        let mut checks = Checks::default();
        let name = checks.field(
            "display_name",
            forms::single_line(&self.display_name, NAME_MAX),
        );
        check_password(&mut checks, &self.password, email);
        checks.finish(|| name)
    }
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub notify_mode: String,
}

pub struct ProfileFields {
    pub display_name: String,
    pub locale: &'static str,
    pub notify_mode: NotifyMode,
}

impl ProfileForm {
    /// `None` when a choice holds a value no page offers (a forged form): not the person's
    /// mistake to correct, so it is refused as a bad request instead of named on the form.
    pub fn choices_offered(&self) -> Option<NotifyMode> {
        NotifyMode::from_form(&self.notify_mode)
    }

    pub fn validate(&self, notify_mode: NotifyMode) -> Result<ProfileFields, FormErrors> {
        let mut checks = Checks::default();
        let display_name = checks.field(
            "display_name",
            forms::single_line(&self.display_name, NAME_MAX),
        );
        checks.finish(|| {
            Some(ProfileFields {
                display_name: display_name?,
                locale: templates::i18n::supported(&self.locale),
                notify_mode,
            })
        })
    }
}

#[derive(Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub password: String,
}

impl ChangePasswordForm {
    /// `current_matches`: whether the current password was right (checked against its hash).
    pub fn validate(&self, email: &str, current_matches: bool) -> Result<(), FormErrors> {
        let mut checks = Checks::default();
        if !current_matches {
            checks.add("current_password", "profile.wrong_password");
        }
        check_password(&mut checks, &self.password, email);
        checks.finish(|| Some(()))
    }
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
}

/// The first administrator's address and name.
pub struct FirstAdmin {
    pub email: String,
    pub display_name: String,
}

impl SetupForm {
    pub fn validate(&self) -> Result<FirstAdmin, FormErrors> {
        let mut checks = Checks::default();
        let email = checks.field("email", forms::email(&self.email));
        let display_name = checks.field(
            "display_name",
            forms::single_line(&self.display_name, NAME_MAX),
        );
        check_password(&mut checks, &self.password, &self.email);
        checks.finish(|| {
            Some(FirstAdmin {
                email: email?,
                display_name: display_name?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_a_form_is_named_at_once() {
        let form = SetupForm {
            email: "not an address".into(),
            display_name: " \u{7} ".into(),
            password: "short".into(),
        };
        let errors = form.validate().err().expect("refused");
        let fields: Vec<_> = errors.problems().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["email", "display_name", "password"]);
    }

    #[test]
    fn a_first_password_needs_a_name_and_a_later_one_does_not() {
        let form = PasswordForm {
            password: "a long enough passphrase 42".into(),
            display_name: Some("   ".into()),
        };
        let errors = form
            .validate("rita@example.org", Some("rita"))
            .expect_err("refused");
        assert_eq!(errors.get("display_name"), Some("form.required"));
        assert_eq!(form.validate("rita@example.org", None).ok(), Some(None));
        let named = PasswordForm {
            display_name: Some(" Rita Reviewer ".into()),
            ..form
        };
        assert_eq!(
            named.validate("rita@example.org", Some("rita")).ok(),
            Some(Some("Rita Reviewer".to_string()))
        );
    }

    #[test]
    fn a_wrong_current_password_and_a_weak_new_one_are_both_named() {
        let form = ChangePasswordForm {
            current_password: String::new(),
            password: "rita@example.org".into(),
        };
        let errors = form
            .validate("rita@example.org", false)
            .expect_err("refused");
        assert_eq!(
            errors.get("current_password"),
            Some("profile.wrong_password")
        );
        assert!(errors.get("password").is_some());
    }
}
