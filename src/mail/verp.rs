//! The return path of every message (VERP): `bounces+TOKEN@FORA_BOUNCE_DOMAIN`, where the
//! token names the recipient and the message it was sent, signed with the server secret, so
//! that a bounce names who it is about and nobody can make one about anyone else.
//!
//! A token is `{who}{id}-{what}-{mac}`: `s` a subscriber or `m` a member (`x0` when the
//! address belongs to neither, as an invitation to a newcomer), `e` and an edition's number or
//! `k` and the kind of a queued message, then 80 bits of HMAC-SHA256 in hex. All lowercase
//! letters and digits, because mail systems may change the case of a local part; at most 44
//! characters, so the whole local part stays within the 64 that RFC 5321 allows.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::secret::ServerSecret;

/// The local part before the `+` of a return path.
pub const BOUNCES: &str = "bounces";
/// Bytes of HMAC kept in a token: 80 bits, 2^80 guesses for one forgery.
const MAC_BYTES: usize = 10;
const LABEL: &[u8] = b"fora/bounce/v1\0";

/// Who a message was sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    Subscriber(i32),
    Member(i32),
    /// An address that is neither (yet): its bounces are read and change nothing.
    Newcomer,
}

/// Which message it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    Edition(i32),
    /// A message of the mail queue, by its kind's number (`queue::Kind::code`).
    Queued(u8),
}

/// What a token says: a message and its recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    pub recipient: Recipient,
    pub sent: Sent,
}

/// Addresses `{local}+{token}@{domain}` whose tokens are signed: `{body}-{mac}`, the mac 80
/// bits of HMAC-SHA256 over a label naming the kind of address and the body, in lowercase
/// hex. Shared by the return paths here and the reply addresses (`super::reply_address`),
/// each with its label, so that a token of one kind is never good for the other.
#[derive(Clone)]
pub(crate) struct SignedMailbox {
    local: &'static str,
    domain: String,
    label: &'static [u8],
    key: Hmac<Sha256>,
}

impl std::fmt::Debug for SignedMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}+…@{}", self.local, self.domain)
    }
}

impl SignedMailbox {
    pub(crate) fn new(
        local: &'static str,
        label: &'static [u8],
        domain: &str,
        secret: &ServerSecret,
    ) -> SignedMailbox {
        SignedMailbox {
            local,
            domain: domain.to_ascii_lowercase(),
            label,
            key: Hmac::<Sha256>::new_from_slice(secret.bytes()).expect("HMAC takes any key"),
        }
    }

    pub(crate) fn domain(&self) -> &str {
        &self.domain
    }

    /// The address whose token is `body`, signed.
    pub(crate) fn address(&self, body: &str) -> String {
        format!(
            "{}+{body}-{}@{}",
            self.local,
            hex::encode(self.mac(body)),
            self.domain
        )
    }

    fn mac(&self, body: &str) -> [u8; MAC_BYTES] {
        let mut mac = self.key.clone();
        mac.update(self.label);
        mac.update(body.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut short = [0u8; MAC_BYTES];
        short.copy_from_slice(&full[..MAC_BYTES]);
        short
    }

    /// The body of a token (what follows the `+`) signed with this key, in lower case
    /// whatever the case it came in; `None` when it was not signed with this key, or altered.
    pub(crate) fn verify(&self, token: &str) -> Option<String> {
        let token = token.to_ascii_lowercase();
        let (body, mac) = token.rsplit_once('-')?;
        let mac = hex::decode(mac).ok().filter(|m| m.len() == MAC_BYTES)?;
        let expected = self.mac(body);
        bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &mac[..])).then(|| body.to_string())
    }
}

