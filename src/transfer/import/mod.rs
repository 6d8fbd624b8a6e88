//! Getting information in: learnings and knowledge products from CSV or JSON files, from the
//! command line (`fora import …`) and from the admin page `/admin/import`.
//!
//! An import is idempotent (a row matches a stored item by its external id, else by its content
//! key, and an unchanged item is not written), reports every rejected row with its line, field
//! and reason, and by default writes nothing at all unless every row is valid: the whole import
//! is one write transaction. It must never write half a file, and never read a file past
//! [`MAX_FILE_BYTES`].

mod parse;
pub mod web;
mod write;

pub use parse::columns;

use std::{borrow::Cow, path::Path};

use sea_orm::{DatabaseConnection, DbErr};
use templates::{
    format::number,
    i18n::{plural, plural_with, t, tf},
};

use crate::web::paths;
use crate::{
    db,
    entities::{learnings::LearningStatus, products::ProductStatus},
    taxonomy::Taxonomy,
};

/// The largest file an import reads: about 20,000 richly described learnings.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// The admin page's upload: the file plus the form's few small fields.
pub const MAX_UPLOAD_BYTES: usize = MAX_FILE_BYTES as usize + 64 * 1024;
/// Where the admin page lives (the CSRF layer gives this path the upload limit).
pub const PATH: &str = paths::ADMIN_IMPORT;

/// The statuses an import may give the learnings it creates.
const LEARNING_IMPORT_STATUSES: [LearningStatus; 3] = [
    LearningStatus::Published,
    LearningStatus::InReview,
    LearningStatus::Draft,
];
/// The statuses an import may give the products it creates.
const PRODUCT_IMPORT_STATUSES: [ProductStatus; 2] =
    [ProductStatus::Published, ProductStatus::Draft];

/// The status the items an import creates get (unless their row says otherwise), checked
/// against what an import of that kind may give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NewStatus {
    Learnings(LearningStatus),
    Products(ProductStatus),
}

