//! What a new password must be: 10 to 256 characters, not one of the most common passwords,
//! and not built on the account's email address. Every place that sets a password asks here.
//!
//! The list is Django's `common-passwords.txt` (20,000 passwords from breach corpora, compiled
//! by Royce Williams; lower-cased; BSD licence), shipped in `data/common-passwords.txt`.

use std::{collections::HashSet, sync::LazyLock};

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 256;
/// A local part shorter than this (`jo@…`) is too common a string to forbid inside passwords.
const MIN_LOCAL_PART: usize = 3;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    TooShort,
    TooLong,
    Common,
    ContainsEmail,
}

impl Problem {
    /// The translation key of the message shown beside the field.
    pub fn key(self) -> &'static str {
        match self {
            Problem::TooShort => "form.password_short",
            Problem::TooLong => "form.too_long",
            Problem::Common => "form.password_common",
            Problem::ContainsEmail => "form.password_email",
        }
    }
}

/// Checks a new password for the account with `email`.
pub fn check(password: &str, email: &str) -> Result<(), Problem> {
    let count = password.chars().count();
    if count < MIN_CHARS {
        return Err(Problem::TooShort);
    }
    if count > MAX_CHARS {
        return Err(Problem::TooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(lowered.trim()) {
        return Err(Problem::Common);
    }
    let email = email.trim().to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default();
    if lowered == email
        || (local_part.chars().count() >= MIN_LOCAL_PART && lowered.contains(local_part))
    {
        return Err(Problem::ContainsEmail);
    }
    Ok(())
}

/// Loads the list ahead of the first request.
pub fn warm_up() {
    LazyLock::force(&COMMON);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_common_passwords_whatever_their_case() {
        assert!(COMMON.len() > 19_000);
        for common in ["1234567890", "qwertyuiop", "Password123", "QWERTYUIOP"] {
            assert_eq!(
                check(common, "x@example.org"),
                Err(Problem::Common),
                "{common}"
            );
        }
    }

    #[test]
    fn refuses_passwords_built_on_the_email() {
        let email = "Amina.Diallo@example.org";
        assert_eq!(
            check("amina.diallo@example.org", email),
            Err(Problem::ContainsEmail)
        );
        assert_eq!(
            check("my AMINA.DIALLO password", email),
            Err(Problem::ContainsEmail)
        );
        // A short local part is not a rule: "jo" is in too many good passwords.
        assert_eq!(check("jogging in the rain", "jo@example.org"), Ok(()));
        assert_eq!(
            check("jo@example.org", "jo@example.org"),
            Err(Problem::ContainsEmail)
        );
    }

    #[test]
    fn length_limits_count_characters() {
        assert_eq!(check("short", "x@example.org"), Err(Problem::TooShort));
        assert_eq!(check("ééééééééé", "x@example.org"), Err(Problem::TooShort));
        assert_eq!(
            check(&"a b".repeat(90), "x@example.org"),
            Err(Problem::TooLong)
        );
        assert_eq!(check("correct horse battery", "x@example.org"), Ok(()));
    }
}
