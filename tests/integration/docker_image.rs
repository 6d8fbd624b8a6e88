//! The Docker image builds from what its Dockerfile copies: every file the code compiles in
//! (`include_str!` / `include_bytes!`) lies under a folder the builder stage copies.

use std::{
    fs,
    path::{Component, Path, PathBuf},
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Top-level names the builder stage copies (`COPY src ./src` → `src`).
fn copied(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .take_while(|line| !line.trim_start().starts_with("FROM debian"))
        .filter_map(|line| line.trim().strip_prefix("COPY "))
        .filter(|args| !args.starts_with("--from"))
        .flat_map(|args| {
            let words: Vec<&str> = args.split_whitespace().collect();
            words[..words.len().saturating_sub(1)]
                .iter()
                .map(|w| w.trim_end_matches('/').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The repository-relative files compiled into `file` by `include_str!`/`include_bytes!`.
fn included(file: &Path) -> Vec<PathBuf> {
    let text = fs::read_to_string(file).expect("read source");
    let re = regex::Regex::new(r#"include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)"#).expect("regex");
    re.captures_iter(&text)
        .map(|c| {
            let mut path = file.parent().expect("parent").to_path_buf();
            for part in Path::new(&c[1]).components() {
                match part {
                    Component::ParentDir => {
                        path.pop();
                    }
                    Component::Normal(name) => path.push(name),
                    _ => {}
                }
            }
            path.strip_prefix(repo())
                .expect("inside the repository")
                .to_path_buf()
        })
        .collect()
}

#[test]
fn the_image_copies_every_file_the_binary_compiles_in() {
    let dockerfile = fs::read_to_string(repo().join("docker/Dockerfile")).expect("Dockerfile");
    let copied = copied(&dockerfile);
    assert!(copied.contains(&"src".to_owned()), "{copied:?}");
    let mut files = Vec::new();
    for dir in ["src", "templates/src", "migrations/src"] {
        rust_files(&repo().join(dir), &mut files);
    }
    let mut missing = Vec::new();
    for file in &files {
        for path in included(file) {
            let top = path.components().next().expect("a path");
            let top = top.as_os_str().to_string_lossy().into_owned();
            if !copied.contains(&top) {
                missing.push(path.display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docker/Dockerfile does not copy what these includes need: {missing:?}"
    );
}

#[test]
fn the_checker_sees_a_missing_folder() {
    let copied = copied(
        "FROM rust AS builder\nCOPY Cargo.toml Cargo.lock ./\nCOPY src ./src\nFROM debian:bookworm-slim\nCOPY data ./data\n",
    );
    assert_eq!(copied, ["Cargo.toml", "Cargo.lock", "src"]);
}
