//! How text becomes searchable words: one analyzer per language (stemming and stop words of
//! English, French or Spanish) and a plain one (no stemming) for prefixes. Every analyzer folds
//! case and accents and maps American spellings of the field's words to British ones, so
//! "labor", "labour", "travail" and "trabajo" each meet their own kind on both sides.

use std::{mem, sync::LazyLock};

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The languages learnings are written in, with the analyzer name of each.
pub const LANGUAGES: [(&str, Language); 3] = [
    ("en", Language::English),
    ("fr", Language::French),
    ("es", Language::Spanish),
];

/// The position in [`LANGUAGES`] of the language of `code` ("en", "fr", "es").
pub fn position_of(code: &str) -> Option<usize> {
    LANGUAGES.iter().position(|(known, _)| *known == code)
}

/// A set of [`LANGUAGES`], by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Languages(u8);

impl Languages {
    pub const ALL: Languages = Languages((1 << LANGUAGES.len()) - 1);

    /// The language of `code` ("en", "fr", "es"), alone.
    pub fn of_code(code: &str) -> Option<Languages> {
        Some(Languages(1 << position_of(code)?))
    }

    pub fn contains(self, at: usize) -> bool {
        self.0 & (1 << at) != 0
    }

    pub fn with(self, other: Languages) -> Languages {
        Languages(self.0 | other.0)
    }
}

pub const PLAIN: &str = "fora_plain";

pub fn analyzer_name(language: &str) -> String {
    format!("fora_{language}")
}

/// American → British spellings (after lower-casing and accent folding). Words, not suffix
/// rules: a rule would also turn "color" into "colour" in Spanish.
const SPELLINGS: &[(&str, &str)] = &[
    ("labor", "labour"),
    ("labors", "labours"),
    ("labored", "laboured"),
    ("program", "programme"),
    ("programs", "programmes"),
    ("organization", "organisation"),
    ("organizations", "organisations"),
    ("organizational", "organisational"),
    ("organize", "organise"),
    ("organized", "organised"),
    ("organizing", "organising"),
    ("mobilization", "mobilisation"),
    ("mobilize", "mobilise"),
    ("mobilized", "mobilised"),
    ("sensitization", "sensitisation"),
    ("sensitize", "sensitise"),
    ("sensitized", "sensitised"),
    ("institutionalization", "institutionalisation"),
    ("institutionalize", "institutionalise"),
    ("institutionalized", "institutionalised"),
    ("prioritize", "prioritise"),
    ("prioritized", "prioritised"),
    ("utilization", "utilisation"),
    ("behavior", "behaviour"),
    ("behaviors", "behaviours"),
    ("center", "centre"),
    ("centers", "centres"),
    ("enrollment", "enrolment"),
    ("enrollments", "enrolments"),
    ("enroll", "enrol"),
    ("counseling", "counselling"),
    ("modeling", "modelling"),
    ("traveling", "travelling"),
    ("favor", "favour"),
    ("neighbor", "neighbour"),
    ("neighborhood", "neighbourhood"),
    ("neighborhoods", "neighbourhoods"),
    ("analyze", "analyse"),
    ("analyzed", "analysed"),
    ("recognize", "recognise"),
    ("recognized", "recognised"),
    ("harmonize", "harmonise"),
    ("harmonized", "harmonised"),
    ("standardize", "standardise"),
    ("standardized", "standardised"),
    ("stabilize", "stabilise"),
    ("defense", "defence"),
    ("license", "licence"),
    ("catalog", "catalogue"),
    ("dialog", "dialogue"),
];

fn british(word: &str) -> Option<&'static str> {
    SPELLINGS
        .iter()
        .find(|(american, _)| *american == word)
        .map(|(_, british)| *british)
}

/// Token filter: American spellings of the list above become British.
#[derive(Clone)]
pub struct Spelling;

impl TokenFilter for Spelling {
    type Tokenizer<T: Tokenizer> = SpellingFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> SpellingFilter<T> {
        SpellingFilter(tokenizer)
    }
}

#[derive(Clone)]
pub struct SpellingFilter<T>(T);

impl<T: Tokenizer> Tokenizer for SpellingFilter<T> {
    type TokenStream<'a> = SpellingStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        SpellingStream(self.0.token_stream(text))
    }
}

pub struct SpellingStream<T>(T);

impl<T: TokenStream> TokenStream for SpellingStream<T> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        if let Some(word) = british(&self.0.token().text) {
            let mut replaced = word.to_string();
            mem::swap(&mut self.0.token_mut().text, &mut replaced);
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// Each language's stop words, read into sets once: every search builds its analyzers, and
/// the filters share these sets. Two per language: tantivy's list (`StopWordFilter` keeps its
/// words private, so they cannot be joined) and [`QUESTION_WORDS`].
static STOP_WORDS: LazyLock<Vec<(Language, [StopWordFilter; 2])>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .map(|(_, language)| {
            let listed =
                StopWordFilter::new(*language).expect("tantivy ships stop words for en, fr and es");
            let asked: Vec<String> = QUESTION_WORDS
                .iter()
                .find(|(known, _)| known == language)
                .map(|(_, words)| words.iter().map(|word| word.to_string()).collect())
                .expect("every language of LANGUAGES has its question words");
            (*language, [listed, StopWordFilter::remove(asked)])
        })
        .collect()
});

