//! Configuration from the environment (and an optional `fora.toml`), read once at start-up.
//! Fails fast with a message that names the variable at fault.

mod file;
pub mod mail;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, bail};

/// Every setting `fora.toml` may hold: the environment variables read below.
pub const SETTINGS: &[&str] = &[
    "DATABASE_URL",
    "SMTP_URL",
    "FORA_BASE_URL",
    "FORA_BIND",
    "FORA_BODY_TIMEOUT",
    "FORA_BOUNCE_DOMAIN",
    "FORA_BOUNCE_THRESHOLD",
    "FORA_DAILY_SUMMARY_HOUR",
    "FORA_DATA_DIR",
    "FORA_DKIM_DOMAIN",
    "FORA_DKIM_KEY",
    "FORA_DKIM_SELECTOR",
    "FORA_FROM",
    "FORA_HEADER_TIMEOUT",
    "FORA_IDLE_TIMEOUT",
    "FORA_MAIL_CONCURRENCY",
    "FORA_MAIL_LEASE",
    "FORA_MAIL_RATE",
    "FORA_MAX_CONNECTIONS",
    "FORA_NEWSLETTER_MONTHLY",
    "FORA_NEWSLETTER_SEND_EMPTY",
    "FORA_NEWSLETTER_WEEKLY",
    "FORA_OUTBOX",
    "FORA_PASSWORD_HASHING",
    "FORA_PASSWORD_WAIT",
    "FORA_RATE_PER_ACCOUNT",
    "FORA_RATE_PER_ADDRESS",
    "FORA_REPLY_DOMAIN",
    "FORA_REPLY_TO",
    "FORA_SECRET_KEY_FILE",
    "FORA_SMTP_CA_FILE",
    "FORA_TRUST_PROXY",
];

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    /// Absolute base for links in emails, without a trailing slash.
    pub base_url: String,
    pub smtp_url: Option<String>,
    /// `FORA_SMTP_CA_FILE`: certificates trusted for the relay's TLS besides the system's.
    pub smtp_ca: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub outbox_dir: PathBuf,
    pub from: String,
    /// `FORA_DKIM_DOMAIN`, `FORA_DKIM_SELECTOR`, `FORA_DKIM_KEY`: the key that signs every
    /// message, read once at start-up; `None` sends mail unsigned.
    pub dkim: Option<crate::mail::dkim::DkimSigner>,
    /// Trust `X-Forwarded-For` for the client address (only behind a proxy you run).
    pub trust_proxy: bool,
    pub limits: RateLimits,
    pub password_hashing: PasswordHashing,
    /// Hour of the day (UTC) at which daily notification summaries go out.
    pub daily_summary_hour: u8,
    pub newsletter: NewsletterConfig,
    pub http: HttpLimits,
    /// `FORA_DATA_DIR`: where this instance keeps its files (the server secret when
    /// `FORA_SECRET_KEY_FILE` is not set). Default: the SQLite file's folder, else `fora-data`.
    pub data_dir: PathBuf,
    /// `FORA_SECRET_KEY_FILE`: the key that signs links in mail (see `secret.rs`).
    pub secret_key_file: Option<PathBuf>,
    pub bounces: BounceConfig,
    /// `FORA_REPLY_DOMAIN`: notifications of a post carry the `Reply-To`
    /// `reply+TOKEN@` this domain (`mail::reply_address`), and `fora mail-in` posts what is
    /// sent there as the member's reply. `None`: notifications have no `Reply-To`.
    pub reply_domain: Option<String>,
}

/// A setting that names a mail domain (`FORA_BOUNCE_DOMAIN`, `FORA_REPLY_DOMAIN`): in lower
/// case, without a leading `@`, refused unless `{local}@domain` is an address.
fn mail_domain_setting(name: &str, value: &str, local: &str) -> anyhow::Result<String> {
    let domain = value.trim().trim_start_matches('@').to_ascii_lowercase();
    format!("{local}@{domain}")
        .parse::<lettre::Address>()
        .ok()
        .filter(|_| !domain.is_empty())
        .with_context(|| format!("{name} must be a mail domain, got {value:?}"))?;
    Ok(domain)
}

