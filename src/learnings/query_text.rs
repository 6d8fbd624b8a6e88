//! What a person types into the search box, parsed into a small safe language: words, "quoted
//! phrases", `OR` between alternatives, `-word` to exclude and `word*` for a prefix. Only runs
//! of letters and digits ever reach the database, so no input can be read as FTS5 or tsquery
//! syntax (quotes, parentheses, `NEAR`, `col:` prefixes are all just text here).

/// Longer queries are cut (before parsing) to this many characters.
pub const MAX_CHARS: usize = 256;
/// At most this many words and phrases are used.
pub const MAX_ITEMS: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Word { text: String, prefix: bool },
    Phrase(Vec<String>),
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
        _ => Some(Item::Phrase(parts)),
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

    /// The query as an FTS5 expression over the text columns, every term a quoted string.
    pub fn to_fts5(&self) -> Option<String> {
        if self.groups.is_empty() {
            return None;
        }
        let item = |item: &Item| match item {
            Item::Word { text, prefix: true } => format!("\"{}\" *", text.replace('"', "\"\"")),
            Item::Word { text, .. } => format!("\"{}\"", text.replace('"', "\"\"")),
            Item::Phrase(words) => format!("\"{}\"", words.join(" ").replace('"', "\"\"")),
        };
        let any = |items: &[Item]| {
            format!(
                "({})",
                items.iter().map(item).collect::<Vec<_>>().join(" OR ")
            )
        };
        let mut expression = self
            .groups
            .iter()
            .map(|g| any(g))
            .collect::<Vec<_>>()
            .join(" AND ");
        if !self.excluded.is_empty() {
            expression = format!("({expression}) NOT {}", any(&self.excluded));
        }
        Some(format!(
            "{{title description project_title}} : ({expression})"
        ))
    }

    /// The query rebuilt for PostgreSQL's `websearch_to_tsquery` from the parsed words only.
    pub fn to_websearch(&self) -> Option<String> {
        if self.groups.is_empty() {
            return None;
        }
        let item = |item: &Item| match item {
            Item::Word { text, .. } => text.clone(),
            Item::Phrase(words) => format!("\"{}\"", words.join(" ")),
        };
        let mut parts: Vec<String> = self
            .groups
            .iter()
            .map(|g| g.iter().map(item).collect::<Vec<_>>().join(" OR "))
            .collect();
        parts.extend(self.excluded.iter().map(|i| format!("-{}", item(i))));
        Some(parts.join(" "))
    }

    /// The words to show back ("results for …"), for messages.
    pub fn terms(&self) -> Vec<String> {
        self.groups
            .iter()
            .flatten()
            .map(|i| match i {
                Item::Word { text, .. } => text.clone(),
                Item::Phrase(words) => words.join(" "),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_is_only_text() {
        let q = TextQuery::parse(
            r#"title:child (labour "birth registration" NEAR -mining OR* ) '; DROP TABLE learnings; --"#,
        );
        let fts = q.to_fts5().unwrap();
        assert!(fts.starts_with("{title description project_title} : ("));
        for part in [
            "\"title child\"",
            "\"birth registration\"",
            "\"near\"",
            "\"drop\"",
        ] {
            assert!(fts.contains(part), "{part} in {fts}");
        }
        assert!(fts.contains("NOT (\"mining\")"), "{fts}");
        assert!(!fts.contains('\''), "{fts}");
        let web = q.to_websearch().unwrap();
        assert!(web.contains("-mining"));
        assert!(!web.contains(['(', ')', ':', ';', '\'']), "{web}");
    }

    #[test]
    fn or_groups_and_prefix() {
        let q = TextQuery::parse("school OR education cocoa* OR");
        assert_eq!(q.groups.len(), 2);
        assert_eq!(q.groups[0].len(), 2);
        assert_eq!(
            q.to_fts5().unwrap(),
            "{title description project_title} : ((\"school\" OR \"education\") AND (\"cocoa\" *))"
        );
    }

    #[test]
    fn degenerate_inputs() {
        for input in [
            "", "   ", "\"", "((((", "-", "***", "🙂🙂", "OR OR", "\"\"\"",
        ] {
            let q = TextQuery::parse(input);
            assert!(q.to_fts5().is_none(), "{input}");
            assert!(q.to_websearch().is_none(), "{input}");
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
