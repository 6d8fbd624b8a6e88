//! Tokens in links that work without signing in and that are written into mail when the mail
//! is sent: unsubscribe from and manage a newsletter subscription, stop following a thread.
//!
//! A token is the row's id and an HMAC-SHA256 of it, keyed by the server secret (`secret.rs`)
//! and bound to a purpose and to a per-row salt: base64url(id ‖ mac), 48 characters. The
//! database stores only the salt, which is no link by itself: reading the database (a backup,
//! an SQL injection elsewhere, a leaked dump) gives nobody a working link. A new salt for a row
//! invalidates every link made for it before.
//!
//! Why not store a hash of a random token, as password and invitation links do: those are
//! mailed once, at the moment they are made, so the plain token exists only in that mail.
//! These links go into every newsletter and every reply notification, built by the sender
//! long after the row was written, so the sender must be able to make the token again from
//! what it has — the row and the secret.
//!
//! Links mailed before these tokens carried 43-character random tokens; their rows keep the
//! SHA-256 (hex) of that token as their salt (migration `m20261201_000030_link_salts`), so an
//! old link is found by its digest until the row gets a new salt.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PrimaryKeyTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::{
    entities::{follows, subscribers},
    secret::ServerSecret,
};

const ID_BYTES: usize = 4;
const MAC_BYTES: usize = 32;
/// Characters of a token: base64url of 36 bytes, unpadded.
pub const TOKEN_CHARS: usize = (ID_BYTES + MAC_BYTES).div_ceil(3) * 4;
/// Characters of a token mailed before: base64url of 32 random bytes, unpadded.
pub const LEGACY_TOKEN_CHARS: usize = 43;

/// What a token lets its bearer do; a token made for one purpose is refused for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Unsubscribe from the newsletter, or change its themes and frequency.
    Newsletter,
    /// Stop following a thread.
    StopFollowing,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Newsletter => b"fora/newsletter/v1\0",
            Purpose::StopFollowing => b"fora/stop-following/v1\0",
        }
    }
}

/// A new salt for a row: 256 random bits, as hex (the same shape as a legacy row's digest).
pub fn new_salt() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The salt a row keeps for a link mailed before these tokens: the old token's SHA-256.
pub fn legacy_salt(old_token: &str) -> String {
    hex::encode(Sha256::digest(old_token.as_bytes()))
}

fn mac(secret: &ServerSecret, purpose: Purpose, id: i32, salt: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.bytes()).expect("HMAC takes keys of any length");
    mac.update(purpose.label());
    mac.update(&id.to_be_bytes());
    mac.update(salt.as_bytes());
    mac
}

/// The token for a row.
pub fn issue(secret: &ServerSecret, purpose: Purpose, id: i32, salt: &str) -> String {
    let mut bytes = Vec::with_capacity(ID_BYTES + MAC_BYTES);
    bytes.extend_from_slice(&id.to_be_bytes());
    bytes.extend_from_slice(&mac(secret, purpose, id, salt).finalize().into_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token as it arrives in a URL.
#[derive(Debug)]
enum Parsed {
    Signed {
        id: i32,
        mac: Vec<u8>,
    },
    /// A token mailed before, found by its digest.
    Legacy {
        digest: String,
    },
}

fn is_base64url(token: &str) -> bool {
    token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Anything that could not have been issued is refused here, before the database.
fn parse(token: &str) -> Option<Parsed> {
    if !is_base64url(token) {
        return None;
    }
    match token.len() {
        TOKEN_CHARS => {
            let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
            let (id, mac) = bytes.split_at_checked(ID_BYTES)?;
            Some(Parsed::Signed {
                id: i32::from_be_bytes(id.try_into().ok()?),
                mac: mac.to_vec(),
            })
        }
        LEGACY_TOKEN_CHARS => Some(Parsed::Legacy {
            digest: legacy_salt(token),
        }),
        _ => None,
    }
}

/// A row that links in mail can point at.
pub trait Salted {
    fn link_salt(&self) -> &str;
}

impl Salted for subscribers::Model {
    fn link_salt(&self) -> &str {
        &self.link_salt
    }
}

impl Salted for follows::Model {
    fn link_salt(&self) -> &str {
        &self.link_salt
    }
}

/// The row of `E` a token was issued for, if the token is genuine and meant for `purpose`;
/// `None` for a malformed, tampered, outdated, unknown or foreign token alike. `salt` is
/// `E`'s salt column. The MAC is compared in constant time.
pub async fn find<E>(
    db: &impl ConnectionTrait,
    secret: &ServerSecret,
    purpose: Purpose,
    salt: E::Column,
    token: &str,
) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Salted,
    i32: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    match parse(token) {
        None => Ok(None),
        Some(Parsed::Legacy { digest }) => E::find().filter(salt.eq(digest)).one(db).await,
        Some(Parsed::Signed { id, mac: given }) => {
            if id <= 0 {
                return Ok(None);
            }
            let Some(row) = E::find_by_id(id).one(db).await? else {
                return Ok(None);
            };
            let genuine = mac(secret, purpose, id, row.link_salt())
                .verify_slice(&given)
                .is_ok();
            Ok(genuine.then_some(row))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_key_purpose_row_and_salt() {
        let secret = ServerSecret::for_tests(1);
        let token = issue(&secret, Purpose::Newsletter, 42, "salt");
        assert_eq!(token.len(), TOKEN_CHARS);
        let Some(Parsed::Signed { id, mac: given }) = parse(&token) else {
            panic!("a signed token");
        };
        assert_eq!(id, 42);
        let checks = |secret: &ServerSecret, purpose, id, salt| {
            mac(secret, purpose, id, salt).verify_slice(&given).is_ok()
        };
        assert!(checks(&secret, Purpose::Newsletter, 42, "salt"));
        assert!(!checks(
            &ServerSecret::for_tests(2),
            Purpose::Newsletter,
            42,
            "salt"
        ));
        assert!(!checks(&secret, Purpose::StopFollowing, 42, "salt"));
        assert!(!checks(&secret, Purpose::Newsletter, 43, "salt"));
        assert!(!checks(&secret, Purpose::Newsletter, 42, "other"));
    }

    #[test]
    fn hmac_is_rfc_4231() {
        // RFC 4231, test case 2.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn malformed_tokens_parse_to_nothing() {
        for token in [
            "",
            "abc",
            &"!".repeat(TOKEN_CHARS),
            &"a".repeat(44),
            &"a".repeat(TOKEN_CHARS + 1),
            &"a".repeat(10_000),
            &format!("{}=", "a".repeat(TOKEN_CHARS - 1)),
            &format!("{}+", "a".repeat(LEGACY_TOKEN_CHARS - 1)),
            &"é".repeat(TOKEN_CHARS / 2),
        ] {
            assert!(parse(token).is_none(), "{token:?}");
        }
        assert!(matches!(
            parse(&"A".repeat(LEGACY_TOKEN_CHARS)),
            Some(Parsed::Legacy { .. })
        ));
    }

    #[test]
    fn salts_are_new_each_time_and_legacy_salts_are_digests() {
        assert_ne!(new_salt(), new_salt());
        assert_eq!(new_salt().len(), 64);
        assert_eq!(
            legacy_salt("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
