//! From the bytes of a file to records of named text values, one per row, each with its line
//! (CSV: the physical line where the row starts) or position (JSON: from 1). What is wrong
//! with the file as a whole is a `Refusal`; what is wrong with one row, a `Rejection`.

use serde_json::{Map, Value};

use super::{Format, Kind, Refusal, Rejection};

/// One row as named text values.
pub(super) struct Record {
    pub line: u64,
    pub values: Map<String, Value>,
}

pub(super) struct Parsed {
    pub rows: usize,
    pub records: Vec<Record>,
    pub rejected: Vec<Rejection>,
    pub unknown_columns: Vec<String>,
}

/// Besides the fields of a learning or product, a file may say which status an item it creates
/// gets (exports write it, so that an export moves to another instance whole).
pub(super) const STATUS_COLUMN: &str = "status";

const LEARNING_COLUMNS: [&str; 16] = [
    "external_id",
    "title",
    "description",
    "type",
    "project_title",
    "evaluation_type",
    "year",
    "countries",
    "themes",
    "sector",
    "intervention_type",
    "cycle_stage",
    "criterion",
    "source_url",
    "language",
    STATUS_COLUMN,
];

const PRODUCT_COLUMNS: [&str; 10] = [
    "external_id",
    "kind",
    "title",
    "summary",
    "url",
    "themes",
    "countries",
    "language",
    "published_on",
    STATUS_COLUMN,
];

/// The columns a kind understands, in the order exports write them.
pub fn columns(kind: Kind) -> Vec<String> {
    let names: &[&str] = match kind {
        Kind::Learnings => &LEARNING_COLUMNS,
        Kind::Products => &PRODUCT_COLUMNS,
    };
    names.iter().map(|name| name.to_string()).collect()
}

/// Column names as people write them in spreadsheets: `Project title` is `project_title`.
fn normal_name(kind: Kind, raw: &str) -> String {
    let name = raw.trim().to_lowercase().replace([' ', '-'], "_");
    match (kind, name.as_str()) {
        (Kind::Learnings, "learning_type") => "type".to_string(),
        _ => name,
    }
}

/// The text of a file: UTF-8 (a byte-order mark is dropped), not blank.
fn decode(bytes: &[u8]) -> Result<&str, Refusal> {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(body) => (3, body),
        None => (0, bytes),
    };
    match std::str::from_utf8(body) {
        Ok(text) if text.trim().is_empty() => Err(Refusal::Empty),
        Ok(text) => Ok(text),
        Err(error) => {
            let at = error.valid_up_to();
            let line = body[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            Err(Refusal::NotUtf8 {
                line,
                byte: (at + bom) as u64,
            })
        }
    }
}

pub(super) fn records(kind: Kind, format: Format, bytes: &[u8]) -> Result<Parsed, Refusal> {
    let text = decode(bytes)?;
    let parsed = match format {
        Format::Csv => csv_records(kind, text)?,
        Format::Json => json_records(kind, text)?,
    };
    if parsed.rows == 0 {
        return Err(Refusal::NoRows);
    }
    Ok(parsed)
}

/// Spreadsheets set to some European locales write `;`-separated files, and some tools tabs:
/// a header line with neither commas nor quotes but one of those is taken at its word.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    if header.contains(',') {
        b','
    } else if header.contains('\t') {
        b'\t'
    } else if header.contains(';') {
        b';'
    } else {
        b','
    }
}

fn csv_records(kind: Kind, text: &str) -> Result<Parsed, Refusal> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| Refusal::BadCsv { line: 1 })?
        .clone();
    let known = columns(kind);
    let mut names: Vec<Option<String>> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut unknown_columns = Vec::new();
    for (index, raw) in headers.iter().enumerate() {
        let name = normal_name(kind, raw);
        if name.is_empty() {
            names.push(None);
            continue;
        }
        if seen.contains(&name) {
            return Err(Refusal::DuplicateColumn(raw.trim().to_string()));
        }
        seen.push(name.clone());
        if known.contains(&name) {
            names.push(Some(name));
        } else {
            unknown_columns.push(if raw.trim().is_empty() {
                format!("#{}", index + 1)
            } else {
                raw.trim().chars().take(60).collect()
            });
            names.push(None);
        }
    }
    let missing: Vec<&'static str> = kind
        .required_columns()
        .iter()
        .copied()
        .filter(|column| !seen.iter().any(|s| s == column))
        .collect();
    if !missing.is_empty() {
        return Err(Refusal::MissingColumns(missing));
    }
    let mut parsed = Parsed {
        rows: 0,
        records: Vec::new(),
        rejected: Vec::new(),
        unknown_columns,
    };
    // The physical line of a record, from its byte offset: the csv crate's own line count
    // is off by one for CRLF files.
    let newlines: Vec<usize> = text.match_indices('\n').map(|(at, _)| at).collect();
    let line_at = |byte: u64| {
        // A record's offset may point at the line ends (and blank lines) before it.
        let start = byte as usize;
        let skipped = text.get(start..).map_or(0, |rest| {
            rest.len() - rest.trim_start_matches(['\r', '\n']).len()
        });
        1 + newlines.partition_point(|&at| at < start + skipped) as u64
    };
    let mut record = csv::StringRecord::new();
    loop {
        let line = line_at(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                // With flexible rows and checked UTF-8 this is only an I/O error on a slice,
                // which cannot happen; report it against its line rather than trust that.
                let line = error.position().map(|p| line_at(p.byte())).unwrap_or(line);
                return Err(Refusal::BadCsv { line });
            }
        }
        let line = record.position().map(|p| line_at(p.byte())).unwrap_or(line);
        parsed.rows += 1;
        if record.len() != headers.len() {
            parsed.rejected.push(Rejection {
                count: Some(record.len()),
                ..Rejection::new(line, "", "import.field_count")
            });
            continue;
        }
        let mut values = Map::new();
        for (name, value) in names.iter().zip(record.iter()) {
            if let Some(name) = name {
                values.insert(name.clone(), Value::String(value.to_string()));
            }
        }
        parsed.records.push(Record { line, values });
    }
    Ok(parsed)
}

