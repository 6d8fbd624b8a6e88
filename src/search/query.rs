//! A question as a tantivy query, built in code from the parsed words (never parsed by the
//! engine). Plain words match documents with any of them, ranked by BM25 with the title and
//! project weighted up; words next to each other in the question score again when they stand
//! near each other in the text; synonyms of the field count a little less than the words
//! typed (as much, for a question's abbreviation that no document writes), each group once.
//! `"phrases"` are required, `-word` excludes, `word*` matches up to 64 words that begin so.
//! Filters select without scoring, as cached sets of documents (`filters`).
//!
//! What matches is looked up in the combined text field of each language only (three posting
//! lists per word) and scored there, for every match; the title and project weights, the
//! "near" bonus and a synonym's phrases that hold a typed word (which find nothing the word
//! does not) are the question's boost, added to the best matches only (`engine::find`), so
//! their cost does not grow with the match set.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use tantivy::{
    Searcher, Term,
    query::{
        AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery,
        Occur, PhraseQuery, Query, TermQuery,
    },
    schema::{Field, IndexRecordOption},
    tokenizer::TextAnalyzer,
};

use super::{
    analysis::{self, LANGUAGES, Languages},
    filters::{FilterCache, Filtered},
    known_phrases,
    query_text::{Item, TextQuery},
    question_language,
    schema::{Fields, PerLanguage},
    seeking::Seeking,
    synonyms,
};

/// At most this many words are looked up for one `word*`.
pub const PREFIX_EXPANSIONS: usize = 64;
const NEAR_SLOP: u32 = 2;
/// The weight of words found near each other, on top of each word's own (chosen on the judged
/// set with the title and project weights: 1.5 before the combined field).
const NEAR_BOOST: f32 = 1.0;
const SYNONYM_BOOST: f32 = 0.5;
/// The extra score of a learning written in the question's language (told by its stop words,
/// or else the reader's): at about equal relevance, what the reader can read comes first,
/// and a synonym in another language no longer puts that language's learnings above the
/// reader's own. About two well-matched words: a learning in another language that answers
/// much better still ranks first. Judged, held-out and first blind set (recall@10 / nDCG@10):
/// 4 gave 0.971 / 0.929, 0.757 / 0.779, 0.800 / 0.774; 8 gave 0.978 / 0.938, 0.757 / 0.792,
/// 0.800 / 0.790; 16 little more. At 4, a Spanish learning whose project title is English
/// ("…Combat Child Labor…") still came first for "role of parents in preventing child labor".
const OWN_LANGUAGE_BOOST: f32 = 8.0;

/// A filter: the documents that carry a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    Number(Field, u64),
    Text(Field, String),
}

impl Filter {
    /// The indexed term of the documents that carry the value.
    pub fn term(&self) -> Term {
        match self {
            Filter::Number(field, value) => Term::from_field_u64(*field, *value),
            Filter::Text(field, value) => Term::from_field_text(*field, value),
        }
    }
}

struct Analyzers {
    languages: Vec<TextAnalyzer>,
    plain: TextAnalyzer,
}

impl Analyzers {
    fn new() -> Analyzers {
        Analyzers {
            languages: LANGUAGES
                .iter()
                .map(|(_, language)| analysis::language_analyzer(*language))
                .collect(),
            plain: analysis::plain_analyzer(),
        }
    }
}

fn boxed(query: impl Query) -> Box<dyn Query> {
    Box::new(query)
}

fn any(clauses: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match clauses.len() {
        0 => None,
        1 => clauses.into_iter().next(),
        _ => Some(boxed(BooleanQuery::new(
            clauses.into_iter().map(|q| (Occur::Should, q)).collect(),
        ))),
    }
}

fn weighted(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    if (weight - 1.0).abs() < f32::EPSILON {
        query
    } else {
        boxed(BoostQuery::new(query, weight))
    }
}

/// Every word `query` looks up (a match of a query made of words and phrases holds one).
fn terms_of(query: &dyn Query) -> Vec<Term> {
    let mut terms = BTreeSet::new();
    query.query_terms(&mut |term, _| {
        terms.insert(term.clone());
    });
    terms.into_iter().collect()
}

/// A question: what makes a document match, and what only adds to the score of a document
/// that matched.
pub struct Question {
    pub matching: Box<dyn Query>,
    pub boost: Option<Box<dyn Query>>,
}

