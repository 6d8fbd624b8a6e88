//! Caps the quote and list markers at the start of a line, before parsing. pulldown-cmark opens
//! one container per marker, and every following line is matched against all open containers
//! (a lazy continuation line walks them all): a line of 25,000 `>` and 12,500 short lines after
//! it take seconds to parse. A marker beyond the cap is escaped with a backslash, so it and the
//! rest of the line are shown as text inside the deepest container allowed.

use std::borrow::Cow;

use super::bounds::MAX_CONTAINER_DEPTH;

/// `source` with at most `MAX_CONTAINER_DEPTH` container markers opening each line.
pub fn limit(source: &str) -> Cow<'_, str> {
    let mut limited: Option<String> = None;
    let mut copied = 0;
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        if let Some(at) = excess_marker(line) {
            let out = limited.get_or_insert_with(|| String::with_capacity(source.len() + 64));
            out.push_str(&source[copied..line_start + at]);
            out.push('\\');
            copied = line_start + at;
        }
        line_start += line.len();
    }
    match limited {
        None => Cow::Borrowed(source),
        Some(mut out) => {
            out.push_str(&source[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The byte offset of the punctuation of the first marker beyond the cap, if the line has one.
fn excess_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    if is_thematic_break(line) {
        return None;
    }
    let mut at = 0;
    let mut markers = 0;
    loop {
        // A marker may be indented by up to three spaces; four make code or continuation.
        let indent = bytes[at..]
            .iter()
            .take(4)
            .take_while(|&&b| b == b' ')
            .count();
        if indent == 4 {
            return None;
        }
        at += indent;
        let (length, punctuation) = marker(&bytes[at..])?;
        if markers == MAX_CONTAINER_DEPTH {
            return Some(at + punctuation);
        }
        markers += 1;
        at += length;
    }
}

/// The length of the container marker `bytes` starts with (with the space after it) and the
/// offset of its punctuation.
fn marker(bytes: &[u8]) -> Option<(usize, usize)> {
    let spaced = |at: usize| matches!(bytes.get(at), Some(b' ' | b'\t'));
    match bytes.first()? {
        b'>' => Some((1 + usize::from(spaced(1)), 0)),
        b'-' | b'*' | b'+' if spaced(1) => Some((2, 0)),
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            (digits <= 9 && matches!(bytes.get(digits), Some(b'.' | b')')) && spaced(digits + 1))
                .then_some((digits + 2, digits))
        }
        _ => None,
    }
}

/// `- - -` and the like are rules, not lists: escaping one of their characters would turn a
/// rule into nested lists.
fn is_thematic_break(line: &str) -> bool {
    let mut marks = line.chars().filter(|c| !c.is_whitespace());
    let Some(first @ ('-' | '*' | '_')) = marks.next() else {
        return false;
    };
    marks.all(|c| c == first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_untouched() {
        for text in [
            "> quote\n> > nested\n\n- a\n  - b\n1. one\n2) two\n",
            "- - - - - - - - - - - - - - - - - - - -\n",
            &"> ".repeat(MAX_CONTAINER_DEPTH),
        ] {
            assert!(matches!(limit(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn markers_beyond_the_cap_are_escaped() {
        let deep = ">".repeat(MAX_CONTAINER_DEPTH + 3);
        let expected = format!("{}\\>>> a\nb", ">".repeat(MAX_CONTAINER_DEPTH));
        assert_eq!(limit(&format!("{deep} a\nb")), expected);
        let lists = format!("{}a", "- ".repeat(MAX_CONTAINER_DEPTH + 1));
        assert_eq!(
            limit(&lists),
            format!("{}\\- a", "- ".repeat(MAX_CONTAINER_DEPTH))
        );
        let numbered = "12. ".repeat(MAX_CONTAINER_DEPTH + 1);
        assert_eq!(
            limit(&numbered),
            format!("{}12\\. ", "12. ".repeat(MAX_CONTAINER_DEPTH))
        );
    }

    #[test]
    fn every_line_is_limited_and_nothing_is_lost() {
        let line = format!("{}x\n", "> ".repeat(40));
        let text = line.repeat(3);
        let limited = limit(&text);
        assert_eq!(limited.matches('\\').count(), 3);
        assert_eq!(limited.replace('\\', ""), text);
    }
}
