//! A question as a tantivy query, built in code from the parsed words (never parsed by the
//! engine). Plain words match documents with any of them, ranked by BM25 with the title and
//! project weighted up; words next to each other in the question score again when they stand
//! near each other in the text; synonyms of the field count a little less than the words
//! typed. `"phrases"` are required, `-word` excludes, `word*` matches up to 64 words that
//! begin so. Filters select without scoring.

use std::collections::BTreeSet;

use tantivy::{
    Searcher, Term,
    query::{
        BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, Occur,
        PhraseQuery, Query, TermQuery,
    },
    schema::{Field, IndexRecordOption},
    tokenizer::TextAnalyzer,
};

use super::{
    analysis::{self, LANGUAGES},
    query_text::{Item, TextQuery},
    schema::Fields,
    synonyms,
};

/// At most this many words are looked up for one `word*`.
pub const PREFIX_EXPANSIONS: usize = 64;
const NEAR_SLOP: u32 = 2;
const NEAR_BOOST: f32 = 1.5;
const SYNONYM_BOOST: f32 = 0.5;

/// A filter: the documents that carry a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    Number(Field, u64),
    Text(Field, String),
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

pub struct Builder<'a> {
    fields: &'a Fields,
    searcher: &'a Searcher,
    analyzers: Analyzers,
}

impl<'a> Builder<'a> {
    pub fn new(fields: &'a Fields, searcher: &'a Searcher) -> Builder<'a> {
        Builder {
            fields,
            searcher,
            analyzers: Analyzers::new(),
        }
    }

    /// Words or a phrase in every language's fields; `slop` loosens a phrase into "near".
    fn text(&mut self, text: &str, slop: u32) -> Option<Box<dyn Query>> {
        let mut clauses = Vec::new();
        for (at, analyzer) in self.analyzers.languages.iter_mut().enumerate() {
            let words = analysis::analyze(analyzer, text);
            // A "near" pair that lost a stop word is just a word, already counted.
            if words.is_empty() || (slop > 0 && words.len() < 2) {
                continue;
            }
            for (per_language, weight) in self.fields.weighted_text() {
                let field = per_language.0[at];
                let query = if words.len() == 1 {
                    boxed(TermQuery::new(
                        Term::from_field_text(field, &words[0].1),
                        IndexRecordOption::WithFreqs,
                    ))
                } else {
                    let terms = words
                        .iter()
                        .map(|(position, word)| (*position, Term::from_field_text(field, word)))
                        .collect();
                    boxed(PhraseQuery::new_with_offset_and_slop(terms, slop))
                };
                clauses.push(weighted(query, weight));
            }
        }
        if clauses.is_empty() {
            // Only stop words: look for them as typed.
            let words = analysis::analyze(&mut self.analyzers.plain, text);
            if words.len() == 1 {
                clauses.push(boxed(TermQuery::new(
                    Term::from_field_text(self.fields.plain, &words[0].1),
                    IndexRecordOption::WithFreqs,
                )));
            }
        }
        any(clauses)
    }

    /// Up to `PREFIX_EXPANSIONS` indexed words that begin with `prefix`, any of them.
    fn prefix(&mut self, prefix: &str) -> Option<Box<dyn Query>> {
        let folded = analysis::analyze(&mut self.analyzers.plain, prefix)
            .into_iter()
            .next()?
            .1;
        let mut words = BTreeSet::new();
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
        any(words
            .into_iter()
            .map(|word| {
                boxed(TermQuery::new(
                    Term::from_field_text(self.fields.plain, &word),
                    IndexRecordOption::WithFreqs,
                ))
            })
            .collect())
    }

    fn item(&mut self, item: &Item) -> Option<Box<dyn Query>> {
        match item {
            Item::Word { text, prefix: true } => self.prefix(text),
            Item::Word { text, .. } => self.text(text, 0),
            Item::Phrase(words) => self.text(&words.join(" "), 0),
            Item::Compound(words) => {
                let mut clauses: Vec<Box<dyn Query>> =
                    words.iter().filter_map(|word| self.text(word, 0)).collect();
                if let Some(together) = self.text(&words.join(" "), 1) {
                    clauses.push(weighted(together, NEAR_BOOST));
                }
                any(clauses)
            }
        }
    }

    /// The scoring part of a question: what snippets highlight. `None` when nothing in it can
    /// match (only stop words, or a prefix no word has).
    pub fn question(&mut self, question: &TextQuery) -> Option<Box<dyn Query>> {
        let mut must = Vec::new();
        let mut should = Vec::new();
        let mut plain_words = Vec::new();
        for group in &question.groups {
            match group.as_slice() {
                [phrase @ Item::Phrase(_)] => {
                    if let Some(q) = self.item(phrase) {
                        must.push(q);
                    } else {
                        return None;
                    }
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
                        should.extend(self.item(item));
                    }
                }
            }
        }
        for pair in plain_words.windows(2) {
            if let Some(q) = self.text(&pair.join(" "), NEAR_SLOP) {
                should.push(weighted(q, NEAR_BOOST));
            }
        }
        // The best-matching synonym counts, not their sum: a word with many synonyms must
        // not outweigh the words typed.
        let expansions: Vec<Box<dyn Query>> = synonyms::expansions(&question.terms().join(" "))
            .iter()
            .filter_map(|expansion| self.text(expansion, 0))
            .collect();
        if !expansions.is_empty() {
            should.push(weighted(
                boxed(DisjunctionMaxQuery::new(expansions)),
                SYNONYM_BOOST,
            ));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            must.into_iter().map(|q| (Occur::Must, q)).collect();
        if let Some(any_word) = any(should) {
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
        Some(boxed(BooleanQuery::new(clauses)))
    }

    /// The whole query (the question or every document, the filters, the exclusions), and
    /// its scoring part alone (what highlighting marks), built once for both.
    pub fn build(
        &mut self,
        question: &TextQuery,
        filters: &[Filter],
    ) -> (Box<dyn Query>, Option<Box<dyn Query>>) {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let scoring = if question.is_empty() {
            None
        } else {
            match self.question(question) {
                Some(q) => {
                    clauses.push((Occur::Must, q.box_clone()));
                    Some(q)
                }
                None => return (boxed(EmptyQuery), None),
            }
        };
        for filter in filters {
            let term = match filter {
                Filter::Number(field, value) => Term::from_field_u64(*field, *value),
                Filter::Text(field, value) => Term::from_field_text(*field, value),
            };
            clauses.push((
                Occur::Must,
                boxed(ConstScoreQuery::new(
                    boxed(TermQuery::new(term, IndexRecordOption::Basic)),
                    0.0,
                )),
            ));
        }
        for excluded in &question.excluded {
            if let Some(q) = self.item(excluded) {
                clauses.push((Occur::MustNot, q));
            }
        }
        if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
            clauses.push((Occur::Must, boxed(tantivy::query::AllQuery)));
        }
        (boxed(BooleanQuery::new(clauses)), scoring)
    }
}
