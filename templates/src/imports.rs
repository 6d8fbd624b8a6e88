//! The knowledge manager's import page: the upload form and the report of the last import
//! (counts, refused file, rejected rows with their line, field and reason).

use maud::{Markup, html};

use crate::{
    Ctx,
    components::{FormErrors, csrf_field, error_summary, field_error},
    format::number,
    i18n::{plural, t, tf},
    layout, paths,
};

/// What the form shows (the user's last choices).
pub struct ImportForm {
    /// `learnings` or `products`
    pub kind: String,
    pub status: String,
    pub skip_invalid: bool,
}

impl Default for ImportForm {
    fn default() -> Self {
        ImportForm {
            kind: "learnings".into(),
            status: "published".into(),
            skip_invalid: false,
        }
    }
}

pub struct RejectedRow {
    pub line: u64,
    pub field: String,
    /// Already in the page's language.
    pub reason: String,
}

pub struct ReportView {
    pub file_name: String,
    /// One sentence, in the page's language.
    pub summary: String,
    /// The whole file was refused.
    pub refused: bool,
    /// Something was committed.
    pub written: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected_rows: usize,
    /// "Line" (CSV) or "Item" (JSON).
    pub position_label: String,
    pub rejected: Vec<RejectedRow>,
    /// Rejections not listed (the table is capped).
    pub more: usize,
    pub unknown_columns: Vec<String>,
}

pub struct ImportPage {
    pub form: ImportForm,
    pub report: Option<ReportView>,
    pub learning_columns: String,
    pub product_columns: String,
    pub limit_mib: u64,
}

pub fn page(ctx: &Ctx, view: &ImportPage, errors: &FormErrors) -> Markup {
    let lang = ctx.lang;
    layout::page(
        ctx,
        &t(lang, "import.title"),
        html! {
            p.crumbs { a href=(paths::ADMIN) { (t(lang, "admin.title")) } }
            h1 { (t(lang, "import.title")) }
            @if let Some(report) = &view.report {
                (report_section(ctx, report))
            }
            section aria-labelledby="import-form-h" {
                h2 #import-form-h { (t(lang, "import.form_heading")) }
                p { (t(lang, "import.intro")) }
                (error_summary(ctx, errors))
                form method="post" action=(paths::ADMIN_IMPORT) enctype="multipart/form-data" {
                    // The token comes first: the server refuses an upload whose first part it is not.
                    (csrf_field(ctx))
                    fieldset.field {
                        legend { (t(lang, "import.kind")) }
                        (field_error(ctx, errors, "kind"))
                        label {
                            input type="radio" name="kind" value="learnings" checked[view.form.kind != "products"];
                            " " (t(lang, "import.kind_learnings"))
                        }
                        p.hint { (t(lang, "import.columns")) " " code { (view.learning_columns) } }
                        label {
                            input type="radio" name="kind" value="products" checked[view.form.kind == "products"];
                            " " (t(lang, "import.kind_products"))
                        }
                        p.hint { (t(lang, "import.columns")) " " code { (view.product_columns) } }
                    }
                    div.field {
                        label for="status" { (t(lang, "import.status")) }
                        (field_error(ctx, errors, "status"))
                        select id="status" name="status" {
                            option value="published" selected[view.form.status == "published"] { (t(lang, "import.status_published")) }
                            option value="in_review" selected[view.form.status == "in_review"] { (t(lang, "import.status_in_review")) }
                            option value="draft" selected[view.form.status == "draft"] { (t(lang, "import.status_draft")) }
                        }
                        p.hint { (t(lang, "import.status_hint")) }
                    }
                    div.field {
                        label {
                            input type="checkbox" name="skip_invalid" value="on" checked[view.form.skip_invalid];
                            " " (t(lang, "import.skip_invalid"))
                        }
                        p.hint { (t(lang, "import.skip_invalid_hint")) }
                    }
                    div.field {
                        label for="file" { (t(lang, "import.file")) }
                        (field_error(ctx, errors, "file"))
                        input id="file" name="file" type="file" accept=".csv,.json,text/csv,application/json" required
                            aria-invalid=[errors.get("file").map(|_| "true")];
                        p.hint { (tf(lang, "import.file_hint", &[("limit", &view.limit_mib.to_string())])) }
                    }
                    button type="submit" { (t(lang, "import.submit")) }
                }
            }
            section aria-labelledby="export-h" {
                h2 #export-h { (t(lang, "import.export_heading")) }
                p { (t(lang, "import.export_intro")) }
                ul {
                    li { a href=(paths::admin_export("learnings.csv")) { (t(lang, "import.kind_learnings")) " (CSV)" } }
                    li { a href=(paths::admin_export("learnings.json")) { (t(lang, "import.kind_learnings")) " (JSON)" } }
                    li { a href=(paths::admin_export("products.csv")) { (t(lang, "import.kind_products")) " (CSV)" } }
                    li { a href=(paths::admin_export("products.json")) { (t(lang, "import.kind_products")) " (JSON)" } }
                }
            }
        },
    )
}

fn report_section(ctx: &Ctx, report: &ReportView) -> Markup {
    let lang = ctx.lang;
    let clean = !report.refused && report.rejected_rows == 0;
    html! {
        section aria-labelledby="import-result-h" {
            h2 #import-result-h { (t(lang, "import.result")) ": " (report.file_name) }
            @if clean {
                p.notice role="status" { (report.summary) }
            } @else {
                div.errors role="alert" tabindex="-1" { p { (report.summary) } }
            }
            @if report.written {
                table.counts {
                    tbody {
                        tr { th scope="row" { (t(lang, "import.created")) } td { (number(lang, report.created)) } }
                        tr { th scope="row" { (t(lang, "import.updated")) } td { (number(lang, report.updated)) } }
                        tr { th scope="row" { (t(lang, "import.unchanged")) } td { (number(lang, report.unchanged)) } }
                        tr { th scope="row" { (t(lang, "import.rejected")) } td { (number(lang, report.rejected_rows)) } }
                    }
                }
            }
            @if !report.unknown_columns.is_empty() {
                p.notice { (tf(lang, "import.unknown_columns", &[("columns", &report.unknown_columns.join(", "))])) }
            }
            @if !report.rejected.is_empty() {
                h3 { (t(lang, "import.rejected_heading")) }
                table {
                    thead { tr {
                        th scope="col" { (report.position_label) }
                        th scope="col" { (t(lang, "import.field")) }
                        th scope="col" { (t(lang, "import.problem")) }
                    } }
                    tbody {
                        @for row in &report.rejected {
                            tr {
                                td data-label=(report.position_label) { (row.line) }
                                td data-label=(t(lang, "import.field")) { code { (row.field) } }
                                td data-label=(t(lang, "import.problem")) { (row.reason) }
                            }
                        }
                    }
                }
                @if report.more > 0 {
                    p { (plural(lang, "import.more_rejected", report.more)) }
                }
                @if !report.written {
                    p.hint { (t(lang, "import.hint_skip_invalid_page")) }
                }
            }
        }
    }
}
