//! Markdown → sanitized HTML. The only place in Fora that produces HTML from user text.
//! It must never let script, event handlers, `javascript:`/`data:` URLs, SVG or styles through.
//!
//! Rendering is bounded (see `bounds` and `markers`): any text up to the body length cap
//! renders in milliseconds. It is still CPU work, so callers render with `render_off_thread`
//! before they open a write transaction.

mod bounds;
mod escaping;
mod markers;
pub mod pathological;

use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

pub use bounds::{MAX_CONTAINER_DEPTH, MAX_DEPTH, MAX_ELEMENTS, MAX_HTML_TAGS};

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .rm_tags(["img"]);
    builder
});

pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    let source = markers::limit(markdown);
    let events = Parser::new_ext(&source, options).into_offset_iter();
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, bounds::Bounded::new(&source, events));
    SANITIZER.clean(&unsafe_html).to_string()
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
        regex::Regex::new(r"(?:^|[^\w@])@\[([^\]\n]{1,80})\]|(?:^|[^\w@])@([A-Za-z0-9._-]{2,64})")
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

    #[test]
    fn mentions_are_found() {
        assert_eq!(
            mentions("hi @amina and @[Jean Dupont], mail a@b.c"),
            vec!["amina", "jean dupont"]
        );
    }
}
