//! The shape of the code, checked on every test run: no two source files import each other,
//! directly or in a circle, and the shared layers (web, mail, markdown, database, entities,
//! configuration) import no feature. Reads `use` trees and inline `crate::…`/`super::…` paths
//! as text and resolves each to the file that defines it.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

const FEATURES: &[&str] = &[
    "accounts",
    "admin",
    "api",
    "feeds",
    "forums",
    "learnings",
    "newsletter",
    "products",
    "taxonomy",
    "themes",
    "transfer",
];
const SHARED: &[&str] = &[
    "web", "mail", "markdown", "db", "entities", "config", "security", "refusal", "search", "cache",
];

#[derive(Debug)]
struct Crate {
    /// Module path (e.g. ["forums", "reading"]) → file, relative to the repository.
    files: BTreeMap<Vec<String>, String>,
}

impl Crate {
    fn read(repo: &Path, src: &str) -> Crate {
        let root = repo.join(src);
        let mut files = BTreeMap::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).expect("source folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let relative = path.strip_prefix(&root).expect("inside");
                    let mut module: Vec<String> = relative
                        .with_extension("")
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    if matches!(
                        module.last().map(String::as_str),
                        Some("mod" | "lib" | "main")
                    ) {
                        module.pop();
                    }
                    let shown = path
                        .strip_prefix(repo)
                        .expect("inside")
                        .display()
                        .to_string();
                    files.insert(module, shown);
                }
            }
        }
        Crate { files }
    }

    /// The file that defines the longest prefix of `path`.
    fn resolve(&self, path: &[String]) -> Option<&String> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.files.get(&path[..n]))
    }
}

