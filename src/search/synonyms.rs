//! The field's abbreviations and synonyms (`data/search-synonyms.txt`): a question that
//! contains one form of a group also looks for the other forms. Each form states the languages
//! it is written in (`fr:travail des enfants`, `en,fr:migration`): the titles and projects of
//! those languages' learnings are where it weighs more.

use std::sync::LazyLock;

use tantivy::tokenizer::TextAnalyzer;

use super::analysis::{self, Languages};

const SOURCE: &str = include_str!("../../data/search-synonyms.txt");

/// One form of a group: its folded, unstemmed words and the languages it is written in.
struct Form {
    words: Vec<String>,
    languages: Languages,
}

/// Each group's forms.
static GROUPS: LazyLock<Vec<Vec<Form>>> = LazyLock::new(|| {
    let mut plain = analysis::plain_analyzer();
    group_lines()
        .map(|line| {
            line.split(" = ")
                .map(|form| {
                    let (languages, text) = tagged(form);
                    Form {
                        words: words(&mut plain, text),
                        languages,
                    }
                })
                .filter(|form| !form.words.is_empty())
                .collect()
        })
        .collect()
});

/// Every form of every group, as its folded words joined by spaces (what [`Expansion::text`]
/// holds).
pub fn forms() -> impl Iterator<Item = String> {
    GROUPS.iter().flatten().map(|form| form.words.join(" "))
}

/// Tells this list from any other: an index records the list its phrases were found with
/// (`known_phrases`), and is rebuilt when the list changes.
pub fn fingerprint() -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(SOURCE.as_bytes())[..8])
}

fn group_lines() -> impl Iterator<Item = &'static str> {
    SOURCE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// A form's languages (the codes before its colon) and its text. A form whose codes are
/// missing or unknown is looked up in every language (`every_form_states_its_languages`
/// keeps the list free of them).
fn tagged(form: &str) -> (Languages, &str) {
    let stated = form.split_once(':').and_then(|(codes, text)| {
        let mut languages: Option<Languages> = None;
        for code in codes.split(',') {
            let one = Languages::of_code(code)?;
            languages = Some(languages.map_or(one, |all| all.with(one)));
        }
        Some((languages?, text))
    });
    stated.unwrap_or((Languages::ALL, form))
}

fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    analysis::analyze(analyzer, text)
        .into_iter()
        .map(|(_, word)| word)
        .collect()
}

fn contains(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Another form of a group the question holds: text to search for, and the languages it is
/// written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub text: String,
    pub languages: Languages,
}

/// A group one of whose forms the question holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idea {
    /// The forms the question holds (folded words).
    pub held: Vec<String>,
    /// The group's other forms.
    pub others: Vec<Expansion>,
}

/// Every group one of whose forms appears in `text` (as whole words, in any language), with
/// its other forms: one idea per group, so that each idea the question holds counts once.
pub fn ideas(text: &str) -> Vec<Idea> {
    let query = words(&mut analysis::plain_analyzer(), text);
    let mut out = Vec::new();
    for group in GROUPS.iter() {
        if !group.iter().any(|form| contains(&query, &form.words)) {
            continue;
        }
        let mut idea = Idea {
            held: Vec::new(),
            others: Vec::new(),
        };
        for form in group {
            let text = form.words.join(" ");
            if contains(&query, &form.words) {
                idea.held.push(text);
                continue;
            }
            match idea.others.iter_mut().find(|known| known.text == text) {
                Some(known) => known.languages = known.languages.with(form.languages),
                None => idea.others.push(Expansion {
                    text,
                    languages: form.languages,
                }),
            }
        }
        out.push(idea);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        ideas(text)
            .into_iter()
            .flat_map(|idea| idea.others)
            .map(|e| e.text)
            .collect()
    }

    #[test]
    fn abbreviations_meet_their_words() {
        assert!(texts("WFCL in cocoa").contains(&"worst forms of child labour".to_string()));
        assert!(texts("the worst forms of child labor").contains(&"wfcl".to_string()));
        assert!(texts("OSH training").contains(&"occupational safety and health".into()));
        assert!(texts("travail des enfants").contains(&"child labour".into()));
        assert!(texts("trabajo infantil").contains(&"travail des enfants".into()));
    }

    #[test]
    fn each_form_keeps_its_languages() {
        let found: Vec<Expansion> = ideas("child labour")
            .into_iter()
            .flat_map(|idea| idea.others)
            .collect();
        let language = |text: &str| {
            found
                .iter()
                .find(|e| e.text == text)
                .map(|e| e.languages)
                .unwrap()
        };
        assert_eq!(
            language("travail des enfants"),
            Languages::of_code("fr").unwrap()
        );
        assert_eq!(
            language("trabajo infantil"),
            Languages::of_code("es").unwrap()
        );
        assert_eq!(language("child work"), Languages::of_code("en").unwrap());
    }

    #[test]
    fn a_form_without_known_codes_is_looked_up_everywhere() {
        assert_eq!(
            tagged("fr,es:cacao"),
            (
                Languages::of_code("fr")
                    .unwrap()
                    .with(Languages::of_code("es").unwrap()),
                "cacao"
            )
        );
        assert_eq!(tagged("cacao"), (Languages::ALL, "cacao"));
        assert_eq!(tagged("de:kakao"), (Languages::ALL, "de:kakao"));
        assert_eq!(tagged("fr,:cacao"), (Languages::ALL, "fr,:cacao"));
    }

    #[test]
    fn each_group_the_question_holds_is_one_idea() {
        let ideas = ideas("OSH for teenagers");
        assert_eq!(ideas.len(), 2, "{ideas:?}");
        let held: Vec<&str> = ideas
            .iter()
            .flat_map(|idea| idea.held.iter().map(String::as_str))
            .collect();
        assert_eq!(held, ["osh", "teenagers"]);
        assert!(ideas.iter().all(|idea| !idea.others.is_empty()));
    }

    #[test]
    fn unrelated_words_expand_to_nothing() {
        assert!(ideas("hello world").is_empty());
        assert!(ideas("").is_empty());
        // Forms match whole words only ("M&E" folds to "m e").
        assert!(!texts("homework").iter().any(|e| e.contains("evaluation")));
    }

    #[test]
    fn distance_to_school_is_not_distance_learning() {
        assert!(!texts("distance to school").contains(&"online".to_string()));
        assert!(texts("distance learning during covid").contains(&"online".to_string()));
    }

    #[test]
    fn every_group_has_two_forms() {
        for group in GROUPS.iter() {
            assert!(group.len() >= 2);
        }
    }

    #[test]
    fn every_form_states_its_languages() {
        for line in group_lines() {
            for form in line.split(" = ") {
                let (languages, text) = tagged(form);
                assert!(
                    languages != Languages::ALL || text != form,
                    "{form:?} in {line:?} says no language"
                );
            }
        }
    }
}
