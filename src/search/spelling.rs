//! Words of a question that no document the reader may see holds, read as the closest word
//! that such a document holds ("chlid" → "child", "inspecton" → "inspection", "travial" →
//! "travail"), or as two such words run together ("childlabour" → "child labour"): one slip
//! of the keyboard must not leave a practitioner with nothing.
//!
//! A word a library does not hold is as often a real word it never uses ("kids", "borders") as
//! a slip, and the closest held word is then another word ("kits", "access"). So a correction
//! is searched only when the question as typed finds nothing, and offered beside results only
//! when it is one letter away in a word of five or more and the word it suggests is common in
//! the library (`worth_offering`); the results of a question that finds something are always
//! those of its words as typed (`page`).
//!
//! Privacy: "held" always means held by a document the search's own filters keep (its kind and,
//! for everyone but knowledge managers, published). A word only drafts hold counts as held by
//! none, and only words that visible documents hold are suggested, ranked by how many visible
//! documents hold them: whether and how a word is corrected says nothing about a draft.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use tantivy::{
    Searcher, Term, query::FuzzyTermQuery, schema::IndexRecordOption, tokenizer::TextAnalyzer,
};

use super::{
    analysis::{self, LANGUAGES},
    filters::{Bits, FilterCache},
    query_text::{self, Item, TextQuery},
    schema::Fields,
    synonyms, written_forms,
};

/// Shorter words have too many neighbours to guess from (and abbreviations are short).
const SHORTEST: usize = 4;
/// Each part of a word read as two run together ("childlabour") is at least this long.
const SHORTEST_PART: usize = 3;
/// Longer words are not cut in two (the index keeps no word over 40 letters, and a question
/// of long nonsense must cost little).
const LONGEST_SPLIT: usize = 40;
/// At most this many close words are counted for one typed word.
const MOST_CANDIDATES: usize = 32;

/// A correction is offered beside results only when at least this many documents in scope,
/// and one in this many, hold the word it suggests (a slip is mostly of a word often used),
/// and only for words at least this long.
const OFFERED_HOLDERS: usize = 3;
const OFFERED_SHARE: usize = 20;
const OFFERED_SHORTEST: usize = 5;

/// A typed word (lower-cased, as the question holds it) and the word searched instead
/// (lower-cased, written with its accents as most documents holding it write it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    pub typed: String,
    pub suggested: String,
    /// How many documents in scope hold the suggested word.
    pub holders: usize,
    /// How many edits apart the two are.
    pub distance: u8,
}

/// How the words of a search were read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Spelling {
    /// As typed (every word held, none close enough to correct, or `typed=1`).
    #[default]
    AsTyped,
    /// The question as typed found nothing: these words were searched instead.
    Corrected(Vec<Correction>),
    /// The results are those of the words as typed; the question with these words would be
    /// worth a try.
    Offered(Vec<Correction>),
}

/// The word searched in place of `typed`, if it was corrected.
pub fn replacement<'c>(corrections: &'c [Correction], typed: &str) -> Option<&'c str> {
    corrections
        .iter()
        .find(|c| c.typed == typed)
        .map(|c| c.suggested.as_str())
}

/// The question as typed with its corrected words replaced: what was searched.
pub fn searched(typed: &str, corrections: &[Correction]) -> String {
    query_text::rewritten(typed, |word| replacement(corrections, word))
}

/// How far a word may be from what was typed: one edit for short words, two from six letters
/// (a swap of two neighbouring letters is one edit).
fn max_distance(word: &str) -> u8 {
    match word.chars().count() {
        n if n < SHORTEST => 0,
        n if n < 6 => 1,
        _ => 2,
    }
}

