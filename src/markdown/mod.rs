//! Markdown → sanitized HTML. The only place in Fora that produces HTML from user text.
//! It must never let script, event handlers, `javascript:`/`data:` URLs, SVG or styles through.
//!
//! Rendering is bounded (see `bounds` and `markers`): any text up to the body length cap
//! renders in milliseconds. It is still CPU work, so callers render with `render_off_thread`
//! before they open a write transaction.

mod bounds;
mod escaping;
mod markers;
mod mention;
pub mod pathological;
pub mod summary;

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, TagEnd, html};

pub use bounds::{MAX_CONTAINER_DEPTH, MAX_DEPTH, MAX_ELEMENTS, MAX_HTML_TAGS};

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .rm_tags(["img"])
        // Mentions (`mention::Marked`); no other class survives.
        .allowed_classes(
            [("span", ["mention"].into_iter().collect())]
                .into_iter()
                .collect(),
        );
    builder
});

/// The version of [`render`]'s output. Stored HTML remembers the version that produced it
/// (`posts.render_version`, `held_edits.render_version`) and `fora serve` renders what is
/// older again from its Markdown. Bump it with every change to what `render` produces.
/// 1: mentions (`@[Name]`) are marked up.
pub const RENDER_VERSION: i32 = 1;

pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    let source = markers::limit(markdown);
    let events = Parser::new_ext(&source, options).into_offset_iter();
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(
        &mut unsafe_html,
        mention::Marked::new(bounds::Bounded::new(&source, events)),
    );
    SANITIZER.clean(&unsafe_html).to_string()
}

/// The words of some Markdown without its syntax (a space for each line break and at the end
/// of each paragraph, heading and list item), stopping once past about `budget` bytes. For
/// listings, feeds and summaries: the parse is bounded like `render`'s.
pub fn words(markdown: &str, budget: usize) -> String {
    let source = markers::limit(markdown);
    let mut out = String::with_capacity(budget.min(source.len()) + 8);
    for event in Parser::new(&source) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => out.push(' '),
            _ => {}
        }
        if out.len() > budget {
            break;
        }
    }
    mention::plain(&out)
}

/// `render` on tokio's blocking threads, so the async workers keep serving meanwhile.
pub async fn render_off_thread(markdown: String) -> String {
    match tokio::task::spawn_blocking(move || render(&markdown)).await {
        Ok(html) => html,
        Err(failed) => match failed.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Only when the runtime shuts down under the request.
            Err(cancelled) => panic!("rendering was cancelled: {cancelled}"),
        },
    }
}

/// Quotes a post for a reply: each line prefixed with `> `, attributed to its author.
pub fn quote(author: &str, markdown: &str) -> String {
    let mut quoted = format!("**{}** wrote:\n\n", escape_inline(author));
    for line in markdown.lines() {
        quoted.push_str("> ");
        quoted.push_str(line);
        quoted.push('\n');
    }
    quoted.push('\n');
    quoted
}

fn escape_inline(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '*' | '_' | '[' | ']' | '`' | '<' | '>' | '\\' => vec!['\\', c],
            _ => vec![c],
        })
        .collect()
}

