//! The thesaurus's phrases (its forms of two words or more, `synonyms`), found in each document
//! as it is indexed and kept as one token per occurrence in the `phrases` field. A question
//! looks such a phrase up as one posting list, scored exactly as tantivy's phrase query scores
//! it (BM25 of the phrase's words in its text field, with the number of times it occurs),
//! instead of reading the positions of its words in every document that holds them all: at a
//! million learnings, reading those positions was a fifth of what a search cost.

use std::{cell::RefCell, collections::HashMap, sync::LazyLock};

use tantivy::{
    DocId, DocSet, Score, SegmentReader, TantivyDocument, Term,
    fieldnorm::FieldNormReader,
    postings::{Postings, SegmentPostings},
    query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight},
    schema::{Field, IndexRecordOption, Value},
    tokenizer::TextAnalyzer,
};

use super::{
    analysis::{self, LANGUAGES},
    schema::Fields,
    synonyms,
};

/// A phrase's words, with positions counted from its first word (a stop word leaves a gap).
type Words = Vec<(usize, String)>;

/// The thesaurus's phrases as each language's analyzer reads them, by their first word.
static PHRASES: LazyLock<Vec<HashMap<String, Vec<Words>>>> = LazyLock::new(|| {
    let mut analyzers = analyzers();
    let mut tables = vec![HashMap::<String, Vec<Words>>::new(); LANGUAGES.len()];
    for form in synonyms::forms() {
        for (table, analyzer) in tables.iter_mut().zip(&mut analyzers) {
            let words = relative(analysis::analyze(analyzer, &form));
            if words.len() < 2 {
                continue;
            }
            let known = table.entry(words[0].1.clone()).or_default();
            if !known.contains(&words) {
                known.push(words);
            }
        }
    }
    tables
});

fn analyzers() -> Vec<TextAnalyzer> {
    LANGUAGES
        .iter()
        .map(|(_, language)| analysis::language_analyzer(*language))
        .collect()
}

thread_local! {
    /// Each indexing thread's analyzers (building them for every document would cost more
    /// than reading it).
    static ANALYZERS: RefCell<Vec<TextAnalyzer>> = RefCell::new(analyzers());
}

fn relative(mut words: Words) -> Words {
    if let Some(&(first, _)) = words.first() {
        for (position, _) in &mut words {
            *position -= first;
        }
    }
    words
}

/// The token of a phrase (`words`, relative) found in the field named `field`: the field's
/// name, then the words, with `_` for each position a stop word left empty.
fn token(field: &str, words: &[(usize, String)]) -> String {
    let mut token = format!("{field}:");
    let mut next = 0;
    for (position, word) in words {
        for _ in next..*position {
            token.push_str("_ ");
        }
        token.push_str(word);
        token.push(' ');
        next = position + 1;
    }
    token.pop();
    token
}

/// The text fields phrases are found in, in the language at `at` of [`LANGUAGES`].
fn text_fields(fields: &Fields, at: usize) -> [Field; 3] {
    [fields.all.0[at], fields.title.0[at], fields.project.0[at]]
}

/// The words of a field's values as tantivy positions them: one past the last word's end
/// (a gap of one) is where the next value starts, so a phrase can run from one value into
/// the next where tantivy's phrase query would find it so.
fn positioned<'a>(
    analyzer: &mut TextAnalyzer,
    values: impl Iterator<Item = &'a str>,
) -> Vec<(usize, String)> {
    let mut words = Vec::new();
    let mut end = 0;
    for value in values {
        let mut value_end = end;
        let mut stream = analyzer.token_stream(value);
        while let Some(token) = stream.next() {
            let at = end + token.position;
            value_end = value_end.max(at + token.position_length);
            words.push((at, token.text.clone()));
        }
        end = value_end + 1;
    }
    words
}

/// Calls `found` with each phrase of `table` for each time it occurs in `words`.
fn occurrences(
    table: &HashMap<String, Vec<Words>>,
    words: &[(usize, String)],
    mut found: impl FnMut(&Words),
) {
    for (at, (start, first)) in words.iter().enumerate() {
        let Some(phrases) = table.get(first) else {
            continue;
        };
        let rest = &words[at..];
        for phrase in phrases {
            let whole = phrase[1..].iter().all(|(offset, word)| {
                rest.binary_search_by_key(&(start + offset), |(position, _)| *position)
                    .is_ok_and(|i| rest[i].1 == *word)
            });
            if whole {
                found(phrase);
            }
        }
    }
}

