//! Names in the three languages of the interface: the label of a vocabulary term, the name
//! and description of a theme. English is always there; a French or Spanish one that is
//! missing (empty) falls back to it.

use std::cell::RefCell;

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
}

thread_local! {
    /// Lower-cases and folds accents, the text kept whole.
    static FOLDER: RefCell<TextAnalyzer> = RefCell::new(
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
}

/// `text` lower-cased, without accents, with single spaces and one kind of apostrophe: what
/// two names are compared and sorted by.
pub fn folded(text: &str) -> String {
    let text = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('’', "'");
    FOLDER.with_borrow_mut(|analyzer| {
        let mut stream = analyzer.token_stream(&text);
        let mut out = String::new();
        while let Some(token) = stream.next() {
            out.push_str(&token.text);
        }
        out
    })
}

/// Sorts `items` by the name `name` gives each as a reader expects, without regard to case
/// and accents ("Égypte" between "Équateur" and "Érythrée", not after "Zimbabwe"); equal ones
/// by their exact text. Each key is computed once.
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| {
        let name = name(item);
        (folded(name), name.to_string())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn names_compare_without_case_accents_or_spacing() {
        let same = |a: &str, b: &str| folded(a) == folded(b);
        assert!(same("costa de marfil", "Costa de Marfil"));
        assert!(same("COTE D'IVOIRE", "Côte d'Ivoire"));
        assert!(same("  Côte   d’Ivoire ", "Côte d'Ivoire"));
        assert!(!same("Ghana", "Côte d'Ivoire"));
    }

    #[test]
    fn names_sort_without_regard_to_case_and_accents() {
        let mut names = vec!["Zimbabwe", "Érythrée", "Égypte", "équateur", "Espagne"];
        sort_by_name(&mut names, |n| n);
        assert_eq!(
            names,
            ["Égypte", "équateur", "Érythrée", "Espagne", "Zimbabwe"]
        );
        let mut names = vec!["Portugal", "Perú", "peru"];
        sort_by_name(&mut names, |n| n);
        assert_eq!(names, ["Perú", "peru", "Portugal"]);
    }
}
