//! The index's fields. Text is indexed per language (the learning's own language decides which
//! analyzer reads it) and once more plain, for prefixes; every filter is an indexed fast field,
//! so filtering is a term lookup and facet counting reads columns.
//!
//! A question is matched against one combined field per language (`all_en`, `all_fr`,
//! `all_es`: title, project, description and tag labels together), so a word is three posting
//! lists to walk, whatever the number of parts a document has. The title and the project are
//! indexed again on their own (`title_*`, `project_*`) only to weigh words found there: the
//! query reads those lists for the documents the combined field found, never to find them.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analysis::{self, LANGUAGES};

/// Bump when the fields or analyzers change: an index written under another version is
/// rebuilt at start-up. 2: vocabulary labels and theme names in French and Spanish too. 3: one
/// combined text field per language for matching; title and project kept for weighting only.
/// 4: question words ("how", "comment", "cómo") are stop words. 5: the thesaurus's phrases
/// found in each document, as tokens of `phrases` (`known_phrases`). 6: how each document
/// writes its accented words, as tokens of `written` (`written_forms`).
pub const SCHEMA_VERSION: u32 = 6;

/// Extra weight of a word found in the title, and in the project's title, on top of its score in
/// the combined field (which holds them too). Chosen on the judged set (a grid of 0–3): the
/// project's words say what a learning is about more often than its title's.
const TITLE_BOOST: f32 = 0.5;
const PROJECT_BOOST: f32 = 1.0;

/// A text field in each language.
#[derive(Clone, Copy, Debug)]
pub struct PerLanguage(pub [Field; 3]);

impl PerLanguage {
    pub fn of(&self, language: &str) -> Field {
        self.0[analysis::position_of(language).unwrap_or(0)]
    }
}

#[derive(Clone, Debug)]
pub struct Fields {
    pub schema: Schema,
    /// What a document is: `Kind::Learning` or `Kind::Product`.
    pub kind: Field,
    /// Kind and id in one number: what a change replaces.
    pub key: Field,
    pub id: Field,
    /// Everything a question is matched against, in the field of its language: the title, the
    /// project, the description (or a product's summary) in the document's language, and the
    /// theme names and vocabulary labels (countries, sectors, product kinds…) each in the
    /// field of the label's language: "Ghana" finds learnings from Ghana although the text
    /// does not say it, and so do "Côte d'Ivoire" and "Costa de Marfil" those from Côte
    /// d'Ivoire. Also what snippets are highlighted with.
    pub all: PerLanguage,
    /// The title again, for its weight only.
    pub title: PerLanguage,
    /// The project's title again, for its weight only.
    pub project: PerLanguage,
    pub plain: Field,
    pub status: Field,
    pub learning_type: Field,
    pub language: Field,
    pub year: Field,
    pub terms: Field,
    pub themes: Field,
    pub project_exact: Field,
    /// Publication time and id in one number: "newest first" with a stable order.
    pub newest: Field,
    /// Each occurrence of a thesaurus phrase in the text fields above, as one token naming
    /// the field and the phrase (`known_phrases`): looked up instead of the words' positions.
    pub phrases: Field,
    /// Each word of the document that folding changes, as one token "folded form, U+0001,
    /// lower-cased form" (`written_forms`): how a suggested word is written.
    pub written: Field,
}

fn text(analyzer: &str, positions: bool) -> TextOptions {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(record),
    )
}

/// Tokens made when a document is built, indexed as they are.
fn raw_tokens(record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_fieldnorms(false)
            .set_index_option(record),
    )
}

fn per_language(builder: &mut tantivy::schema::SchemaBuilder, name: &str) -> PerLanguage {
    PerLanguage(LANGUAGES.map(|(code, _)| {
        builder.add_text_field(
            &format!("{name}_{code}"),
            text(&analysis::analyzer_name(code), true),
        )
    }))
}

impl Default for Fields {
    fn default() -> Self {
        Fields::new()
    }
}

impl Fields {
    pub fn new() -> Fields {
        let mut builder = Schema::builder();
        let kind = builder.add_u64_field("kind", INDEXED | FAST);
        let key = builder.add_u64_field("key", INDEXED);
        let id = builder.add_u64_field("id", INDEXED | FAST);
        let all = per_language(&mut builder, "all");
        let title = per_language(&mut builder, "title");
        let project = per_language(&mut builder, "project");
        let plain = builder.add_text_field("plain", text(analysis::PLAIN, false));
        let status = builder.add_u64_field("status", INDEXED | FAST);
        let learning_type = builder.add_u64_field("learning_type", INDEXED | FAST);
        let language = builder.add_u64_field("language", INDEXED | FAST);
        let year = builder.add_u64_field("year", INDEXED | FAST);
        let terms = builder.add_u64_field("terms", INDEXED | FAST);
        let themes = builder.add_u64_field("themes", INDEXED | FAST);
        let project_exact = builder.add_text_field("project_exact", STRING | FAST);
        let newest = builder.add_i64_field("newest", FAST);
        let phrases = builder.add_text_field("phrases", raw_tokens(IndexRecordOption::WithFreqs));
        let written = builder.add_text_field("written", raw_tokens(IndexRecordOption::Basic));
        Fields {
            schema: builder.build(),
            kind,
            key,
            id,
            all,
            title,
            project,
            plain,
            status,
            learning_type,
            language,
            year,
            terms,
            themes,
            project_exact,
            newest,
            phrases,
            written,
        }
    }

    /// The fields that only weigh a question's words, with the weight added on top of the
    /// combined field's score. The judged set (tests/integration/search_quality.rs) chose
    /// them.
    pub fn boosting(&self) -> [(PerLanguage, f32); 2] {
        [(self.title, TITLE_BOOST), (self.project, PROJECT_BOOST)]
    }
}

/// The two kinds of documents the index holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Learning = 0,
    Product = 1,
}

impl Kind {
    pub fn code(self) -> u64 {
        self as u64
    }

    /// The document's `key`: kind and id together (ids of the two tables overlap).
    pub fn key(self, id: i32) -> u64 {
        (self.code() << 32) | u64::from(id as u32)
    }
}

/// The sort key of "newest first": published learnings by publication time, unpublished ones
/// after them, ties by id (newer first).
pub fn newest_key(published_unix: Option<i64>, id: i32) -> i64 {
    let seconds = published_unix.unwrap_or(0).clamp(0, (1 << 36) - 1);
    (seconds << 26) | i64::from(id.clamp(0, (1 << 26) - 1))
}

/// The position of a value in a fixed list, as stored in a u64 field.
pub fn code_of(list: &[&str], value: &str) -> Option<u64> {
    list.iter().position(|v| *v == value).map(|p| p as u64)
}
