//! The language a question is written in: the one whose stop words it holds ("comment
//! impliquer les syndicats"). Where two languages share them ("en", "la" are French and
//! Spanish), the reader's language when it is one of them, else the one a trigram model of
//! those languages only (`whatlang`) reads in its letters: "niños trabajadores en la
//! agricultura" asked from an English page is Spanish. A question without stop words
//! ("trabajo infantil", "WFCL") is too short for any model: it is in the reader's language.

use tantivy::tokenizer::TextAnalyzer;
use whatlang::{Detector, Lang};

use super::analysis::{self, LANGUAGES};

/// `whatlang`'s name of each of [`LANGUAGES`], in the same order.
const MODELS: [Lang; LANGUAGES.len()] = [Lang::Eng, Lang::Fra, Lang::Spa];

/// The position in [`LANGUAGES`] of the language of `words` (as typed), given each language's
/// analyzer (in the order of [`LANGUAGES`]) and the reader's language.
pub fn tell(
    words: &[String],
    analyzers: &mut [TextAnalyzer],
    reader: Option<usize>,
) -> Option<usize> {
    let mut held = [0usize; LANGUAGES.len()];
    for word in words {
        for (at, analyzer) in analyzers.iter_mut().enumerate() {
            // A stop word is what a language's analyzer drops.
            if analysis::analyze(analyzer, word).is_empty() {
                held[at] += 1;
            }
        }
    }
    let most = *held.iter().max()?;
    if most == 0 {
        return reader;
    }
    let leaders: Vec<usize> = (0..held.len()).filter(|&at| held[at] == most).collect();
    if let [only] = leaders.as_slice() {
        return Some(*only);
    }
    if let Some(reader) = reader.filter(|reader| leaders.contains(reader)) {
        return Some(reader);
    }
    let models = leaders.iter().map(|&at| MODELS[at]).collect();
    let told = Detector::with_allowlist(models).detect_lang(&words.join(" "));
    told.and_then(|told| MODELS.iter().position(|model| *model == told))
        .or(reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told(question: &str) -> Option<&'static str> {
        told_to(question, None)
    }

    fn told_to(question: &str, reader: Option<&str>) -> Option<&'static str> {
        let mut analyzers: Vec<TextAnalyzer> = LANGUAGES
            .iter()
            .map(|(_, language)| analysis::language_analyzer(*language))
            .collect();
        let words: Vec<String> = question.split(' ').map(str::to_string).collect();
        let reader = reader.and_then(|code| LANGUAGES.iter().position(|(c, _)| *c == code));
        tell(&words, &mut analyzers, reader).map(|at| LANGUAGES[at].0)
    }

    #[test]
    fn stop_words_tell_the_language() {
        assert_eq!(
            told("role of parents in preventing child labor"),
            Some("en")
        );
        assert_eq!(told("comment impliquer les syndicats"), Some("fr"));
        assert_eq!(told("sostenibilidad después del proyecto"), Some("es"));
        assert_eq!(told("les petites bonnes en ville"), Some("fr"));
    }

    #[test]
    fn letters_decide_between_languages_that_share_stop_words() {
        assert_eq!(told("niños trabajadores en la agricultura"), Some("es"));
        assert_eq!(told("trabajo infantil en la pesca"), Some("es"));
        assert_eq!(told("en la escuela"), Some("es"));
        assert_eq!(told("la pêche"), Some("fr"));
        assert_eq!(told_to("en la escuela", Some("en")), Some("es"));
    }

    #[test]
    fn the_readers_language_decides_when_it_is_one_of_those_tied() {
        assert_eq!(told_to("la pêche", Some("es")), Some("es"));
        assert_eq!(told_to("en la escuela", Some("fr")), Some("fr"));
    }

    #[test]
    fn questions_without_stop_words_are_in_the_readers_language() {
        assert_eq!(told("trabajo infantil"), None);
        assert_eq!(told("WFCL"), None);
        assert_eq!(told(""), None);
        assert_eq!(told_to("trabajo infantil", Some("fr")), Some("fr"));
        assert_eq!(told_to("inspection", Some("en")), Some("en"));
    }
}
