//! Getting information out as files: learnings and products to CSV or JSON with exactly the
//! columns the importer reads (taxonomy codes, theme slugs, ISO country codes, lists `;`-joined
//! in CSV and arrays in JSON), so that exporting and importing again changes nothing.
//!
//! The file is produced page by page, so neither the command line nor a download ever holds a
//! whole library in memory.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;

use super::import::{Format, Kind, columns};
use crate::{
    entities::{learnings, products},
    taxonomy::{
        Taxonomy, Vocabulary,
        pairs::{LEARNING_COUNTRIES, LEARNING_THEMES, PRODUCT_COUNTRIES, PRODUCT_THEMES},
    },
};

/// Items read per query.
const PAGE: u64 = 500;

/// One cell: text, a list (of codes or slugs), or a number (the year).
enum Cell {
    Text(String),
    List(Vec<String>),
    Number(Option<i32>),
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::List(items) => items.join(";"),
            Cell::Number(number) => number.map(|n| n.to_string()).unwrap_or_default(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(text) => Value::String(text.clone()),
            Cell::List(items) => Value::Array(items.iter().cloned().map(Value::String).collect()),
            Cell::Number(number) => number.map(Value::from).unwrap_or(Value::Null),
        }
    }
}

type Row = HashMap<&'static str, Cell>;

enum Stage {
    Start,
    Rows,
    Done,
}

/// An export under way: each call to [`Exporter::next_chunk`] gives the next piece of the file.
pub struct Exporter {
    kind: Kind,
    format: Format,
    status: Option<String>,
    taxonomy: Taxonomy,
    columns: Vec<String>,
    after_id: i32,
    stage: Stage,
    count: usize,
}

impl Exporter {
    /// `status`: only items in that workflow state; `None`: all of them.
    pub async fn new(
        db: &impl ConnectionTrait,
        kind: Kind,
        format: Format,
        status: Option<String>,
    ) -> Result<Exporter, DbErr> {
        Ok(Exporter {
            kind,
            format,
            status,
            taxonomy: Taxonomy::load(db).await?,
            columns: columns(kind),
            after_id: 0,
            stage: Stage::Start,
            count: 0,
        })
    }

