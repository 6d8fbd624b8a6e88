//! The text source: the real learnings the word-pair chain walks over.

use std::{collections::HashMap, path::PathBuf};

use anyhow::{Context, bail};

use crate::rng::Rng;

/// The corpus shipped with the repository: the seed learnings the demo imports
/// (`data/seed-learnings.csv`) and the source documents the project started from
/// (`data/seeds/*.txt`). `FORA_BENCH_CORPUS` names another directory laid out the same way.
const DEFAULT_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

pub struct Corpus {
    /// Words as they appear (with punctuation), in corpus order.
    pub tokens: Vec<String>,
    /// For each token, the list (index into `successors`) of tokens that followed its word.
    successor_list: Vec<u32>,
    pub successors: Vec<Vec<u32>>,
    /// Tokens that begin a sentence.
    pub starts: Vec<u32>,
    /// Real project titles from the seed file.
    pub project_titles: Vec<String>,
}

fn key(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

pub fn ends_sentence(token: &str) -> bool {
    token.ends_with(['.', '!', '?'])
}

/// Splits CSV text into records of fields (quotes, doubled quotes and newlines in quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

impl Corpus {
    pub fn load() -> anyhow::Result<Corpus> {
        let root = match std::env::var("FORA_BENCH_CORPUS") {
            Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => PathBuf::from(DEFAULT_ROOT),
        };
        let mut paragraphs: Vec<String> = Vec::new();
        let mut project_titles = Vec::new();
        let csv = root.join("seed-learnings.csv");
        let text = std::fs::read_to_string(&csv).with_context(|| {
            format!(
                "cannot read {} (FORA_BENCH_CORPUS must name a directory holding \
                 seed-learnings.csv and seeds/*.txt, as {DEFAULT_ROOT} does)",
                csv.display()
            )
        })?;
        for record in parse_csv(&text).into_iter().skip(1) {
            if record.len() >= 2 {
                project_titles.push(record[0].trim().to_string());
                paragraphs.push(record[1].clone());
            }
        }
        let mut seeds: Vec<PathBuf> = std::fs::read_dir(root.join("seeds"))
            .with_context(|| {
                format!(
                    "cannot list {}/seeds (FORA_BENCH_CORPUS must name a directory holding \
                     seed-learnings.csv and seeds/*.txt, as {DEFAULT_ROOT} does)",
                    root.display()
                )
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        seeds.sort();
        for path in seeds {
            let text = std::fs::read_to_string(&path)?;
            for line in text.lines() {
                // Table markup and link boilerplate of the scraped pages are not prose.
                let line = line
                    .replace("Click here to access the report", "")
                    .replace("Learning Description", "");
                if line.contains('|')
                    || line.contains("http")
                    || line.split_whitespace().count() < 6
                {
                    continue;
                }
                paragraphs.push(line);
            }
        }
        project_titles.sort();
        project_titles.dedup();

        let mut tokens: Vec<String> = Vec::new();
        let mut starts = Vec::new();
        let mut boundary = true;
        for paragraph in &paragraphs {
            for token in paragraph.split_whitespace() {
                if key(token).is_empty() {
                    continue;
                }
                if boundary {
                    starts.push(tokens.len() as u32);
                }
                boundary = ends_sentence(token);
                tokens.push(token.to_string());
            }
            if let Some(last) = tokens.last_mut()
                && !ends_sentence(last)
            {
                last.push('.');
            }
            boundary = true;
        }
        // Successors of each word (by key), across every place it occurs.
        let mut list_of_key: HashMap<String, u32> = HashMap::new();
        let mut successors: Vec<Vec<u32>> = Vec::new();
        let mut successor_list = Vec::with_capacity(tokens.len());
        for token in &tokens {
            let k = key(token);
            let id = *list_of_key.entry(k).or_insert_with(|| {
                successors.push(Vec::new());
                (successors.len() - 1) as u32
            });
            successor_list.push(id);
        }
        for i in 0..tokens.len().saturating_sub(1) {
            if !ends_sentence(&tokens[i]) {
                successors[successor_list[i] as usize].push(i as u32 + 1);
            }
        }
        if tokens.len() < 1_000 {
            bail!("the corpus in {} is too small", root.display());
        }
        Ok(Corpus {
            tokens,
            successor_list,
            successors,
            starts,
            project_titles,
        })
    }

    pub fn next_token(&self, current: u32, rng: &mut Rng) -> Option<u32> {
        let list = &self.successors[self.successor_list[current as usize] as usize];
        (!list.is_empty()).then(|| list[rng.below(list.len())])
    }
}
