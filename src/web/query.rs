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

/// `names` without `skip`, at compile time (`M` is one less than `N` when `skip` is there): a
/// public subset of a parameter list, written once.
pub const fn without<const N: usize, const M: usize>(
    names: [&'static str; N],
    skip: &str,
) -> [&'static str; M] {
    const fn same(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut at = 0;
        while at < a.len() {
            if a[at] != b[at] {
                return false;
            }
            at += 1;
        }
        true
    }
    let mut out = [""; M];
    let (mut from, mut to) = (0, 0);
    while from < N {
        if !same(names[from], skip) {
            assert!(to < M, "the list is longer than expected");
            out[to] = names[from];
            to += 1;
        }
        from += 1;
    }
    assert!(to == M, "the list is shorter than expected");
    out
}
