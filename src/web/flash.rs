//! One-time notices carried across a redirect in the session ("Saved.", "Post held for review").

use std::{
    collections::HashSet,
    sync::{LazyLock, Mutex},
};

use tower_sessions::Session;

const KEY: &str = "flash";

/// The notice keys read back so far, each kept once for the life of the process: a notice is
/// a catalogue key, so there are at most as many as the catalogue holds.
static SEEN: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Mutex::default);

/// A stored notice as a key of the catalogue, or `None` when the catalogue has no such text:
/// whatever a session holds, only the catalogue's own words are ever shown. No list to keep:
/// a new notice is a new catalogue entry and nothing else.
fn known(stored: &str) -> Option<&'static str> {
    let mut seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(key) = seen.get(stored) {
        return Some(key);
    }
    if !templates::i18n::has_key("en", stored) {
        return None;
    }
    let key: &'static str = Box::leak(stored.to_owned().into_boxed_str());
    seen.insert(key);
    Some(key)
}

pub async fn set(session: &Session, key: &'static str) {
    if let Err(err) = session.insert(KEY, key).await {
        tracing::warn!(error = %err, "could not store a notice");
    }
}

/// Reads and clears the notice. Removing marks the session for saving, so only do it when
/// there is something to remove: page views must not write.
pub async fn take(session: &Session) -> Option<&'static str> {
    let stored: String = session.get(KEY).await.ok().flatten()?;
    let _ = session.remove::<String>(KEY).await;
    known(&stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_catalogue_keys_are_notices() {
        let first = known("mod.done_hide").expect("a catalogue key");
        assert_eq!(first, "mod.done_hide");
        // The same key is kept once.
        assert!(std::ptr::eq(first, known("mod.done_hide").expect("again")));
        assert_eq!(known("edition.done_intro"), Some("edition.done_intro"));
        for made_up in [
            "",
            "mod",
            "mod.",
            "not.a.key",
            "<b>hi</b>",
            "mod.done_hide ",
        ] {
            assert_eq!(known(made_up), None, "{made_up:?}");
        }
    }
}
