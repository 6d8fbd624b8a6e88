//! The address a member answers a notification at: `reply+TOKEN@FORA_REPLY_DOMAIN`, where the
//! token names the member and the thread, signed with the server secret (like the return
//! paths of [`super::verp`], under a label of its own), so that a reply names who wrote it and
//! where, and nobody can make an address for anyone else or for another thread.
//!
//! A token is `m{member}-t{thread}-{mac}`, or `m{member}-t{thread}-g{generation}-{mac}` once
//! the member has revoked their earlier addresses, with 80 bits of HMAC-SHA256 in hex: lowercase
//! letters and digits, read in any case (mail systems may change the case of a local part), at
//! most 55 characters, so `reply+` and the token stay within the 64 that RFC 5321 allows.
//!
//! The generation is the member's `users.reply_generation` when the address was made. It is
//! signed with the rest, so nobody can move an old address on to the current number; the
//! profile's "Stop replies from older emails" moves the member's number on, and an address
//! with an earlier one is then refused (`forums::by_mail`). Generation 0, every account's
//! first, is written without its `-g` part: the addresses mailed before generations existed
//! are the same text and keep working until the member revokes them.

use super::verp::{SignedMailbox, token_number};
use crate::secret::ServerSecret;

/// The local part before the `+` of a reply address.
pub const REPLY: &str = "reply";
const LABEL: &[u8] = b"fora/reply/v1\0";

/// Who may answer where: what a reply token says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyTag {
    pub member_id: i32,
    pub thread_id: i32,
    /// The member's reply generation the address was made with.
    pub generation: i32,
}

/// The reply domain and the key of its tokens, made once at start-up.
#[derive(Clone, Debug)]
pub struct ReplyAddress(SignedMailbox);

impl ReplyAddress {
    pub fn new(domain: &str, secret: &ServerSecret) -> ReplyAddress {
        ReplyAddress(SignedMailbox::new(REPLY, LABEL, domain, secret))
    }

    pub fn domain(&self) -> &str {
        self.0.domain()
    }

    /// The `Reply-To` of a notification about `tag.thread_id` sent to `tag.member_id`.
    pub fn address(&self, tag: ReplyTag) -> String {
        let body = match tag.generation {
            0 => format!("m{}-t{}", tag.member_id, tag.thread_id),
            generation => format!("m{}-t{}-g{generation}", tag.member_id, tag.thread_id),
        };
        self.0.address(&body)
    }

    /// What a token (what follows `reply+`) says, in any case; `None` when it was not made
    /// with this key, or altered.
    pub fn verify(&self, token: &str) -> Option<ReplyTag> {
        let body = self.0.verify(token)?;
        let mut parts = body.split('-');
        let member = token_number(parts.next()?.strip_prefix('m')?)?;
        let thread = token_number(parts.next()?.strip_prefix('t')?)?;
        // Generation 0 has one spelling: none.
        let generation = match parts.next() {
            None => 0,
            Some(part) => Some(token_number(part.strip_prefix('g')?)?).filter(|g| *g > 0)?,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(ReplyTag {
            member_id: member,
            thread_id: thread,
            generation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses() -> ReplyAddress {
        ReplyAddress::new("Reply.Example.org", &ServerSecret::for_tests(7))
    }

    fn token(address: &str) -> &str {
        address
            .strip_prefix("reply+")
            .and_then(|rest| rest.split('@').next())
            .expect("a token")
    }

    #[test]
    fn a_token_names_member_and_thread_and_fits_a_local_part() {
        let addresses = addresses();
        for tag in [
            ReplyTag {
                member_id: i32::MAX,
                thread_id: i32::MAX,
                generation: i32::MAX,
            },
            ReplyTag {
                member_id: 3,
                thread_id: 0,
                generation: 0,
            },
            ReplyTag {
                member_id: 3,
                thread_id: 5,
                generation: 1,
            },
        ] {
            let address = addresses.address(tag);
            let (local, domain) = address.split_once('@').expect("an address");
            assert_eq!(domain, "reply.example.org");
            assert!(local.len() <= 64, "{local}");
            assert_eq!(local, local.to_ascii_lowercase());
            assert_eq!(addresses.verify(token(&address)), Some(tag));
            assert_eq!(
                addresses.verify(&token(&address).to_ascii_uppercase()),
                Some(tag)
            );
        }
    }

    #[test]
    fn altered_foreign_or_bounce_tokens_are_refused() {
        let addresses = addresses();
        let address = addresses.address(ReplyTag {
            member_id: 41,
            thread_id: 9,
            generation: 0,
        });
        let token = token(&address);
        let other_key = ReplyAddress::new("reply.example.org", &ServerSecret::for_tests(8));
        assert_eq!(other_key.verify(token), None);
        assert_eq!(addresses.verify(&token.replacen("m41", "m42", 1)), None);
        assert_eq!(addresses.verify(&token.replacen("t9", "t09", 1)), None);
        // A return path's token, signed with the same secret, is no reply token.
        let bounce =
            super::super::verp::ReturnPath::new("reply.example.org", &ServerSecret::for_tests(7))
                .address(super::super::verp::Tag {
                    recipient: super::super::verp::Recipient::Member(41),
                    sent: super::super::verp::Sent::Queued(9),
                });
        let bounce_token = bounce
            .strip_prefix("bounces+")
            .and_then(|rest| rest.split('@').next())
            .expect("a token");
        assert_eq!(addresses.verify(bounce_token), None);
        for junk in ["", "-", "m1-t1-", "m1-t1-zz", "m1-t1", "é-é-é"] {
            assert_eq!(addresses.verify(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn a_generation_is_signed_and_has_one_spelling() {
        let addresses = addresses();
        let tag = |generation| ReplyTag {
            member_id: 41,
            thread_id: 9,
            generation,
        };
        let first = addresses.address(tag(0));
        assert!(token(&first).starts_with("m41-t9-"), "{first}");
        assert!(!token(&first).contains("-g"), "{first}");
        let second = addresses.address(tag(2));
        assert!(token(&second).starts_with("m41-t9-g2-"), "{second}");
        assert_eq!(addresses.verify(token(&second)), Some(tag(2)));
        // Moving an old address on to a newer number breaks its signature.
        let (body, mac) = token(&second).rsplit_once('-').expect("a mac");
        for altered in [
            format!("{}-{mac}", body.replacen("g2", "g3", 1)),
            format!("{}-{mac}", body.replacen("-g2", "", 1)),
            format!(
                "{}-g3-{mac}",
                token(&first).rsplit_once('-').expect("a mac").0
            ),
        ] {
            assert_eq!(addresses.verify(&altered), None, "{altered}");
        }
        // Spellings that the signer never writes are refused even when signed.
        let signer = SignedMailbox::new(
            REPLY,
            LABEL,
            "reply.example.org",
            &ServerSecret::for_tests(7),
        );
        for body in [
            "m41-t9-g0",
            "m41-t9-g02",
            "m41-t9-g-1",
            "m41-t9-g1-g2",
            "m41-t9-x1",
            "m41-t9-g",
        ] {
            let address = signer.address(body);
            assert_eq!(addresses.verify(token(&address)), None, "{body}");
        }
    }
}