/// Where bounces come back to and how many make an address stop getting mail.
#[derive(Clone, Debug)]
pub struct BounceConfig {
    /// `FORA_BOUNCE_DOMAIN`: every message is sent with the return path
    /// `bounces+TOKEN@` this domain (`mail::verp`), read back by `fora mail-in`. `None`: the
    /// return path is the `FORA_FROM` address and bounces are not read.
    pub domain: Option<String>,
    /// `FORA_BOUNCE_THRESHOLD` (default 5, as Mailman's): the score (a hard bounce 1, a soft
    /// one 0.5, at most one a day) at which a recipient is suppressed, kept in half-bounces.
    pub threshold_points: i32,
}

impl Default for BounceConfig {
    fn default() -> Self {
        Self {
            domain: None,
            threshold_points: 10,
        }
    }
}

impl BounceConfig {
    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut config = BounceConfig::default();
        if let Some(v) = get("FORA_BOUNCE_DOMAIN") {
            config.domain = Some(mail_domain_setting(
                "FORA_BOUNCE_DOMAIN",
                &v,
                crate::mail::verp::BOUNCES,
            )?);
        }
        if let Some(v) = get("FORA_BOUNCE_THRESHOLD") {
            config.threshold_points = v
                .trim()
                .parse::<f64>()
                .ok()
                .map(|score| score * 2.0)
                .filter(|points| points.fract() == 0.0 && (1.0..=200.0).contains(points))
                .map(|points| points as i32)
                .with_context(|| {
                    format!(
                        "FORA_BOUNCE_THRESHOLD must be a score from 0.5 to 100 in steps of 0.5, \
                         got {v:?}"
                    )
                })?;
        }
        Ok(config)
    }
}

/// How long clients may take and how many may be connected at once.
#[derive(Clone, Debug)]
pub struct HttpLimits {
    /// `FORA_HEADER_TIMEOUT` (seconds): time allowed for a request's headers, counted from when
    /// the server starts waiting for them.
    pub header_timeout: Duration,
    /// `FORA_BODY_TIMEOUT` (seconds): time allowed for a request's whole body.
    pub body_timeout: Duration,
    /// `FORA_IDLE_TIMEOUT` (seconds): a connection with no request in progress and nothing sent
    /// or received for this long is closed.
    pub idle_timeout: Duration,
    /// `FORA_MAX_CONNECTIONS`: open connections at most; more wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

impl HttpLimits {
    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut limits = HttpLimits::default();
        let seconds = |key: &str, value: String| -> anyhow::Result<Duration> {
            value
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=86_400).contains(s))
                .map(Duration::from_secs)
                .with_context(|| format!("{key} must be seconds, 1-86400, got {value:?}"))
        };
        if let Some(v) = get("FORA_HEADER_TIMEOUT") {
            limits.header_timeout = seconds("FORA_HEADER_TIMEOUT", v)?;
        }
        if let Some(v) = get("FORA_BODY_TIMEOUT") {
            limits.body_timeout = seconds("FORA_BODY_TIMEOUT", v)?;
        }
        if let Some(v) = get("FORA_IDLE_TIMEOUT") {
            limits.idle_timeout = seconds("FORA_IDLE_TIMEOUT", v)?;
        }
        if let Some(v) = get("FORA_MAX_CONNECTIONS") {
            limits.max_connections = v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .with_context(|| format!("FORA_MAX_CONNECTIONS must be 1-1000000, got {v:?}"))?;
        }
        Ok(limits)
    }
}

