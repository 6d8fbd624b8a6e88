//! argon2id hashing with OWASP's parameters, off the async threads and bounded: each hash takes
//! 19 MiB and a core for a while, so at most `FORA_PASSWORD_HASHING` run at once and the others
//! wait their turn for at most `FORA_PASSWORD_WAIT`. A flood of sign-ins then costs a queue,
//! not memory, and a request that waited too long gets "busy, try again" instead of hanging.

use std::{
    sync::{Arc, LazyLock},
    time::Duration,
};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

use crate::config::PasswordHashing;

fn hasher() -> Argon2<'static> {
    // OWASP: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when the account does not exist, so that answers take as long either way.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_blocking("not a real password"));

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with valid parameters cannot fail")
        .to_string()
}

fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let real = stored.is_some();
    let stored = stored.unwrap_or(DUMMY_HASH.as_str());
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && real
}

#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// Every hashing slot stayed taken for the whole allowed wait.
    #[error("password hashing is busy")]
    Busy,
    #[error(transparent)]
    Failed(#[from] tokio::task::JoinError),
}

/// The one way to hash or check a password: a fixed number of slots shared by every request,
/// the CLI and the tests.
#[derive(Clone)]
pub struct Hashing {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Hashing {
    pub fn new(settings: &PasswordHashing) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            wait: settings.wait,
        }
    }

    /// Runs `work` on a blocking thread once a slot is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        let slot = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| HashingError::Busy)?
            .expect("the hashing semaphore is never closed");
        let result = tokio::task::spawn_blocking(move || {
            let result = work();
            drop(slot);
            result
        })
        .await?;
        Ok(result)
    }

    pub async fn hash(&self, password: String) -> Result<String, HashingError> {
        self.run(move || hash_blocking(&password)).await
    }

    /// Checks a password against a stored hash, or against a dummy one when there is none, so
    /// that known and unknown accounts cost the same.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashingError> {
        self.run(move || verify_blocking(&password, stored.as_deref()))
            .await
    }
}

impl Default for Hashing {
    fn default() -> Self {
        Self::new(&PasswordHashing::default())
    }
}

/// Computes the dummy hash ahead of the first request.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}