/// The words of `question` worth checking, in the question's order: not prefixes, not
/// exclusions (excluding a word no document holds changes nothing), no digits (years, codes
/// such as "C182"), not the thesaurus's own forms (an abbreviation no document writes is found
/// through its group).
fn checked_words(question: &TextQuery) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for item in question.groups.iter().flatten() {
        let texts = match item {
            Item::Word { prefix: true, .. } => continue,
            Item::Word { text, .. } => std::slice::from_ref(text),
            Item::Phrase(parts) | Item::Compound(parts) => parts.as_slice(),
        };
        for text in texts {
            if !words.contains(text) {
                words.push(text.clone());
            }
        }
    }
    words.retain(|word| {
        max_distance(word) > 0
            && !word.chars().any(|c| c.is_numeric())
            && synonyms::ideas(word).is_empty()
    });
    words
}

pub struct Speller<'a> {
    fields: &'a Fields,
    searcher: &'a Searcher,
    /// What the search keeps (kind, status, the filters chosen): a word counts as held only by
    /// documents of it.
    scope: Vec<Term>,
    /// The documents in scope, per segment, from the searches' cached filter sets; made at
    /// the first word checked (`in_scope`).
    in_scope: Option<Vec<Bits>>,
    filters: Arc<FilterCache>,
    plain: TextAnalyzer,
    languages: Vec<TextAnalyzer>,
}

