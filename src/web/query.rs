//! Query strings read leniently, as people and link scanners write them: unknown names are
//! ignored, a repeated name keeps its first value, bad UTF-8 is replaced rather than refused,
//! and values are cut to a length.

/// Offers each first occurrence of a name to `set`, which stores the value and answers
/// whether the name was one it knows.
pub fn read_lenient(
    raw: Option<&str>,
    max_chars: usize,
    mut set: impl FnMut(&str, String) -> bool,
) {
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if seen.iter().any(|s| *s == name) {
            continue;
        }
        if set(&name, value.chars().take(max_chars).collect()) {
            seen.push(name.into_owned());
        }
    }
}
