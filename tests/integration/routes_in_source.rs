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

/// Every path `templates::paths` builds, by the name of its constant or function, with sample
/// arguments (several where a segment names an action).
fn built_paths() -> Vec<(&'static str, String)> {
    use templates::paths;
    let token = "c2VjcmV0";
    let mut built: Vec<(&'static str, String)> = [
        ("HOME", paths::HOME),
        ("LOGIN", paths::LOGIN),
        ("LOGOUT", paths::LOGOUT),
        ("PASSWORD_FORGOT", paths::PASSWORD_FORGOT),
        ("PROFILE", paths::PROFILE),
        ("PROFILE_PASSWORD", paths::PROFILE_PASSWORD),
        ("PROFILE_NEWSLETTER", paths::PROFILE_NEWSLETTER),
        ("PROFILE_ADDRESS_WORKS", paths::PROFILE_ADDRESS_WORKS),
        (
            "PROFILE_SIGN_OUT_EVERYWHERE",
            paths::PROFILE_SIGN_OUT_EVERYWHERE,
        ),
        ("PROFILE_STOP_OLD_REPLIES", paths::PROFILE_STOP_OLD_REPLIES),
        ("STYLE_CSS", paths::STYLE_CSS),
        ("FORUMS", paths::FORUMS),
        ("WAITING", paths::WAITING),
        ("LEARNINGS", paths::LEARNINGS),
        ("NEW_LEARNING", paths::NEW_LEARNING),
        ("PRODUCTS", paths::PRODUCTS),
        ("NEW_PRODUCT", paths::NEW_PRODUCT),
        ("THEMES", paths::THEMES),
        ("NEWSLETTER", paths::NEWSLETTER),
        ("NEWSLETTER_ARCHIVE", paths::NEWSLETTER_ARCHIVE),
        ("FEED_LEARNINGS", paths::FEED_LEARNINGS),
        ("FEED_PRODUCTS", paths::FEED_PRODUCTS),
        ("API_LEARNINGS", paths::API_LEARNINGS),
        ("API_PRODUCTS", paths::API_PRODUCTS),
        ("ADMIN", paths::ADMIN),
        ("ADMIN_USERS", paths::ADMIN_USERS),
        ("ADMIN_LOG", paths::ADMIN_LOG),
        ("ADMIN_FORUMS", paths::ADMIN_FORUMS),
        ("ADMIN_THEMES", paths::ADMIN_THEMES),
        ("ADMIN_IMPORT", paths::ADMIN_IMPORT),
        ("ADMIN_VOCABULARIES", paths::ADMIN_VOCABULARIES),
        ("ADMIN_NEWSLETTER", paths::ADMIN_NEWSLETTER),
        ("ADMIN_NEWSLETTER_COMPOSE", paths::ADMIN_NEWSLETTER_COMPOSE),
        ("ADMIN_NEWSLETTER_BOUNCES", paths::ADMIN_NEWSLETTER_BOUNCES),
    ]
    .into_iter()
    .map(|(name, path)| (name, path.to_string()))
    .collect();
    built.extend([
        ("language", paths::language("fr")),
        ("password_reset", paths::password_reset(token)),
        ("invitation", paths::invitation(token)),
        ("admin_setup", paths::admin_setup(token)),
        ("stop_following", paths::stop_following(token)),
        ("forum", paths::forum("cdw")),
        ("forum_new_thread", paths::forum_new_thread("cdw")),
        ("forum_queue", paths::forum_queue("cdw")),
        ("forum_log", paths::forum_log("cdw")),
        ("forum_members", paths::forum_members("cdw")),
        ("forum_member_remove", paths::forum_member_remove("cdw", 7)),
        ("invitation_resend", paths::invitation_resend("cdw", 7)),
        ("invitation_revoke", paths::invitation_revoke("cdw", 7)),
        ("thread", paths::thread(3)),
        ("thread_at", paths::thread_at(3, 9)),
        ("post", paths::post(3, 9)),
        ("flag_dismiss", paths::flag_dismiss(4)),
        ("learning", paths::learning(5)),
        ("learning_workflow", paths::learning_workflow(5)),
        ("api_learning", paths::api_learning(5)),
        ("api_product", paths::api_product(6)),
        ("product", paths::product(6)),
        ("product_edit", paths::product_edit(6)),
        ("product_status", paths::product_status(6)),
        ("theme", paths::theme("water")),
        ("newsletter_confirm", paths::newsletter_confirm(token)),
        (
            "newsletter_unsubscribe",
            paths::newsletter_unsubscribe(token),
        ),
        ("newsletter_manage", paths::newsletter_manage(token)),
        ("archived_edition", paths::archived_edition(8)),
        ("edition", paths::edition(8)),
        ("bounce_reset_subscriber", paths::bounce_reset_subscriber(2)),
        ("bounce_reset_member", paths::bounce_reset_member(2)),
        ("admin_theme", paths::admin_theme("water")),
        ("admin_term", paths::admin_term("sector", "agriculture")),
    ]);
    for action in [
        "reply",
        "follow",
        "unfollow",
        "move",
        "summary",
        "propose-learning",
        "pin",
        "unhide",
    ] {
        built.push(("thread_action", paths::thread_action(3, action)));
    }
    for action in ["edit", "flag", "history", "hide", "approve_edit"] {
        built.push(("post_action", paths::post_action(9, action)));
    }
    for action in ["edit", "discuss", "submit", "decide"] {
        built.push(("learning_action", paths::learning_action(5, action)));
    }
    for action in ["language", "archive", "unarchive"] {
        built.push((
            "admin_forum_action",
            paths::admin_forum_action("cdw", action),
        ));
    }
    for action in [
        "enable",
        "disable",
        "make-admin",
        "remove-admin",
        "make-reviewer",
        "remove-reviewer",
    ] {
        built.push(("admin_user_action", paths::admin_user_action(7, action)));
    }
    built.push(("admin_user", paths::admin_user(7)));
    built.push((
        "ADMIN_REVIEWER_INVITATIONS",
        paths::ADMIN_REVIEWER_INVITATIONS.to_string(),
    ));
    built.push((
        "admin_reviewer_invitation_revoke",
        paths::admin_reviewer_invitation_revoke(4),
    ));
    built.push(("reviewer_invitation", paths::reviewer_invitation(token)));
    for file in ["learnings.csv", "products.json"] {
        built.push(("admin_export", paths::admin_export(file)));
    }
    for action in ["intro", "send", "retry", "preview"] {
        built.push(("edition_action", paths::edition_action(8, action)));
    }
    built
}

