//! `@[Name]` mentions, shown as the name marked up (`<span class="mention">@Name</span>`)
//! instead of the brackets people typed. The name is escaped here, and what comes out still
//! goes through the sanitizer, so a name can never carry markup. No link: Fora has no member
//! page a reader could follow.

use std::{collections::VecDeque, sync::LazyLock};

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// A mention: `@[` up to 80 characters without `]` or a line break `]`, not glued to a word
/// or another `@` before it (an address is not a mention). The same rule finds whom to notify
/// ([`super::mentions`]).
pub static MENTION: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"(?:^|[^\w@])@\[([^\]\n]{1,80})\]").expect("static regex"));

/// The byte ranges of the mentions in `text` (from the `@` to the `]`), with each name.
fn found(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    MENTION
        .captures_iter(text)
        .filter_map(|c| {
            let name = c.get(1)?;
            Some((name.start() - 2..name.end() + 1, name.as_str()))
        })
        .collect()
}

/// `text` with each mention written as `@Name`: for plain-text summaries.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (range, name) in found(text) {
        out.push_str(&text[copied..range.start]);
        out.push('@');
        out.push_str(name.trim());
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    out
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// The events with the mentions of their text marked up. pulldown-cmark hands text over in
/// pieces (`[` and `]` apart), so consecutive text is joined first; code is left as it is.
pub struct Marked<'a, I> {
    events: I,
    text: String,
    in_code: bool,
    queue: VecDeque<Event<'a>>,
}

impl<'a, I: Iterator<Item = Event<'a>>> Marked<'a, I> {
    pub fn new(events: I) -> Self {
        Marked {
            events,
            text: String::new(),
            in_code: false,
            queue: VecDeque::new(),
        }
    }

    /// Moves the joined text to the queue, mentions marked.
    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        let mut copied = 0;
        for (range, name) in found(&text) {
            if range.start > copied {
                self.queue.push_back(Event::Text(CowStr::from(
                    text[copied..range.start].to_owned(),
                )));
            }
            let mut html = String::from("<span class=\"mention\">@");
            escape(name.trim(), &mut html);
            html.push_str("</span>");
            self.queue.push_back(Event::InlineHtml(CowStr::from(html)));
            copied = range.end;
        }
        if copied < text.len() {
            self.queue
                .push_back(Event::Text(CowStr::from(text[copied..].to_owned())));
        }
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Marked<'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        while self.queue.is_empty() {
            match self.events.next() {
                Some(Event::Text(text)) if !self.in_code => self.text.push_str(&text),
                Some(event) => {
                    self.flush();
                    match &event {
                        Event::Start(Tag::CodeBlock(_)) => self.in_code = true,
                        Event::End(TagEnd::CodeBlock) => self.in_code = false,
                        _ => {}
                    }
                    self.queue.push_back(event);
                }
                None => {
                    self.flush();
                    break;
                }
            }
        }
        self.queue.pop_front()
    }
}
