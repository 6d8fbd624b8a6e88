//! The field's abbreviations and synonyms (`data/search-synonyms.txt`): a question that
//! contains one form of a group also looks for the other forms.

use std::sync::LazyLock;

use tantivy::tokenizer::TextAnalyzer;

use super::analysis;

const SOURCE: &str = include_str!("../../data/search-synonyms.txt");

/// Each group's forms, every form as folded, unstemmed words.
static GROUPS: LazyLock<Vec<Vec<Vec<String>>>> = LazyLock::new(|| {
    let mut plain = analysis::plain_analyzer();
    SOURCE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            line.split(" = ")
                .map(|form| words(&mut plain, form))
                .filter(|form| !form.is_empty())
                .collect()
        })
        .collect()
});

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

/// The other forms of every group one of whose forms appears in `text` (as whole words), each
/// as text to search for. Forms already in the question are not repeated.
pub fn expansions(text: &str) -> Vec<String> {
    let query = words(&mut analysis::plain_analyzer(), text);
    let mut out: Vec<String> = Vec::new();
    for group in GROUPS.iter() {
        if !group.iter().any(|form| contains(&query, form)) {
            continue;
        }
        for form in group {
            let joined = form.join(" ");
            if !contains(&query, form) && !out.contains(&joined) {
                out.push(joined);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_meet_their_words() {
        assert!(expansions("WFCL in cocoa").contains(&"worst forms of child labour".to_string()));
        assert!(expansions("the worst forms of child labor").contains(&"wfcl".to_string()));
        assert!(expansions("OSH training").contains(&"occupational safety and health".into()));
        assert!(expansions("travail des enfants").contains(&"child labour".into()));
        assert!(expansions("trabajo infantil").contains(&"travail des enfants".into()));
    }

    #[test]
    fn unrelated_words_expand_to_nothing() {
        assert!(expansions("hello world").is_empty());
        assert!(expansions("").is_empty());
        // Forms match whole words only ("M&E" folds to "m e").
        assert!(
            !expansions("homework")
                .iter()
                .any(|e| e.contains("evaluation"))
        );
    }

    #[test]
    fn every_group_has_two_forms() {
        for group in GROUPS.iter() {
            assert!(group.len() >= 2, "{group:?}");
        }
    }
}