/// A search as the engine runs it.
pub struct Built {
    /// What matches (the question's matching part, the exclusions, the filters), scored by
    /// the question's matching part: every match is visited with it, for the exact counts.
    pub query: Box<dyn Query>,
    /// The title and project weights and the "near" pairs, added to the score of the best
    /// matches only (`engine::find`).
    pub boost: Option<Box<dyn Query>>,
    /// Both parts of the question: what highlighting marks.
    pub scoring: Option<Box<dyn Query>>,
}

/// What makes a document match (`None`: nothing can), and what only adds to its score.
type Parts = (Option<Box<dyn Query>>, Vec<Box<dyn Query>>);

pub struct Builder<'a> {
    fields: &'a Fields,
    searcher: &'a Searcher,
    filters: Arc<FilterCache>,
    analyzers: Analyzers,
    /// Whether the question's unions are built to be read by seeking (`seeking`) rather than
    /// walked (tantivy's own). Such a build keeps only what matches: every boost (the
    /// question's language, which may ask `whatlang`, the title and project weights, "near"
    /// pairs) is worked out once, in the first build, and its builders return nothing here.
    seeking: bool,
    /// The reader's language, as a position in `LANGUAGES`: preferred when the question's
    /// words do not tell its language.
    reader_language: Option<usize>,
    /// The words each `word*` of the question stands for: both builds use them, and finding
    /// them walks every segment's word list.
    prefixes: HashMap<String, BTreeSet<String>>,
    /// Whether no document holds a group's forms as the question writes them
    /// (`finds_nothing`): both builds weigh the group's other forms by it, and telling it
    /// looks each form up in every segment.
    absent: HashMap<Vec<String>, bool>,
}

