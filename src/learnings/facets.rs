//! Facet tokens: every filterable value of a learning written as one word into the full-text
//! index beside its text, so a search with filters is a single index lookup on both backends
//! (FTS5 column `facet_keys`; PostgreSQL `to_tsvector('simple', facet_keys)`).
//!
//! Tokens are lower-case letters and digits only, so both tokenizers keep them whole and the
//! same word on the query side meets the same word on the index side.

use std::fmt::Write;

const PREFIX: &str = "zq";

pub fn status(status: &str) -> String {
    format!("{PREFIX}s{}", status.replace('_', ""))
}

pub fn learning_type(kind: &str) -> String {
    format!("{PREFIX}l{}", kind.replace('_', ""))
}

pub fn term(id: i32) -> String {
    format!("{PREFIX}k{id}")
}

pub fn theme(id: i32) -> String {
    format!("{PREFIX}h{id}")
}

pub fn language(code: &str) -> String {
    format!("{PREFIX}n{}", code.to_ascii_lowercase())
}

pub fn year(year: i32) -> String {
    format!("{PREFIX}y{year}")
}

/// Everything a learning can be filtered by.
pub struct Facets<'a> {
    pub status: &'a str,
    pub learning_type: &'a str,
    pub language: &'a str,
    pub year: Option<i32>,
    pub term_ids: &'a [i32],
    pub theme_ids: &'a [i32],
}

impl Facets<'_> {
    pub fn keys(&self) -> String {
        let mut keys = format!(
            "{} {} {}",
            status(self.status),
            learning_type(self.learning_type),
            language(self.language)
        );
        if let Some(y) = self.year {
            let _ = write!(keys, " {}", year(y));
        }
        for id in self.term_ids {
            let _ = write!(keys, " {}", term(*id));
        }
        for id in self.theme_ids {
            let _ = write!(keys, " {}", theme(*id));
        }
        keys
    }
}
