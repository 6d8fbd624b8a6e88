//! The one translation lookup. Keys live in `templates/locales/*.yml`; English is complete and
//! is the fallback for any key another catalogue lacks.

use std::borrow::Cow;

pub const SUPPORTED: &[&str] = &["en", "fr", "es"];

/// Borrowed from the compiled-in catalogue: a lookup allocates nothing.
pub fn t<'a>(lang: &str, key: &'a str) -> Cow<'a, str> {
    crate::_rust_i18n_translate(lang, key)
}

/// A lookup with `%{name}` placeholders filled in.
pub fn tf(lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    let mut text = t(lang, key).into_owned();
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

/// The supported language nearest to a stored preference.
pub fn supported(locale: &str) -> &'static str {
    let primary = locale
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    SUPPORTED
        .iter()
        .copied()
        .find(|l| *l == primary)
        .unwrap_or("en")
}

/// The best supported language for an `Accept-Language` header.
pub fn negotiate(accept_language: &str) -> &'static str {
    let mut best: Option<(&'static str, f32)> = None;
    for part in accept_language.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let quality = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        if let Some(lang) = SUPPORTED.iter().copied().find(|l| *l == primary)
            && best.is_none_or(|(_, q)| quality > q)
        {
            best = Some((lang, quality));
        }
    }
    best.map(|(lang, _)| lang).unwrap_or("en")
}

/// Every key the English catalogue holds, for the completeness test.
pub fn has_key(lang: &str, key: &str) -> bool {
    rust_i18n::t!(key, locale = lang) != format!("{lang}.{key}")
        && rust_i18n::t!(key, locale = lang) != key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_languages() {
        assert_eq!(negotiate("fr-CH, fr;q=0.9, en;q=0.8"), "fr");
        assert_eq!(negotiate("de, es;q=0.5"), "es");
        assert_eq!(negotiate(""), "en");
        assert_eq!(negotiate("q=;;,,"), "en");
    }

    /// Every key used anywhere in the code exists in the English catalogue.
    #[test]
    fn english_catalogue_is_complete() {
        assert!(has_key("en", "nav.sign_in"));
        assert!(
            !has_key("en", &format!("nav.{}", "no_such_key")),
            "the check must be able to fail"
        );
        let re = regex_lite_keys();
        let mut missing = Vec::new();
        for dir in ["src", "../src"] {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            visit(&root, &mut |text| {
                for key in re(text) {
                    if !has_key("en", &key) {
                        missing.push(key);
                    }
                }
            });
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "keys missing from locales/en.yml: {missing:?}"
        );
    }

    fn visit(dir: &std::path::Path, f: &mut dyn FnMut(&str)) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(&path, f);
            } else if path.extension().is_some_and(|e| e == "rs")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                f(&text);
            }
        }
    }

    /// Keys are string literals like `"area.name"` whose area is one of the catalogue's.
    fn regex_lite_keys() -> impl Fn(&str) -> Vec<String> {
        const AREAS: &[&str] = &[
            "common",
            "nav",
            "auth",
            "forum",
            "thread",
            "post",
            "mod",
            "admin",
            "profile",
            "email",
            "error",
            "form",
            "notice",
            "home",
            "follow",
            "invite",
            "members",
            "queue",
            "log",
            "learning",
            "search",
            "review",
            "product",
            "theme",
            "import",
            "feed",
            "api",
            "newsletter",
            "edition",
            "delivery",
        ];
        |text: &str| {
            text.split('"')
                .skip(1)
                .step_by(2)
                .filter(|literal| {
                    literal.split_once('.').is_some_and(|(area, rest)| {
                        AREAS.contains(&area)
                            && !rest.is_empty()
                            && rest.chars().all(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                            })
                    })
                })
                .map(str::to_string)
                .collect()
        }
    }
}
