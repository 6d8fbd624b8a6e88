//! Limits on sign-in attempts and on requests that send mail, all in this process's memory.
//!
//! Sign-in attempts are limited per client address (governor's GCRA) and, to slow down password
//! guessing, per (account, client address) pair with a growing delay instead of a lock: after
//! `FORA_RATE_PER_ACCOUNT` attempts without success from one address, each further attempt from
//! that address must come 1 s, 2 s, 4 s, … (at most `MAX_SIGN_IN_DELAY`) after the previous
//! one. Guesses from one address stay slow, while the owner at any other address is never
//! stopped, and password reset never depends on sign-in attempts at all.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::{config::RateLimits, web::AppError};

/// The longest a client waits between two sign-in attempts to one account.
pub const MAX_SIGN_IN_DELAY: Duration = Duration::from_secs(15 * 60);
/// A pair with no attempt for this long starts afresh.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

pub struct LoginLimiter {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    mail_requests_per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_recipient: DefaultKeyedRateLimiter<String>,
    attempts: Mutex<HashMap<(String, IpAddr), Attempts>>,
    free_attempts: u32,
}

/// Attempts from one address at one account since its last successful sign-in.
#[derive(Clone, Copy)]
struct Attempts {
    count: u32,
    last: Instant,
}

impl Attempts {
    /// How long after the last attempt the next one may come.
    fn delay(self, free_attempts: u32) -> Duration {
        match self.count.checked_sub(free_attempts) {
            None => Duration::ZERO,
            Some(over) => Duration::from_secs(1u64 << over.min(20)).min(MAX_SIGN_IN_DELAY),
        }
    }
}

/// Not now: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait(pub Duration);

impl Wait {
    pub fn seconds(self) -> u64 {
        self.0.as_secs_f64().ceil() as u64
    }
}

fn per_window(count: u32, window: Duration) -> Quota {
    let burst = NonZeroU32::new(count.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(window / burst.get())
        .expect("non-zero period")
        .allow_burst(burst)
}

const MINUTE: Duration = Duration::from_secs(60);

impl LoginLimiter {
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            per_address: RateLimiter::keyed(per_window(limits.per_address, MINUTE)),
            mail_requests_per_address: RateLimiter::keyed(per_window(limits.per_address, MINUTE)),
            per_recipient: RateLimiter::keyed(per_window(limits.per_account, 15 * MINUTE)),
            attempts: Mutex::new(HashMap::new()),
            free_attempts: limits.per_account.max(1),
        }
    }

    /// One sign-in attempt (or check of the current password) at `account` from `address`.
    /// Counts as a failure until [`LoginLimiter::succeeded`] says otherwise, so that attempts
    /// sent all at once are counted before any of them is answered.
    pub fn attempt(&self, account: &str, address: IpAddr) -> Result<(), Wait> {
        if self.per_address.check_key(&address).is_err() {
            return Err(Wait(MINUTE));
        }
        let now = Instant::now();
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let entry = attempts
            .entry((account.to_lowercase(), address))
            .or_insert(Attempts {
                count: 0,
                last: now,
            });
        let allowed_at = entry.last + entry.delay(self.free_attempts);
        if entry.count > 0 && now < allowed_at {
            return Err(Wait(allowed_at - now));
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        Ok(())
    }

    /// The attempt was right: this pair starts afresh.
    pub fn succeeded(&self, account: &str, address: IpAddr) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        attempts.remove(&(account.to_lowercase(), address));
    }

    /// A request that sends mail (password reset, newsletter confirmation) from `address`.
    pub fn mail_request(&self, address: IpAddr) -> bool {
        self.mail_requests_per_address.check_key(&address).is_ok()
    }

    /// A newsletter confirmation request for one email address, whoever asks.
    pub fn newsletter_request(&self, email: &str) -> bool {
        self.per_recipient.check_key(&email.to_lowercase()).is_ok()
    }

    pub fn forget_stale(&self) {
        self.per_address.retain_recent();
        self.mail_requests_per_address.retain_recent();
        self.per_recipient.retain_recent();
        let now = Instant::now();
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        attempts.retain(|_, a| now.duration_since(a.last) < FORGET_AFTER.max(MAX_SIGN_IN_DELAY));
    }
}

impl From<Wait> for AppError {
    fn from(wait: Wait) -> Self {
        AppError::TooManyRequests {
            retry_after: wait.seconds(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_account: u32) -> LoginLimiter {
        LoginLimiter::new(&RateLimits {
            per_account,
            per_address: 1000,
        })
    }

    #[test]
    fn delay_grows_after_the_free_attempts_and_is_capped() {
        let a = |count| Attempts {
            count,
            last: Instant::now(),
        };
        assert_eq!(a(2).delay(3), Duration::ZERO);
        assert_eq!(a(3).delay(3), Duration::from_secs(1));
        assert_eq!(a(4).delay(3), Duration::from_secs(2));
        assert_eq!(a(8).delay(3), Duration::from_secs(32));
        assert_eq!(a(40).delay(3), MAX_SIGN_IN_DELAY);
        assert_eq!(a(u32::MAX).delay(3), MAX_SIGN_IN_DELAY);
    }

    #[test]
    fn only_the_guessing_pair_waits() {
        let limiter = limiter(2);
        let guesser: IpAddr = "192.0.2.1".parse().unwrap();
        let owner: IpAddr = "198.51.100.7".parse().unwrap();
        assert!(limiter.attempt("a@example.org", guesser).is_ok());
        assert!(limiter.attempt("A@example.org", guesser).is_ok());
        let wait = limiter.attempt("a@example.org", guesser).unwrap_err();
        assert!(wait.0 <= Duration::from_secs(1) && wait.seconds() == 1);
        assert!(limiter.attempt("a@example.org", owner).is_ok());
        assert!(limiter.attempt("b@example.org", guesser).is_ok());
        limiter.succeeded("a@example.org", owner);
        limiter.succeeded("a@example.org", guesser);
        assert!(limiter.attempt("a@example.org", guesser).is_ok());
    }
}
