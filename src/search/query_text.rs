//! What a person types into the search box, parsed into a small safe language: words, "quoted
//! phrases", `OR` between alternatives, `-word` to exclude and `word*` for a prefix. Only runs
//! of letters and digits ever reach the engine, and the engine's query is built from them in
//! code, never parsed, so no input is read as query syntax (quotes, parentheses, `NEAR`,
//! `col:` prefixes are all just text here).

/// Longer queries are cut (before parsing) to this many characters.
pub const MAX_CHARS: usize = 256;
/// At most this many words and phrases are used.
pub const MAX_ITEMS: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Word {
        text: String,
        prefix: bool,
    },
    /// Quoted words: they must appear together, in this order.
    Phrase(Vec<String>),
    /// Words typed joined by punctuation ("COVID-19", "title:child"): each counts, and more
    /// when they stand together.
    Compound(Vec<String>),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextQuery {
    /// Every group must match; a group matches when any of its items does.
    pub groups: Vec<Vec<Item>>,
    /// None of these may match.
    pub excluded: Vec<Item>,
    /// The input was longer than `MAX_CHARS` or held more than `MAX_ITEMS` items.
    pub shortened: bool,
    /// Only exclusions were given; they cannot select anything alone and were dropped.
    pub only_exclusions: bool,
    /// The language of the page the question was asked from, when it is known: learnings in
    /// it are preferred when the words do not tell the question's own language.
    pub reader_language: Option<&'static str>,
    /// Search the words exactly as typed: none is corrected (`spelling`).
    pub as_typed: bool,
}

/// Whether the `typed` parameter of a search asks for the words as typed, none corrected. The
/// parameter is left as links carry it: "1" or nothing, never what was sent in its place.
pub fn as_typed(param: &mut String) -> bool {
    let on = param.trim() == "1";
    *param = if on { "1".into() } else { String::new() };
    on
}