/// `@Display Name` is too ambiguous; mentions use the address's local part or `@[Name]`.
pub fn mentions(markdown: &str) -> Vec<String> {
    static RE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(&format!(
            r"{}|(?:^|[^\w@])@([A-Za-z0-9._-]{{2,64}})",
            mention::MENTION.as_str()
        ))
        .expect("static regex")
    });
    let mut found: Vec<String> = RE
        .captures_iter(markdown)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| m.as_str().trim_end_matches('.').to_lowercase())
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_marked_up_and_never_markup() {
        assert_eq!(
            render("Thanks @[Marie Dubois], and @[Jean]."),
            "<p>Thanks <span class=\"mention\">@Marie Dubois</span>, and <span class=\"mention\">@Jean</span>.</p>\n"
        );
        // Markup typed in a name is never markup, nor a mention.
        for hostile in [
            "@[<script>alert(1)</script>]",
            "@[\"><img src=x onerror=alert(1)>]",
            "@[<b>Marie</b>]",
        ] {
            let html = render(hostile);
            assert_sanitized(&html, hostile);
            assert!(
                !html.contains("<img") && !html.contains("<script") && !html.contains("<span"),
                "{html}"
            );
        }
        // Characters that mean something in HTML are escaped in a name.
        for (name, shown) in [
            ("@[O'Brien & \"Sons\"]", "@O'Brien &amp; \"Sons\""),
            ("@[a < b > c]", "@a &lt; b &gt; c"),
        ] {
            let html = render(name);
            assert_sanitized(&html, name);
            assert!(
                html.contains(&format!("<span class=\"mention\">{shown}</span>")),
                "{name}: {html}"
            );
        }
        // Not mentions: unbalanced, too long, glued to a word (an address), in code.
        let long = format!("@[{}]", "a".repeat(81));
        for text in [
            "@[Marie",
            "@Marie]",
            "@[]",
            long.as_str(),
            "mail@[Marie]",
            "`@[Marie]`",
        ] {
            let html = render(text);
            assert!(!html.contains("mention"), "{text}: {html}");
        }
        assert!(!render("```\n@[Marie]\n```").contains("mention"));
        assert!(render(&format!("@[{}]", "é".repeat(80))).contains("mention"));
        // A class of its own is not kept: only the mention's.
        assert_eq!(
            render("<span class=\"evil mention\">x</span>"),
            "<p><span class=\"mention\">x</span></p>\n"
        );
        assert_eq!(
            words("Ask @[Marie Dubois] first.", 100),
            "Ask @Marie Dubois first. "
        );
    }

    #[test]
    fn script_and_handlers_are_removed() {
        let html = render(
            "<script>alert(1)</script><a href=\"javascript:alert(1)\" onclick=\"x()\">x</a><svg onload=alert(1)></svg>[d](data:text/html,hi)",
        );
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onclick"));
        assert!(!html.contains("<svg"));
        assert!(!html.contains("href=\"data:"), "{html}");
    }

    /// A guard against a return of super-linear rendering, not a speed measurement (that is
    /// `examples/bench_markdown.rs`, where the bound is 100 ms in release). Before the bounds
    /// these inputs took 5 to 100+ seconds in release, 50 s and more in a debug build; with
    /// them, well under a second. The margin is wide because tests share the machine's cores
    /// with builds and other tests (2 s was exceeded under such load).
    const DEBUG_BOUND: std::time::Duration = std::time::Duration::from_secs(15);

    /// No tag in `html` is script-capable, carries an event handler or a script URL (text may
    /// say anything: it is escaped).
    fn assert_sanitized(html: &str, name: &str) {
        static TAG: LazyLock<regex::Regex> =
            LazyLock::new(|| regex::Regex::new(r"<[^>]*>").expect("static regex"));
        static BAD: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"(?i)^<(script|svg|style|img|iframe|object|embed)|\son[a-z]+\s*=|javascript:|data:")
                .expect("static regex")
        });
        for tag in TAG.find_iter(html) {
            assert!(!BAD.is_match(tag.as_str()), "{name}: {}", tag.as_str());
        }
    }

    #[test]
    fn pathological_inputs_at_the_size_cap_render_quickly_and_stay_sanitized() {
        let bound = if cfg!(debug_assertions) {
            DEBUG_BOUND
        } else {
            std::time::Duration::from_millis(100)
        };
        for case in pathological::corpus(crate::web::forms::BODY_MAX) {
            let start = std::time::Instant::now();
            let html = render(&case.markdown);
            let took = start.elapsed();
            assert!(took < bound, "{}: {took:?}", case.name);
            assert_sanitized(&html, case.name);
            // Script smuggled past a cap is still escaped text, never markup.
            let tail = format!(
                "{}<script>alert(1)</script><img src=x onerror=alert(1)>",
                case.markdown
            );
            assert_sanitized(&render(&tail), case.name);
        }
    }

    #[test]
    fn deep_quotes_are_capped_and_the_rest_is_shown_as_text() {
        let html = render(&format!("{} deepest words", ">".repeat(1_000)));
        assert_eq!(html.matches("<blockquote>").count(), MAX_CONTAINER_DEPTH);
        assert!(html.contains("deepest words"), "{html}");
        assert!(html.contains(&"&gt;".repeat(100)), "{html}");
    }

    #[test]
    fn nothing_is_dropped_past_the_element_cap() {
        let text: String = (0..MAX_ELEMENTS + 10)
            .map(|n| format!("# h{n}\n"))
            .collect();
        let html = render(&text);
        assert!(html.matches("<h1>").count() <= MAX_ELEMENTS);
        assert!(
            html.contains(&format!("# h{}", MAX_ELEMENTS + 9)),
            "last heading lost"
        );
    }

    #[test]
    fn raw_html_past_its_cap_is_escaped() {
        let text = "<b>x</b>".repeat(MAX_HTML_TAGS);
        let html = render(&text);
        assert_eq!(html.matches("<b>").count(), MAX_HTML_TAGS / 2);
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"), "{html}");
    }

    #[test]
    fn long_runs_of_ampersands_keep_every_character() {
        let html = render(&format!(
            "{} and `{}`",
            "&".repeat(50_000),
            "&".repeat(20_000)
        ));
        assert_eq!(html.matches("&amp;").count(), 70_000);
        assert!(html.contains("<span></span>"), "text node not split");
    }

    #[test]
    fn ordinary_text_renders_as_it_always_did() {
        let html = render(
            "# Title\n\n> a *quote* with [a link](https://example.org) & `code`\n>\n> - one\n> - two\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n1. first\n   > nested\n",
        );
        assert_eq!(
            html,
            "<h1>Title</h1>\n<blockquote>\n<p>a <em>quote</em> with <a href=\"https://example.org\" rel=\"nofollow noopener noreferrer ugc\">a link</a> &amp; <code>code</code></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n</blockquote>\n<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td>1</td><td><del>2</del></td></tr>\n</tbody></table>\n<ol>\n<li>first\n<blockquote>\n<p>nested</p>\n</blockquote>\n</li>\n</ol>\n"
        );
    }

    #[tokio::test]
    async fn rendering_off_thread_gives_the_same_html() {
        let text = "*hello* <script>x</script>".to_string();
        assert_eq!(render_off_thread(text.clone()).await, render(&text));
    }

    #[test]
    fn words_of_a_pathological_text_come_quickly() {
        for case in pathological::corpus(crate::web::forms::BODY_MAX) {
            let start = std::time::Instant::now();
            words(&case.markdown, 2_000);
            let took = start.elapsed();
            assert!(took < DEBUG_BOUND, "{}: {took:?}", case.name);
        }
        assert_eq!(words("> > deep *words*\n\nmore", 100), "deep words more ");
    }

    #[test]
    fn mentions_are_found() {
        assert_eq!(
            mentions("hi @amina and @[Jean Dupont], mail a@b.c"),
            vec!["amina", "jean dupont"]
        );
    }
}
