//! argon2id hashing with OWASP's parameters, off the async threads and bounded: each hash takes
//! 19 MiB and a core for a while, so at most `FORA_PASSWORD_HASHING` run at once and the others
//! wait their turn for at most `FORA_PASSWORD_WAIT`. A flood of sign-ins then costs a queue,
//! not memory, and a request that waited too long gets "busy, try again" instead of hanging.

use std::{
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng},
};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::{config::PasswordHashing, web::AppError};

fn hasher() -> Argon2<'static> {
    // OWASP: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when the account does not exist, so that answers take as long either way.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_with("not a real password", &mut Vec::new()));

/// One argon2 computation in `memory`, a buffer kept from one computation to the next: each
/// slot allocates its 19 MiB once, instead of every hash asking the allocator (which, with
/// one arena per thread, keeps hundreds of MiB after a flood).
fn compute(
    argon: &Argon2,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> Result<(), argon2::Error> {
    let needed = argon.params().block_count();
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    argon.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..needed])
}

fn hash_with(password: &str, memory: &mut Vec<Block>) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let argon = hasher();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .expect("a generated salt decodes");
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        compute(&argon, password, salt_bytes, out, memory).map_err(Into::into)
    })
    .expect("argon2 hashing with valid parameters cannot fail");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).expect("constant parameters encode"),
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string()
}

/// Whether `password` gives the stored PHC string (any argon2 variant and parameters).
fn matches(password: &str, stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let Ok(actual) = Output::init_with(expected.len(), |out| {
        compute(&argon, password, salt_bytes, out, memory).map_err(Into::into)
    }) else {
        return false;
    };
    actual.as_bytes().ct_eq(expected.as_bytes()).into()
}

fn verify_with(password: &str, stored: Option<&str>, memory: &mut Vec<Block>) -> bool {
    let real = stored.is_some();
    matches(password, stored.unwrap_or(DUMMY_HASH.as_str()), memory) && real
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
/// the CLI and the tests, each with its own argon2 memory.
#[derive(Clone)]
pub struct Hashing {
    slots: Arc<Semaphore>,
    /// Spare argon2 memory: never more buffers than slots, since only a slot holder takes one.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    wait: Duration,
}

impl Hashing {
    pub fn new(settings: &PasswordHashing) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            memory: Arc::new(Mutex::new(Vec::new())),
            wait: settings.wait,
        }
    }

    /// Runs `work` on a blocking thread, with a slot's memory, once a slot is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        let slot = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| HashingError::Busy)?
            .expect("the hashing semaphore is never closed");
        let spare = self.memory.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut memory = spare
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop()
                .unwrap_or_default();
            let result = work(&mut memory);
            spare.lock().unwrap_or_else(|e| e.into_inner()).push(memory);
            drop(slot);
            result
        })
        .await?;
        Ok(result)
    }

    pub async fn hash(&self, password: String) -> Result<String, HashingError> {
        self.run(move |memory| hash_with(&password, memory)).await
    }

    /// Checks a password against a stored hash, or against a dummy one when there is none, so
    /// that known and unknown accounts cost the same.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashingError> {
        self.run(move |memory| verify_with(&password, stored.as_deref(), memory))
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

impl From<HashingError> for AppError {
    fn from(err: HashingError) -> Self {
        match err {
            HashingError::Busy => AppError::Busy,
            HashingError::Failed(err) => AppError::internal(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    /// Hashes made here verify with the argon2 crate's own code and the other way round, so
    /// stored hashes from before the reusable memory keep working.
    #[test]
    fn hashes_match_the_argon2_crate_both_ways() {
        let mut memory = Vec::new();
        let ours = hash_with("correct horse battery", &mut memory);
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            hasher()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(
            hasher()
                .verify_password(b"wrong horse battery", &parsed)
                .is_err()
        );
        let theirs = hasher()
            .hash_password(b"correct horse battery", &SaltString::generate(&mut OsRng))
            .expect("hash")
            .to_string();
        assert!(matches("correct horse battery", &theirs, &mut memory));
        assert!(!matches("wrong horse battery", &theirs, &mut memory));
        assert!(!matches("anything", "not a hash", &mut memory));
        assert!(!verify_with("not a real password", None, &mut memory));
    }
}
