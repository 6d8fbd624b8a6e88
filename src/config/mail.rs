//! Where mail goes and whether it is signed, said at start-up; the one combination refused,
//! a public (`https://`) site whose invitations and password resets would only be written to
//! files; the DKIM settings, read and checked once; and the certificates trusted for the
//! relay's TLS besides the system's (`FORA_SMTP_CA_FILE`).

use std::path::Path;

use anyhow::{Context, bail};
use rustls::pki_types::{CertificateDer, pem::PemObject};

use crate::mail::dkim::DkimSigner;

/// What `fora serve` says about mail before it listens.
#[derive(Debug, PartialEq, Eq)]
pub enum MailNotice {
    Relay(String),
    Files(String),
}

impl MailNotice {
    pub fn new(
        smtp_url: Option<&str>,
        outbox: &std::path::Path,
        dkim: Option<&DkimSigner>,
    ) -> MailNotice {
        let signed = match dkim {
            Some(signer) => format!(
                "Mail is DKIM-signed for {} with selector {} ({}; public key expected at {}).",
                signer.domain(),
                signer.selector(),
                signer.kind(),
                signer.record_name()
            ),
            None => "Mail is not DKIM-signed (set FORA_DKIM_DOMAIN, FORA_DKIM_SELECTOR and \
                     FORA_DKIM_KEY to sign it)."
                .to_string(),
        };
        match smtp_url {
            Some(url) => MailNotice::Relay(format!(
                "Mail goes to the SMTP relay {} ({}). {signed}",
                crate::mail::smtp_pool::redacted(url),
                crate::mail::smtp_pool::described(url)
            )),
            None => MailNotice::Files(format!(
                "Mail is NOT sent: SMTP_URL is not set, so every message (invitations, password \
                 resets, newsletters) is only written as a .eml file in {}. Set SMTP_URL to \
                 deliver mail. {signed}",
                outbox.display()
            )),
        }
    }

    pub fn log(&self) {
        match self {
            MailNotice::Relay(text) => tracing::info!("{text}"),
            MailNotice::Files(text) => tracing::warn!("{text}"),
        }
    }
}

/// A site served over https is a real deployment: without a relay nobody could join it.
pub fn check(base_url: &str, smtp_url: Option<&str>, outbox_set: bool) -> anyhow::Result<()> {
    if base_url.starts_with("https://") && smtp_url.is_none() && !outbox_set {
        bail!(
            "FORA_BASE_URL is {base_url}, a public site, but SMTP_URL is not set: invitations \
             and password resets would only be written to files and nobody could join. Set \
             SMTP_URL to your mail relay, or set FORA_OUTBOX to a folder to keep mail in files \
             on purpose."
        );
    }
    Ok(())
}

/// The three DKIM settings: all of them sign every message, none sends mail unsigned. The
/// signing domain must be the domain of `from` (`FORA_FROM`) or a parent of it, or receivers'
/// DMARC checks would not count the signature. The key is read here, once.
pub fn dkim(
    get: impl Fn(&str) -> Option<String>,
    from: &str,
) -> anyhow::Result<Option<DkimSigner>> {
    const NAMES: [&str; 3] = ["FORA_DKIM_DOMAIN", "FORA_DKIM_SELECTOR", "FORA_DKIM_KEY"];
    let values = [
        get("FORA_DKIM_DOMAIN"),
        get("FORA_DKIM_SELECTOR"),
        get("FORA_DKIM_KEY"),
    ];
    let [Some(domain), Some(selector), Some(key)] = &values else {
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let missing: Vec<&str> = NAMES
            .iter()
            .zip(&values)
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| *name)
            .collect();
        bail!(
            "DKIM signing needs FORA_DKIM_DOMAIN, FORA_DKIM_SELECTOR and FORA_DKIM_KEY together, \
             but {} not set. Set all three to sign mail, or none to send it unsigned.",
            match missing.as_slice() {
                [one] => format!("{one} is"),
                more => format!("{} are", more.join(" and ")),
            }
        );
    };
    let mailbox: lettre::message::Mailbox = from
        .parse()
        .with_context(|| format!("FORA_FROM is not a valid mailbox: {from:?}"))?;
    let signer = DkimSigner::load(domain, selector, Path::new(key))?;
    let from_domain = mailbox.email.domain();
    if !signer.aligned_with(from_domain) {
        bail!(
            "FORA_DKIM_DOMAIN is {}, but mail is sent from {} (FORA_FROM): receivers count a DKIM \
             signature for DMARC only when its domain is the From address's domain or a parent \
             of it. Set FORA_DKIM_DOMAIN to {from_domain} (or a parent domain of it), or change \
             FORA_FROM.",
            signer.domain(),
            mailbox.email
        );
    }
    Ok(Some(signer))
}

