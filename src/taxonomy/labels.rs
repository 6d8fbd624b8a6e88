//! Names in the three languages of the interface: the label of a vocabulary term, the name
//! and description of a theme. English is always there; a French or Spanish one that is
//! missing (empty) falls back to it.

use std::cmp::Ordering;

use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RawTokenizer, TextAnalyzer};

/// The interface languages, in the order the labels are kept.
pub const LANGUAGES: [&str; 3] = ["en", "fr", "es"];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Translated {
    pub en: String,
    pub fr: String,
    pub es: String,
}

/// A name that is the same in every language (a year, a project's title).
impl From<String> for Translated {
    fn from(en: String) -> Translated {
        Translated {
            en,
            ..Translated::default()
        }
    }
}

impl Translated {
    pub fn new(en: String, fr: String, es: String) -> Translated {
        Translated { en, fr, es }
    }

    /// The text in `lang`, or in English when it has none (or `lang` is another language).
    pub fn get(&self, lang: &str) -> &str {
        let text = match lang {
            "fr" => &self.fr,
            "es" => &self.es,
            _ => &self.en,
        };
        if text.trim().is_empty() {
            &self.en
        } else {
            text
        }
    }

    /// The text written in each language (a missing one left out), with its language.
    pub fn written(&self) -> impl Iterator<Item = (&'static str, &str)> {
        LANGUAGES
            .into_iter()
            .zip([&self.en, &self.fr, &self.es])
            .filter(|(_, text)| !text.trim().is_empty())
            .map(|(lang, text)| (lang, text.as_str()))
    }

    /// Whether `text` is this name in any language, regardless of case and accents
    /// ("cote d'ivoire" is "Côte d'Ivoire").
    pub fn is_named(&self, text: &str) -> bool {
        let wanted = folded(text);
        !wanted.is_empty() && self.written().any(|(_, name)| folded(name) == wanted)
    }
}

/// `text` lower-cased, without accents, with single spaces and one kind of apostrophe: what
/// two names are compared and sorted by.
pub fn folded(text: &str) -> String {
    let mut analyzer = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let text = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('’', "'");
    let mut stream = analyzer.token_stream(&text);
    let mut out = String::new();
    while let Some(token) = stream.next() {
        out.push_str(&token.text);
    }
    out
}

/// The order of names as a reader expects it, without regard to case and accents ("Égypte"
/// between "Équateur" and "Érythrée", not after "Zimbabwe"); equal ones by their exact text.
pub fn collate(a: &str, b: &str) -> Ordering {
    folded(a).cmp(&folded(b)).then_with(|| a.cmp(b))
}

/// Sorts `items` by the name `name` gives each (computing each key once).
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| {
        let name = name(item);
        (folded(name), name.to_string())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ci() -> Translated {
        Translated::new(
            "Côte d'Ivoire".into(),
            "Côte d'Ivoire".into(),
            "Costa de Marfil".into(),
        )
    }

    #[test]
    fn a_missing_translation_falls_back_to_english() {
        let term = Translated::new(
            "Midterm".into(),
            "Évaluation à mi-parcours".into(),
            " ".into(),
        );
        assert_eq!(term.get("fr"), "Évaluation à mi-parcours");
        assert_eq!(term.get("es"), "Midterm");
        assert_eq!(term.get("de"), "Midterm");
        assert_eq!(term.written().count(), 2);
    }

    #[test]
    fn names_match_in_any_language_without_case_or_accents() {
        assert!(ci().is_named("costa de marfil"));
        assert!(ci().is_named("COTE D'IVOIRE"));
        assert!(ci().is_named("  Côte   d’Ivoire "));
        assert!(!ci().is_named("Ghana"));
        assert!(!ci().is_named(""));
    }

    #[test]
    fn names_sort_without_regard_to_case_and_accents() {
        let mut names = vec!["Zimbabwe", "Érythrée", "Égypte", "équateur", "Espagne"];
        sort_by_name(&mut names, |n| n);
        assert_eq!(
            names,
            ["Égypte", "équateur", "Érythrée", "Espagne", "Zimbabwe"]
        );
        assert_eq!(collate("Perú", "peru"), Ordering::Less);
        assert_eq!(collate("Perú", "Portugal"), Ordering::Less);
    }
}