/// Adds to `doc` one token in `fields.phrases` for each time a thesaurus phrase occurs in its
/// combined, title and project fields, in each language.
pub fn mark(fields: &Fields, doc: &mut TantivyDocument) {
    let mut tokens = Vec::new();
    ANALYZERS.with_borrow_mut(|analyzers| {
        for (at, analyzer) in analyzers.iter_mut().enumerate() {
            for field in text_fields(fields, at) {
                let values = doc.get_all(field).filter_map(|value| value.as_str());
                let words = positioned(analyzer, values);
                let name = fields.schema.get_field_name(field);
                occurrences(&PHRASES[at], &words, |phrase| {
                    tokens.push(token(name, phrase))
                });
            }
        }
    });
    for token in tokens {
        doc.add_text(fields.phrases, token);
    }
}

/// The phrase `words` (analyzed in the language at `at` of [`LANGUAGES`]) in `field`, looked
/// up as its token: `None` unless the thesaurus holds it and `field` is one of that language's
/// text fields (only a phrase query finds any other).
pub fn query(
    fields: &Fields,
    at: usize,
    field: Field,
    words: &[(usize, String)],
) -> Option<KnownPhrase> {
    let words = relative(words.to_vec());
    let known = words.len() > 1
        && text_fields(fields, at).contains(&field)
        && PHRASES[at]
            .get(&words[0].1)
            .is_some_and(|phrases| phrases.contains(&words));
    known.then(|| KnownPhrase {
        token: Term::from_field_text(
            fields.phrases,
            &token(fields.schema.get_field_name(field), &words),
        ),
        field,
        words: words
            .iter()
            .map(|(_, word)| Term::from_field_text(field, word))
            .collect(),
    })
}

/// A thesaurus phrase in a text field: the documents its token marks, each scored as tantivy's
/// phrase query scores it there.
#[derive(Clone, Debug)]
pub struct KnownPhrase {
    token: Term,
    field: Field,
    words: Vec<Term>,
}

impl Query for KnownPhrase {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let bm25 = match enable_scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(Bm25Weight::for_terms(statistics_provider, &self.words)?),
            EnableScoring::Disabled { .. } => None,
        };
        Ok(Box::new(KnownPhraseWeight {
            token: self.token.clone(),
            field: self.field,
            bm25,
        }))
    }

    /// The phrase's words, as a phrase query tells them: what snippets highlight, and what
    /// every document it matches holds.
    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for word in &self.words {
            visitor(word, true);
        }
    }
}

struct KnownPhraseWeight {
    token: Term,
    field: Field,
    bm25: Option<Bm25Weight>,
}

impl KnownPhraseWeight {
    fn known_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<KnownPhraseScorer>> {
        let Some(postings) = reader
            .inverted_index(self.token.field())?
            .read_postings(&self.token, IndexRecordOption::WithFreqs)?
        else {
            return Ok(None);
        };
        let fieldnorms = match (
            &self.bm25,
            reader.fieldnorms_readers().get_field(self.field)?,
        ) {
            (Some(_), Some(fieldnorms)) => fieldnorms,
            _ => FieldNormReader::constant(reader.max_doc(), 1),
        };
        Ok(Some(KnownPhraseScorer {
            postings,
            fieldnorms,
            bm25: self.bm25.as_ref().map(|weight| weight.boost_by(boost)),
        }))
    }
}

impl Weight for KnownPhraseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.known_scorer(reader, boost)? {
            Some(scorer) => Box::new(scorer),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if let Some(mut scorer) = self.known_scorer(reader, 1.0)?
            && (scorer.doc() == doc || (scorer.doc() < doc && scorer.seek(doc) == doc))
        {
            return Ok(Explanation::new("thesaurus phrase", scorer.score()));
        }
        Err(tantivy::TantivyError::InvalidArgument(format!(
            "document {doc} does not hold the phrase"
        )))
    }
}

struct KnownPhraseScorer {
    postings: SegmentPostings,
    fieldnorms: FieldNormReader,
    bm25: Option<Bm25Weight>,
}

impl DocSet for KnownPhraseScorer {
    fn advance(&mut self) -> DocId {
        self.postings.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.postings.seek(target)
    }

    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}