fn stop_words(language: Language) -> [StopWordFilter; 2] {
    STOP_WORDS
        .iter()
        .find(|(known, _)| *known == language)
        .map(|(_, filters)| filters.clone())
        .expect("only the three languages of LANGUAGES are analyzed")
}

/// The words a question is asked with, beyond tantivy's lists: English has Lucene's short
/// list (no "how", "what", "do", "we"), and the French and Spanish lists lack their question
/// words ("comment", "pourquoi"; "cómo" is only known without its accent). Left in, they
/// matched as rare words and put texts that happen to say "how" or "cómo" first. Not "us",
/// which is also the United States.
#[rustfmt::skip]
const QUESTION_WORDS: [(Language, &[&str]); 3] = [
    (Language::English, &[
        "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours",
        "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers",
        "herself", "its", "itself", "them", "theirs", "themselves", "what", "which", "who",
        "whom", "whose", "those", "am", "were", "been", "being", "have", "has", "had",
        "having", "do", "does", "did", "doing", "done", "would", "should", "could", "can",
        "cannot", "might", "must", "shall", "ought", "because", "while", "about", "here",
        "when", "where", "why", "how", "whether", "any", "some", "so", "than", "too", "very",
        "just", "also", "s", "t", "don", "doesn", "didn",
    ]),
    (Language::French, &[
        "comment", "pourquoi", "quoi", "quand", "où", "combien", "lequel", "laquelle",
        "lesquels", "lesquelles", "dont", "ça", "ceci", "celui", "celle", "ceux", "celles",
        "très", "aussi", "donc", "alors", "si",
    ]),
    (Language::Spanish, &[
        "cómo", "cuál", "cuáles", "cuándo", "dónde", "adónde", "quién", "quiénes", "cuánto",
        "cuánta", "cuántos", "cuántas",
    ]),
];

/// The analyzer of one language: words, lower case, accents folded, spelling, stop words,
/// stems. Stop words are removed before folding so that "à", "été" and "más" are known.
pub fn language_analyzer(language: Language) -> TextAnalyzer {
    let [listed, asked] = stop_words(language);
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(listed)
        .filter(asked)
        .filter(AsciiFoldingFilter)
        .filter(Spelling)
        .filter(Stemmer::new(language))
        .build()
}

/// Words lower-cased only, as a document writes them (`written_forms`).
pub fn lower_cased_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

/// Words folded but not stemmed: what `word*` prefixes are matched against.
pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Spelling)
        .build()
}

pub fn register(index: &tantivy::Index) {
    let tokenizers = index.tokenizers();
    for (code, language) in LANGUAGES {
        tokenizers.register(&analyzer_name(code), language_analyzer(language));
    }
    tokenizers.register(PLAIN, plain_analyzer());
}

/// The words of `text` as an analyzer makes them, with their positions.
pub fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push((token.position, token.text.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(language: Language, text: &str) -> Vec<String> {
        analyze(&mut language_analyzer(language), text)
            .into_iter()
            .map(|(_, w)| w)
            .collect()
    }

    #[test]
    fn inflections_meet() {
        assert_eq!(
            words(Language::English, "training labour inspectors"),
            words(Language::English, "trained labor inspector")
        );
        assert_eq!(
            words(Language::French, "écoles rurales"),
            words(Language::French, "école rurale")
        );
        assert_eq!(
            words(Language::Spanish, "niños trabajadores"),
            words(Language::Spanish, "niño trabajador")
        );
        assert_eq!(
            words(Language::English, "programs organization labor"),
            words(Language::English, "programmes organisation labour")
        );
    }

    #[test]
    fn stop_words_go_and_accents_fold() {
        assert_eq!(
            words(Language::French, "le rôle des parents"),
            words(Language::French, "role parent")
        );
        assert!(words(Language::English, "the of and").is_empty());
    }

    #[test]
    fn question_words_are_stop_words() {
        assert_eq!(
            words(Language::English, "how do I make a CLMS last"),
            ["make", "clms", "last"]
        );
        assert_eq!(
            words(
                Language::French,
                "comment et pourquoi impliquer les syndicats"
            ),
            words(Language::French, "impliquer syndicats")
        );
        assert_eq!(
            words(Language::Spanish, "cómo lograr que las empresas participen"),
            words(Language::Spanish, "lograr empresas participen")
        );
    }
}
