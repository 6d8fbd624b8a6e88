//! Short plain-text summaries of Markdown: what listings, snippets, feeds, the API and
//! newsletter items show in place of the whole text.

/// The words of some Markdown, whitespace collapsed, cut to at most `max` characters on a word
/// boundary with "…" where it was cut.
pub fn plain(markdown: &str, max: usize) -> String {
    let text = super::words(markdown, max * 4 + 64);
    let mut out = String::new();
    for word in text.split_whitespace() {
        let next = out.chars().count() + word.chars().count() + usize::from(!out.is_empty());
        if next > max {
            if out.is_empty() {
                out.extend(word.chars().take(max));
            }
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`plain`], without repeating the title when the text opens with it (imported learnings
/// often take their title from their first sentence).
pub fn after_title(title: &str, markdown: &str, max: usize) -> String {
    let title = title.trim();
    let text = plain(markdown, max + title.chars().count() + 1);
    // A title cut short ("The project…", as `learnings::fields::title_from` shortens a long
    // first sentence) opens the text without its ellipsis: the summary goes on where it stopped.
    let (rest, cut) = match after_opening(&text, title) {
        Some(rest) => (rest, false),
        None => match title.strip_suffix('…').map(str::trim_end) {
            Some(opening) if !opening.is_empty() => match after_opening(&text, opening) {
                Some(rest) => (rest, true),
                None => return plain(markdown, max),
            },
            _ => return plain(markdown, max),
        },
    };
    match rest {
        // The text is the title and nothing more.
        "" | "…" => String::new(),
        rest if cut => format!("…{}", plain(rest, max.saturating_sub(1))),
        rest => plain(rest, max),
    }
}

/// What follows `opening` at the start of `text`, without the punctuation and space between,
/// or `None` when the text does not open with it as whole words ("Cash" does not open
/// "Cashflow").
fn after_opening<'a>(text: &'a str, opening: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(opening)?;
    if opening.ends_with(char::is_alphanumeric) && rest.starts_with(char::is_alphanumeric) {
        return None;
    }
    Some(rest.trim_start_matches([',', ';', ':', '.', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_plain_short_and_do_not_repeat_the_title() {
        assert_eq!(
            plain("# Heading\n\nSome *emphasis* and a [link](http://x).", 100),
            "Heading Some emphasis and a link."
        );
        assert_eq!(plain("one two three four", 9), "one two…");
        assert_eq!(plain("a <b>bold</b> word", 100), "a bold word");
        assert_eq!(plain("<script>alert(1)</script>", 100), "");
        assert_eq!(plain(&"word ".repeat(100), 20).chars().count(), 20);
        assert_eq!(
            after_title(
                "Cash works.",
                "Cash works. Families kept girls in school.",
                280
            ),
            "Families kept girls in school."
        );
        assert_eq!(after_title("Cash works.", "Cash works.", 280), "");
        assert_eq!(after_title("Title", "Another text.", 280), "Another text.");
        // A title cut from a long first sentence: the summary takes up where it stopped.
        assert_eq!(
            after_title(
                "GAP 11 explores how child labour can be addressed, which…",
                "GAP 11 explores how child labour can be addressed, which, in the *current* \
                 restructuring, is important.",
                280
            ),
            "…in the current restructuring, is important."
        );
        assert_eq!(
            after_title(
                "Cash works…",
                "Cash works. Families kept girls in school.",
                280
            ),
            "…Families kept girls in school."
        );
        // Not a cut of this text, or cut inside a word: the text as it is.
        assert_eq!(
            after_title("Cash wor…", "Cash works well.", 280),
            "Cash works well."
        );
        assert_eq!(after_title("Other…", "Cash works.", 280), "Cash works.");
        assert_eq!(after_title("…", "Cash works.", 280), "Cash works.");
        assert_eq!(after_title("Cash works…", "Cash works", 280), "");
        assert_eq!(
            after_title("Cash", "Cashflow matters.", 280),
            "Cashflow matters."
        );
        assert_eq!(
            after_title("Cash works", "Cash works: girls stay in school.", 280),
            "girls stay in school."
        );
        let long = "word ".repeat(200);
        assert!(after_title("T", &long, 280).chars().count() <= 281);
    }
}
