//! The server secret: the key that signs links in mail (unsubscribe, stop following), so the
//! database holds nothing that works as a link. Read from `FORA_SECRET_KEY_FILE`, or else
//! from `secret.key` in the data folder, created there (mode 0600) on first start. Every
//! instance of one deployment must read the same key; a new key breaks the links already sent.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use rand::RngCore;

/// Fewest bytes of key accepted.
pub const MIN_BYTES: usize = 32;
const FILE_NAME: &str = "secret.key";

pub struct ServerSecret(Vec<u8>);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(…)")
    }
}

impl ServerSecret {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key in `key_file`, or in `data_dir` (created there when missing).
    pub fn load_or_create(key_file: Option<&Path>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(path) = key_file {
            return Self::read(path);
        }
        let path = data_dir.join(FILE_NAME);
        if !path.exists() {
            create(data_dir, &path)?;
        }
        Self::read(&path)
    }

    /// The key in `key_file`, or in `data_dir`, without creating one: for commands that run
    /// beside a server (`fora mail-in`) and must check what the server signed.
    pub fn load(key_file: Option<&Path>, data_dir: &Path) -> anyhow::Result<Self> {
        Self::read(&key_file.map_or_else(|| data_dir.join(FILE_NAME), Path::to_path_buf))
    }

    /// A key file holds hex (64 or more digits, blanks around ignored) or raw bytes (32 or
    /// more).
    fn read(path: &Path) -> anyhow::Result<Self> {
        let raw = std::fs::read(path)
            .with_context(|| format!("cannot read the secret key file {}", path.display()))?;
        let key = parse(&raw);
        if key.len() < MIN_BYTES {
            bail!(
                "the secret key file {} holds {} bytes; it needs at least {MIN_BYTES} random bytes \
                 (raw, or {} hex digits)",
                path.display(),
                key.len(),
                MIN_BYTES * 2
            );
        }
        Ok(Self(key))
    }

    #[cfg(test)]
    pub fn for_tests(byte: u8) -> Self {
        Self(vec![byte; MIN_BYTES])
    }
}

/// Text of hex digits (blanks around ignored) is read as hex, so that a short hex key counts
/// its bytes, not its digits; anything else is taken as raw bytes.
fn parse(raw: &[u8]) -> Vec<u8> {
    let text = raw.trim_ascii();
    let is_hex = !text.is_empty() && text.iter().all(u8::is_ascii_hexdigit);
    match is_hex.then(|| hex::decode(text).ok()).flatten() {
        Some(key) => key,
        None => raw.to_vec(),
    }
}

/// Writes a new key: to a temporary file first, then linked into place, so that two instances
/// starting at once on one data folder end up reading the same complete key.
fn create(data_dir: &Path, path: &PathBuf) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let mut key = [0u8; MIN_BYTES];
    rand::rng().fill_bytes(&mut key);
    let temporary = data_dir.join(format!(".{FILE_NAME}.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(hex::encode(key).as_bytes())?;
            file.sync_all()
        })
        .with_context(|| format!("cannot write {}", temporary.display()));
    let linked = written.and_then(|()| match std::fs::hard_link(&temporary, path) {
        Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(err).with_context(|| format!("cannot create {}", path.display()))
        }
        _ => Ok(()),
    });
    let _ = std::fs::remove_file(&temporary);
    linked?;
    tracing::info!(
        path = %path.display(),
        "created the server secret (signs links in mail); give every instance this file \
         (FORA_SECRET_KEY_FILE), and keep it: a new one breaks the links already sent"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_raw_keys_are_read_and_short_ones_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let hex_file = dir.path().join("hex");
        std::fs::write(&hex_file, format!("{}\n", "ab".repeat(32))).expect("write");
        let key = ServerSecret::load_or_create(Some(&hex_file), dir.path()).expect("hex");
        assert_eq!(key.bytes(), [0xab; 32]);
        let raw_file = dir.path().join("raw");
        std::fs::write(&raw_file, [7u8; 40]).expect("write");
        let key = ServerSecret::load_or_create(Some(&raw_file), dir.path()).expect("raw");
        assert_eq!(key.bytes(), [7; 40]);
        let short = dir.path().join("short");
        std::fs::write(&short, "ab".repeat(16)).expect("write");
        let err = ServerSecret::load_or_create(Some(&short), dir.path()).expect_err("short");
        assert!(err.to_string().contains("at least 32"), "{err}");
        assert!(
            ServerSecret::load_or_create(Some(&dir.path().join("missing")), dir.path()).is_err()
        );
    }

    #[test]
    fn a_missing_key_is_created_once_private_and_then_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let data = dir.path().join("data");
        let first = ServerSecret::load_or_create(None, &data).expect("create");
        let again = ServerSecret::load_or_create(None, &data).expect("read");
        assert_eq!(first.bytes(), again.bytes());
        assert_eq!(first.bytes().len(), MIN_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join(FILE_NAME))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
