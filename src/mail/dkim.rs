//! DKIM signing (RFC 6376) of every message Fora sends, with lettre's `dkim` feature.
//!
//! The key (`FORA_DKIM_KEY`) is read and checked once, at start-up (see `config::mail::dkim`),
//! and each message is signed when it is prepared ([`super::Mailer::prepare`]): the bytes the
//! mail queue stores, and sends again after a crash, carry their signature.
//!
//! lettre's own key loader takes an RSA key in PKCS#1 PEM or an Ed25519 seed in base64; Fora
//! reads the PEM files `openssl genpkey` writes (PKCS#8, RSA or Ed25519) and PKCS#1 RSA
//! (`-----BEGIN RSA PRIVATE KEY-----`), checks them here, and hands lettre the form it takes.

use std::{fmt, path::Path, sync::Arc};

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use lettre::message::{
    Message,
    dkim::{
        DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
        DkimSigningKey, dkim_sign,
    },
    header::HeaderName,
};
use rsa::{
    RsaPrivateKey,
    pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding},
    pkcs8::{
        DecodePrivateKey, ObjectIdentifier, PrivateKeyInfo,
        der::{SecretDocument, zeroize::Zeroizing},
    },
    traits::PublicKeyParts,
};

/// The headers the signature covers. One that a message lacks (`Reply-To`, or the `List-*`
/// headers outside the newsletter) is signed as absent, so it cannot be added on the way.
/// RFC 8058 requires `List-Unsubscribe-Post` to be signed for one-click unsubscribe. lettre
/// signs the headers of the message it is given, so every one of these must be a header of
/// the `Message` itself, not of a MIME part (see `alternative_body` in `super`).
pub const SIGNED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
];

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// RFC 8301: signers use RSA keys of at least 1024 bits, and verifiers refuse shorter ones.
const MIN_RSA_BITS: usize = 1024;

/// The kind of key, as the start-up notice names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa { bits: usize },
    Ed25519,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "rsa-sha256, {bits}-bit key"),
            KeyKind::Ed25519 => f.write_str("ed25519-sha256"),
        }
    }
}

/// Signs messages as `d=<domain>`, `s=<selector>` with relaxed/relaxed canonicalization.
/// Cheap to clone; its `Debug` never shows the key.
#[derive(Clone)]
pub struct DkimSigner(Arc<Inner>);

struct Inner {
    domain: String,
    selector: String,
    kind: KeyKind,
    config: DkimConfig,
}

impl fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSigner")
            .field("domain", &self.0.domain)
            .field("selector", &self.0.selector)
            .field("kind", &self.0.kind)
            .finish_non_exhaustive()
    }
}

impl DkimSigner {
    /// Reads the private key at `key_path` to sign for `domain` with `selector`. Every error
    /// names the setting at fault.
    pub fn load(domain: &str, selector: &str, key_path: &Path) -> anyhow::Result<Self> {
        let domain = dns_name("FORA_DKIM_DOMAIN", domain)?;
        let selector = dns_name("FORA_DKIM_SELECTOR", selector)?;
        let bytes = std::fs::read(key_path).with_context(|| {
            format!(
                "FORA_DKIM_KEY: cannot read the key file {}",
                key_path.display()
            )
        })?;
        let pem = Zeroizing::new(String::from_utf8(bytes).map_err(|_| {
            anyhow!(
                "FORA_DKIM_KEY: {} is not a PEM key file (it is not even text)",
                key_path.display()
            )
        })?);
        let (key, kind) =
            parse_key(&pem).with_context(|| format!("FORA_DKIM_KEY: {}", key_path.display()))?;
        let config = DkimConfig::new(
            selector.clone(),
            domain.clone(),
            key,
            SIGNED_HEADERS
                .iter()
                .map(|name| HeaderName::new_from_ascii_str(name))
                .collect(),
            DkimCanonicalization {
                header: DkimCanonicalizationType::Relaxed,
                body: DkimCanonicalizationType::Relaxed,
            },
        );
        Ok(DkimSigner(Arc::new(Inner {
            domain,
            selector,
            kind,
            config,
        })))
    }

    pub fn domain(&self) -> &str {
        &self.0.domain
    }

    pub fn selector(&self) -> &str {
        &self.0.selector
    }

    pub fn kind(&self) -> KeyKind {
        self.0.kind
    }

    /// The DNS name where receivers look for the public key.
    pub fn record_name(&self) -> String {
        format!("{}._domainkey.{}", self.0.selector, self.0.domain)
    }

    /// Whether mail from `from_domain` signed with this domain passes DMARC's (relaxed)
    /// alignment: the signing domain is the From address's domain or a parent of it.
    pub fn aligned_with(&self, from_domain: &str) -> bool {
        aligned(&self.0.domain, from_domain)
    }

    /// Adds the `DKIM-Signature` header. Sign last: a header added afterwards is not covered.
    pub fn sign(&self, message: &mut Message) {
        dkim_sign(message, &self.0.config);
    }
}

