//! `/admin/import`: the same import as `fora import`, from a form with a file upload, for
//! knowledge managers only (404 for anyone else, like all of `/admin`); and `/admin/export/…`,
//! the same files `fora export` writes, as downloads.

use axum::{
    Router,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use bytes::Bytes;
use serde::Deserialize;
use templates::{
    components::FormErrors,
    imports::{self as views, ImportForm, ImportPage, RejectedRow, ReportView},
};

use super::{Format, Kind, MAX_FILE_BYTES, MAX_UPLOAD_BYTES, Options, PATH, Refusal, Report};
use crate::{
    transfer::export,
    web::html,
    web::{AdminUser, AppError, AppResult, AppState, forms},
};

/// The report page lists at most this many problems; the counts cover them all.
const SHOWN_REJECTIONS: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(show_import).post(create_import))
        .route("/admin/export/{file}", get(download_export))
}

fn page_view(form: ImportForm, report: Option<ReportView>) -> ImportPage {
    ImportPage {
        form,
        report,
        learning_columns: super::columns(Kind::Learnings).join(", "),
        product_columns: super::columns(Kind::Products).join(", "),
        limit_mib: MAX_FILE_BYTES / (1024 * 1024),
    }
}

pub async fn show_import(AdminUser(admin): AdminUser) -> AppResult<Response> {
    Ok(html(
        StatusCode::OK,
        views::page(
            &admin.ctx(),
            &page_view(ImportForm::default(), None),
            &FormErrors::default(),
        ),
    ))
}

/// The fields of the upload form.
#[derive(Default)]
struct Upload {
    kind: String,
    status: String,
    skip_invalid: bool,
    file_name: Option<String>,
    file: Vec<u8>,
    file_too_large: bool,
}

impl Upload {
    /// What to import, and the file's name as it may be shown (possibly empty).
    fn validate(&self) -> Result<(Kind, String), FormErrors> {
        let mut checks = forms::Checks::default();
        let kind = Kind::from_name(&self.kind);
        if kind.is_none() {
            checks.add("kind", "import.choose_kind");
        }
        if let Some(kind) = kind
            && !kind.import_statuses().contains(&self.status.as_str())
        {
            checks.add("status", "import.choose_status");
        }
        let file_name = self
            .file_name
            .as_deref()
            .map(|name| forms::strip_controls(name).replace(['\n', '\t'], " "))
            .map(|name| name.chars().take(120).collect::<String>())
            .unwrap_or_default();
        if file_name.is_empty() && self.file.is_empty() && !self.file_too_large {
            checks.add("file", "import.choose_file");
        }
        checks.finish(|| Some((kind?, file_name)))
    }
}

fn multipart_error(error: multer::Error) -> AppError {
    match error {
        multer::Error::StreamSizeExceeded { .. } => AppError::TooLarge,
        _ => AppError::BadRequest("error.bad_form"),
    }
}

/// Reads the form. The CSRF layer has already read the whole body (within the upload limit)
/// and checked its token, so this only takes it apart.
async fn read_upload(headers: &HeaderMap, body: Body) -> Result<Upload, AppError> {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or(AppError::BadRequest("error.bad_form"))?;
    let limits = multer::SizeLimit::new()
        .whole_stream(MAX_UPLOAD_BYTES as u64)
        .per_field(4 * 1024)
        .for_field("file", MAX_FILE_BYTES);
    let mut multipart = multer::Multipart::with_constraints(
        body.into_data_stream(),
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            upload.file_name = Some(field.file_name().unwrap_or("").to_string());
            let mut file = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => file.extend_from_slice(&chunk),
                    Ok(None) => break,
                    Err(multer::Error::FieldSizeExceeded { .. }) => {
                        upload.file_too_large = true;
                        file = Vec::new();
                        break;
                    }
                    Err(error) => return Err(multipart_error(error)),
                }
            }
            upload.file = file;
            if upload.file_too_large {
                // The body is already in memory (the CSRF layer read it): nothing to drain.
                break;
            }
            continue;
        }
        let text = field.text().await.map_err(multipart_error)?;
        match name.as_str() {
            "kind" => upload.kind = text,
            "status" => upload.status = text,
            "skip_invalid" => upload.skip_invalid = !text.is_empty(),
            _ => {}
        }
    }
    Ok(upload)
}

fn report_view(report: &Report, file_name: &str, lang: &str) -> ReportView {
    ReportView {
        file_name: file_name.to_string(),
        summary: report.summary(lang),
        refused: report.refused.is_some(),
        written: report.written,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        rejected_rows: report.rejected_rows(),
        position_label: report.position_label(lang).into_owned(),
        rejected: report
            .rejected
            .iter()
            .take(SHOWN_REJECTIONS)
            .map(|r| RejectedRow {
                line: r.line,
                field: r.field.clone(),
                reason: r.reason(lang, report.format),
            })
            .collect(),
        more: report.rejected.len().saturating_sub(SHOWN_REJECTIONS),
        unknown_columns: report.unknown_columns.clone(),
    }
}

pub async fn create_import(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let upload = read_upload(&headers, body).await?;
    let lang = admin.lang;
    let form = ImportForm {
        kind: upload.kind.clone(),
        status: upload.status.clone(),
        skip_invalid: upload.skip_invalid,
    };
    let (kind, file_name) = match upload.validate() {
        Ok(checked) => checked,
        Err(errors) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::page(&admin.ctx(), &page_view(form, None), &errors),
            ));
        }
    };
    let format = Format::from_file_name(&file_name).unwrap_or_else(|| Format::sniff(&upload.file));
    let report = if upload.file_too_large {
        Report::refused(kind, format, Refusal::TooLarge { size: None })
    } else {
        let options = Options {
            status: Some(upload.status.clone()),
            skip_invalid: upload.skip_invalid,
            actor_id: Some(admin.user.id),
            source_name: file_name.clone(),
        };
        super::import(&state.db, kind, format, &upload.file, &options).await?
    };
    let status = match &report.refused {
        Some(Refusal::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None if !report.written => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let view = page_view(form, Some(report_view(&report, &file_name, lang)));
    Ok(html(
        status,
        views::page(&admin.ctx(), &view, &FormErrors::default()),
    ))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    status: String,
}

/// `/admin/export/learnings.csv` and the like, optionally `?status=published`. The file is
/// written page by page as it is sent, so a large library never sits whole in memory.
pub async fn download_export(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    Path(file): Path<String>,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    let (name, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let kind = Kind::from_name(name).ok_or(AppError::NotFound)?;
    let format = Format::from_name(extension).ok_or(AppError::NotFound)?;
    let status = match query.status.trim() {
        "" => None,
        status if kind.statuses().contains(&status) => Some(status.to_string()),
        _ => return Err(AppError::BadRequest("import.bad_export_status")),
    };
    let exporter = export::Exporter::new(&state.db, kind, format, status).await?;
    let db = state.db.clone();
    let stream = futures_util::stream::unfold(Some(exporter), move |exporter| {
        let db = db.clone();
        async move {
            let mut exporter = exporter?;
            match exporter.next_chunk(&db).await {
                Ok(Some(chunk)) => {
                    Some((Ok::<Bytes, sea_orm::DbErr>(chunk.into()), Some(exporter)))
                }
                Ok(None) => None,
                Err(error) => {
                    tracing::error!(error = %error, "export failed part-way");
                    Some((Err(error), None))
                }
            }
        }
    });
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Json => "application/json",
    };
    let disposition = format!(
        "attachment; filename=\"fora-{}-{}.{}\"",
        kind.name(),
        crate::db::now().date(),
        format.name()
    );
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
