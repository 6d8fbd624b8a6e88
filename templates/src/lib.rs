//! Fora's views: pages and emails as functions of plain view data. No database handles, no
//! entities, no axum types here, and every user-facing string goes through `i18n::t`.
//! `PreEscaped` is used only for HTML that `fora::markdown` sanitized.

rust_i18n::i18n!("locales", fallback = "en");

pub mod accounts;
pub mod admin;
pub mod bounces;
pub mod catalogue;
pub mod components;
pub mod confirm;
pub mod email;
pub mod errors;
pub mod format;
pub mod forums;
pub mod home;
pub mod i18n;
pub mod imports;
pub mod layout;
pub mod learnings;
pub mod mail_name;
pub mod moderation;
pub mod newsletter;
pub mod newsletter_edition;
pub mod paths;
pub mod relative_time;
pub mod roles;
pub mod thread_head;
pub mod translations;
pub mod waiting;

pub use maud::{Markup, PreEscaped};

/// What every page needs to know about the request.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: &'static str,
    pub csrf: String,
    pub user: Option<NavUser>,
    /// The page's own path and query: where a language link comes back to.
    pub here: String,
    /// When the page is made (Unix seconds): "3 hours ago" counts from here.
    pub now: i64,
}

impl Ctx {
    /// The `lang` attribute of a text written in `language`: only where it differs from the
    /// page's.
    pub fn other_lang<'a>(&self, language: &'a str) -> Option<&'a str> {
        (language != self.lang).then_some(language)
    }
}

#[derive(Clone, Debug)]
pub struct NavUser {
    pub display_name: String,
    pub is_admin: bool,
    /// How many hand-offs wait for this person (`/waiting`).
    pub waiting: u32,
    /// Mail to their address bounced until it was stopped: every page says so.
    pub address_bounces: bool,
}

/// The site's stylesheet, served at `/static/style.css`.
pub const STYLESHEET: &str = include_str!("../static/style.css");

/// The site's icon (32 px, one PNG inside an ICO), served at `/favicon.ico` where browsers
/// look for it unasked.
pub const FAVICON: &[u8] = include_bytes!("../static/favicon.ico");