impl NewStatus {
    fn of(kind: Kind, word: &str) -> Option<NewStatus> {
        match kind {
            Kind::Learnings => LearningStatus::parse(word)
                .filter(|s| LEARNING_IMPORT_STATUSES.contains(s))
                .map(NewStatus::Learnings),
            Kind::Products => ProductStatus::parse(word)
                .filter(|s| PRODUCT_IMPORT_STATUSES.contains(s))
                .map(NewStatus::Products),
        }
    }
}

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Learnings,
    Products,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Learnings => "learnings",
            Kind::Products => "products",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        match name {
            "learnings" => Some(Kind::Learnings),
            "products" => Some(Kind::Products),
            _ => None,
        }
    }

    /// The statuses an import may give the items it creates, as stored words.
    pub fn import_statuses(self) -> Vec<&'static str> {
        match self {
            Kind::Learnings => LEARNING_IMPORT_STATUSES
                .map(LearningStatus::as_str)
                .to_vec(),
            Kind::Products => PRODUCT_IMPORT_STATUSES.map(ProductStatus::as_str).to_vec(),
        }
    }

    /// Every status an item of this kind can have (what exports write and imports accept in a
    /// `status` column), as stored words.
    pub fn statuses(self) -> Vec<&'static str> {
        match self {
            Kind::Learnings => LearningStatus::ALL.map(LearningStatus::as_str).to_vec(),
            Kind::Products => ProductStatus::ALL.map(ProductStatus::as_str).to_vec(),
        }
    }

    /// Columns a CSV file must have.
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            Kind::Learnings => &["description"],
            Kind::Products => &["title", "summary"],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// From a file name's extension.
    pub fn from_file_name(name: &str) -> Option<Format> {
        Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_name)
    }

    /// From the content, when the name says nothing: JSON starts with `[` or `{`.
    pub fn sniff(bytes: &[u8]) -> Format {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[' | b'{') => Format::Json,
            _ => Format::Csv,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Status of the items the import creates (existing items keep theirs); `None` is
    /// `published`.
    pub status: Option<String>,
    /// Import the valid rows even when others are rejected.
    pub skip_invalid: bool,
    /// Who imports (recorded as author and in the review history); `None` from the CLI.
    pub actor_id: Option<i32>,
    /// The file's name, kept in the review history of the learnings it creates.
    pub source_name: String,
}

/// Why a whole file was refused before any row was looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    TooLarge { size: Option<u64> },
    Empty,
    NoRows,
    NotUtf8 { line: u64, byte: u64 },
    MissingColumns(Vec<&'static str>),
    DuplicateColumn(String),
    BadCsv { line: u64 },
    BadJson { line: u64, column: u64 },
    WrongShape,
    BadStatus(String),
    Unreadable(String),
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

impl Refusal {
    pub fn message(&self, lang: &str, kind: Kind) -> String {
        match self {
            Refusal::TooLarge { size: Some(size) } => tf(
                lang,
                "import.too_large_size",
                &[("size", &mib(*size)), ("limit", &mib(MAX_FILE_BYTES))],
            ),
            Refusal::TooLarge { size: None } => {
                tf(lang, "import.too_large", &[("limit", &mib(MAX_FILE_BYTES))])
            }
            Refusal::Empty => t(lang, "import.empty").into_owned(),
            Refusal::NoRows => t(lang, "import.no_rows").into_owned(),
            Refusal::NotUtf8 { line, byte } => tf(
                lang,
                "import.not_utf8",
                &[("line", &line.to_string()), ("byte", &byte.to_string())],
            ),
            Refusal::MissingColumns(columns) => tf(
                lang,
                "import.missing_columns",
                &[("columns", &columns.join(", "))],
            ),
            Refusal::DuplicateColumn(column) => {
                tf(lang, "import.duplicate_column", &[("column", column)])
            }
            Refusal::BadCsv { line } => tf(lang, "import.bad_csv", &[("line", &line.to_string())]),
            Refusal::BadJson { line, column } => tf(
                lang,
                "import.bad_json",
                &[("line", &line.to_string()), ("column", &column.to_string())],
            ),
            Refusal::WrongShape => tf(lang, "import.wrong_shape", &[("kind", kind.name())]),
            Refusal::BadStatus(status) => tf(
                lang,
                "import.bad_import_status",
                &[
                    ("status", status),
                    ("allowed", &kind.import_statuses().join(", ")),
                ],
            ),
            Refusal::Unreadable(why) => tf(lang, "import.unreadable", &[("why", why)]),
        }
    }
}

/// One problem with one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Physical line in a CSV file (where the row starts); position in a JSON list, from 1.
    pub line: u64,
    /// The column at fault; empty when the row as a whole is.
    pub field: String,
    /// Translation key of the reason.
    pub key: &'static str,
    /// The offending value, when it helps.
    pub value: Option<String>,
    /// The line this one repeats or conflicts with.
    pub other_line: Option<u64>,
    /// A count the reason needs (fields on the line).
    pub count: Option<usize>,
}

impl Rejection {
    pub fn new(line: u64, field: &str, key: &'static str) -> Rejection {
        Rejection {
            line,
            field: field.to_string(),
            key,
            value: None,
            other_line: None,
            count: None,
        }
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Rejection {
        self.value = Some(value.into());
        self
    }

    /// Why the row was rejected, in `lang`; `format` says how other rows are named.
    pub fn reason(&self, lang: &str, format: Format) -> String {
        let at = match (self.other_line, format) {
            (Some(line), Format::Csv) => tf(lang, "import.at_line", &[("line", &line.to_string())]),
            (Some(line), Format::Json) => {
                tf(lang, "import.at_item", &[("line", &line.to_string())])
            }
            (None, _) => String::new(),
        };
        let reason = match self.count {
            Some(count) => plural_with(lang, self.key, count, &[("at", &at)]),
            None => tf(lang, self.key, &[("at", &at)]),
        };
        match &self.value {
            Some(value) => format!("{reason} ({})", quoted(value)),
            None => reason,
        }
    }
}

fn quoted(value: &str) -> String {
    let short: String = value.chars().take(60).collect();
    format!("“{short}”")
}

#[derive(Clone, Debug)]
pub struct Report {
    pub kind: Kind,
    pub format: Format,
    /// Data rows read.
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: Vec<Rejection>,
    /// Columns (or JSON keys) the import does not know: ignored.
    pub unknown_columns: Vec<String>,
    pub refused: Option<Refusal>,
    /// Whether the import went through (false when the file was refused, or rows were rejected
    /// and nothing was written).
    pub written: bool,
}

impl Report {
    fn new(kind: Kind, format: Format) -> Report {
        Report {
            kind,
            format,
            rows: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            rejected: Vec::new(),
            unknown_columns: Vec::new(),
            refused: None,
            written: false,
        }
    }

    pub fn refused(kind: Kind, format: Format, refusal: Refusal) -> Report {
        Report {
            refused: Some(refusal),
            ..Report::new(kind, format)
        }
    }

    /// Every row imported (or already there): what the exit code and page status say.
    pub fn is_clean(&self) -> bool {
        self.refused.is_none() && self.rejected.is_empty()
    }

    /// Rows whose problems kept them out (a row may have several problems).
    pub fn rejected_rows(&self) -> usize {
        let mut lines: Vec<u64> = self.rejected.iter().map(|r| r.line).collect();
        lines.dedup();
        lines.len()
    }

    /// "line" for CSV, "item" for JSON.
    pub fn position_label(&self, lang: &str) -> Cow<'static, str> {
        match self.format {
            Format::Csv => t(lang, "import.line"),
            Format::Json => t(lang, "import.item"),
        }
    }

    /// The one-sentence outcome.
    pub fn summary(&self, lang: &str) -> String {
        if let Some(refusal) = &self.refused {
            return format!(
                "{} {}",
                t(lang, "import.refused"),
                refusal.message(lang, self.kind)
            );
        }
        let counts = tf(
            lang,
            "import.counts",
            &[
                (
                    "created",
                    &plural(lang, "import.count_created", self.created),
                ),
                (
                    "updated",
                    &plural(lang, "import.count_updated", self.updated),
                ),
                (
                    "unchanged",
                    &plural(lang, "import.count_unchanged", self.unchanged),
                ),
                (
                    "rejected",
                    &plural(lang, "import.count_rejected", self.rejected_rows()),
                ),
            ],
        );
        if self.written {
            counts
        } else {
            plural_with(
                lang,
                "import.nothing_written",
                self.rejected_rows(),
                &[("rows", &number(lang, self.rows))],
            )
        }
    }

    /// The report as plain text, for the command line.
    pub fn to_text(&self, lang: &str) -> String {
        let mut out = format!(
            "{}\n",
            plural_with(
                lang,
                "import.heading",
                self.rows,
                &[("kind", self.kind.name()), ("format", self.format.name())]
            )
        );
        out.push_str(&self.summary(lang));
        out.push('\n');
        if !self.unknown_columns.is_empty() {
            out.push_str(&tf(
                lang,
                "import.unknown_columns",
                &[("columns", &self.unknown_columns.join(", "))],
            ));
            out.push('\n');
        }
        if !self.rejected.is_empty() {
            out.push_str(&t(lang, "import.rejected_heading"));
            out.push('\n');
            for rejection in &self.rejected {
                let line = rejection.line.to_string();
                let at = match self.format {
                    Format::Csv => tf(lang, "import.at_line", &[("line", &line)]),
                    Format::Json => tf(lang, "import.at_item", &[("line", &line)]),
                };
                let field = if rejection.field.is_empty() {
                    String::new()
                } else {
                    format!(", {}", rejection.field)
                };
                out.push_str(&format!(
                    "  {at}{field}: {}\n",
                    rejection.reason(lang, self.format)
                ));
            }
            if !self.written {
                out.push_str(&t(lang, "import.hint_skip_invalid"));
                out.push('\n');
            }
        }
        out
    }
}

/// Reads a file of at most [`MAX_FILE_BYTES`], looking at its size before reading any of it.
/// A file that grows while it is read (or a pipe) is cut at the limit and refused all the same.
pub async fn read_file(path: &Path) -> Result<Vec<u8>, Refusal> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Refusal::Unreadable(e.to_string()))?;
    let metadata = file
        .metadata()
        .await
        .map_err(|e| Refusal::Unreadable(e.to_string()))?;
    if metadata.is_dir() {
        return Err(Refusal::Unreadable(format!(
            "{} is a directory",
            path.display()
        )));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge {
            size: Some(metadata.len()),
        });
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| Refusal::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge { size: None });
    }
    Ok(bytes)
}

