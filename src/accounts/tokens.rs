//! Single-use secrets sent by email: 256 random bits, only their SHA-256 is stored.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token as it arrives in a URL: anything that could not have come from `generate` is
/// rejected before it reaches the database.
pub fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Why a token could not be used, each with its own page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Invalid,
    Used,
    Expired,
    /// Replaced by a newer link or withdrawn by whoever sent it.
    Withdrawn,
}

/// Where an emailed link (an invitation of any kind) stands, from its row's dates: `Ok` while
/// it may still be used, else why not, in the order a person should hear it.
pub fn standing(
    accepted_at: Option<time::OffsetDateTime>,
    withdrawn: bool,
    expires_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> Result<(), TokenProblem> {
    if accepted_at.is_some() {
        Err(TokenProblem::Used)
    } else if withdrawn {
        Err(TokenProblem::Withdrawn)
    } else if expires_at < now {
        Err(TokenProblem::Expired)
    } else {
        Ok(())
    }
}