/// `FORA_SMTP_CA_FILE`: a PEM file of one or more certificates trusted as roots for the
/// relay's TLS, besides the system's (a private relay, a test). Each is checked here, so a
/// missing, unreadable or garbled file stops start-up with a message that names it.
pub fn smtp_ca(
    get: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let Some(path) = get("FORA_SMTP_CA_FILE") else {
        return Ok(Vec::new());
    };
    let bytes = std::fs::read(&path)
        .with_context(|| format!("FORA_SMTP_CA_FILE: cannot read the certificate file {path}"))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|err| {
            anyhow::anyhow!("FORA_SMTP_CA_FILE: {path} is not a readable PEM file: {err}")
        })?;
    if certs.is_empty() {
        bail!(
            "FORA_SMTP_CA_FILE: {path} holds no certificate: expected one or more PEM blocks \
             starting with -----BEGIN CERTIFICATE-----"
        );
    }
    let mut roots = rustls::RootCertStore::empty();
    for (i, cert) in certs.iter().enumerate() {
        roots.add(cert.clone()).map_err(|err| {
            anyhow::anyhow!(
                "FORA_SMTP_CA_FILE: certificate {} of {path} is not a usable certificate: {err}",
                i + 1
            )
        })?;
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, path::Path};

    use super::*;
    use crate::mail::dkim::KeyKind;

    #[test]
    fn passwords_never_reach_the_log() {
        let notice = MailNotice::new(
            Some("smtps://fora:s3cret@mail.example.org:465?tls=required"),
            Path::new("outbox"),
            None,
        );
        let MailNotice::Relay(text) = notice else {
            panic!("a relay is configured")
        };
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("mail.example.org:465"), "{text}");
        assert!(text.contains("(implicit TLS, AUTH)"), "{text}");
    }

    #[test]
    fn the_notice_says_how_the_relay_is_secured() {
        for (url, says) in [
            ("smtp://relay:25", "(no TLS, no AUTH)"),
            ("smtp://relay?tls=required", "(STARTTLS required, no AUTH)"),
            (
                "smtp://u:p@relay?tls=opportunistic",
                "(STARTTLS when offered; AUTH only over TLS)",
            ),
            ("smtp://u:p@relay:587", "password is sent UNENCRYPTED"),
        ] {
            let MailNotice::Relay(text) = MailNotice::new(Some(url), Path::new("outbox"), None)
            else {
                panic!("a relay is configured")
            };
            assert!(text.contains(says), "{url}: {text}");
        }
    }

    fn smtp_ca_from(path: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
        smtp_ca(|key| (key == "FORA_SMTP_CA_FILE").then(|| path.to_string()))
    }

    #[test]
    fn an_extra_ca_file_is_read_once_and_any_fault_stops_start_up_naming_it() {
        assert!(smtp_ca(|_| None).expect("unset").is_empty());
        let dir = tempfile::tempdir().expect("temp dir");
        let cert = dir.path().join("ca.pem");
        let made = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ])
            .args([
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-subj",
                "/CN=Test CA",
            ])
            .current_dir(dir.path())
            .output()
            .expect("openssl");
        assert!(made.status.success(), "{made:?}");
        let two = dir.path().join("two.pem");
        let pem = std::fs::read_to_string(&cert).unwrap();
        std::fs::write(&two, format!("{pem}{pem}")).unwrap();
        assert_eq!(
            smtp_ca_from(&cert.display().to_string())
                .expect("one")
                .len(),
            1
        );
        assert_eq!(
            smtp_ca_from(&two.display().to_string()).expect("two").len(),
            2
        );

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "this is not a certificate\n").unwrap();
        let key_only = dir.path().join("ca.key");
        let damaged = dir.path().join("damaged.pem");
        std::fs::write(
            &damaged,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let unended = dir.path().join("unended.pem");
        std::fs::write(&unended, "-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap();
        let missing = dir.path().join("missing.pem");
        let folder = dir.path().display().to_string();
        let cases = [
            (
                missing.display().to_string(),
                "cannot read the certificate file",
            ),
            (folder, "cannot read the certificate file"),
            (garbage.display().to_string(), "holds no certificate"),
            (key_only.display().to_string(), "holds no certificate"),
            (damaged.display().to_string(), "certificate 1 of"),
            (unended.display().to_string(), "not a readable PEM file"),
        ];
        for (path, why) in cases {
            let text = format!("{:#}", smtp_ca_from(&path).expect_err(&path));
            assert!(text.starts_with("FORA_SMTP_CA_FILE: "), "{text}");
            assert!(text.contains(&path), "names the file: {text}");
            assert!(text.contains(why), "{why:?} in {text}");
        }
    }

    #[test]
    fn files_only_is_a_warning_that_names_the_folder() {
        let notice = MailNotice::new(None, Path::new("/var/lib/fora/outbox"), None);
        assert!(
            matches!(&notice, MailNotice::Files(text) if text.contains("/var/lib/fora/outbox"))
        );
    }

    #[test]
    fn https_without_a_relay_is_refused_unless_files_were_chosen() {
        assert!(check("https://fora.example.org", None, false).is_err());
        assert!(check("https://fora.example.org", None, true).is_ok());
        assert!(check("https://fora.example.org", Some("smtp://relay:25"), false).is_ok());
        assert!(check("http://127.0.0.1:3000", None, false).is_ok());
    }

    fn fixture(name: &str) -> String {
        format!("{}/tests/fixtures/dkim/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    /// The DKIM settings as `Config::from_env` reads them, from a map instead of the environment.
    fn dkim_from(settings: &[(&str, &str)], from: &str) -> anyhow::Result<Option<DkimSigner>> {
        let map: HashMap<String, String> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        dkim(|key| map.get(key).cloned(), from)
    }

    fn settings<'a>(domain: &'a str, key: &'a str) -> Vec<(&'static str, &'a str)> {
        vec![
            ("FORA_DKIM_DOMAIN", domain),
            ("FORA_DKIM_SELECTOR", "fora2026"),
            ("FORA_DKIM_KEY", key),
        ]
    }

    /// The whole message, with its causes: what start-up prints.
    fn refusal(result: anyhow::Result<Option<DkimSigner>>) -> String {
        format!("{:#}", result.expect_err("refused"))
    }

    #[test]
    fn no_dkim_settings_send_unsigned_mail() {
        assert!(dkim_from(&[], "Fora <fora@example.org>").unwrap().is_none());
    }

    #[test]
    fn rsa_keys_in_both_formats_and_ed25519_keys_are_read() {
        let from = "Fora <fora@news.example.org>";
        for (file, kind) in [
            ("rsa-pkcs8.pem", KeyKind::Rsa { bits: 2048 }),
            ("rsa-pkcs1.pem", KeyKind::Rsa { bits: 2048 }),
            ("ed25519.pem", KeyKind::Ed25519),
        ] {
            let key = fixture(file);
            let signer = dkim_from(&settings("Example.org", &key), from)
                .unwrap_or_else(|err| panic!("{file}: {err:#}"))
                .expect("signer");
            assert_eq!(signer.kind(), kind, "{file}");
            assert_eq!(signer.record_name(), "fora2026._domainkey.example.org");
            let debug = format!("{signer:?}");
            assert!(!debug.contains("PRIVATE") && debug.len() < 200, "{debug}");
        }
    }

    #[test]
    fn one_or_two_of_the_three_settings_are_refused_naming_the_missing_ones() {
        let key = fixture("ed25519.pem");
        let all = settings("example.org", &key);
        for keep in [&[0][..], &[1], &[2], &[0, 1], &[0, 2], &[1, 2]] {
            let some: Vec<_> = keep.iter().map(|&i| all[i]).collect();
            let text = refusal(dkim_from(&some, "fora@example.org"));
            let missing = text
                .split_once(", but ")
                .and_then(|(_, rest)| rest.split_once(" not set."))
                .map(|(names, _)| names)
                .unwrap_or_else(|| panic!("{text}"));
            for (i, (name, _)) in all.iter().enumerate() {
                assert_eq!(
                    missing.contains(name),
                    !keep.contains(&i),
                    "{keep:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn a_key_file_that_is_missing_or_not_a_usable_key_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "this is not a key\n").unwrap();
        let binary = dir.path().join("binary.pem");
        std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x80]).unwrap();
        let pem = |der: &[u8]| {
            use base64::Engine;
            let body = base64::engine::general_purpose::STANDARD.encode(der);
            format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
        };
        // An Ed25519 PKCS#8 key cut short, and a well-formed one whose seed has 31 bytes.
        let damaged = dir.path().join("damaged.pem");
        std::fs::write(&damaged, pem(&[0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05])).unwrap();
        let short = dir.path().join("short.pem");
        let mut der = vec![
            0x30, 0x2d, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
        ];
        der.extend([0x70, 0x04, 0x21, 0x04, 0x1f]);
        der.extend([7; 31]);
        std::fs::write(&short, pem(&der)).unwrap();
        let missing = dir.path().join("missing.pem");
        let cases = [
            (missing.display().to_string(), "cannot read the key file"),
            (
                garbage.display().to_string(),
                "not a readable PEM private key",
            ),
            (binary.display().to_string(), "not a PEM key file"),
            (
                damaged.display().to_string(),
                "not a readable PEM private key",
            ),
            (
                short.display().to_string(),
                "not a valid Ed25519 private key",
            ),
            (fixture("ed25519-encrypted.pem"), "encrypted"),
            (fixture("rsa-512.pem"), "512 bits"),
            (fixture("ec-p256.pem"), "RSA or Ed25519"),
        ];
        for (path, why) in cases {
            let text = refusal(dkim_from(
                &settings("example.org", &path),
                "fora@example.org",
            ));
            assert!(text.starts_with("FORA_DKIM_KEY: "), "{text}");
            assert!(text.contains(&path), "names the file: {text}");
            assert!(text.contains(why), "{why:?} in {text}");
        }
    }

    #[test]
    fn a_domain_that_is_not_the_from_domain_or_its_parent_is_refused() {
        let key = fixture("ed25519.pem");
        for (domain, from) in [
            ("example.com", "Fora <fora@example.org>"),
            ("mail.example.org", "fora@example.org"),
            ("ample.org", "fora@example.org"),
        ] {
            let text = refusal(dkim_from(&settings(domain, &key), from));
            assert!(text.starts_with("FORA_DKIM_DOMAIN is "), "{text}");
            assert!(text.contains("FORA_FROM"), "{text}");
        }
        let text = refusal(dkim_from(
            &settings("exa mple.org", &key),
            "fora@example.org",
        ));
        assert!(
            text.contains("FORA_DKIM_DOMAIN must be a DNS name"),
            "{text}"
        );
        let text = refusal(dkim_from(&settings("example.org", &key), "not a mailbox"));
        assert!(text.contains("FORA_FROM is not a valid mailbox"), "{text}");
    }

    #[test]
    fn the_notice_says_whether_and_how_mail_is_signed() {
        let signer = DkimSigner::load(
            "example.org",
            "fora2026",
            Path::new(&fixture("rsa-pkcs1.pem")),
        )
        .expect("key");
        let MailNotice::Relay(text) =
            MailNotice::new(Some("smtp://relay:25"), Path::new("outbox"), Some(&signer))
        else {
            panic!("a relay is configured")
        };
        assert!(
            text.contains("DKIM-signed for example.org with selector fora2026")
                && text.contains("rsa-sha256, 2048-bit key")
                && text.contains("fora2026._domainkey.example.org"),
            "{text}"
        );
        let MailNotice::Files(text) = MailNotice::new(None, Path::new("outbox"), None) else {
            panic!("no relay")
        };
        assert!(text.contains("not DKIM-signed"), "{text}");
    }
}