/// A number as the tokens write it: digits only, no sign, no leading zeros but "0" itself, so
/// that each number has one spelling and a signature covers exactly one.
pub(crate) fn token_number(text: &str) -> Option<i32> {
    let canonical = text.bytes().all(|b| b.is_ascii_digit())
        && !text.is_empty()
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// The bounce domain and the key its tokens are signed with, made once at start-up.
#[derive(Clone, Debug)]
pub struct ReturnPath(SignedMailbox);

impl ReturnPath {
    pub fn new(domain: &str, secret: &ServerSecret) -> ReturnPath {
        ReturnPath(SignedMailbox::new(BOUNCES, LABEL, domain, secret))
    }

    pub fn domain(&self) -> &str {
        self.0.domain()
    }

    /// The envelope sender for a message with this tag.
    pub fn address(&self, tag: Tag) -> String {
        self.0.address(&body(tag))
    }

    /// The tag of a token (what follows `bounces+`), in any case; `None` when it was not made
    /// with this key, or altered.
    pub fn verify(&self, token: &str) -> Option<Tag> {
        parse_body(&self.0.verify(token)?)
    }
}

fn body(tag: Tag) -> String {
    let who = match tag.recipient {
        Recipient::Subscriber(id) => format!("s{id}"),
        Recipient::Member(id) => format!("m{id}"),
        Recipient::Newcomer => "x0".to_string(),
    };
    let what = match tag.sent {
        Sent::Edition(id) => format!("e{id}"),
        Sent::Queued(kind) => format!("k{kind}"),
    };
    format!("{who}-{what}")
}

fn parse_body(body: &str) -> Option<Tag> {
    let (who, what) = body.split_once('-')?;
    let number = token_number;
    let recipient = match who.split_at_checked(1)? {
        ("s", id) => Recipient::Subscriber(number(id)?),
        ("m", id) => Recipient::Member(number(id)?),
        ("x", "0") => Recipient::Newcomer,
        _ => return None,
    };
    let sent = match what.split_at_checked(1)? {
        ("e", id) => Sent::Edition(number(id)?),
        ("k", kind) => Sent::Queued(u8::try_from(number(kind)?).ok()?),
        _ => return None,
    };
    Some(Tag { recipient, sent })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> ReturnPath {
        ReturnPath::new("Bounce.Example.org", &ServerSecret::for_tests(7))
    }

    #[test]
    fn a_token_names_its_recipient_and_message_and_fits_a_local_part() {
        let path = path();
        let widest = Tag {
            recipient: Recipient::Subscriber(i32::MAX),
            sent: Sent::Edition(i32::MAX),
        };
        for tag in [
            widest,
            Tag {
                recipient: Recipient::Member(12),
                sent: Sent::Queued(3),
            },
            Tag {
                recipient: Recipient::Newcomer,
                sent: Sent::Queued(0),
            },
        ] {
            let address = path.address(tag);
            let (local, domain) = address.split_once('@').expect("an address");
            assert_eq!(domain, "bounce.example.org");
            assert!(local.len() <= 64, "{local}");
            assert_eq!(local, local.to_ascii_lowercase());
            let token = local.strip_prefix("bounces+").expect("the prefix");
            assert_eq!(path.verify(token), Some(tag));
            assert_eq!(path.verify(&token.to_ascii_uppercase()), Some(tag));
        }
    }

    #[test]
    fn altered_or_foreign_tokens_are_refused() {
        let path = path();
        let tag = Tag {
            recipient: Recipient::Subscriber(41),
            sent: Sent::Edition(3),
        };
        let address = path.address(tag);
        let token = address
            .strip_prefix("bounces+")
            .and_then(|rest| rest.split('@').next())
            .expect("a token");
        let other_key = ReturnPath::new("bounce.example.org", &ServerSecret::for_tests(8));
        assert_eq!(other_key.verify(token), None);
        let swapped = token.replacen("s41", "s42", 1);
        assert_eq!(path.verify(&swapped), None);
        let padded = token.replacen("s41", "s041", 1);
        assert_eq!(path.verify(&padded), None);
        for junk in ["", "-", "s1-e1-", "s1-e1-zz", "s1-e1", "é-é-é"] {
            assert_eq!(path.verify(junk), None, "{junk:?}");
        }
    }
}
