//! The confirmation step of destructive and mass actions: the first POST (from a button on a
//! list) gets a page that says what will happen; only the POST from that page, which carries
//! `confirmed=yes`, acts.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirmed: Option<String>,
}

impl ConfirmForm {
    pub fn given(&self) -> bool {
        self.confirmed.as_deref() == Some("yes")
    }
}