    /// Items written so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The next piece of the file, or `None` when it is complete.
    pub async fn next_chunk(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<Vec<u8>>, DbErr> {
        match self.stage {
            Stage::Start => {
                self.stage = Stage::Rows;
                Ok(Some(match self.format {
                    Format::Csv => self.csv_line(self.columns.iter().map(String::as_str)),
                    Format::Json => format!("{{\"{}\": [", self.kind.name()).into_bytes(),
                }))
            }
            Stage::Rows => {
                let rows = match self.kind {
                    Kind::Learnings => self.learning_rows(db).await?,
                    Kind::Products => self.product_rows(db).await?,
                };
                if rows.is_empty() {
                    self.stage = Stage::Done;
                    return Ok(Some(match self.format {
                        Format::Csv => Vec::new(),
                        Format::Json => b"\n]}\n".to_vec(),
                    }));
                }
                let mut chunk = Vec::new();
                for row in rows {
                    match self.format {
                        Format::Csv => {
                            let cells: Vec<String> = self
                                .columns
                                .iter()
                                .map(|c| row.get(c.as_str()).map(Cell::csv).unwrap_or_default())
                                .collect();
                            chunk.extend(self.csv_line(cells.iter().map(String::as_str)));
                        }
                        Format::Json => {
                            if self.count > 0 {
                                chunk.push(b',');
                            }
                            chunk.extend(b"\n  {");
                            // Written by hand to keep the columns in their order.
                            for (index, column) in self.columns.iter().enumerate() {
                                if index > 0 {
                                    chunk.push(b',');
                                }
                                let value = row
                                    .get(column.as_str())
                                    .map(Cell::json)
                                    .unwrap_or(Value::String(String::new()));
                                chunk.extend(json(&Value::String(column.clone()))?);
                                chunk.push(b':');
                                chunk.extend(json(&value)?);
                            }
                            chunk.push(b'}');
                        }
                    }
                    self.count += 1;
                }
                Ok(Some(chunk))
            }
            Stage::Done => Ok(None),
        }
    }

    fn csv_line<'a>(&self, cells: impl Iterator<Item = &'a str>) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        // Writing to memory cannot fail.
        let _ = writer.write_record(cells);
        writer.into_inner().unwrap_or_default()
    }

    fn code(&self, id: Option<i32>) -> Cell {
        Cell::Text(
            id.and_then(|id| self.taxonomy.term(id))
                .map(|term| term.code.clone())
                .unwrap_or_default(),
        )
    }

    fn themes(&self, ids: Option<&Vec<i32>>) -> Cell {
        let mut slugs: Vec<String> = ids
            .into_iter()
            .flatten()
            .filter_map(|&id| self.taxonomy.theme(id))
            .map(|theme| theme.slug.clone())
            .collect();
        slugs.sort();
        Cell::List(slugs)
    }

    fn countries(&self, ids: Option<&Vec<i32>>) -> Cell {
        let mut codes: Vec<String> = ids
            .into_iter()
            .flatten()
            .filter_map(|&id| self.taxonomy.term(id))
            .filter(|term| term.vocabulary == Vocabulary::Country)
            .map(|term| term.code.clone())
            .collect();
        codes.sort();
        Cell::List(codes)
    }

    async fn learning_rows(&mut self, db: &impl ConnectionTrait) -> Result<Vec<Row>, DbErr> {
        let mut query = learnings::Entity::find()
            .filter(learnings::Column::Id.gt(self.after_id))
            .order_by_asc(learnings::Column::Id)
            .limit(PAGE);
        if let Some(status) = &self.status {
            query = query.filter(learnings::Column::Status.eq(status.as_str()));
        }
        let page = query.all(db).await?;
        let Some(last) = page.last() else {
            return Ok(Vec::new());
        };
        self.after_id = last.id;
        let ids: Vec<i32> = page.iter().map(|l| l.id).collect();
        let themes = LEARNING_THEMES.of_each(db, &ids).await?;
        let countries = LEARNING_COUNTRIES.of_each(db, &ids).await?;
        Ok(page
            .into_iter()
            .map(|l| {
                HashMap::from([
                    (
                        "external_id",
                        Cell::Text(l.external_id.clone().unwrap_or_default()),
                    ),
                    ("title", Cell::Text(l.title.clone())),
                    ("description", Cell::Text(l.description.clone())),
                    ("type", Cell::Text(l.learning_type.clone())),
                    ("project_title", Cell::Text(l.project_title.clone())),
                    ("evaluation_type", self.code(l.evaluation_type_id)),
                    ("year", Cell::Number(l.year)),
                    ("countries", self.countries(countries.get(&l.id))),
                    ("themes", self.themes(themes.get(&l.id))),
                    ("sector", self.code(l.sector_id)),
                    ("intervention_type", self.code(l.intervention_type_id)),
                    ("cycle_stage", self.code(l.cycle_stage_id)),
                    ("criterion", self.code(l.criterion_id)),
                    ("source_url", Cell::Text(l.source_url.clone())),
                    ("language", Cell::Text(l.language.clone())),
                    ("status", Cell::Text(l.status.as_str().to_string())),
                ])
            })
            .collect())
    }

    async fn product_rows(&mut self, db: &impl ConnectionTrait) -> Result<Vec<Row>, DbErr> {
        let mut query = products::Entity::find()
            .filter(products::Column::Id.gt(self.after_id))
            .order_by_asc(products::Column::Id)
            .limit(PAGE);
        if let Some(status) = &self.status {
            query = query.filter(products::Column::Status.eq(status.as_str()));
        }
        let page = query.all(db).await?;
        let Some(last) = page.last() else {
            return Ok(Vec::new());
        };
        self.after_id = last.id;
        let ids: Vec<i32> = page.iter().map(|p| p.id).collect();
        let themes = PRODUCT_THEMES.of_each(db, &ids).await?;
        let countries = PRODUCT_COUNTRIES.of_each(db, &ids).await?;
        let date = time::macros::format_description!("[year]-[month]-[day]");
        Ok(page
            .into_iter()
            .map(|p| {
                HashMap::from([
                    (
                        "external_id",
                        Cell::Text(p.external_id.clone().unwrap_or_default()),
                    ),
                    ("kind", self.code(p.kind_id)),
                    ("title", Cell::Text(p.title.clone())),
                    ("summary", Cell::Text(p.summary.clone())),
                    ("url", Cell::Text(p.url.clone())),
                    ("themes", self.themes(themes.get(&p.id))),
                    ("countries", self.countries(countries.get(&p.id))),
                    ("language", Cell::Text(p.language.clone())),
                    (
                        "published_on",
                        Cell::Text(
                            p.published_on
                                .and_then(|d| d.format(&date).ok())
                                .unwrap_or_default(),
                        ),
                    ),
                    ("status", Cell::Text(p.status.as_str().to_string())),
                ])
            })
            .collect())
    }
}

fn json(value: &Value) -> Result<Vec<u8>, DbErr> {
    serde_json::to_vec(value).map_err(|e| DbErr::Custom(e.to_string()))
}

/// Writes a whole export to `out`; returns the number of items written.
pub async fn write_to(
    db: &impl ConnectionTrait,
    kind: Kind,
    format: Format,
    status: Option<String>,
    out: &mut impl std::io::Write,
) -> anyhow::Result<usize> {
    let mut exporter = Exporter::new(db, kind, format, status).await?;
    while let Some(chunk) = exporter.next_chunk(db).await? {
        out.write_all(&chunk)?;
    }
    out.flush()?;
    Ok(exporter.count())
}
