//! The serializer ammonia writes its output with (html5ever 0.40) looks for the next `<` or
//! `>` (and `"` in an attribute) afresh after every `&` and every character U+0080–U+00BF, up
//! to the end of the text node: a paragraph of 50,000 `&` costs over a billion byte
//! comparisons. This counts that work for one text node or attribute, so that a text node can
//! be split before it gets expensive.

/// Byte comparisons the serializer may spend on one text node or attribute value.
pub const MAX_NODE_WORK: u64 = 1 << 20;

/// The serializer's work on the text node being written.
#[derive(Default)]
pub struct NodeWork {
    /// Specials whose search for the next `<` or `>` has not ended yet.
    open_searches: u64,
    work: u64,
}

impl NodeWork {
    /// An element boundary: the next text starts a new node.
    pub fn end_node(&mut self) {
        *self = Self::default();
    }

    /// Adds `text` to the node. Returns the offsets in `text` where the node has to be split
    /// to stay within `MAX_NODE_WORK` (a new node is counted from each).
    pub fn add(&mut self, text: &str, attribute: bool) -> Vec<usize> {
        let mut splits = Vec::new();
        for (at, c) in text.char_indices() {
            let work = self.open_searches * c.len_utf8() as u64;
            if self.work + work > MAX_NODE_WORK {
                splits.push(at);
                self.end_node();
            }
            self.work += self.open_searches * c.len_utf8() as u64;
            match c {
                '<' | '>' => self.open_searches = 0,
                '"' if attribute => self.open_searches = 0,
                '&' | '\u{80}'..='\u{BF}' => self.open_searches += 1,
                _ => {}
            }
        }
        splits
    }
}

/// Whether an attribute value (which cannot be split) stays within `MAX_NODE_WORK`.
pub fn attribute_within_cap(value: &str) -> bool {
    NodeWork::default().add(value, true).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_never_split() {
        let prose = "Rock & roll, 90° · « déjà vu » & more <b> text. ".repeat(1_000);
        assert!(NodeWork::default().add(&prose, false).is_empty());
    }

    #[test]
    fn a_run_of_ampersands_is_split_into_cheap_nodes() {
        let run = "&".repeat(50_000);
        let splits = NodeWork::default().add(&run, false);
        assert!(splits.len() > 10, "{}", splits.len());
        let mut start = 0;
        for end in splits.into_iter().chain([run.len()]) {
            let node = &run[start..end];
            let n = node.len() as u64;
            assert!(n * (n - 1) / 2 <= MAX_NODE_WORK, "{n}");
            start = end;
        }
        assert!(!attribute_within_cap(&run));
        assert!(attribute_within_cap(&"&\"".repeat(25_000)));
    }
}
