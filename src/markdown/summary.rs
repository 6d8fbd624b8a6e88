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
    match text.strip_prefix(title).map(str::trim_start) {
        // The text is the title and nothing more.
        Some("") | Some("…") => String::new(),
        Some(rest) => plain(rest, max),
        None => plain(markdown, max),
    }
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
        let long = "word ".repeat(200);
        assert!(after_title("T", &long, 280).chars().count() <= 281);
    }
}