fn aligned(signing_domain: &str, from_domain: &str) -> bool {
    let from = from_domain.trim_end_matches('.').to_ascii_lowercase();
    from == signing_domain
        || from
            .strip_suffix(signing_domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// A domain or selector: dot-separated labels of letters, digits and hyphens (lower-cased).
fn dns_name(setting: &str, text: &str) -> anyhow::Result<String> {
    let name = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        bail!(
            "{setting} must be a DNS name (letters, digits, hyphens and dots, e.g. \
             example.org or fora2026), got {text:?}"
        );
    }
    Ok(name)
}

fn parse_key(pem: &str) -> anyhow::Result<(DkimSigningKey, KeyKind)> {
    let (label, der) = SecretDocument::from_pem(pem.trim()).map_err(|err| {
        anyhow!(
            "not a readable PEM private key ({err}); a key file starts with -----BEGIN \
             PRIVATE KEY-----: make one with `openssl genpkey -algorithm RSA -pkeyopt \
             rsa_keygen_bits:2048` or `openssl genpkey -algorithm ed25519`"
        )
    })?;
    match label {
        "RSA PRIVATE KEY" => {
            let key = RsaPrivateKey::from_pkcs1_der(der.as_bytes())
                .map_err(|err| anyhow!("not a valid PKCS#1 RSA private key ({err})"))?;
            rsa_key(&key)
        }
        "PRIVATE KEY" => {
            let info = PrivateKeyInfo::try_from(der.as_bytes())
                .map_err(|err| anyhow!("not a valid PKCS#8 private key ({err})"))?;
            match info.algorithm.oid {
                RSA_ENCRYPTION => {
                    let key = RsaPrivateKey::from_pkcs8_der(der.as_bytes())
                        .map_err(|err| anyhow!("not a valid RSA private key ({err})"))?;
                    rsa_key(&key)
                }
                ED25519 => ed25519_key(info.private_key),
                other => bail!(
                    "a private key of another kind (algorithm {other}); DKIM signs with RSA or \
                     Ed25519"
                ),
            }
        }
        "ENCRYPTED PRIVATE KEY" => bail!(
            "the key is encrypted with a passphrase; Fora needs it unencrypted (keep the file \
             readable by Fora only)"
        ),
        other => bail!(
            "the file holds a {other:?}, not an RSA or Ed25519 private key (-----BEGIN PRIVATE \
             KEY----- or -----BEGIN RSA PRIVATE KEY-----)"
        ),
    }
}

fn rsa_key(key: &RsaPrivateKey) -> anyhow::Result<(DkimSigningKey, KeyKind)> {
    key.validate()
        .map_err(|err| anyhow!("not a consistent RSA private key ({err})"))?;
    let bits = key.size() * 8;
    if bits < MIN_RSA_BITS {
        bail!(
            "the RSA key has {bits} bits; receivers ignore DKIM keys under {MIN_RSA_BITS} bits \
             (use 2048)"
        );
    }
    let pkcs1 = key
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|err| anyhow!("cannot re-encode the RSA key ({err})"))?;
    let key = DkimSigningKey::new(&pkcs1, DkimSigningAlgorithm::Rsa)
        .map_err(|err| anyhow!("lettre refused the RSA key ({err})"))?;
    Ok((key, KeyKind::Rsa { bits }))
}

/// RFC 8410: the PKCS#8 private key of Ed25519 is an OCTET STRING holding the 32-byte seed.
fn ed25519_key(private_key: &[u8]) -> anyhow::Result<(DkimSigningKey, KeyKind)> {
    let seed = match private_key {
        [0x04, 0x20, seed @ ..] if seed.len() == 32 => seed,
        _ => bail!("not a valid Ed25519 private key (its seed is not 32 bytes)"),
    };
    let seed = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(seed));
    let key = DkimSigningKey::new(&seed, DkimSigningAlgorithm::Ed25519)
        .map_err(|err| anyhow!("lettre refused the Ed25519 key ({err})"))?;
    Ok((key, KeyKind::Ed25519))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signing_domain_is_the_from_domain_or_a_parent() {
        assert!(aligned("example.org", "example.org"));
        assert!(aligned("example.org", "Mail.Example.org."));
        assert!(aligned("example.org", "news.mail.example.org"));
        assert!(!aligned("example.org", "badexample.org"));
        assert!(!aligned("mail.example.org", "example.org"));
        assert!(!aligned("example.org", "example.com"));
    }

    #[test]
    fn domains_and_selectors_are_dns_names() {
        assert_eq!(dns_name("X", " Example.ORG. ").unwrap(), "example.org");
        assert_eq!(dns_name("X", "fora-2026").unwrap(), "fora-2026");
        for bad in ["", "a b", "a;b=c", "-x.org", "x..org", "x_y", "é.org"] {
            let err = dns_name("FORA_DKIM_SELECTOR", bad).unwrap_err();
            assert!(err.to_string().contains("FORA_DKIM_SELECTOR"), "{err}");
        }
    }
}
