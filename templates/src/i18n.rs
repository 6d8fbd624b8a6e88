//! The one translation lookup. Keys live in `templates/locales/*.yml`; English is complete and
//! is the fallback for any key another catalogue lacks.
//!
//! A text that counts something is a *plural key*: its forms sit under the key, one per CLDR
//! plural category of the language (`one`, `many`, `other`: `invite.sent.one`,
//! `invite.sent.other`), and [`plural`] picks the form for a count and writes the count in
//! the language's digits. ICU4X's `icu_plurals` (current CLDR) says which category a count is.

use std::borrow::Cow;

use icu_locale_core::locale;
use icu_plurals::{PluralCategory, PluralRules};

use crate::format;

pub const SUPPORTED: &[&str] = &["en", "fr", "es"];

/// Borrowed from the compiled-in catalogue: a lookup allocates nothing.
pub fn t<'a>(lang: &str, key: &'a str) -> Cow<'a, str> {
    crate::_rust_i18n_translate(lang, key)
}

/// A lookup with `%{name}` placeholders filled in.
pub fn tf(lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    fill(t(lang, key).into_owned(), args)
}

fn fill(mut text: String, args: &[(&str, &str)]) -> String {
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

/// The form of a plural key for `count`, with `%{count}` written in the language's digits
/// ("1 réponse", "0 réponse", "2 réponses", "1\u{202f}191 réponses").
pub fn plural(lang: &str, key: &str, count: impl TryInto<i128>) -> String {
    plural_with(lang, key, count, &[])
}

/// [`plural`] with more `%{name}` placeholders filled in.
pub fn plural_with(
    lang: &str,
    key: &str,
    count: impl TryInto<i128>,
    args: &[(&str, &str)],
) -> String {
    let count: i128 = count.try_into().unwrap_or_default();
    let text =
        form(lang, key, category(lang, count)).replace("%{count}", &format::number(lang, count));
    fill(text, args)
}

/// The text of one form of a plural key. A category the catalogue lacks (say `many` in a
/// translation still to be completed) falls back to the language's `other`, then to English.
fn form(lang: &str, key: &str, category: PluralCategory) -> String {
    let other = format!("{key}.other");
    own_text(lang, &format!("{key}.{}", category_name(category)))
        .or_else(|| own_text(lang, &other))
        .map(str::to_string)
        .unwrap_or_else(|| t(lang, &other).into_owned())
}

/// The CLDR plural category of a count in a supported language.
pub fn category(lang: &str, count: i128) -> PluralCategory {
    with_rules(lang, |rules| rules.category_for(count.unsigned_abs()))
}

/// The plural categories a language's texts must have forms for.
pub fn categories(lang: &str) -> Vec<&'static str> {
    with_rules(lang, |rules| {
        rules.categories().map(category_name).collect()
    })
}

thread_local! {
    /// The CLDR cardinal rules of each supported language, in [`SUPPORTED`]'s order: built once
    /// a thread from compiled-in data (ICU4X's data is not shareable between threads).
    static RULES: [PluralRules; 3] = [locale!("en"), locale!("fr"), locale!("es")].map(|locale| {
        PluralRules::try_new_cardinal(locale.into()).expect("compiled-in plural rules")
    });
}

fn with_rules<R>(lang: &str, f: impl FnOnce(&PluralRules) -> R) -> R {
    let index = SUPPORTED.iter().position(|l| *l == lang).unwrap_or(0);
    RULES.with(|rules| f(&rules[index]))
}

pub fn category_name(category: PluralCategory) -> &'static str {
    match category {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

/// A translation of this very locale, without falling back to English.
fn own_text(lang: &str, key: &str) -> Option<&'static str> {
    crate::_RUST_I18N_BACKEND.translate(lang, key)
}

/// A language code exactly as a form or a command line must give it (`en`, `fr` or `es`,
/// surrounding spaces ignored); `None` for anything else, which is refused, never guessed.
pub fn known(code: &str) -> Option<&'static str> {
    let code = code.trim();
    SUPPORTED.iter().copied().find(|l| *l == code)
}

/// A language's name in that language ("Français"), as language choices show it.
pub fn autonym(code: &str) -> Cow<'static, str> {
    let key = match code {
        "fr" => "profile.lang_fr",
        "es" => "profile.lang_es",
        _ => "profile.lang_en",
    };
    t(supported(code), key)
}

/// The key of a language's name as a label says it in another language ("(in French)").
pub fn in_language_key(code: &str) -> &'static str {
    match code {
        "fr" => "language.in_fr",
        "es" => "language.in_es",
        _ => "language.in_en",
    }
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
        // `q=0` means "not this one" (RFC 9110); a quality that is not a number counts as none.
        if let Some(lang) = SUPPORTED.iter().copied().find(|l| *l == primary)
            && quality > 0.0
            && best.is_none_or(|(_, q)| quality > q)
        {
            best = Some((lang, quality));
        }
    }
    best.map(|(lang, _)| lang).unwrap_or("en")
}

