//! Login and reset attempts, limited per account and per client address (governor's GCRA).

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimits;

pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginLimiter {
    pub fn new(limits: &RateLimits) -> Self {
        let account_burst = NonZeroU32::new(limits.per_account.max(1)).unwrap_or(NonZeroU32::MIN);
        let address_burst = NonZeroU32::new(limits.per_address.max(1)).unwrap_or(NonZeroU32::MIN);
        let account_quota = Quota::with_period(Duration::from_secs(15 * 60) / account_burst.get())
            .expect("non-zero period")
            .allow_burst(account_burst);
        let address_quota = Quota::with_period(Duration::from_secs(60) / address_burst.get())
            .expect("non-zero period")
            .allow_burst(address_burst);
        Self {
            per_account: RateLimiter::keyed(account_quota),
            per_address: RateLimiter::keyed(address_quota),
        }
    }

    /// One attempt for this account from this address; false once either is over its limit.
    pub fn check(&self, account: &str, address: IpAddr) -> bool {
        let address_ok = self.per_address.check_key(&address).is_ok();
        let account_ok = self.per_account.check_key(&account.to_lowercase()).is_ok();
        address_ok && account_ok
    }

    pub fn forget_stale(&self) {
        self.per_account.retain_recent();
        self.per_address.retain_recent();
    }
}