/// When editions go out and how fast their mail is handed to the SMTP server.
#[derive(Clone, Debug)]
pub struct NewsletterConfig {
    /// `FORA_NEWSLETTER_WEEKLY`, e.g. `mon 06:00` (UTC).
    pub weekly: WeeklyAt,
    /// `FORA_NEWSLETTER_MONTHLY`, e.g. `1 06:00`: day of the month (1-28) and time (UTC).
    pub monthly: MonthlyAt,
    /// `FORA_NEWSLETTER_SEND_EMPTY=1` sends an edition even when it has nothing new.
    pub send_empty: bool,
    /// `FORA_MAIL_CONCURRENCY`: newsletter senders, each on a pooled SMTP connection.
    pub concurrency: usize,
    /// `FORA_MAIL_RATE`: at most this many messages per second; 0 means no limit.
    pub rate_per_second: u32,
    /// `FORA_REPLY_TO`: where replies to the newsletter go (default: no Reply-To header).
    pub reply_to: Option<String>,
    /// `FORA_MAIL_LEASE` (seconds, default 300): how long a worker holds the deliveries it
    /// claimed. A crashed worker's deliveries are sent again after this; it must be well
    /// above the SMTP timeout (30 s), because nothing is sent in the last 30 % of a lease.
    pub lease: std::time::Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeeklyAt {
    pub weekday: time::Weekday,
    pub hour: u8,
    pub minute: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthlyAt {
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
}

impl Default for NewsletterConfig {
    fn default() -> Self {
        Self {
            weekly: WeeklyAt {
                weekday: time::Weekday::Monday,
                hour: 6,
                minute: 0,
            },
            monthly: MonthlyAt {
                day: 1,
                hour: 6,
                minute: 0,
            },
            send_empty: false,
            concurrency: 8,
            rate_per_second: 0,
            reply_to: None,
            lease: std::time::Duration::from_secs(300),
        }
    }
}

fn parse_hh_mm(text: &str) -> Option<(u8, u8)> {
    let (h, m) = text.split_once(':')?;
    let (h, m) = (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

impl WeeklyAt {
    pub fn parse(text: &str) -> Option<WeeklyAt> {
        use time::Weekday::*;
        let (day, at) = text.trim().split_once(' ')?;
        let weekday = match day.trim().to_ascii_lowercase().get(..3)? {
            "mon" => Monday,
            "tue" => Tuesday,
            "wed" => Wednesday,
            "thu" => Thursday,
            "fri" => Friday,
            "sat" => Saturday,
            "sun" => Sunday,
            _ => return None,
        };
        let (hour, minute) = parse_hh_mm(at.trim())?;
        Some(WeeklyAt {
            weekday,
            hour,
            minute,
        })
    }
}

impl MonthlyAt {
    pub fn parse(text: &str) -> Option<MonthlyAt> {
        let (day, at) = text.trim().split_once(' ')?;
        // Up to the 28th, so that every month has the day.
        let day = day
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|d| (1..=28).contains(d))?;
        let (hour, minute) = parse_hh_mm(at.trim())?;
        Some(MonthlyAt { day, hour, minute })
    }
}

impl NewsletterConfig {
    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut config = NewsletterConfig::default();
        if let Some(v) = get("FORA_NEWSLETTER_WEEKLY") {
            config.weekly = WeeklyAt::parse(&v).with_context(|| {
                format!("FORA_NEWSLETTER_WEEKLY must look like \"mon 06:00\", got {v:?}")
            })?;
        }
        if let Some(v) = get("FORA_NEWSLETTER_MONTHLY") {
            config.monthly = MonthlyAt::parse(&v).with_context(|| {
                format!("FORA_NEWSLETTER_MONTHLY must look like \"1 06:00\" (day 1-28), got {v:?}")
            })?;
        }
        if let Some(v) = get("FORA_NEWSLETTER_SEND_EMPTY") {
            config.send_empty = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("FORA_MAIL_CONCURRENCY") {
            config.concurrency = v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .with_context(|| format!("FORA_MAIL_CONCURRENCY must be 1-256, got {v:?}"))?;
        }
        if let Some(v) = get("FORA_MAIL_RATE") {
            config.rate_per_second = v.parse().with_context(|| {
                format!("FORA_MAIL_RATE must be messages per second (0: no limit), got {v:?}")
            })?;
        }
        if let Some(v) = get("FORA_MAIL_LEASE") {
            let seconds = v.parse::<u64>().ok().filter(|s| *s >= 5).with_context(|| {
                format!("FORA_MAIL_LEASE must be seconds, at least 5, got {v:?}")
            })?;
            config.lease = std::time::Duration::from_secs(seconds);
        }
        if let Some(v) = get("FORA_REPLY_TO") {
            v.parse::<lettre::message::Mailbox>()
                .with_context(|| format!("FORA_REPLY_TO is not a valid mailbox: {v:?}"))?;
            config.reply_to = Some(v);
        }
        Ok(config)
    }
}

#[derive(Clone, Debug)]
pub struct RateLimits {
    /// `FORA_RATE_PER_ACCOUNT`: failed sign-ins to one account from one client address before
    /// each further attempt from that address has to wait (1 s, then 2 s, 4 s, … up to
    /// `MAX_SIGN_IN_DELAY`). Nobody else is slowed, the owner elsewhere included. Also: newsletter
    /// subscription requests per email address per 15 minutes.
    pub per_account: u32,
    /// `FORA_RATE_PER_ADDRESS`: sign-in attempts per client address per minute (password-reset
    /// requests have their own allowance of the same size).
    pub per_address: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_account: 10,
            per_address: 30,
        }
    }
}

/// How much argon2 work may run at once.
#[derive(Clone, Debug)]
pub struct PasswordHashing {
    /// `FORA_PASSWORD_HASHING`: hashes computed at once (each takes 19 MiB and a core).
    pub concurrency: usize,
    /// `FORA_PASSWORD_WAIT` (seconds): how long a request waits for a free slot before it is
    /// answered "busy, try again" (503).
    pub wait: Duration,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        Self {
            concurrency: std::thread::available_parallelism().map_or(1, usize::from),
            wait: Duration::from_secs(5),
        }
    }
}