/// Imports the bytes of one file. Database failures are errors; everything wrong with the file
/// is in the report.
pub async fn import(
    db: &DatabaseConnection,
    kind: Kind,
    format: Format,
    bytes: &[u8],
    options: &Options,
) -> Result<Report, DbErr> {
    let word = options
        .status
        .clone()
        .unwrap_or_else(|| LearningStatus::Published.as_str().to_string());
    let Some(status) = NewStatus::of(kind, &word) else {
        return Ok(Report::refused(kind, format, Refusal::BadStatus(word)));
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(Report::refused(
            kind,
            format,
            Refusal::TooLarge {
                size: Some(bytes.len() as u64),
            },
        ));
    }
    let parsed = match parse::records(kind, format, bytes) {
        Ok(parsed) => parsed,
        Err(refusal) => return Ok(Report::refused(kind, format, refusal)),
    };
    let mut report = Report::new(kind, format);
    report.rows = parsed.rows;
    report.unknown_columns = parsed.unknown_columns;
    let taxonomy = Taxonomy::load(db).await?;
    let now = db::now();
    let mut tally = write::Tally {
        rejected: parsed.rejected,
        ..write::Tally::default()
    };
    let records = parsed.records;
    let skip = options.skip_invalid;
    let went_through = match status {
        NewStatus::Learnings(status) => {
            let context = write::Context {
                status,
                actor_id: options.actor_id,
                source_name: &options.source_name,
                now,
            };
            write::run::<write::Learnings>(db, &taxonomy, records, &context, skip, &mut tally)
                .await?
        }
        NewStatus::Products(status) => {
            let context = write::Context {
                status,
                actor_id: options.actor_id,
                source_name: &options.source_name,
                now,
            };
            write::run::<write::Products>(db, &taxonomy, records, &context, skip, &mut tally)
                .await?
        }
    };
    report.rejected = tally.rejected;
    report.rejected.sort_by_key(|r| r.line);
    if went_through {
        report.created = tally.created;
        report.updated = tally.updated;
        report.unchanged = tally.unchanged;
        report.written = true;
    }
    Ok(report)
}

/// Imports a file from disk: the format from `format`, else the file's extension, else its
/// content.
pub async fn import_path(
    db: &DatabaseConnection,
    kind: Kind,
    path: &Path,
    format: Option<Format>,
    options: &Options,
) -> Result<Report, DbErr> {
    let named = format.or_else(|| Format::from_file_name(&path.to_string_lossy()));
    let bytes = match read_file(path).await {
        Ok(bytes) => bytes,
        Err(refusal) => {
            return Ok(Report::refused(kind, named.unwrap_or(Format::Csv), refusal));
        }
    };
    let format = named.unwrap_or_else(|| Format::sniff(&bytes));
    import(db, kind, format, &bytes, options).await
}