impl Scorer for KnownPhraseScorer {
    fn score(&mut self) -> Score {
        match &self.bm25 {
            Some(bm25) => bm25.score(
                self.fieldnorms.fieldnorm_id(self.postings.doc()),
                self.postings.term_freq(),
            ),
            None => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::{DocAddress, Index, Searcher, collector::TopDocs, query::PhraseQuery};

    use super::*;

    /// One document per thesaurus form, in every text field of every language: the form
    /// between other words, twice with another form, and cut in two across two values.
    fn index() -> (Fields, Searcher) {
        let fields = Fields::new();
        let index = Index::create_in_ram(fields.schema.clone());
        analysis::register(&index);
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let forms: Vec<String> = synonyms::forms().collect();
        for (at, form) in forms.iter().enumerate() {
            let other = &forms[(at * 7 + 3) % forms.len()];
            let (head, tail) = form.split_once(' ').unwrap_or((form, ""));
            let values = [
                format!("Report on {form}, written with {other} in mind."),
                format!("{other} {form} {form}"),
                format!("the {head}"),
                format!("{tail} and more"),
            ];
            let mut doc = TantivyDocument::default();
            for language in 0..LANGUAGES.len() {
                for field in text_fields(&fields, language) {
                    for value in &values {
                        doc.add_text(field, value);
                    }
                }
            }
            mark(&fields, &mut doc);
            writer.add_document(doc).unwrap();
            if at == forms.len() / 2 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        (fields, searcher)
    }

    fn found(searcher: &Searcher, query: &dyn Query) -> Vec<(DocAddress, Score)> {
        let top = TopDocs::with_limit(10_000).order_by_score();
        let mut found: Vec<(DocAddress, Score)> = searcher
            .search(query, &top)
            .unwrap()
            .into_iter()
            .map(|(score, address)| (address, score))
            .collect();
        found.sort_by_key(|(address, _)| *address);
        found
    }

    /// Every phrase of the thesaurus, in every text field of every language, finds the
    /// documents tantivy's phrase query finds, with the same scores.
    #[test]
    fn tokens_find_and_score_what_phrase_queries_do() {
        let (fields, searcher) = index();
        let mut compared = 0;
        for (at, table) in PHRASES.iter().enumerate() {
            for field in text_fields(&fields, at) {
                for phrase in table.values().flatten() {
                    let terms = phrase
                        .iter()
                        .map(|(offset, word)| (*offset, Term::from_field_text(field, word)))
                        .collect();
                    let expected =
                        found(&searcher, &PhraseQuery::new_with_offset_and_slop(terms, 0));
                    let known = query(&fields, at, field, phrase).expect("a thesaurus phrase");
                    assert!(!expected.is_empty(), "{phrase:?} is in some document");
                    assert_eq!(
                        found(&searcher, &known),
                        expected,
                        "{phrase:?} in {field:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 1_000, "{compared} phrases compared");
    }

    #[test]
    fn only_the_thesaurus_phrases_in_text_fields_are_known() {
        let fields = Fields::new();
        let words =
            |text: &str| analysis::analyze(&mut analysis::language_analyzer(LANGUAGES[0].1), text);
        let english = fields.all.0[0];
        assert!(query(&fields, 0, english, &words("worst forms of child labour")).is_some());
        assert!(query(&fields, 0, fields.project.0[0], &words("child labour")).is_some());
        assert!(query(&fields, 0, english, &words("labour child")).is_none());
        assert!(query(&fields, 0, english, &words("education")).is_none());
        assert!(query(&fields, 0, fields.plain, &words("child labour")).is_none());
        assert!(query(&fields, 1, english, &words("child labour")).is_none());
    }

    #[test]
    fn positions_run_on_across_values_as_tantivys_do() {
        let mut analyzer = analysis::language_analyzer(LANGUAGES[0].1);
        let words = positioned(&mut analyzer, ["the child", "", "of labour"].into_iter());
        // "the" (0) is dropped but counted: "child" is 1 and ends at 2. A value starts one
        // past the last one's end: the empty one at 3 (ending there), "of" at 4, "labour" 5.
        assert_eq!(words, [(1, "child".to_string()), (5, "labour".to_string())]);
        assert_eq!(
            token("all_fr", &[(0, "travail".into()), (2, "enfant".into())]),
            "all_fr:travail _ enfant"
        );
    }
}