/// The code of a file without comments, string literals and its unit tests (whose `super` is
/// the file itself), so none of them can name a module.
fn code_only(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let renamed = regex::Regex::new(r"\s+as\s+[A-Za-z_][A-Za-z0-9_]*").unwrap();
    let tree: String = renamed
        .replace_all(tree, "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut paths = Vec::new();
    expand_into(&tree, &[], &mut paths);
    paths
}

fn expand_into(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for item in split_top_level(tree) {
        let (head, rest) = match item.find('{') {
            Some(open) => (&item[..open], Some(&item[open + 1..item.len() - 1])),
            None => (item, None),
        };
        let mut path = prefix.to_vec();
        path.extend(
            head.split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        match rest {
            Some(inner) => expand_into(inner, &path, out),
            None => out.push(path),
        }
    }
}

fn split_top_level(tree: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0, 0, Vec::new());
    for (i, c) in tree.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&tree[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&tree[start..]);
    items.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Every module path a file reaches, made absolute from the crate root.
fn references(module: &[String], code: &str) -> Vec<Vec<String>> {
    let use_re = regex::Regex::new(r"(?s)\buse\s+((?:crate|super|self)::[^;]+);").unwrap();
    let inline_re = regex::Regex::new(r"\b((?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+)").unwrap();
    let mut raw: Vec<Vec<String>> = use_re
        .captures_iter(code)
        .flat_map(|c| expand(&c[1]))
        .collect();
    raw.extend(
        inline_re
            .captures_iter(code)
            .map(|c| c[1].split("::").map(str::to_string).collect()),
    );
    let own: Vec<String> = module.to_vec();
    let parent: Vec<String> = own[..own.len().saturating_sub(1)].to_vec();
    raw.into_iter()
        .filter_map(|path| {
            let (base, rest) = match path.first().map(String::as_str) {
                Some("crate") => (Vec::new(), &path[1..]),
                Some("super") => (parent.clone(), &path[1..]),
                Some("self") => (own.clone(), &path[1..]),
                _ => return None,
            };
            let mut absolute = base;
            absolute.extend(rest.iter().cloned());
            Some(absolute)
        })
        .collect()
}

fn graph(repo: &Path, src: &str) -> BTreeMap<String, BTreeSet<String>> {
    let krate = Crate::read(repo, src);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &krate.files {
        let text = fs::read_to_string(repo.join(file)).expect("source file");
        let targets = edges.entry(file.clone()).or_default();
        for path in references(module, &code_only(&text)) {
            if let Some(target) = krate.resolve(&path)
                && target != file
                // A module's own `mod.rs` declares its children; that is not an import.
                && !(path.len() < module.len() && module.starts_with(&path))
            {
                targets.insert(target.clone());
            }
        }
    }
    edges
}

/// Strongly connected groups of more than one file (Tarjan).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.edges.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut group = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    group.push(top.to_string());
                    if top == node {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.found
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_source_file_imports_itself_through_others() {
    for src in ["src", "templates/src", "migrations/src"] {
        let found = circles(&graph(&repo(), src));
        assert!(found.is_empty(), "import circles in {src}: {found:#?}");
    }
}

#[test]
fn shared_layers_import_no_feature() {
    let repo = repo();
    let krate = Crate::read(&repo, "src");
    let mut offending = Vec::new();
    for (module, file) in &krate.files {
        if !module.first().is_some_and(|m| SHARED.contains(&m.as_str())) {
            continue;
        }
        let text = fs::read_to_string(repo.join(file)).expect("source file");
        for path in references(module, &code_only(&text)) {
            if path.first().is_some_and(|m| FEATURES.contains(&m.as_str())) {
                let reached = path.iter().take(2).cloned().collect::<Vec<_>>().join("::");
                offending.push(format!("{file} imports {reached}"));
            }
        }
    }
    offending.sort();
    offending.dedup();
    assert!(
        offending.is_empty(),
        "shared layers reach into features: {offending:#?}"
    );
}

/// What a handler may not do itself: query or write the database, or write a log row (those
/// belong to services and query functions the command line and the tests can call too), or
/// check a form field by field (that is the raw form's `validate`, which tests call directly).
const NOT_A_HANDLERS_WORK: &[&str] = &[
    "Entity::find",
    "Entity::update",
    "Entity::delete",
    "Entity::insert",
    "find_by_statement",
    "Statement::",
    "execute_unprepared",
    "log::record(",
    "ActiveModel {",
    ".update(&",
    ".insert(&",
    "errors.add(",
    "Checks::default(",
];

/// The request handlers (functions taking `State(…)`) of some code that do a service's or a
/// form's work themselves, with what they do.
fn handlers_doing_others_work(code: &str) -> Vec<(String, &'static str)> {
    let item_start = regex::Regex::new(
        r"(?m)^(?:pub(?:\(crate\))? )?(?:async )?fn |^#\[|^(?:pub(?:\(crate\))? )?(?:struct|enum|impl|mod|const|static|type|trait) ",
    )
    .unwrap();
    let handler = regex::Regex::new(r"^(?:pub(?:\(crate\))? )?async fn (\w+)").unwrap();
    let starts: Vec<usize> = item_start.find_iter(code).map(|m| m.start()).collect();
    let mut found = Vec::new();
    for (n, &start) in starts.iter().enumerate() {
        let item = &code[start..starts.get(n + 1).copied().unwrap_or(code.len())];
        let Some(name) = handler.captures(item).map(|c| c[1].to_string()) else {
            continue;
        };
        let signature = &item[..item.find('{').unwrap_or(item.len())];
        if !signature.contains("State(") {
            continue;
        }
        if let Some(work) = NOT_A_HANDLERS_WORK.iter().find(|work| item.contains(*work)) {
            found.push((name, *work));
        }
    }
    found
}

#[test]
fn handlers_hold_no_sql_and_no_form_rules() {
    let repo = repo();
    let krate = Crate::read(&repo, "src");
    let mut offending = Vec::new();
    for file in krate.files.values() {
        let code = code_only(&fs::read_to_string(repo.join(file)).expect("source file"));
        for (handler, work) in handlers_doing_others_work(&code) {
            offending.push(format!("{file}: {handler} does {work}"));
        }
    }
    assert!(
        offending.is_empty(),
        "handlers doing database work or form checks themselves (move it to a service, a query function or the form's validate): {offending:#?}"
    );
}

#[test]
fn the_handler_check_sees_sql_in_a_handler() {
    let code = "pub async fn show(State(state): State<AppState>) -> R {\n    let rows = Row::find_by_statement(x).all(&state.db).await?;\n}\n\nasync fn helper(db: &D) {\n    users::Entity::find().all(db).await\n}\n";
    assert_eq!(
        handlers_doing_others_work(code),
        vec![("show".to_string(), "find_by_statement")]
    );
    let checking = "async fn save(State(s): State<AppState>, Form(f): Form<F>) -> R {\n    let mut errors = FormErrors::default();\n    errors.add(\"title\", key);\n}\n";
    assert_eq!(
        handlers_doing_others_work(checking),
        vec![("save".to_string(), "errors.add(")]
    );
}

#[test]
fn the_checker_sees_a_circle_and_a_layer_breach() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("web")).unwrap();
    fs::create_dir_all(src.join("forums")).unwrap();
    fs::write(src.join("lib.rs"), "pub mod web;\npub mod forums;\n").unwrap();
    fs::write(src.join("web/mod.rs"), "pub mod state;\n").unwrap();
    fs::write(
        src.join("web/state.rs"),
        "// crate::forums::ignored in a comment\nuse crate::forums::{reading::{self, Open}, x as y};\n",
    )
    .unwrap();
    fs::write(src.join("forums/mod.rs"), "pub mod reading;\n").unwrap();
    fs::write(
        src.join("forums/reading.rs"),
        "fn f() { let s = \"crate::nothing\"; crate::web::state::g(); }\n",
    )
    .unwrap();
    let found = circles(&graph(dir.path(), "src"));
    assert_eq!(
        found,
        vec![vec![
            "src/forums/reading.rs".to_string(),
            "src/web/state.rs".to_string()
        ]]
    );
    assert_eq!(
        expand("crate::{a::{b, c as d}, e}"),
        vec![
            vec!["crate", "a", "b"],
            vec!["crate", "a", "c"],
            vec!["crate", "e"]
        ]
    );
}