fn json_records(kind: Kind, text: &str) -> Result<Parsed, Refusal> {
    let value: Value = serde_json::from_str(text).map_err(|error| Refusal::BadJson {
        line: error.line() as u64,
        column: error.column() as u64,
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) => match object.remove(kind.name()) {
            Some(Value::Array(items)) => items,
            _ => return Err(Refusal::WrongShape),
        },
        _ => return Err(Refusal::WrongShape),
    };
    let known = columns(kind);
    let mut parsed = Parsed {
        rows: items.len(),
        records: Vec::new(),
        rejected: Vec::new(),
        unknown_columns: Vec::new(),
    };
    for (index, item) in items.into_iter().enumerate() {
        let line = index as u64 + 1;
        let Value::Object(object) = item else {
            parsed
                .rejected
                .push(Rejection::new(line, "", "import.not_object"));
            continue;
        };
        let mut values = Map::new();
        let mut problems = Vec::new();
        for (key, value) in object {
            let name = normal_name(kind, &key);
            if !known.contains(&name) {
                let shown: String = key.chars().take(60).collect();
                if !parsed.unknown_columns.contains(&shown) {
                    parsed.unknown_columns.push(shown);
                }
                continue;
            }
            match text_of(value) {
                Some(text) => {
                    values.insert(name, Value::String(text));
                }
                None => problems.push(Rejection::new(line, &name, "import.not_text")),
            }
        }
        if problems.is_empty() {
            parsed.records.push(Record { line, values });
        } else {
            parsed.rejected.extend(problems);
        }
    }
    Ok(parsed)
}

/// A JSON value as the text a CSV cell would hold: lists `;`-joined, numbers written out, null
/// empty. Objects, and lists of anything but text and numbers, are not text.
fn text_of(value: Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(text) => parts.push(text),
                    Value::Number(number) => parts.push(number.to_string()),
                    _ => return None,
                }
            }
            Some(parts.join(";"))
        }
        Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{learnings::fields::RawLearning, products::store::RawProduct};

    /// The column lists name exactly the fields of the structs rows are read into.
    #[test]
    fn columns_are_the_fields_of_the_raw_structs() {
        for (kind, value) in [
            (
                Kind::Learnings,
                serde_json::to_value(RawLearning::default()),
            ),
            (Kind::Products, serde_json::to_value(RawProduct::default())),
        ] {
            let Ok(Value::Object(fields)) = value else {
                panic!("structs serialize to objects");
            };
            let mut expected: Vec<String> = fields.keys().cloned().collect();
            expected.push(STATUS_COLUMN.to_string());
            expected.sort();
            let mut actual = columns(kind);
            actual.sort();
            assert_eq!(actual, expected);
        }
    }

    #[test]
    fn reports_the_line_of_bad_utf8() {
        let bytes = b"project_title,description\nA,ok\nB,caf\xe9\n";
        assert_eq!(decode(bytes), Err(Refusal::NotUtf8 { line: 3, byte: 36 }));
    }

    #[test]
    fn csv_lines_are_physical_lines() {
        let text = "project_title,description\nA,\"two\nlines\"\nB,one\n";
        let parsed = csv_records(Kind::Learnings, text).expect("parses");
        let lines: Vec<u64> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4]);
    }

    #[test]
    fn blank_lines_are_skipped_and_short_rows_rejected() {
        let text = "project_title,description\r\nA,one\r\n\r\nB\r\nC,three\r\n";
        let parsed = csv_records(Kind::Learnings, text).expect("parses");
        let lines: Vec<u64> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 5]);
        assert_eq!(parsed.rows, 3);
        assert_eq!(parsed.rejected[0].line, 4);
        assert_eq!(parsed.rejected[0].key, "import.field_count");
    }

    #[test]
    fn semicolon_files_are_understood() {
        let parsed =
            csv_records(Kind::Learnings, "project_title;description\nA;text\n").expect("parses");
        assert_eq!(parsed.records[0].values["description"], "text");
    }

    #[test]
    fn json_lists_become_text() {
        let parsed = json_records(
            Kind::Learnings,
            r#"{"learnings":[{"description":"d","countries":["KE","GH"],"year":2019,"x":1}]}"#,
        )
        .expect("parses");
        assert_eq!(parsed.records[0].values["countries"], "KE;GH");
        assert_eq!(parsed.records[0].values["year"], "2019");
        assert_eq!(parsed.unknown_columns, vec!["x".to_string()]);
    }
}