/// The route pattern a computed route path stands for, or `None` where a literal route covers
/// its paths already.
fn computed_pattern(file: &str, expression: &str) -> Option<String> {
    match (file, expression) {
        ("src/transfer/import/web.rs", "PATH") => Some(fora::transfer::import::PATH.to_string()),
        // One route per review step, named by `Step::segment`.
        ("src/learnings/workflow.rs", e) if e.starts_with(r#"&format!("/learnings/{{id}}/{}""#) => {
            Some("/learnings/{id}/{step}".to_string())
        }
        // The API's routes from its OpenAPI document, all under the literal `/api/v1/{*rest}`.
        ("src/api/mod.rs", "&path") => None,
        _ => panic!("{file}: say which paths the route at `{expression}` serves"),
    }
}

/// `{x}` matches any one segment, `{*x}` all the rest.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut given = path.split('/');
    for part in pattern.split('/') {
        if part.starts_with("{*") {
            return given.next().is_some_and(|s| !s.is_empty());
        }
        match given.next() {
            Some(segment) if part.starts_with('{') => {
                if segment.is_empty() {
                    return false;
                }
            }
            Some(segment) if segment == part => {}
            _ => return false,
        }
    }
    given.next().is_none()
}

#[test]
fn every_built_path_goes_to_a_route() {
    let patterns: Vec<String> = routes()
        .into_iter()
        .filter_map(|route| match route.path {
            RoutePath::Literal(path) => Some(path),
            RoutePath::Computed { file, expression } => computed_pattern(&file, &expression),
        })
        .collect();
    let built = built_paths();
    let mut problems = Vec::new();
    for (name, path) in &built {
        let bare = path.split(['?', '#']).next().unwrap_or_default();
        if !patterns.iter().any(|pattern| path_matches(pattern, bare)) {
            problems.push(format!(
                "paths::{name} builds {path}, which no route serves"
            ));
        }
    }
    let source =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/src/paths.rs"))
            .expect("read paths.rs");
    let declared = regex::Regex::new(r"(?m)^pub (?:const|fn) ([A-Za-z0-9_]+)").expect("regex");
    for found in declared.captures_iter(&source) {
        if !built.iter().any(|(name, _)| *name == &found[1]) {
            problems.push(format!(
                "paths::{} is not called in built_paths()",
                &found[1]
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn route_patterns_match_segment_by_segment() {
    assert!(path_matches("/", "/"));
    assert!(path_matches("/threads/{id}", "/threads/3"));
    assert!(!path_matches("/threads/{id}", "/threads/3/reply"));
    assert!(!path_matches("/threads/{id}", "/threads/"));
    assert!(path_matches("/api/v1/{*rest}", "/api/v1/learnings/2"));
    assert!(!path_matches("/api/v1/{*rest}", "/api/v1"));
    assert!(!path_matches("/forums", "/forum"));
}

/// Whether `pattern` (`{name}` standing for one segment) matches `path`.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let (wanted, given): (Vec<_>, Vec<_>) =
        (pattern.split('/').collect(), path.split('/').collect());
    wanted.len() == given.len()
        && wanted
            .iter()
            .zip(&given)
            .all(|(w, g)| w == g || (w.starts_with('{') && !g.is_empty()))
}

/// A browser opening a form's address is led to its nearest ancestor that is a page: the list
/// `web::lead_back::PAGES` must hold every page that is such an ancestor, and only pages.
#[test]
fn forms_lead_back_to_the_nearest_page() {
    let routes = routes();
    let literal = |get: bool| -> Vec<String> {
        routes
            .iter()
            .filter(|r| r.may_get == get)
            .filter_map(|r| match &r.path {
                RoutePath::Literal(p) => Some(p.clone()),
                RoutePath::Computed { .. } => None,
            })
            .collect()
    };
    let pages = literal(true);
    for page in fora::web::lead_back::PAGES {
        assert!(
            pages.iter().any(|p| p == page),
            "{page} is not a page route"
        );
    }
    for form in literal(false) {
        let sample = form
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let mut expected = "/".to_string();
        let mut candidate = sample.as_str();
        while let Some((parent, _)) = candidate.rsplit_once('/') {
            if parent.is_empty() {
                break;
            }
            if pages.iter().any(|p| pattern_matches(p, parent)) {
                expected = parent.to_string();
                break;
            }
            candidate = parent;
        }
        assert_eq!(
            fora::web::lead_back::page_for(&sample),
            expected,
            "GET {sample} (route {form}) should lead to its nearest page"
        );
    }
}
