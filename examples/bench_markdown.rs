//! Times the Markdown renderer on the pathological corpus at the post size cap (see
//! docs/BENCHMARKS.md, "Pathological posts").
//!
//! ```text
//! cargo run --release --example bench_markdown [-- ROUNDS]    # slowest of ROUNDS runs (3)
//! SKIP_OLD=1 cargo run --example bench_markdown                # the new renderer only
//! ```
//!
//! (The old renderer needs minutes per deep-nesting input in a debug build.)
//!
//! For each input: the renderer before the bounds (plain pulldown-cmark + ammonia, as Fora
//! rendered until issue 10), split into parse and sanitize, and `fora::markdown::render`.

use std::time::{Duration, Instant};

use fora::{markdown, web::forms::BODY_MAX};
use pulldown_cmark::{Options, Parser, html};

/// The renderer before the bounds, in its two steps.
fn old_parse(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    out
}

fn old_sanitize(unsafe_html: &str) -> String {
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .rm_tags(["img"])
        .clean(unsafe_html)
        .to_string()
}

/// The slowest of `rounds` runs.
fn worst(rounds: usize, mut run: impl FnMut()) -> Duration {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .max()
        .unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let skip_old = std::env::var_os("SKIP_OLD").is_some();
    println!(
        "| input ({BODY_MAX} chars) | old parse (ms) | old sanitize (ms) | old total (ms) | new (ms) |"
    );
    println!("|---|---:|---:|---:|---:|");
    let mut old_all = Vec::new();
    let mut new_all = Vec::new();
    for case in markdown::pathological::corpus(BODY_MAX) {
        let (parse, sanitize) = if skip_old {
            (Duration::ZERO, Duration::ZERO)
        } else {
            let unsafe_html = old_parse(&case.markdown);
            (
                worst(rounds, || {
                    old_parse(&case.markdown);
                }),
                worst(rounds, || {
                    old_sanitize(&unsafe_html);
                }),
            )
        };
        let new = worst(rounds, || {
            markdown::render(&case.markdown);
        });
        old_all.push(parse + sanitize);
        new_all.push(new);
        println!(
            "| {} | {} | {} | {} | {} |",
            case.name,
            ms(parse),
            ms(sanitize),
            ms(parse + sanitize),
            ms(new)
        );
    }
    let max = |all: &[Duration]| all.iter().max().copied().unwrap_or_default();
    println!(
        "\nworst input: old {} ms, new {} ms ({} inputs, slowest of {rounds} runs each)",
        ms(max(&old_all)),
        ms(max(&new_all)),
        new_all.len()
    );
}