/// Whether a catalogue holds a key, or a plural key of that name (its `other` form), for the
/// completeness test.
pub fn has_key(lang: &str, key: &str) -> bool {
    let present = |key: &str| {
        rust_i18n::t!(key, locale = lang) != format!("{lang}.{key}")
            && rust_i18n::t!(key, locale = lang) != key
    };
    present(key) || present(&format!("{key}.other"))
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
        assert_eq!(negotiate("fr;q=0, es;q=0.1"), "es");
        assert_eq!(negotiate("fr;q=0"), "en");
        assert_eq!(negotiate("fr;q=NaN"), "en");
    }

    /// Every key used anywhere in the code exists in the English catalogue.
    #[test]
    fn form_languages_are_exact_codes() {
        assert_eq!(known("fr"), Some("fr"));
        assert_eq!(known(" es "), Some("es"));
        for bad in ["", "FR", "fr-FR", "de", "english", "e"] {
            assert_eq!(known(bad), None, "{bad:?}");
        }
        assert_eq!(autonym("fr"), "Français");
        assert_eq!(autonym("es"), "Español");
        assert_eq!(t("fr", in_language_key("en")), "(en anglais)");
        assert_eq!(t("es", in_language_key("fr")), "(en francés)");
        assert_eq!(t("en", in_language_key("es")), "(in Spanish)");
    }

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
            "reply_mail",
            "roles",
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

    // The translated catalogues. rust-i18n 3 reads every `locales/**/*.yml` and takes the locale
    // from the last dot-separated part of the file stem (`api.fr.yml` → "fr"); the files carry no
    // `_version`, so each is a version-1 catalogue of one locale whose nested keys are flattened
    // with dots (`nav:` / `sign_in:` → "nav.sign_in"). The backend cannot list its keys, so the
    // keys come from the files (read below) and the texts from the compiled-in backend, looked up
    // without the English fallback.

    const TRANSLATIONS: &[&str] = &["fr", "es"];

    /// Every key of one locale, read from its catalogue files (`fr.yml`, `api.fr.yml`, …).
    fn catalogue_keys(lang: &str) -> std::collections::BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut keys = std::collections::BTreeSet::new();
        let mut files = 0;
        for entry in std::fs::read_dir(&dir)
            .expect("templates/locales")
            .flatten()
        {
            let path = entry.path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !path.extension().is_some_and(|e| e == "yml" || e == "yaml")
                || stem.split('.').next_back() != Some(lang)
            {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).expect("a readable catalogue");
            for key in yaml_keys(&text, &path.display().to_string()) {
                assert!(
                    keys.insert(key.clone()),
                    "{key} is defined twice for {lang}"
                );
            }
        }
        assert!(
            files > 0,
            "no catalogue file for {lang} in {}",
            dir.display()
        );
        keys
    }

    /// The leaf keys of a catalogue: nested `name:` lines joined with dots. Only the shapes the
    /// catalogues use (two-space indentation, one `key: value` a line) are accepted; anything
    /// else fails loudly rather than being skipped.
    fn yaml_keys(text: &str, file: &str) -> Vec<String> {
        let mut path: Vec<&str> = Vec::new();
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            assert!(indent % 2 == 0, "{file}:{}: odd indentation", n + 1);
            let depth = indent / 2;
            assert!(
                depth <= path.len(),
                "{file}:{}: unexpected indentation",
                n + 1
            );
            path.truncate(depth);
            let (name, value) = trimmed
                .split_once(':')
                .unwrap_or_else(|| panic!("{file}:{}: not a `key: value` line", n + 1));
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{file}:{}: unexpected key {name:?}",
                n + 1
            );
            if value.trim().is_empty() {
                path.push(name);
            } else {
                let mut key = path.join(".");
                key.push('.');
                key.push_str(name);
                keys.push(key);
            }
        }
        keys
    }

    /// The `%{name}` placeholders of a text, sorted, repeats kept.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = text
            .split("%{")
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn catalogue_files_are_read_like_rust_i18n_reads_them() {
        let english = catalogue_keys("en");
        assert!(
            english.len() > 600,
            "only {} English keys read",
            english.len()
        );
        for key in &english {
            assert!(
                own_text("en", key).is_some(),
                "{key} read from the files but not compiled in"
            );
        }
        let locales = crate::_rust_i18n_available_locales();
        for lang in SUPPORTED {
            assert!(
                locales.contains(lang),
                "no compiled-in catalogue for {lang}: {locales:?}"
            );
        }
    }

    #[test]
    fn french_and_spanish_have_every_english_key() {
        let english = catalogue_keys("en");
        for lang in TRANSLATIONS {
            let keys = catalogue_keys(lang);
            let missing: Vec<&String> = english
                .iter()
                .filter(|key| !keys.contains(*key) || own_text(lang, key).is_none())
                .collect();
            assert!(
                missing.is_empty(),
                "keys missing from the {lang} catalogue: {missing:?}"
            );
            let empty: Vec<&String> = keys
                .iter()
                .filter(|key| own_text(lang, key).is_some_and(|text| text.trim().is_empty()))
                .collect();
            assert!(empty.is_empty(), "empty {lang} translations: {empty:?}");
        }
    }

    #[test]
    fn french_and_spanish_have_no_key_english_lacks() {
        let english = catalogue_keys("en");
        for lang in TRANSLATIONS {
            // A form English does not need (French and Spanish `many`) is no extra key.
            let extra: Vec<String> = catalogue_keys(lang)
                .difference(&english)
                .filter(|key| {
                    plural_form(key).is_none_or(|(parent, category)| {
                        !english.contains(&format!("{parent}.other"))
                            || !categories(lang).contains(&category)
                    })
                })
                .cloned()
                .collect();
            assert!(
                extra.is_empty(),
                "{lang} keys that English lacks: {extra:?}"
            );
        }
    }

    /// Placeholders match English key by key. A form of a plural key is compared with English
    /// `other` and may leave out `%{count}` ("Retry the failed delivery": a language's `one`
    /// may say it in words), but every `many` and `other` form shows the count.
    #[test]
    fn placeholders_are_the_same_in_every_language() {
        let mut wrong = Vec::new();
        for lang in SUPPORTED {
            for key in catalogue_keys(lang) {
                let text = own_text(lang, &key).unwrap_or_default();
                let (reference, mut translated) = match plural_form(&key) {
                    Some((parent, category)) => {
                        if (category == "other" || category == "many") && !text.contains("%{count}")
                        {
                            wrong.push(format!("{lang} {key} does not show %{{count}}"));
                        }
                        (format!("{parent}.other"), placeholders(text))
                    }
                    None => (key.clone(), placeholders(text)),
                };
                let Some(english) = own_text("en", &reference) else {
                    continue; // reported by french_and_spanish_have_no_key_english_lacks
                };
                let mut english = placeholders(english);
                if reference != key {
                    english.retain(|name| *name != "count");
                    translated.retain(|name| *name != "count");
                }
                if translated != english {
                    wrong.push(format!("{lang} {key}: {translated:?}, English {english:?}"));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "placeholders differ:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn french_and_spanish_lookups_return_the_translation() {
        let checks = [
            ("nav.sign_in", "Se connecter", "Iniciar sesión"),
            ("nav.learnings", "Enseignements", "Lecciones"),
            (
                "nav.products",
                "Produits de connaissance",
                "Productos de conocimiento",
            ),
            (
                "learning.type_lesson_learned",
                "Enseignement tiré",
                "Lección aprendida",
            ),
            (
                "learning.type_good_practice",
                "Bonne pratique",
                "Buena práctica",
            ),
            (
                "edition.archive_back",
                "Tous les numéros",
                "Todas las ediciones",
            ),
            ("newsletter.title", "Lettre d\u{2019}information", "Boletín"),
            ("import.submit", "Importer", "Importar"),
            (
                "api.method_not_allowed",
                "Cette API est en lecture seule\u{a0}: utilisez GET.",
                "Esta API es de solo lectura: use GET.",
            ),
        ];
        for (key, fr, es) in checks {
            assert_eq!(t("fr", key), fr, "fr {key}");
            assert_eq!(t("es", key), es, "es {key}");
            assert_ne!(t("fr", key), t("en", key), "fr {key} is English");
            assert_ne!(t("es", key), t("en", key), "es {key} is English");
        }
        assert_eq!(
            tf("fr", "common.page_of", &[("page", "2"), ("pages", "5")]),
            "Page 2 sur 5"
        );
        assert_eq!(
            tf("es", "common.page_of", &[("page", "2"), ("pages", "5")]),
            "Página 2 de 5"
        );
        assert_eq!(t(supported("fr-SN"), "nav.sign_out"), "Se déconnecter");
        assert_eq!(t(supported("es_419"), "nav.sign_out"), "Cerrar sesión");
    }

    /// `("theme.counts.learnings_count", "one")` for a form of a plural key.
    fn plural_form(key: &str) -> Option<(&str, &str)> {
        let (parent, last) = key.rsplit_once('.')?;
        ["zero", "one", "two", "few", "many", "other"]
            .contains(&last)
            .then_some((parent, last))
    }

    #[test]
    fn plural_categories_follow_cldr() {
        let name = |lang: &str, n: i128| category_name(category(lang, n));
        for n in [0, 1] {
            assert_eq!(name("fr", n), "one", "fr {n}");
        }
        assert_eq!(name("fr", 2), "other");
        assert_eq!(name("fr", 1_000_000), "many");
        for lang in ["en", "es"] {
            assert_eq!(name(lang, 1), "one", "{lang} 1");
            assert_eq!(name(lang, 0), "other", "{lang} 0");
            assert_eq!(name(lang, 2), "other", "{lang} 2");
        }
        assert_eq!(name("es", 1_000_000), "many");
        assert_eq!(name("en", 1_000_000), "other");
        assert_eq!(categories("en"), ["one", "other"]);
        assert_eq!(categories("fr"), ["one", "many", "other"]);
        assert_eq!(categories("es"), ["one", "many", "other"]);
    }

    #[test]
    fn plural_lookup_picks_the_form_and_writes_the_count() {
        assert_eq!(plural("fr", "invite.sent", 0), "0 invitation envoyée.");
        assert_eq!(plural("fr", "invite.sent", 1), "1 invitation envoyée.");
        assert_eq!(plural("fr", "invite.sent", 2), "2 invitations envoyées.");
        assert_eq!(
            plural("fr", "invite.sent", 1_000_000),
            "1\u{202f}000\u{202f}000 d\u{2019}invitations envoyées."
        );
        assert_eq!(plural("es", "invite.sent", 1), "1 invitación enviada.");
        assert_eq!(plural("es", "invite.sent", 0), "0 invitaciones enviadas.");
        assert_eq!(plural("en", "invite.sent", 1), "1 invitation sent.");
        assert_eq!(plural("en", "invite.sent", 1191), "1,191 invitations sent.");
        assert_eq!(plural("en", "theme.products_count", 1), "1 product");
        assert_eq!(plural("en", "theme.products_count", 2), "2 products");
        assert_eq!(
            plural("es", "theme.learnings_count", 1191),
            "1191 lecciones"
        );
        assert_eq!(
            plural("es", "theme.learnings_count", 11_191),
            "11.191 lecciones"
        );
        assert_eq!(
            plural_with("en", "import.nothing_written", 1, &[("rows", "2")]),
            "Nothing was imported: 1 row of 2 was rejected."
        );
        // A language's form missing falls back to its `other`, then to English.
        assert_eq!(
            form("en", "invite.sent", PluralCategory::Many),
            "%{count} invitations sent."
        );
        assert_eq!(
            form("fr", "invite.sent", PluralCategory::Two),
            "%{count} invitations envoyées."
        );
    }

    /// Every plural key has, in every catalogue, a form for each CLDR category of that
    /// language and no other: French and Spanish `many` ("1 000 000 de respuestas"), English
    /// only `one` and `other`.
    #[test]
    fn plural_keys_have_the_forms_their_languages_need() {
        let mut wrong = Vec::new();
        let mut plural_keys = 0;
        for lang in SUPPORTED {
            let mut forms: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
            let keys = catalogue_keys(lang);
            for key in &keys {
                if let Some((parent, category)) = plural_form(key) {
                    forms.entry(parent).or_default().push(category);
                }
            }
            let needed = categories(lang);
            for (parent, mut found) in forms {
                plural_keys += 1;
                found.sort_by_key(|c| needed.iter().position(|n| n == c));
                if found != needed {
                    wrong.push(format!("{lang} {parent}: {found:?}, needs {needed:?}"));
                }
            }
        }
        assert!(
            plural_keys >= 3 * 15,
            "only {plural_keys} plural keys found"
        );
        assert!(wrong.is_empty(), "plural forms:\n{}", wrong.join("\n"));
    }

    /// French puts a no-break space before `:` (U+00A0) and a narrow one before `; ? !`
    /// (U+202F), and inside « »; a plain space there would let the line break before the mark.
    /// Digits are grouped with a narrow no-break space too (20 000), and apostrophes are ’.
    #[test]
    fn french_typography() {
        let mut wrong = Vec::new();
        for key in catalogue_keys("fr") {
            let text = own_text("fr", &key).unwrap_or_default();
            let bad = [
                " :", " ;", " ?", " !", "« ", " »", "\u{a0};", "\u{a0}?", "\u{a0}!", "“", "”",
            ]
            .iter()
            .any(|bad| text.contains(bad))
                || text.contains('\'')
                || text
                    .as_bytes()
                    .windows(3)
                    .any(|w| w[0].is_ascii_digit() && w[1] == b' ' && w[2].is_ascii_digit());
            if bad {
                wrong.push(format!("{key}: {text}"));
            }
        }
        assert!(wrong.is_empty(), "French typography:\n{}", wrong.join("\n"));
    }
}
