//! Caps on the work one text may cause. Deep nesting is what makes the sanitizer slow (its
//! HTML parser checks the stack of open elements for every tag: quadratic in the depth), and
//! element and tag counts bound the rest; `escaping` keeps the serializer linear. Beyond a
//! cap, the remaining source is shown as escaped plain text: nothing the author wrote is
//! dropped, and writing never fails.

use std::{collections::VecDeque, ops::Range};

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::escaping::{NodeWork, attribute_within_cap};

/// Quotes and lists inside each other.
pub const MAX_CONTAINER_DEPTH: usize = 16;
/// Elements inside each other, of any kind.
pub const MAX_DEPTH: usize = 48;
/// Elements in one text.
pub const MAX_ELEMENTS: usize = 4_000;
/// Raw HTML tags in one text (each `<` in raw HTML counts as one).
pub const MAX_HTML_TAGS: usize = 500;

/// An empty element between two halves of a text node that would be slow to serialize.
const NODE_SPLIT: &str = "<span></span>";

/// The events of a parse, cut off at the first cap reached; from there on, the rest of the
/// source follows as one paragraph of text (line breaks kept).
pub struct Bounded<'a, I> {
    source: &'a str,
    events: I,
    /// The ends of the open elements, and whether each is a quote or list.
    open: Vec<(TagEnd, bool)>,
    containers: usize,
    elements: usize,
    html_tags: usize,
    /// Inside an image, text is its `alt` attribute (and the sanitizer drops images).
    images: usize,
    node: NodeWork,
    /// Events to yield before reading the parse again.
    queue: VecDeque<Event<'a>>,
    /// A cap was reached: the parse is no longer read.
    cut: bool,
}

impl<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> Bounded<'a, I> {
    /// `events` must be the offset iterator of a parse of `source`.
    pub fn new(source: &'a str, events: I) -> Self {
        Self {
            source,
            events,
            open: Vec::new(),
            containers: 0,
            elements: 0,
            html_tags: 0,
            images: 0,
            node: NodeWork::default(),
            queue: VecDeque::new(),
            cut: false,
        }
    }

    fn element_fits(&mut self) -> bool {
        self.elements += 1;
        self.elements <= MAX_ELEMENTS
    }

    /// Whether `tag` may open here; counts it if so.
    fn open(&mut self, tag: &Tag<'a>) -> bool {
        let container = matches!(tag, Tag::BlockQuote(_) | Tag::List(_));
        let attributes_fit = match tag {
            Tag::Link {
                dest_url, title, ..
            }
            | Tag::Image {
                dest_url, title, ..
            } => attribute_within_cap(dest_url) && attribute_within_cap(title),
            _ => true,
        };
        if !attributes_fit
            || self.open.len() >= MAX_DEPTH
            || (container && self.containers >= MAX_CONTAINER_DEPTH)
            || !self.element_fits()
        {
            return false;
        }
        self.containers += usize::from(container);
        self.images += usize::from(matches!(tag, Tag::Image { .. }));
        self.open.push((tag.to_end(), container));
        self.node.end_node();
        true
    }

    fn close(&mut self) {
        if let Some((end, container)) = self.open.pop() {
            self.containers -= usize::from(container);
            self.images -= usize::from(end == TagEnd::Image);
        }
        self.node.end_node();
    }

    /// Queues `text`, split where its text node would get slow to serialize.
    fn queue_text(&mut self, text: CowStr<'a>) {
        let splits = self.node.add(&text, self.images > 0);
        if splits.is_empty() || self.images > 0 {
            self.queue.push_back(Event::Text(text));
            return;
        }
        let mut start = 0;
        for end in splits.into_iter().chain([text.len()]) {
            if start > 0 {
                self.queue
                    .push_back(Event::InlineHtml(CowStr::Borrowed(NODE_SPLIT)));
            }
            self.queue
                .push_back(Event::Text(CowStr::from(text[start..end].to_string())));
            start = end;
        }
    }

    /// Whether raw HTML stays within the tag cap; counts it if so. Raw HTML cannot be split,
    /// so a text node or attribute in it has to stay within the serializer's cap whole.
    fn html_fits(&mut self, html: &str) -> bool {
        let tags = html.matches('<').count();
        if self.html_tags + tags > MAX_HTML_TAGS || !self.node.add(html, false).is_empty() {
            return false;
        }
        self.html_tags += tags;
        true
    }

    /// Queues what `event` becomes, or returns false if it goes beyond a cap.
    fn admit(&mut self, event: Event<'a>) -> bool {
        match event {
            Event::Start(tag) => {
                if !self.open(&tag) {
                    return false;
                }
                self.queue.push_back(Event::Start(tag));
            }
            Event::End(end) => {
                self.close();
                self.queue.push_back(Event::End(end));
            }
            Event::Text(text) => self.queue_text(text),
            Event::Code(code) => {
                if !self.element_fits() {
                    return false;
                }
                self.node.end_node();
                if self.images > 0 || self.node.add(&code, false).is_empty() {
                    self.queue.push_back(Event::Code(code));
                } else {
                    self.node.end_node();
                    self.queue.push_back(Event::InlineHtml("<code>".into()));
                    self.queue_text(code);
                    self.queue.push_back(Event::InlineHtml("</code>".into()));
                }
                self.node.end_node();
            }
            Event::Html(ref html) | Event::InlineHtml(ref html) => {
                if !self.html_fits(html) {
                    return false;
                }
                self.queue.push_back(event);
            }
            Event::Rule | Event::HardBreak => {
                if !self.element_fits() {
                    return false;
                }
                self.node.end_node();
                self.queue.push_back(event);
            }
            Event::SoftBreak => {
                self.node.add("\n", false);
                self.queue.push_back(event);
            }
            other => self.queue.push_back(other),
        }
        true
    }

    /// Closes every open element, then queues the source from `at` on as text.
    fn cut_at(&mut self, at: usize) {
        self.cut = true;
        while let Some((end, _)) = self.open.last().cloned() {
            self.close();
            self.queue.push_back(Event::End(end));
        }
        let rest = self.source.get(at..).unwrap_or_default().trim_end();
        if rest.trim().is_empty() {
            return;
        }
        self.queue.push_back(Event::Start(Tag::Paragraph));
        for (n, line) in rest.lines().enumerate() {
            if n > 0 {
                self.node.end_node();
                self.queue.push_back(Event::HardBreak);
            }
            self.queue_text(CowStr::Borrowed(line));
        }
        self.queue.push_back(Event::End(TagEnd::Paragraph));
    }
}

impl<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> Iterator for Bounded<'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        while self.queue.is_empty() && !self.cut {
            let (event, range) = self.events.next()?;
            if !self.admit(event) {
                self.cut_at(range.start);
            }
        }
        self.queue.pop_front()
    }
}