impl PasswordHashing {
    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut settings = PasswordHashing::default();
        if let Some(v) = get("FORA_PASSWORD_HASHING") {
            settings.concurrency = v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .with_context(|| format!("FORA_PASSWORD_HASHING must be 1-256, got {v:?}"))?;
        }
        if let Some(v) = get("FORA_PASSWORD_WAIT") {
            settings.wait = v
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=300).contains(s))
                .map(Duration::from_secs)
                .with_context(|| format!("FORA_PASSWORD_WAIT must be seconds, 1-300, got {v:?}"))?;
        }
        Ok(settings)
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let file = file::read(Path::new("fora.toml"), SETTINGS)?;
        let get = |key: &str| -> Option<String> {
            std::env::var(key)
                .ok()
                .filter(|v| !v.is_empty())
                .or_else(|| file.get(key).cloned())
        };
        let bind = get("FORA_BIND").unwrap_or_else(|| "127.0.0.1:3000".into());
        let bind: SocketAddr = bind.parse().with_context(|| {
            format!("FORA_BIND must be an address like 127.0.0.1:3000, got {bind:?}")
        })?;
        let base_url = get("FORA_BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        let base_url = normalise_base_url(&base_url)?;
        let daily_summary_hour = match get("FORA_DAILY_SUMMARY_HOUR") {
            Some(h) => h
                .parse::<u8>()
                .ok()
                .filter(|h| *h < 24)
                .with_context(|| format!("FORA_DAILY_SUMMARY_HOUR must be 0-23, got {h:?}"))?,
            None => 6,
        };
        let mut limits = RateLimits::default();
        if let Some(v) = get("FORA_RATE_PER_ACCOUNT") {
            limits.per_account = v
                .parse()
                .context("FORA_RATE_PER_ACCOUNT must be a number")?;
        }
        if let Some(v) = get("FORA_RATE_PER_ADDRESS") {
            limits.per_address = v
                .parse()
                .context("FORA_RATE_PER_ADDRESS must be a number")?;
        }
        let password_hashing = PasswordHashing::from_lookup(get)?;
        let newsletter = NewsletterConfig::from_lookup(get)?;
        let http = HttpLimits::from_lookup(get)?;
        let bounces = BounceConfig::from_lookup(get)?;
        let reply_domain = get("FORA_REPLY_DOMAIN")
            .map(|v| {
                mail_domain_setting("FORA_REPLY_DOMAIN", &v, crate::mail::reply_address::REPLY)
            })
            .transpose()?;
        let smtp_url = get("SMTP_URL");
        let smtp_ca = mail::smtp_ca(get)?;
        mail::check(&base_url, smtp_url.as_deref(), get("FORA_OUTBOX").is_some())?;
        let database_url =
            get("DATABASE_URL").unwrap_or_else(|| "sqlite://fora.db?mode=rwc".into());
        let from = get("FORA_FROM").unwrap_or_else(|| "Fora <fora@localhost>".into());
        let dkim = mail::dkim(get, &from)?;
        let data_dir = get("FORA_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| default_data_dir(&database_url));
        Ok(Self {
            data_dir,
            secret_key_file: get("FORA_SECRET_KEY_FILE").map(PathBuf::from),
            database_url,
            bind,
            base_url,
            smtp_url,
            smtp_ca,
            outbox_dir: PathBuf::from(get("FORA_OUTBOX").unwrap_or_else(|| "outbox".into())),
            from,
            dkim,
            trust_proxy: matches!(get("FORA_TRUST_PROXY").as_deref(), Some("1" | "true")),
            limits,
            password_hashing,
            daily_summary_hour,
            newsletter,
            http,
            bounces,
            reply_domain,
        })
    }

    /// Cookies get the `Secure` flag when the site is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// The session cookie's name: behind HTTPS with the `__Host-` prefix, which browsers accept
    /// only on a `Secure` cookie for `Path=/` without a `Domain`, so that no other site or
    /// subdomain (and no plain-HTTP page) can plant or overwrite it.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-fora_session"
        } else {
            "fora_session"
        }
    }

    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The host of the base URL: the right-hand side of Message-IDs and the List-Id.
    pub fn mail_domain(&self) -> String {
        url::Url::parse(&self.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".into())
    }
}