impl<'a> Builder<'a> {
    pub fn new(
        fields: &'a Fields,
        searcher: &'a Searcher,
        filters: Arc<FilterCache>,
    ) -> Builder<'a> {
        Builder {
            fields,
            searcher,
            filters,
            analyzers: Analyzers::new(),
            seeking: false,
            reader_language: None,
            prefixes: HashMap::new(),
            absent: HashMap::new(),
        }
    }

    /// Prefers learnings in `language` (a code of `LANGUAGES`) when the question does not
    /// tell its own.
    pub fn preferring(mut self, language: &str) -> Builder<'a> {
        self.reader_language = analysis::position_of(language);
        self
    }

    /// The question's language, or the reader's, as a boost of the documents written in it.
    fn own_language(&mut self, words: &[String]) -> Option<Box<dyn Query>> {
        if self.seeking {
            return None;
        }
        let at =
            question_language::tell(words, &mut self.analyzers.languages, self.reader_language)?;
        let term = Term::from_field_u64(self.fields.language, at as u64);
        Some(boxed(ConstScoreQuery::new(
            boxed(TermQuery::new(term, IndexRecordOption::Basic)),
            OWN_LANGUAGE_BOOST,
        )))
    }

    /// Any of `clauses`, their scores summed.
    fn any_of(&self, clauses: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
        if self.seeking {
            Seeking::sum(clauses)
        } else {
            any(clauses)
        }
    }

    /// The best of `clauses`.
    fn best_of(&self, clauses: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
        if self.seeking {
            Seeking::max(clauses)
        } else if clauses.is_empty() {
            None
        } else {
            Some(boxed(DisjunctionMaxQuery::new(clauses)))
        }
    }

    /// Words or a phrase analyzed in each of `languages`, as a term or phrase query in that
    /// language's field of each of `fields`, weighted. `slop` loosens a phrase into "near". A
    /// phrase of the thesaurus is looked up as the token indexing marked it with
    /// (`known_phrases`), which finds and scores what the phrase query would.
    fn in_fields(
        &mut self,
        text: &str,
        slop: u32,
        fields: &[(PerLanguage, f32)],
        languages: Languages,
    ) -> Vec<Box<dyn Query>> {
        let mut clauses = Vec::new();
        for (at, analyzer) in self.analyzers.languages.iter_mut().enumerate() {
            if !languages.contains(at) {
                continue;
            }
            let words = analysis::analyze(analyzer, text);
            // A "near" pair that lost a stop word is just a word, already counted.
            if words.is_empty() || (slop > 0 && words.len() < 2) {
                continue;
            }
            for (per_language, weight) in fields {
                let field = per_language.0[at];
                let known = || known_phrases::query(self.fields, at, field, &words);
                let query = if words.len() == 1 {
                    boxed(TermQuery::new(
                        Term::from_field_text(field, &words[0].1),
                        IndexRecordOption::WithFreqs,
                    ))
                } else if let Some(known) = (slop == 0).then(known).flatten() {
                    boxed(known)
                } else {
                    let terms = words
                        .iter()
                        .map(|(position, word)| (*position, Term::from_field_text(field, word)))
                        .collect();
                    boxed(PhraseQuery::new_with_offset_and_slop(terms, slop))
                };
                clauses.push(weighted(query, *weight));
            }
        }
        clauses
    }

    /// The documents holding words or a phrase: the combined field of every language (three
    /// posting lists per word), or, when the text is only stop words, the word as typed.
    fn matching(&mut self, text: &str, slop: u32) -> Option<Box<dyn Query>> {
        let all = self.fields.all;
        let clauses = self.in_fields(text, slop, &[(all, 1.0)], Languages::ALL);
        if clauses.is_empty() && slop == 0 {
            return self.as_typed(text);
        }
        self.any_of(clauses)
    }

    /// A word that every language drops (a stop word), looked up as typed.
    fn as_typed(&mut self, text: &str) -> Option<Box<dyn Query>> {
        match analysis::analyze(&mut self.analyzers.plain, text).as_slice() {
            [(_, word)] => Some(boxed(TermQuery::new(
                Term::from_field_text(self.fields.plain, word),
                IndexRecordOption::WithFreqs,
            ))),
            _ => None,
        }
    }

    /// The terms the typed `words` are looked up as, in each language's combined field (the
    /// words that stay one word there).
    fn typed_terms(&mut self, words: &[String]) -> BTreeSet<Term> {
        let mut terms = BTreeSet::new();
        for word in words {
            for (at, analyzer) in self.analyzers.languages.iter_mut().enumerate() {
                if let [(_, analyzed)] = analysis::analyze(analyzer, word).as_slice() {
                    terms.insert(Term::from_field_text(self.fields.all.0[at], analyzed));
                }
            }
        }
        terms
    }

    /// A synonym's clauses in each language: those that find documents of their own (what
    /// makes a document match), and those implied by a typed word (a phrase holding one of
    /// `typed` only matches documents that word matches: they only add to the score).
    ///
    /// Every language, not only the form's own: "education" is also the French
    /// "éducation", and English forms meet the French and Spanish labels of the themes a
    /// learning is tagged with. Looked up in its own languages only, the second blind set
    /// lost 0.011 of recall@10 (0.721 → 0.710).
    fn synonym(&mut self, synonym: &str, typed: &BTreeSet<Term>) -> Parts {
        let all = self.fields.all;
        let clauses = self.in_fields(synonym, 0, &[(all, 1.0)], Languages::ALL);
        if clauses.is_empty() {
            return (self.as_typed(synonym), Vec::new());
        }
        let (implied, finding): (Vec<_>, Vec<_>) = clauses.into_iter().partition(|clause| {
            let terms = terms_of(clause.as_ref());
            terms.len() > 1 && terms.iter().any(|term| typed.contains(term))
        });
        (self.any_of(finding), implied)
    }

    /// Whether `forms` are single words no document holds (an abbreviation nobody writes out,
    /// such as "CLMS"): then the other forms of their group stand for them, at the weight of a
    /// word typed.
    fn finds_nothing(&mut self, forms: &[String]) -> bool {
        if let Some(absent) = self.absent.get(forms) {
            return *absent;
        }
        let absent = !forms.iter().any(|form| form.contains(' ')) && {
            let terms = self.typed_terms(forms);
            !terms.is_empty()
                && terms
                    .iter()
                    .all(|term| self.searcher.doc_freq(term).is_ok_and(|found| found == 0))
        };
        self.absent.insert(forms.to_vec(), absent);
        absent
    }

    /// The extra weight of words or a phrase of `languages` found in the title or the
    /// project: scoring only, never a reason to match.
    fn boosting(&mut self, text: &str, languages: Languages) -> Option<Box<dyn Query>> {
        if self.seeking {
            return None;
        }
        let fields = self.fields.boosting();
        Seeking::sum(self.in_fields(text, 0, &fields, languages))
    }

    /// The extra weight of words standing within `slop` of each other, in the combined field.
    fn near(&mut self, text: &str, slop: u32) -> Option<Box<dyn Query>> {
        if self.seeking {
            return None;
        }
        let all = self.fields.all;
        Seeking::sum(self.in_fields(text, slop, &[(all, 1.0)], Languages::ALL))
    }

    /// Up to `PREFIX_EXPANSIONS` indexed words that begin with `prefix`, any of them.
    fn prefix(&mut self, prefix: &str) -> Option<Box<dyn Query>> {
        let words = match self.prefixes.get(prefix) {
            Some(words) => words.clone(),
            None => {
                let words = self.words_beginning(prefix);
                self.prefixes.insert(prefix.to_string(), words.clone());
                words
            }
        };
        self.any_of(
            words
                .into_iter()
                .map(|word| {
                    boxed(TermQuery::new(
                        Term::from_field_text(self.fields.plain, &word),
                        IndexRecordOption::WithFreqs,
                    ))
                })
                .collect(),
        )
    }

    /// Up to `PREFIX_EXPANSIONS` indexed words that begin with `prefix` (folded).
    fn words_beginning(&mut self, prefix: &str) -> BTreeSet<String> {
        let mut words = BTreeSet::new();
        let Some((_, folded)) = analysis::analyze(&mut self.analyzers.plain, prefix)
            .into_iter()
            .next()
        else {
            return words;
        };
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.fields.plain) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().range().ge(folded.as_bytes()).into_stream()
            else {
                continue;
            };
            while stream.advance() && words.len() < PREFIX_EXPANSIONS {
                let Ok(word) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                if !word.starts_with(&folded) {
                    break;
                }
                words.insert(word.to_string());
            }
        }
        words
    }

    /// What makes a document match an item, and what only adds to its score.
    fn item(&mut self, item: &Item) -> Parts {
        match item {
            Item::Word { text, prefix: true } => (self.prefix(text), Vec::new()),
            Item::Word { text, .. } => (
                self.matching(text, 0),
                self.boosting(text, Languages::ALL).into_iter().collect(),
            ),
            Item::Phrase(words) => {
                let phrase = words.join(" ");
                (
                    self.matching(&phrase, 0),
                    self.boosting(&phrase, Languages::ALL).into_iter().collect(),
                )
            }
            Item::Compound(words) => {
                let words_matching = words
                    .iter()
                    .filter_map(|word| self.matching(word, 0))
                    .collect();
                let matching = self.any_of(words_matching);
                let mut boosts: Vec<Box<dyn Query>> = words
                    .iter()
                    .filter_map(|word| self.boosting(word, Languages::ALL))
                    .collect();
                if let Some(together) = self.near(&words.join(" "), 1) {
                    boosts.push(weighted(together, NEAR_BOOST));
                }
                (matching, boosts)
            }
        }
    }

    /// A question's two parts. `None` when nothing in it can match (only stop words, or a
    /// prefix no word has).
    ///
    /// Matching is the combined fields alone: every phrase, and any of the words or of their
    /// synonyms. Everything else — the title and project weights, words standing near each
    /// other — is the boost, which only adds to the score of documents that matched.
    pub fn question(&mut self, question: &TextQuery) -> Option<Question> {
        let mut must = Vec::new();
        let mut should = Vec::new();
        let mut boosts = Vec::new();
        let mut plain_words = Vec::new();
        for group in &question.groups {
            match group.as_slice() {
                [phrase @ Item::Phrase(_)] => {
                    let (matching, boosting) = self.item(phrase);
                    must.push(matching?);
                    boosts.extend(boosting);
                }
                items => {
                    for item in items {
                        if let Item::Word {
                            text,
                            prefix: false,
                        } = item
                        {
                            plain_words.push(text.clone());
                        }
                        let (matching, boosting) = self.item(item);
                        should.extend(matching);
                        boosts.extend(boosting);
                    }
                }
            }
        }
        boosts.extend(self.own_language(&plain_words));
        // A pair near each other holds both words: it can only add to a document's score.
        for pair in plain_words.windows(2) {
            if let Some(q) = self.near(&pair.join(" "), NEAR_SLOP) {
                boosts.push(weighted(q, NEAR_BOOST));
            }
        }
        // Each idea's best-matching synonym counts, not their sum: a word with many synonyms
        // must not outweigh the words typed, and two ideas of the question ("OSH for
        // teenagers") count twice. Synonyms find documents the words do not; a synonym's
        // phrase that holds a typed word finds none of its own, and only adds to the score of
        // the best matches, as the boost does (reading its positions at every match was half
        // of what a search cost at a million learnings).
        let typed = self.typed_terms(&plain_words);
        let mut expansions = Vec::new();
        let mut implied_expansions = Vec::new();
        let mut expansion_boosts = Vec::new();
        for idea in synonyms::ideas(&question.terms().join(" ")) {
            let weight = if self.finds_nothing(&idea.held) {
                1.0
            } else {
                SYNONYM_BOOST
            };
            let mut finding = Vec::new();
            let mut implied = Vec::new();
            let mut boosting = Vec::new();
            for expansion in idea.others {
                let (found, held) = self.synonym(&expansion.text, &typed);
                finding.extend(found);
                implied.extend(Seeking::sum(held));
                // In the titles and projects of its own languages only: a form's words
                // analyzed in another language meet little there, and each language is two
                // more lookups.
                boosting.extend(self.boosting(&expansion.text, expansion.languages));
            }
            let best = |found: Option<Box<dyn Query>>| found.map(|q| weighted(q, weight));
            expansions.extend(best(self.best_of(finding)));
            implied_expansions.extend(best(Seeking::max(implied)));
            expansion_boosts.extend(best(Seeking::max(boosting)));
        }
        should.extend(self.any_of(expansions));
        boosts.extend(Seeking::sum(implied_expansions));
        boosts.extend(Seeking::sum(expansion_boosts));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            must.into_iter().map(|q| (Occur::Must, q)).collect();
        if let Some(any_word) = self.any_of(should) {
            let occur = if clauses.is_empty() {
                Occur::Must
            } else {
                Occur::Should
            };
            clauses.push((occur, any_word));
        }
        if clauses.is_empty() {
            return None;
        }
        Some(Question {
            matching: boxed(BooleanQuery::new(clauses)),
            boost: Seeking::sum(boosts),
        })
    }

    /// The search as the engine runs it, from the question and the filters.
    pub fn build(&mut self, question: &TextQuery, filters: &[Filter]) -> Built {
        let parts = if question.is_empty() {
            None
        } else {
            match self.question(question) {
                Some(parts) => Some(parts),
                None => {
                    return Built {
                        query: boxed(EmptyQuery),
                        boost: None,
                        scoring: None,
                    };
                }
            }
        };
        let excluded: Vec<(Occur, Box<dyn Query>)> = question
            .excluded
            .iter()
            .filter_map(|item| self.item(item).0)
            .map(|q| (Occur::MustNot, q))
            .collect();
        // The same matching part with its unions read by seeking, for the segments where
        // the filters keep few documents (`filters::Filtered`).
        self.seeking = true;
        let seeking = self.question(question).map(|q| q.matching);
        self.seeking = false;
        let with_exclusions = |required: Option<Box<dyn Query>>| {
            if excluded.is_empty() {
                return required;
            }
            let mut clauses = vec![(Occur::Must, required.unwrap_or_else(|| boxed(AllQuery)))];
            clauses.extend(excluded.iter().map(|(occur, q)| (*occur, q.box_clone())));
            Some(boxed(BooleanQuery::new(clauses)))
        };
        let matching = with_exclusions(parts.as_ref().map(|p| p.matching.box_clone()));
        let seeking = seeking.and_then(|q| with_exclusions(Some(q)));
        let terms = filters.iter().map(Filter::term).collect();
        let mut filtered = Filtered::new(matching, seeking, terms, self.filters.clone());
        if let Some(parts) = &parts {
            filtered = filtered.holding_any_of(terms_of(parts.matching.as_ref()));
        }
        let query = boxed(filtered);
        match parts {
            None => Built {
                query,
                boost: None,
                scoring: None,
            },
            Some(Question { matching, boost }) => {
                let scoring = match &boost {
                    None => matching,
                    Some(boost) => boxed(BooleanQuery::new(vec![
                        (Occur::Must, matching),
                        (Occur::Should, boost.box_clone()),
                    ])),
                };
                Built {
                    query,
                    boost,
                    scoring: Some(scoring),
                }
            }
        }
    }
}
