//! The address a member answers a notification at: `reply+TOKEN@FORA_REPLY_DOMAIN`, where the
//! token names the member and the thread, signed with the server secret (like the return
//! paths of [`super::verp`], under a label of its own), so that a reply names who wrote it and
//! where, and nobody can make an address for anyone else or for another thread.
//!
//! A token is `m{member}-t{thread}-{mac}`, 80 bits of HMAC-SHA256 in hex: lowercase letters and
//! digits, read in any case (mail systems may change the case of a local part), at most 44
//! characters, so `reply+` and the token stay within the 64 that RFC 5321 allows.

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
        self.0
            .address(&format!("m{}-t{}", tag.member_id, tag.thread_id))
    }

    /// What a token (what follows `reply+`) says, in any case; `None` when it was not made
    /// with this key, or altered.
    pub fn verify(&self, token: &str) -> Option<ReplyTag> {
        let body = self.0.verify(token)?;
        let (member, thread) = body.split_once('-')?;
        Some(ReplyTag {
            member_id: token_number(member.strip_prefix('m')?)?,
            thread_id: token_number(thread.strip_prefix('t')?)?,
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
            },
            ReplyTag {
                member_id: 3,
                thread_id: 0,
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
}
