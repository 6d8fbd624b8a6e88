//! The application's routes as its source declares them: every `.route(PATH, METHODS)` call
//! under `src/`, read as text (axum's router cannot list its routes). A route whose methods
//! are only `post(…)` needs no page; one whose path or methods are computed is reported as
//! such, so that a test must say what it does with it.

use std::{fs, path::Path};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoutePath {
    /// A string literal: `"/threads/{id}"`.
    Literal(String),
    /// Anything else, as written (`PATH`, `&path`, `&format!(…)`), with the file it is in.
    Computed { file: String, expression: String },
}

#[derive(Clone, Debug)]
pub struct Route {
    pub path: RoutePath,
    /// The method router holds `get(…)` or `any(…)`, or is not a plain call (a variable):
    /// a browser may open it.
    pub may_get: bool,
}

/// Every route declared in `src/`, in no particular order.
pub fn routes() -> Vec<Route> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect_rust_files(&root.join("src"), &mut files);
    let mut routes = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("read source");
        let shown = file
            .strip_prefix(root)
            .expect("inside")
            .display()
            .to_string();
        routes.extend(routes_in(&without_line_comments(&text), &shown));
    }
    routes
}

fn collect_rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines that are comments (doc comments included) could mention `.route(` in prose.
fn without_line_comments(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn routes_in(text: &str, file: &str) -> Vec<Route> {
    let marker = ".route(";
    let mut routes = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let after = &rest[at + marker.len()..];
        let arguments = balanced(after).unwrap_or_else(|| panic!("{file}: unclosed .route("));
        let (path, methods) = split_top_level_comma(arguments)
            .unwrap_or_else(|| panic!("{file}: .route({arguments}) has no second argument"));
        let path = path.trim();
        let path = match path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            Some(literal) => RoutePath::Literal(literal.to_string()),
            None => RoutePath::Computed {
                file: file.to_string(),
                expression: path.to_string(),
            },
        };
        routes.push(Route {
            path,
            may_get: may_get(methods),
        });
        rest = &after[arguments.len()..];
    }
    routes
}

/// The text up to the parenthesis that closes the one just opened.
fn balanced(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut in_string = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_string = !in_string,
            _ if in_string => {}
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return Some(&text[..i]),
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn split_top_level_comma(text: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    let mut in_string = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '(' | '[' | '{' if !in_string => depth += 1,
            ')' | ']' | '}' if !in_string => depth -= 1,
            ',' if depth == 0 && !in_string => return Some((&text[..i], &text[i + 1..])),
            _ => {}
        }
    }
    None
}

/// `post(a)` alone cannot be opened by a browser; `get(a)`, `get(a).post(b)`, `any(a)` or a
/// method router held in a variable can.
fn may_get(methods: &str) -> bool {
    let call = regex::Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(").expect("regex");
    let calls: Vec<regex::Captures> = call.captures_iter(methods).collect();
    let plain = calls.first().is_some_and(|first| {
        first
            .get(0)
            .is_some_and(|m| methods[..m.start()].trim().is_empty())
    });
    !plain || calls.iter().any(|c| matches!(&c[1], "get" | "any"))
}

#[test]
fn route_calls_are_read_with_their_methods() {
    let text = r#"
        Router::new()
            .route("/", get(handlers::home))
            // .route("/commented", get(x))
            .route(
                "/forums/{slug}/new",
                get(handlers::show_new_thread).post(handlers::create_thread),
            )
            .route("/threads/{id}/{action}", post(moderation::switch_thread))
            .route(PATH, get(show_import).post(create_import));
        router.route(&format!("/learnings/{{id}}/{}", step.segment()), post(step));
        router = router.route(&path, handler.fallback(other_method));
    "#;
    let found = routes_in(&without_line_comments(text), "x.rs");
    let shown: Vec<(String, bool)> = found
        .iter()
        .map(|r| {
            let path = match &r.path {
                RoutePath::Literal(p) => p.clone(),
                RoutePath::Computed { expression, .. } => format!("<{expression}>"),
            };
            (path, r.may_get)
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("/".to_string(), true),
            ("/forums/{slug}/new".to_string(), true),
            ("/threads/{id}/{action}".to_string(), false),
            ("<PATH>".to_string(), true),
            (
                r#"<&format!("/learnings/{{id}}/{}", step.segment())>"#.to_string(),
                false
            ),
            ("<&path>".to_string(), true),
        ]
    );
}