impl<'a> Speller<'a> {
    pub fn new(
        fields: &'a Fields,
        searcher: &'a Searcher,
        filters: Arc<FilterCache>,
        scope: Vec<Term>,
    ) -> Speller<'a> {
        Speller {
            fields,
            searcher,
            scope,
            in_scope: None,
            filters,
            plain: analysis::plain_analyzer(),
            languages: LANGUAGES
                .iter()
                .map(|(_, language)| analysis::language_analyzer(*language))
                .collect(),
        }
    }

    /// The corrections of `question`'s words that no document in scope holds and that have a
    /// close word some document in scope holds; empty when every word is held.
    pub fn corrections(&mut self, question: &TextQuery) -> Vec<Correction> {
        let mut out = Vec::new();
        for typed in checked_words(question) {
            if self.is_held(&typed) {
                continue;
            }
            let correction = match self.closest(&typed) {
                Some(correction) => Some(correction),
                None => self.split(typed),
            };
            out.extend(correction);
        }
        out
    }

    /// The corrections worth offering beside results: one letter away, in words of
    /// [`OFFERED_SHORTEST`] letters or more, to words that many documents in scope hold. All
    /// of them or none, since the question is offered whole.
    pub fn worth_offering(&mut self, corrections: Vec<Correction>) -> Vec<Correction> {
        let in_scope = self.scope_size();
        let least = OFFERED_HOLDERS.max(in_scope / OFFERED_SHARE);
        let worth = |c: &Correction| {
            c.distance == 1 && c.typed.chars().count() >= OFFERED_SHORTEST && c.holders >= least
        };
        if corrections.iter().all(worth) {
            corrections
        } else {
            Vec::new()
        }
    }

    /// The documents in scope, per segment, from the searches' cached filter sets.
    fn in_scope(&mut self) -> Option<&[Bits]> {
        if self.in_scope.is_none() {
            let sets = self
                .searcher
                .segment_readers()
                .iter()
                .map(|reader| self.filters.all_of(reader, &self.scope))
                .collect::<tantivy::Result<Vec<Bits>>>();
            self.in_scope = Some(sets.ok()?);
        }
        self.in_scope.as_deref()
    }

    /// How many live documents are in scope.
    fn scope_size(&mut self) -> usize {
        let searcher = self.searcher;
        let Some(in_scope) = self.in_scope() else {
            return 0;
        };
        searcher
            .segment_readers()
            .iter()
            .zip(in_scope)
            .map(|(reader, kept)| kept.live_count(reader) as usize)
            .sum()
    }

    /// How many live documents in scope hold `term`, counted up to `enough`: their postings
    /// are read against the scope's sets.
    fn held_by(&mut self, term: &Term, enough: usize) -> usize {
        if self.searcher.doc_freq(term).is_ok_and(|n| n == 0) {
            return 0;
        }
        let searcher = self.searcher;
        let Some(in_scope) = self.in_scope() else {
            return 0;
        };
        let mut held = 0;
        for (reader, kept) in searcher.segment_readers().iter().zip(in_scope) {
            let Ok(Some(mut postings)) = reader
                .inverted_index(term.field())
                .and_then(|index| Ok(index.read_block_postings(term, IndexRecordOption::Basic)?))
            else {
                continue;
            };
            let deletes = reader.has_deletes();
            // A block of postings at a time: a common word's thousands of documents are
            // counted in a tight loop.
            while !postings.docs().is_empty() {
                held += postings
                    .docs()
                    .iter()
                    .filter(|&&doc| kept.contains(doc) && !(deletes && reader.is_deleted(doc)))
                    .count();
                if held >= enough {
                    return held;
                }
                postings.advance();
            }
        }
        held
    }

    fn any_holds(&mut self, term: Term) -> bool {
        self.held_by(&term, 1) > 0
    }

    /// Whether `word` is held as typed (accents folded) or in any language's stemmed form, or
    /// is a stop word somewhere (a stop word is no slip).
    fn is_held(&mut self, word: &str) -> bool {
        let plain = analysis::analyze(&mut self.plain, word);
        if plain.is_empty() {
            return true;
        }
        if plain
            .iter()
            .any(|(_, folded)| self.any_holds(Term::from_field_text(self.fields.plain, folded)))
        {
            return true;
        }
        for at in 0..self.languages.len() {
            let stems = analysis::analyze(&mut self.languages[at], word);
            if stems.is_empty() {
                return true;
            }
            let field = self.fields.all.0[at];
            if stems
                .iter()
                .any(|(_, stem)| self.any_holds(Term::from_field_text(field, stem)))
            {
                return true;
            }
        }
        false
    }

    /// Whether some language drops `word` as a stop word: never worth suggesting.
    fn is_stop_word(&mut self, word: &str) -> bool {
        self.languages
            .iter_mut()
            .any(|analyzer| analysis::analyze(analyzer, word).is_empty())
    }

    /// The indexed words within `distance` edits of `folded` that begin with the same letter
    /// (slips rarely fall on the first letter, and without it "migrant" would read "grant").
    fn within(&self, folded: &str, distance: u8) -> BTreeSet<String> {
        let mut words = BTreeSet::new();
        let Some(first) = folded.chars().next() else {
            return words;
        };
        // Only the words of that first letter are walked.
        let from = first.to_string();
        let until = char::from_u32(first as u32 + 1).map_or_else(String::new, String::from);
        let fuzzy = FuzzyTermQuery::new(
            Term::from_field_text(self.fields.plain, folded),
            distance,
            true,
        );
        let Ok(automaton) = fuzzy.automaton() else {
            return words;
        };
        for reader in self.searcher.segment_readers() {
            let Ok(inverted) = reader.inverted_index(self.fields.plain) else {
                continue;
            };
            let mut streamer = inverted.terms().search(&automaton).ge(from.as_bytes());
            if !until.is_empty() {
                streamer = streamer.lt(until.as_bytes());
            }
            let Ok(mut stream) = streamer.into_stream() else {
                continue;
            };
            while stream.advance() && words.len() < MOST_CANDIDATES {
                if let Ok(word) = std::str::from_utf8(stream.key())
                    && word.starts_with(first)
                {
                    words.insert(word.to_string());
                }
            }
        }
        words.remove(folded);
        words
    }

    /// How the documents in scope write `folded`, held by `holders` of them: with its accents
    /// when most of them write it so ("educación"), else as it is.
    fn written(&mut self, folded: String, holders: usize) -> String {
        let mut best: Option<(usize, String)> = None;
        for (word, term) in written_forms::forms(self.fields, self.searcher, &folded) {
            let writers = self.held_by(&term, usize::MAX);
            if writers * 2 > holders && best.as_ref().is_none_or(|(most, _)| writers > *most) {
                best = Some((writers, word));
            }
        }
        best.map_or(folded, |(_, word)| word)
    }

    /// The closest word to `typed` that documents in scope hold: the fewest edits away, then
    /// the most documents, then the first alphabetically.
    fn closest(&mut self, typed: &str) -> Option<Correction> {
        let folded = self.folded(typed)?;
        for distance in 1..=max_distance(typed) {
            let mut counted: BTreeMap<String, usize> = BTreeMap::new();
            for word in self.within(&folded, distance) {
                if self.is_stop_word(&word) {
                    continue;
                }
                let holders = self.holders(&word);
                if holders > 0 {
                    counted.insert(word, holders);
                }
            }
            let best = counted
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
            if let Some((folded, holders)) = best {
                return Some(Correction {
                    typed: typed.to_string(),
                    suggested: self.written(folded, holders),
                    holders,
                    distance,
                });
            }
        }
        None
    }

    /// `typed` as two words run together ("childlabour" → "child labour", a missing space is
    /// one slip): each part [`SHORTEST_PART`] letters or more, not a stop word, held by
    /// documents in scope; of several such cuts, the one whose rarer part is held most.
    fn split(&mut self, typed: String) -> Option<Correction> {
        if typed.chars().count() > LONGEST_SPLIT {
            return None;
        }
        let cuts: Vec<usize> = typed.char_indices().map(|(at, _)| at).collect();
        let mut held_cuts = Vec::new();
        for &cut in cuts.iter().skip(SHORTEST_PART) {
            let (left, right) = typed.split_at(cut);
            if right.chars().count() < SHORTEST_PART {
                break;
            }
            let Some(left) = self.held_part(left) else {
                continue;
            };
            if let Some(right) = self.held_part(right) {
                held_cuts.push((left, right));
            }
        }
        // Counting a common word's holders reads its whole posting list: only the cuts whose
        // two parts are both held are counted.
        let mut best: Option<(usize, String)> = None;
        for (left, right) in held_cuts {
            let left_holders = self.holders(&left);
            let right_holders = self.holders(&right);
            let holders = left_holders.min(right_holders);
            if best.as_ref().is_none_or(|(most, _)| holders > *most) {
                let words = format!(
                    "{} {}",
                    self.written(left, left_holders),
                    self.written(right, right_holders)
                );
                best = Some((holders, words));
            }
        }
        best.map(|(holders, suggested)| Correction {
            typed,
            suggested,
            holders,
            distance: 1,
        })
    }

    /// A part of a split word, folded as the `plain` field holds it; `None` when it is a stop
    /// word or no document in scope holds it.
    fn held_part(&mut self, part: &str) -> Option<String> {
        if self.is_stop_word(part) {
            return None;
        }
        let folded = self.folded(part)?;
        self.any_holds(Term::from_field_text(self.fields.plain, &folded))
            .then_some(folded)
    }

    /// How many documents in scope hold the folded word `folded`.
    fn holders(&mut self, folded: &str) -> usize {
        self.held_by(
            &Term::from_field_text(self.fields.plain, folded),
            usize::MAX,
        )
    }

    /// `word` lower-cased and folded as the `plain` field holds it.
    fn folded(&mut self, word: &str) -> Option<String> {
        let mut words = analysis::analyze(&mut self.plain, word).into_iter();
        let (_, folded) = words.next()?;
        words.next().is_none().then_some(folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_grows_with_the_word() {
        assert_eq!(max_distance("osh"), 0);
        assert_eq!(max_distance("chlid"), 1);
        assert_eq!(max_distance("niño"), 1);
        assert_eq!(max_distance("inspecton"), 2);
    }

    #[test]
    fn only_plain_words_are_checked() {
        let question = TextQuery::parse(
            "chlid \"labuor inspecton\" farm-wrk c182 cocoa* -minning WFCL 2019 of chlid",
        );
        assert_eq!(
            checked_words(&question),
            ["chlid", "labuor", "inspecton", "farm"]
        );
    }
}