fn normalise_base_url(raw: &str) -> anyhow::Result<String> {
    let parsed =
        url::Url::parse(raw).with_context(|| format!("FORA_BASE_URL is not a URL: {raw:?}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!("FORA_BASE_URL must start with http:// or https://, got {raw:?}");
    }
    Ok(raw.trim_end_matches('/').to_string())
}

/// The folder of the SQLite file for a `sqlite:` URL (`.` for a bare file name), else
/// `fora-data`.
fn default_data_dir(database_url: &str) -> PathBuf {
    let Some(rest) = database_url.strip_prefix("sqlite:") else {
        return PathBuf::from("fora-data");
    };
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or("");
    match std::path::Path::new(path).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_read_here_may_be_in_the_file() {
        let source = [include_str!("config.rs"), include_str!("config/mail.rs")].concat();
        let read = regex::Regex::new(r#"get\("([A-Z_]+)"\)"#).unwrap();
        for name in read.captures_iter(&source).map(|c| c[1].to_string()) {
            assert!(
                SETTINGS.contains(&name.as_str()),
                "{name} is missing from SETTINGS"
            );
        }
    }

    #[test]
    fn mail_domains_are_checked() {
        assert_eq!(
            mail_domain_setting("FORA_REPLY_DOMAIN", " @Reply.Example.org ", "reply").unwrap(),
            "reply.example.org"
        );
        for bad in ["", "@", "a b.org", "x@y.org", "reply.example.org>"] {
            let err = mail_domain_setting("FORA_REPLY_DOMAIN", bad, "reply")
                .expect_err(bad)
                .to_string();
            assert!(err.contains("FORA_REPLY_DOMAIN"), "{err}");
        }
    }

    #[test]
    fn schedule_settings_parse_or_refuse() {
        assert_eq!(
            WeeklyAt::parse("Mon 06:00"),
            Some(WeeklyAt {
                weekday: time::Weekday::Monday,
                hour: 6,
                minute: 0
            })
        );
        assert_eq!(WeeklyAt::parse("friday 17:30").map(|w| w.minute), Some(30));
        for bad in ["", "mon", "mon 24:00", "mon 6", "xyz 06:00", "mon 06:60"] {
            assert_eq!(WeeklyAt::parse(bad), None, "{bad:?}");
        }
        assert_eq!(MonthlyAt::parse("1 06:00").map(|m| m.day), Some(1));
        for bad in ["0 06:00", "29 06:00", "1", "1 25:00", "x 06:00"] {
            assert_eq!(MonthlyAt::parse(bad), None, "{bad:?}");
        }
    }
}