fn words(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn item_of(raw: &str, quoted: bool) -> Option<Item> {
    let prefix = !quoted && raw.ends_with('*');
    let mut parts = words(raw);
    match parts.len() {
        0 => None,
        1 => Some(Item::Word {
            text: parts.remove(0),
            prefix,
        }),
        _ if quoted => Some(Item::Phrase(parts)),
        _ => Some(Item::Compound(parts)),
    }
}

/// `input` cut to `MAX_CHARS`, not ending in half a word; `None` when it fits.
pub fn shortened(input: &str) -> Option<String> {
    let mut text: String = input.chars().take(MAX_CHARS).collect();
    if text.len() == input.len() {
        return None;
    }
    if let Some(space) = text.rfind(char::is_whitespace) {
        text.truncate(space);
    }
    Some(text)
}

/// `input` with the words `replace` gives a replacement for (compared lower-cased, as parsing
/// reads them) replaced, and everything else kept as typed: the question to show back.
pub fn rewritten<'r>(input: &str, replace: impl Fn(&str) -> Option<&'r str>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(start) = rest.find(char::is_alphanumeric) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        let word = &rest[..end];
        match replace(&word.to_lowercase()) {
            Some(replacement) => out.push_str(replacement),
            None => out.push_str(word),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

impl TextQuery {
    pub fn parse(input: &str) -> TextQuery {
        let mut query = TextQuery::default();
        let text = match shortened(input) {
            Some(text) => {
                query.shortened = true;
                text
            }
            None => input.to_string(),
        };
        let mut rest = text.as_str();
        let mut join_with_previous = false;
        let mut count = 0;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let negated = rest.starts_with('-') && rest.len() > 1;
            if negated {
                rest = &rest[1..];
            }
            let (raw, quoted) = if let Some(inner) = rest.strip_prefix('"') {
                let end = inner.find('"').unwrap_or(inner.len());
                let raw = &inner[..end];
                rest = inner.get(end + 1..).unwrap_or("");
                (raw, true)
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '"')
                    .unwrap_or(rest.len());
                let raw = &rest[..end];
                rest = &rest[end..];
                (raw, false)
            };
            if !quoted && !negated && raw == "OR" {
                join_with_previous = !query.groups.is_empty();
                continue;
            }
            let Some(item) = item_of(raw, quoted) else {
                continue;
            };
            count += 1;
            if count > MAX_ITEMS {
                query.shortened = true;
                break;
            }
            if negated {
                query.excluded.push(item);
            } else if join_with_previous {
                query.groups.last_mut().expect("a group").push(item);
            } else {
                query.groups.push(vec![item]);
            }
            join_with_previous = false;
        }
        if query.groups.is_empty() && !query.excluded.is_empty() {
            query.excluded.clear();
            query.only_exclusions = true;
        }
        query
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The same question with some words replaced (`replace` gives a word's replacement). A
    /// replacement of several words ("childlabour" → "child labour") stands for them joined:
    /// each counts, and more together (`Item::Compound`); in a phrase, they take its place.
    pub fn with_words<'r>(&self, replace: impl Fn(&str) -> Option<&'r str>) -> TextQuery {
        let words = |text: &String| -> Vec<String> {
            replace(text).map_or_else(
                || vec![text.clone()],
                |replaced| replaced.split(' ').map(str::to_string).collect(),
            )
        };
        let item = |item: &Item| match item {
            Item::Word { text, prefix } => {
                let mut replaced = words(text);
                if replaced.len() == 1 {
                    Item::Word {
                        text: replaced.remove(0),
                        prefix: *prefix,
                    }
                } else {
                    Item::Compound(replaced)
                }
            }
            Item::Phrase(parts) => Item::Phrase(parts.iter().flat_map(words).collect()),
            Item::Compound(parts) => Item::Compound(parts.iter().flat_map(words).collect()),
        };
        TextQuery {
            groups: self
                .groups
                .iter()
                .map(|group| group.iter().map(item).collect())
                .collect(),
            excluded: self.excluded.iter().map(item).collect(),
            ..self.clone()
        }
    }

    /// The words to show back ("results for …"), for messages.
    pub fn terms(&self) -> Vec<String> {
        self.groups
            .iter()
            .flatten()
            .map(|i| match i {
                Item::Word { text, .. } => text.clone(),
                Item::Phrase(words) | Item::Compound(words) => words.join(" "),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(q: &TextQuery) -> Vec<String> {
        q.terms()
    }

    #[test]
    fn syntax_is_only_text() {
        let q = TextQuery::parse(
            r#"title:child (labour "birth registration" NEAR -mining OR* ) '; DROP TABLE learnings; --"#,
        );
        let words = words_of(&q);
        for part in ["title child", "birth registration", "near", "drop"] {
            assert!(words.iter().any(|w| w == part), "{part} in {words:?}");
        }
        assert_eq!(
            q.excluded,
            vec![Item::Word {
                text: "mining".into(),
                prefix: false
            }]
        );
        assert!(
            words
                .iter()
                .all(|w| !w.contains(['(', ')', ':', ';', '\'']))
        );
    }

    #[test]
    fn or_groups_and_prefix() {
        let q = TextQuery::parse("school OR education cocoa* OR");
        assert_eq!(q.groups.len(), 2);
        assert_eq!(q.groups[0].len(), 2);
        assert_eq!(
            q.groups[1],
            vec![Item::Word {
                text: "cocoa".into(),
                prefix: true
            }]
        );
    }

    #[test]
    fn words_are_replaced_where_they_stand() {
        let replace = |word: &str| match word {
            "chlid" => Some("child"),
            "minning" => Some("mining"),
            _ => None,
        };
        let q = TextQuery::parse("Chlid \"chlid labour\" chlid-work chlid* -minning");
        let replaced = q.with_words(replace);
        assert_eq!(
            replaced.terms(),
            vec!["child", "child labour", "child work", "child"]
        );
        assert_eq!(
            replaced.excluded,
            vec![Item::Word {
                text: "mining".into(),
                prefix: false
            }]
        );
        assert_eq!(
            rewritten("Chlid \"chlid labour\" chlid-work, -minning!", replace),
            "child \"child labour\" child-work, -mining!"
        );
        assert_eq!(rewritten("niño 🙂 trabajo", replace), "niño 🙂 trabajo");
    }

    #[test]
    fn a_word_replaced_by_two_stands_for_them_joined() {
        let replace = |word: &str| (word == "childlabour").then_some("child labour");
        let q = TextQuery::parse("childlabour \"childlabour in cocoa\" childlabour-free");
        let replaced = q.with_words(replace);
        assert_eq!(
            replaced.groups,
            vec![
                vec![Item::Compound(vec!["child".into(), "labour".into()])],
                vec![Item::Phrase(vec![
                    "child".into(),
                    "labour".into(),
                    "in".into(),
                    "cocoa".into()
                ])],
                vec![Item::Compound(vec![
                    "child".into(),
                    "labour".into(),
                    "free".into()
                ])],
            ]
        );
    }

    #[test]
    fn degenerate_inputs() {
        for input in [
            "", "   ", "\"", "((((", "-", "***", "🙂🙂", "OR OR", "\"\"\"",
        ] {
            let q = TextQuery::parse(input);
            assert!(q.is_empty(), "{input}");
        }
        let only_not = TextQuery::parse("-mining");
        assert!(only_not.is_empty() && only_not.only_exclusions);
        let long = TextQuery::parse(&"enfant ".repeat(1000));
        assert!(long.shortened);
        assert_eq!(long.groups.len(), MAX_ITEMS);
        let mixed = TextQuery::parse("niño trabajo 児童労働 عمل");
        assert_eq!(mixed.terms(), vec!["niño", "trabajo", "児童労働", "عمل"]);
    }
}
