//! Known pathological Markdown inputs, for the fuzz-style tests and `examples/bench_markdown.rs`:
//! deep nesting of quotes, lists, emphasis, links and tables, long runs of the characters
//! Markdown and HTML give meaning to, and mixes of them. Each input is exactly `size` characters,
//! so callers test at the body length cap.

/// One input of the corpus: a name to report and the Markdown.
pub struct Case {
    pub name: &'static str,
    pub markdown: String,
}

/// `pattern` repeated and cut to exactly `size` characters.
fn fill(pattern: &str, size: usize) -> String {
    pattern.chars().cycle().take(size).collect()
}

/// `open` repeated, a middle, then `close` repeated as often, cut to `size` characters (the
/// shape of deep nesting that is closed again at the end).
fn nest(open: &str, middle: &str, close: &str, size: usize) -> String {
    let depth = size.saturating_sub(middle.len()) / (open.len() + close.len()).max(1);
    let text = format!("{}{middle}{}", open.repeat(depth), close.repeat(depth));
    fill(&text, size)
}

/// Lines built from their number, until `size` characters.
fn lines(size: usize, line: impl Fn(usize) -> String) -> String {
    let mut text = String::new();
    let mut n = 0;
    while text.chars().count() < size {
        text.push_str(&line(n));
        text.push('\n');
        n += 1;
    }
    fill(&text, size)
}

/// A deterministic mix of the characters Markdown and HTML give meaning to.
fn mix(size: usize, seed: u64) -> String {
    const PIECES: [&str; 24] = [
        ">", "> ", "- ", "1. ", "*", "_", "**", "__", "[", "]", "](", ")", "`", "``", "<", "</",
        "<b>", "&", "&#", "|", "\n", "\n\n", "a", "    ",
    ];
    let mut state = seed;
    let mut text = String::new();
    while text.len() < size {
        // A 64-bit LCG (Knuth's MMIX constants): the same corpus in every run.
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(PIECES[(state >> 33) as usize % PIECES.len()]);
    }
    fill(&text, size)
}

/// The corpus, every input `size` characters long.
pub fn corpus(size: usize) -> Vec<Case> {
    let case = |name, markdown| Case { name, markdown };
    vec![
        // Block quotes.
        case("quotes on one line", fill(">", size)),
        case("quotes with spaces", fill("> ", size)),
        case("quotes then text", nest(">", " a", "", size)),
        case(
            "quotes deepening by line",
            lines(size, |n| format!("{} a", ">".repeat(n + 1))),
        ),
        case(
            "quotes of 200 per line",
            lines(size, |_| format!("{} a", ">".repeat(200))),
        ),
        case(
            "deep quote, lazy lines",
            format!(
                "{} a\n{}",
                ">".repeat(size / 2),
                fill("b\n", size - size / 2 - 3)
            ),
        ),
        // Lists.
        case("bullets on one line", fill("- ", size)),
        case("numbers on one line", fill("1. ", size)),
        case("mixed markers on one line", fill("- 1. * + 2) ", size)),
        case(
            "lists indented by line",
            lines(size, |n| format!("{}- a", "  ".repeat(n))),
        ),
        case("list in quote on one line", fill("> - ", size)),
        case("many list items", fill("- a\n", size)),
        // Emphasis.
        case("stars nested", nest("*", "a", "*", size)),
        case("underscores nested", nest("_", "a", "_", size)),
        case("strong and emphasis nested", nest("**_", "a", "_**", size)),
        case("emphasis alternating", nest("*_", "a", "_*", size)),
        case("star run", fill("*", size)),
        case("underscore run", fill("_", size)),
        case("unclosed emphasis", fill("*a ", size)),
        case("unclosed strong and emphasis", fill("**a *a _a __a ", size)),
        case("emphasis openers, then closers", {
            let half = fill("*a ", size / 2);
            format!("{half}{}", fill("a* ", size - size / 2))
        }),
        case("strikethrough nested", nest("~~", "a", "~~", size)),
        // Links and images.
        case("links nested", nest("[", "a", "](b)", size)),
        case("open brackets", fill("[", size)),
        case("bracket pairs", fill("[]", size)),
        case("images nested", nest("![", "a", "](b)", size)),
        case("unclosed links", fill("[a](", size)),
        case(
            "link destinations in parentheses",
            nest("[a](", "b", ")", size),
        ),
        case("reference links", {
            let definition = "[r]: http://example.org/\n\n";
            format!("{definition}{}", fill("[r]", size - definition.len()))
        }),
        case("open brackets then one close", {
            let open = fill("[", size - 4);
            format!("{open}](b)")
        }),
        // Code.
        case("backtick run", fill("`", size)),
        case("backtick runs of growing length", {
            let mut text = String::new();
            let mut n = 1;
            while text.len() < size {
                text.push_str(&"`".repeat(n));
                text.push(' ');
                n += 1;
            }
            fill(&text, size)
        }),
        case("unmatched backticks", fill("`a``", size)),
        case("code fences", fill("```\n", size)),
        // Tables.
        case("wide table", {
            let columns = size / 8;
            let head = format!("{}|\n{}|\n", "|a".repeat(columns), "|-".repeat(columns));
            format!("{head}{}", fill("|\n", size - head.len()))
        }),
        case(
            "long table",
            format!("|a|b|\n|-|-|\n{}", fill("|a|b|\n", size - 12)),
        ),
        case(
            "tables in nested quotes",
            lines(size, |n| {
                format!("{}|a|\n{}|-|", "> ".repeat(n % 40), "> ".repeat(n % 40))
            }),
        ),
        case("pipes", fill("|", size)),
        // HTML and entities.
        case("angle bracket run", fill("<", size)),
        case("unclosed tags", fill("<a", size)),
        case("nested divs", nest("<div>", "a", "</div>", size)),
        case("nested inline tags", nest("<b>", "a", "</b>", size)),
        case("formatting tags, then paragraphs", {
            let tags: String = (0..500).map(|n| format!("<b id={n}>")).collect();
            let tags = fill(&tags, size.min(tags.len()));
            let rest = size - tags.len();
            format!("{tags}{}", fill("\n\na", rest))
        }),
        case("comments", fill("<!--", size)),
        case("script tags", fill("<script>alert(1)</script>", size)),
        case("ampersand run", fill("&", size)),
        case("entities", fill("&#x1F600;&amp;&lt;", size)),
        case("autolinks", fill("<http://a.example/>", size)),
        // Other block structure.
        case("hard breaks", fill("a\\\n", size)),
        case("headings", fill("# a\n", size)),
        case("rules", fill("***\n", size)),
        case("setext headings", fill("a\n=\n", size)),
        // Mixes.
        case("every special character", fill(">*_[`<&|~!](-", size)),
        case("quote list emphasis link", fill("> - *[a](", size)),
        case("random mix 1", mix(size, 1)),
        case("random mix 2", mix(size, 2)),
        case("random mix 3", mix(size, 3)),
        case("wide characters nested", nest("*𝔸", "a", "𝔸*", size)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_is_exactly_the_size() {
        for case in corpus(10_000) {
            assert_eq!(case.markdown.chars().count(), 10_000, "{}", case.name);
        }
    }
}
