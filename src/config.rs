//! Configuration from the environment (and an optional `fora.toml`), read once at start-up.
//! Fails fast with a message that names the variable at fault.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, bail};

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    /// Absolute base for links in emails, without a trailing slash.
    pub base_url: String,
    pub smtp_url: Option<String>,
    pub outbox_dir: PathBuf,
    pub from: String,
    /// Trust `X-Forwarded-For` for the client address (only behind a proxy you run).
    pub trust_proxy: bool,
    pub limits: RateLimits,
    /// Hour of the day (UTC) at which daily notification summaries go out.
    pub daily_summary_hour: u8,
}

#[derive(Clone, Debug)]
pub struct RateLimits {
    /// Attempts per account per 15 minutes (login, reset).
    pub per_account: u32,
    /// Attempts per client address per minute (login, reset).
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

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let file = read_toml_file("fora.toml")?;
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
        Ok(Self {
            database_url: get("DATABASE_URL").unwrap_or_else(|| "sqlite://fora.db?mode=rwc".into()),
            bind,
            base_url,
            smtp_url: get("SMTP_URL"),
            outbox_dir: PathBuf::from(get("FORA_OUTBOX").unwrap_or_else(|| "outbox".into())),
            from: get("FORA_FROM").unwrap_or_else(|| "Fora <fora@localhost>".into()),
            trust_proxy: matches!(get("FORA_TRUST_PROXY").as_deref(), Some("1" | "true")),
            limits,
            daily_summary_hour,
        })
    }

    /// Cookies get the `Secure` flag when the site is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
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

/// Reads `KEY = "value"` lines; enough for the handful of settings Fora has.
fn read_toml_file(path: &str) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut values = std::collections::HashMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(values);
    };
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            bail!("{path}:{}: expected KEY = \"value\"", number + 1);
        };
        let value = value.trim().trim_matches('"').to_string();
        values.insert(key.trim().to_string(), value);
    }
    Ok(values)
}
