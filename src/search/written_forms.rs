//! How the library writes a word, accents and all. The index folds accents ("educación" and
//! "educacion" are one word to it), so a word suggested from the index's words would read
//! "educacion" to a Spanish reader. Each document keeps one token per word of it that folding
//! changes, "folded form, U+0001, lower-cased form", in the `written` field; a suggestion is
//! written the way the documents that hold it write it.

use std::{cell::RefCell, collections::BTreeSet};

use tantivy::{Searcher, TantivyDocument, Term, schema::Value, tokenizer::TextAnalyzer};

use super::{analysis, schema::Fields};

const SEPARATOR: char = '\u{1}';
/// The character after [`SEPARATOR`]: a folded word's tokens sort before it.
const AFTER_SEPARATOR: char = '\u{2}';
/// More ways of writing one word than this are not looked at (one or two is the rule).
const MOST_FORMS: usize = 8;

thread_local! {
    /// Each indexing thread's analyzers: lower-casing only, and folding as the index does.
    static ANALYZERS: RefCell<(TextAnalyzer, TextAnalyzer)> =
        RefCell::new((analysis::lower_cased_analyzer(), analysis::plain_analyzer()));
}

fn token(folded: &str, written: &str) -> String {
    format!("{folded}{SEPARATOR}{written}")
}

/// Adds to `doc` one `written` token per word of its `plain` texts that folding changes.
pub fn mark(fields: &Fields, doc: &mut TantivyDocument) {
    let mut tokens = BTreeSet::new();
    ANALYZERS.with_borrow_mut(|(lower, plain)| {
        for text in doc.get_all(fields.plain).filter_map(|value| value.as_str()) {
            for (_, word) in analysis::analyze(lower, text) {
                if word.is_ascii() {
                    continue;
                }
                if let Some((_, folded)) = analysis::analyze(plain, &word).into_iter().next()
                    && folded != word
                {
                    tokens.insert(token(&folded, &word));
                }
            }
        }
    });
    for token in tokens {
        doc.add_text(fields.written, token);
    }
}

/// The ways documents write the folded word `folded` with accents ("educación" for
/// "educacion"), each with its term, whoever's documents they are: the caller counts the
/// documents it may tell of.
pub fn forms(fields: &Fields, searcher: &Searcher, folded: &str) -> Vec<(String, Term)> {
    let from = token(folded, "");
    let until = format!("{folded}{AFTER_SEPARATOR}");
    let mut written = BTreeSet::new();
    for reader in searcher.segment_readers() {
        let Ok(inverted) = reader.inverted_index(fields.written) else {
            continue;
        };
        let Ok(mut stream) = inverted
            .terms()
            .range()
            .ge(from.as_bytes())
            .lt(until.as_bytes())
            .into_stream()
        else {
            continue;
        };
        while written.len() < MOST_FORMS && stream.advance() {
            if let Some(word) = std::str::from_utf8(stream.key())
                .ok()
                .and_then(|key| key.strip_prefix(&from))
            {
                written.insert(word.to_string());
            }
        }
    }
    written
        .into_iter()
        .map(|word| {
            let term = Term::from_field_text(fields.written, &token(folded, &word));
            (word, term)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str) -> Vec<String> {
        let fields = Fields::new();
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.plain, text);
        mark(&fields, &mut doc);
        doc.get_all(fields.written)
            .filter_map(|value| value.as_str().map(|t| t.replace(SEPARATOR, "|")))
            .collect()
    }

    #[test]
    fn only_words_folding_changes_are_kept() {
        assert_eq!(
            marked("La Educación de los NIÑOS: educación y formation, œuvre"),
            ["educacion|educación", "ninos|niños", "oeuvre|œuvre"]
        );
        assert!(marked("Labour inspection in cocoa farms").is_empty());
    }
}
