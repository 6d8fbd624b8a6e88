//! People's display names as they appear in emails. A name is whatever its owner typed, so in
//! a mail it must not be able to pose as a link or as part of Fora's own words: it is quoted,
//! and what mail programs or Markdown readers would turn into a link is made inert with
//! look-alike characters (the name still reads the same to a person).

/// The name, quoted and unable to form a link: `[CLICK](https://evil.example)` becomes
/// `“CLICK(https:∕∕evil․example)”`.
pub fn quoted(name: &str) -> String {
    let chars: Vec<char> = name.chars().filter(|c| !c.is_control()).collect();
    let mut out = String::with_capacity(name.len() + 8);
    out.push('“');
    for (i, &c) in chars.iter().enumerate() {
        match c {
            // Markdown link and autolink brackets, and the quote marks that frame the name.
            '[' | ']' | '<' | '>' | '“' | '”' | '"' | '`' => {}
            // "https://", "//host", "a/b": a division slash is not a path separator.
            '/' | '\\' => out.push('∕'),
            // "evil.example", "www.evil.example", "x@evil.example": a dot between letters or
            // digits is what makes a host name; a one-dot leader is not one.
            '.' if is_word(chars.get(i.wrapping_sub(1))) && is_word(chars.get(i + 1)) => {
                out.push('․')
            }
            _ => out.push(c),
        }
    }
    out.push('”');
    out
}

fn is_word(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn a_markdown_link_loses_its_syntax_and_its_address() {
        let shown = quoted("[CLICK](https://evil.example)");
        assert_eq!(shown, "“CLICK(https:∕∕evil․example)”");
        for bad in ["[", "]", "://", "evil.example"] {
            assert!(!shown.contains(bad), "{shown} still holds {bad}");
        }
    }

    #[test]
    fn bare_hosts_addresses_and_autolinks_are_not_links() {
        assert_eq!(quoted("www.evil.example"), "“www․evil․example”");
        assert_eq!(quoted("help@evil.example"), "“help@evil․example”");
        assert_eq!(quoted("<http://x.y/z>"), "“http:∕∕x․y∕z”");
        assert_eq!(quoted("\\\\evil\\share"), "“∕∕evil∕share”");
    }

    #[test]
    fn a_name_cannot_close_its_own_quotes() {
        assert_eq!(
            quoted("Ana” Fora support: reply with your password “"),
            "“Ana Fora support: reply with your password ”"
        );
        assert_eq!(quoted("`code` \"x\""), "“code x”");
    }

    #[test]
    fn ordinary_names_read_as_typed() {
        assert_eq!(quoted("Ana María 🌱"), "“Ana María 🌱”");
        assert_eq!(quoted("مريم العلي"), "“مريم العلي”");
        assert_eq!(quoted("O'Brien-Smith (ILO)"), "“O'Brien-Smith (ILO)”");
        assert_eq!(quoted("Dr. Who."), "“Dr. Who.”");
        assert_eq!(quoted("line\r\nbreak\0"), "“linebreak”");
        assert_eq!(quoted(""), "“”");
    }
}
