//! Getting information in and out: CSV and JSON imports (idempotent, all-or-nothing unless
//! told otherwise, every bad input a clear report), exports that import back as "unchanged",
//! the command line, the admin upload page with its CSRF check, and the demo's library.

use std::{collections::HashMap, process::Command};

use fora::{
    entities::{learning_reviews, learnings, products},
    transfer::{
        export,
        import::{self, Format, Kind, Options, Refusal, Report},
    },
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::{Client, TestApp};

crate::on_both_databases!(
    seed_csv_imports_once,
    json_import_with_every_field,
    export_then_import_changes_nothing,
    changed_rows_update_and_files_without_ids_adopt,
    bad_encoding_is_refused_with_its_line,
    missing_and_unknown_columns,
    duplicates_within_a_file_name_the_first_line,
    unknown_codes_are_reported_by_line_and_field,
    nothing_is_written_unless_every_row_is_valid,
    conflicting_content_is_rejected_not_failed,
    command_line_import_and_export,
    command_line_refuses_a_50_mb_file,
    admin_page_imports_an_upload,
    admin_pages_do_not_exist_for_members,
    multipart_posts_need_the_csrf_token,
    oversized_upload_gets_a_clear_413,
    demo_loads_learnings_and_products,
);

const SEED: &[u8] = include_bytes!("../../data/seed-learnings.csv");

fn options() -> Options {
    Options {
        source_name: "test.csv".into(),
        ..Options::default()
    }
}

async fn run(app: &TestApp, kind: Kind, format: Format, bytes: &[u8], options: &Options) -> Report {
    import::import(app.db(), kind, format, bytes, options)
        .await
        .expect("import runs")
}

async fn learning_count(app: &TestApp) -> u64 {
    learnings::Entity::find()
        .count(app.db())
        .await
        .expect("count")
}

/// id → updated_at of every learning.
async fn stamps(app: &TestApp) -> HashMap<i32, time::OffsetDateTime> {
    learnings::Entity::find()
        .all(app.db())
        .await
        .expect("learnings")
        .into_iter()
        .map(|l| (l.id, l.updated_at))
        .collect()
}

async fn themes(app: &TestApp, slugs: &[&str]) {
    for slug in slugs {
        fora::admin::service::create_theme(app.db(), slug, &format!("Theme {slug}"))
            .await
            .expect("theme");
    }
}

fn counts(report: &Report) -> (usize, usize, usize) {
    (report.created, report.updated, report.unchanged)
}

async fn seed_csv_imports_once(app: TestApp) {
    let first = run(&app, Kind::Learnings, Format::Csv, SEED, &options()).await;
    assert!(first.is_clean(), "{}", first.to_text("en"));
    assert_eq!(counts(&first), (10, 0, 0));
    assert_eq!(first.rows, 10);
    assert!(first.written);
    let stored = learnings::Entity::find().all(app.db()).await.expect("db");
    assert_eq!(stored.len(), 10);
    assert!(
        stored
            .iter()
            .all(|l| l.status.as_str() == "published" && l.published_at.is_some())
    );
    assert!(stored.iter().all(|l| l.project_title
        == "Global Action Program (GAP) on Child Labor Issues"
        || l.project_title.contains("MAP 16")
        || l.project_title.starts_with("Pilares")));
    let reviews = learning_reviews::Entity::find()
        .filter(learning_reviews::Column::Action.eq("imported"))
        .count(app.db())
        .await
        .expect("db");
    assert_eq!(reviews, 10, "each created learning records its import");

    let before = stamps(&app).await;
    let second = run(&app, Kind::Learnings, Format::Csv, SEED, &options()).await;
    assert!(second.is_clean());
    assert_eq!(counts(&second), (0, 0, 10));
    assert!(
        second
            .to_text("en")
            .contains("0 created, 0 updated, 10 unchanged")
    );
    assert_eq!(stamps(&app).await, before, "nothing was rewritten");
    let reviews_after = learning_reviews::Entity::find()
        .count(app.db())
        .await
        .expect("db");
    assert_eq!(reviews_after, 10);
}

const RICH_JSON: &str = r#"{"learnings": [
  {"external_id": "X-1", "title": "Referral cards", "description": "Cards with the **hotline**.\n\nSecond paragraph.",
   "type": "good_practice", "project_title": "CDW project", "evaluation_type": "final", "year": 2015,
   "countries": ["pe", "BO"], "themes": ["cdw", "education"], "sector": "domestic_work",
   "intervention_type": "awareness_raising", "cycle_stage": "implementation", "criterion": "effectiveness",
   "source_url": "https://example.org/report.pdf", "language": "es"},
  {"external_id": "X-2", "description": "Schools are a better entry point.", "learning_type": "lesson learned",
   "year": "2013", "countries": "PE; BO", "themes": "cdw", "status": "in_review"},
  {"description": "No id: matched by its text.", "project_title": "Other project", "year": null}
]}"#;

async fn json_import_with_every_field(app: TestApp) {
    themes(&app, &["cdw", "education"]).await;
    let report = run(
        &app,
        Kind::Learnings,
        Format::Json,
        RICH_JSON.as_bytes(),
        &options(),
    )
    .await;
    assert!(report.is_clean(), "{}", report.to_text("en"));
    assert_eq!(counts(&report), (3, 0, 0));
    let first = learnings::Entity::find()
        .filter(learnings::Column::ExternalId.eq("X-1"))
        .one(app.db())
        .await
        .expect("db")
        .expect("X-1 stored");
    assert_eq!(first.learning_type, "good_practice");
    assert_eq!(first.year, Some(2015));
    assert_eq!(first.language, "es");
    assert!(first.description_html.contains("<strong>hotline</strong>"));
    let fields = fora::learnings::store::fields_of(app.db(), &first)
        .await
        .expect("fields");
    assert_eq!(fields.country_ids.len(), 2);
    assert_eq!(fields.theme_ids.len(), 2);
    let second = learnings::Entity::find()
        .filter(learnings::Column::ExternalId.eq("X-2"))
        .one(app.db())
        .await
        .expect("db")
        .expect("X-2 stored");
    assert_eq!(second.learning_type, "lesson_learned");
    assert_eq!(
        second.status.as_str(),
        "in_review",
        "a status column sets a new item's status"
    );
    assert_eq!(second.title, "Schools are a better entry point.");
    // The import's own status applies where the file says none.
    let drafts = Options {
        status: Some("draft".into()),
        ..options()
    };
    let more = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"description\nA draft from a file.\n",
        &drafts,
    )
    .await;
    assert_eq!(counts(&more), (1, 0, 0));
    let draft = learnings::Entity::find()
        .filter(learnings::Column::Status.eq("draft"))
        .count(app.db())
        .await
        .expect("db");
    assert_eq!(draft, 1);
    // A status an import cannot give is refused before anything is read.
    let retired = Options {
        status: Some("retired".into()),
        ..options()
    };
    let refused = run(&app, Kind::Learnings, Format::Csv, SEED, &retired).await;
    assert!(matches!(refused.refused, Some(Refusal::BadStatus(_))));
}

const PRODUCTS_CSV: &str = "external_id,kind,title,summary,url,themes,countries,language,published_on\n\
P-1,compendium,Good practices compendium,Thirty practices.,https://example.org/c.pdf,cdw,PE;BO,en,2015-06-12\n\
,tool,Rapid assessment toolkit,\"Questionnaires, sampling, a template.\",https://example.org/ra,,,fr,\n";

async fn export_then_import_changes_nothing(app: TestApp) {
    themes(&app, &["cdw", "education"]).await;
    let rich = run(
        &app,
        Kind::Learnings,
        Format::Json,
        RICH_JSON.as_bytes(),
        &options(),
    )
    .await;
    assert!(rich.is_clean(), "{}", rich.to_text("en"));
    let seed = run(&app, Kind::Learnings, Format::Csv, SEED, &options()).await;
    assert!(seed.is_clean());
    let products = run(
        &app,
        Kind::Products,
        Format::Csv,
        PRODUCTS_CSV.as_bytes(),
        &options(),
    )
    .await;
    assert!(products.is_clean(), "{}", products.to_text("en"));
    assert_eq!(counts(&products), (2, 0, 0));
    let undated = products::Entity::find()
        .filter(products::Column::ExternalId.is_null())
        .one(app.db())
        .await
        .expect("db")
        .expect("toolkit");
    assert!(
        undated.published_on.is_some(),
        "published without a date: dated today"
    );
    // The same products file again: the date it lacks is not taken away.
    let again = run(
        &app,
        Kind::Products,
        Format::Csv,
        PRODUCTS_CSV.as_bytes(),
        &options(),
    )
    .await;
    assert_eq!(counts(&again), (0, 0, 2));

    let before = stamps(&app).await;
    for (kind, rows) in [(Kind::Learnings, 13), (Kind::Products, 2)] {
        for format in [Format::Csv, Format::Json] {
            let mut file = Vec::new();
            let written = export::write_to(app.db(), kind, format, None, &mut file)
                .await
                .expect("export");
            assert_eq!(written, rows);
            let report = run(&app, kind, format, &file, &options()).await;
            assert!(report.is_clean(), "{}", report.to_text("en"));
            assert!(
                report.unknown_columns.is_empty(),
                "exports write only import columns: {:?}",
                report.unknown_columns
            );
            assert_eq!(
                counts(&report),
                (0, 0, rows),
                "{kind:?} {format:?}: {}",
                String::from_utf8_lossy(&file)
            );
        }
    }
    assert_eq!(stamps(&app).await, before);

    // Lists are ;-joined in CSV and arrays in JSON, with codes, slugs and ISO codes.
    let mut csv = Vec::new();
    export::write_to(
        app.db(),
        Kind::Learnings,
        Format::Csv,
        Some("in_review".into()),
        &mut csv,
    )
    .await
    .expect("export");
    let csv = String::from_utf8(csv).expect("utf-8");
    assert_eq!(
        csv.lines().count(),
        2,
        "header and the one learning in review"
    );
    assert!(csv.contains(",BO;PE,cdw,"), "{csv}");
    let mut json = Vec::new();
    export::write_to(app.db(), Kind::Learnings, Format::Json, None, &mut json)
        .await
        .expect("export");
    let json: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    let first = &json["learnings"][0];
    assert_eq!(first["countries"], serde_json::json!(["BO", "PE"]));
    assert_eq!(first["themes"], serde_json::json!(["cdw", "education"]));
    assert_eq!(first["year"], 2015);
    assert_eq!(first["evaluation_type"], "final");
    assert_eq!(json["learnings"].as_array().map(Vec::len), Some(13));
}

async fn changed_rows_update_and_files_without_ids_adopt(app: TestApp) {
    let first = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"project_title,description\nP,Original text.\n",
        &options(),
    )
    .await;
    assert_eq!(counts(&first), (1, 0, 0));
    let before = stamps(&app).await;
    // The same text, now with an id: the stored learning takes the id.
    let with_id = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"external_id,project_title,description,year\nID-7,P,Original text.,2020\n",
        &options(),
    )
    .await;
    assert_eq!(counts(&with_id), (0, 1, 0), "{}", with_id.to_text("en"));
    // A changed description under the same id updates the same learning.
    let changed = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"external_id,project_title,description,year\nID-7,P,Revised text.,2020\n",
        &options(),
    )
    .await;
    assert_eq!(counts(&changed), (0, 1, 0));
    let stored = learnings::Entity::find().all(app.db()).await.expect("db");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].external_id.as_deref(), Some("ID-7"));
    assert_eq!(stored[0].description, "Revised text.");
    assert_eq!(stored[0].year, Some(2020));
    assert_ne!(stamps(&app).await, before);
    // A file without ids does not take the id away.
    let without = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"project_title,description,year\nP,Revised text.,2020\n",
        &options(),
    )
    .await;
    assert_eq!(counts(&without), (0, 0, 1));
}

async fn bad_encoding_is_refused_with_its_line(app: TestApp) {
    // "Café" in Latin-1 on the third line.
    let latin1 = b"project_title,description\nP,Fine text.\nP,Caf\xe9 workers.\n";
    let report = run(&app, Kind::Learnings, Format::Csv, latin1, &options()).await;
    assert_eq!(report.refused, Some(Refusal::NotUtf8 { line: 3, byte: 44 }));
    let text = report.to_text("en");
    assert!(text.contains("not UTF-8"), "{text}");
    assert!(text.contains("line 3"), "{text}");
    assert!(!report.written);
    assert_eq!(learning_count(&app).await, 0);
    // Also in JSON, and an empty file, and a header alone.
    let json = run(
        &app,
        Kind::Learnings,
        Format::Json,
        b"[{\"description\": \"\xff\"}]",
        &options(),
    )
    .await;
    assert!(matches!(
        json.refused,
        Some(Refusal::NotUtf8 { line: 1, .. })
    ));
    let empty = run(&app, Kind::Learnings, Format::Csv, b"", &options()).await;
    assert_eq!(empty.refused, Some(Refusal::Empty));
    let header = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"project_title,description\n",
        &options(),
    )
    .await;
    assert_eq!(header.refused, Some(Refusal::NoRows));
    let broken = run(
        &app,
        Kind::Learnings,
        Format::Json,
        b"[{\"description\": \"a\"},\n {\"description\": }]",
        &options(),
    )
    .await;
    assert_eq!(
        broken.refused,
        Some(Refusal::BadJson {
            line: 2,
            column: 18
        })
    );
    let shape = run(
        &app,
        Kind::Learnings,
        Format::Json,
        b"{\"products\": []}",
        &options(),
    )
    .await;
    assert_eq!(shape.refused, Some(Refusal::WrongShape));
    assert_eq!(learning_count(&app).await, 0);
}

async fn missing_and_unknown_columns(app: TestApp) {
    let report = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"project_title,summary\nP,Text.\n",
        &options(),
    )
    .await;
    assert_eq!(
        report.refused,
        Some(Refusal::MissingColumns(vec!["description"]))
    );
    assert!(
        report
            .to_text("en")
            .contains("lacks a required column: description")
    );
    let products = run(
        &app,
        Kind::Products,
        Format::Csv,
        b"name,url\nX,https://example.org\n",
        &options(),
    )
    .await;
    assert_eq!(
        products.refused,
        Some(Refusal::MissingColumns(vec!["title", "summary"]))
    );
    let twice = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"description,Description\na,b\n",
        &options(),
    )
    .await;
    assert!(matches!(twice.refused, Some(Refusal::DuplicateColumn(_))));
    // Unknown columns are ignored, and said so; headers as spreadsheets write them are read.
    let extra = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"Project Title,Description,Notes\nP,Text.,internal\n",
        &options(),
    )
    .await;
    assert!(extra.is_clean(), "{}", extra.to_text("en"));
    assert_eq!(extra.unknown_columns, vec!["Notes".to_string()]);
    assert!(extra.to_text("en").contains("Ignored columns"));
    let stored = learnings::Entity::find().one(app.db()).await.expect("db");
    assert_eq!(stored.map(|l| l.project_title), Some("P".to_string()));
}

async fn duplicates_within_a_file_name_the_first_line(app: TestApp) {
    let file = b"external_id,description\nA,First.\nB,Second.\nA,Third.\n,Second.\n";
    let report = run(&app, Kind::Learnings, Format::Csv, file, &options()).await;
    assert!(!report.written);
    assert_eq!(report.rejected.len(), 2, "{}", report.to_text("en"));
    let id = &report.rejected[0];
    assert_eq!((id.line, id.field.as_str()), (4, "external_id"));
    assert_eq!(id.other_line, Some(2));
    assert!(id.reason("en", Format::Csv).contains("line 2"));
    let content = &report.rejected[1];
    assert_eq!((content.line, content.field.as_str()), (5, "description"));
    assert_eq!(content.other_line, Some(3));
    assert_eq!(learning_count(&app).await, 0);
    // In JSON, positions are item numbers.
    let json =
        br#"[{"external_id": "A", "description": "x"}, {"external_id": "A", "description": "y"}]"#;
    let report = run(&app, Kind::Learnings, Format::Json, json, &options()).await;
    assert_eq!(report.rejected[0].line, 2);
    assert!(report.to_text("en").contains("item 2, external_id"));
    assert!(
        report.rejected[0]
            .reason("en", Format::Json)
            .contains("item 1")
    );
}

async fn unknown_codes_are_reported_by_line_and_field(app: TestApp) {
    themes(&app, &["agriculture"]).await;
    let file = "project_title,description,countries,themes,evaluation_type,year,source_url,type,language\n\
        P,Fine.,GH,agriculture,final,2019,https://example.org,good_practice,en\n\
        P,\"Two\nlines.\",XX;GH,nope,sometime,1800,javascript:alert(1),anecdote,de\n";
    let report = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        file.as_bytes(),
        &options(),
    )
    .await;
    assert!(!report.written);
    let fields: Vec<&str> = report.rejected.iter().map(|r| r.field.as_str()).collect();
    for field in [
        "countries",
        "themes",
        "evaluation_type",
        "year",
        "source_url",
        "type",
        "language",
    ] {
        assert!(fields.contains(&field), "{field} reported: {fields:?}");
    }
    assert!(report.rejected.iter().all(|r| r.line == 3));
    let text = report.to_text("en");
    assert!(text.contains("line 3, countries:"), "{text}");
    assert!(text.contains("“XX”"), "{text}");
    assert!(text.contains("“nope”"), "{text}");
    assert!(text.contains("1 row of 2 was rejected"), "{text}");
    assert_eq!(learning_count(&app).await, 0);
}

async fn nothing_is_written_unless_every_row_is_valid(app: TestApp) {
    let file = b"project_title,description,year\nP,One.,2001\nP,,2002\nP,Three.,2003\nP,\"Four, with a comma\",too,many\n";
    let strict = run(&app, Kind::Learnings, Format::Csv, file, &options()).await;
    assert!(!strict.written);
    assert_eq!(counts(&strict), (0, 0, 0));
    assert_eq!(strict.rejected_rows(), 2);
    assert_eq!(strict.rejected[0].line, 3);
    assert_eq!(strict.rejected[0].field, "description");
    assert_eq!(strict.rejected[1].line, 5);
    assert!(
        strict.rejected[1]
            .reason("en", Format::Csv)
            .contains("double quotes")
    );
    assert_eq!(learning_count(&app).await, 0, "all or nothing");
    assert!(strict.to_text("en").contains("--skip-invalid"));
    let lenient = Options {
        skip_invalid: true,
        ..options()
    };
    let report = run(&app, Kind::Learnings, Format::Csv, file, &lenient).await;
    assert!(report.written);
    assert!(!report.is_clean());
    assert_eq!(counts(&report), (2, 0, 0));
    assert_eq!(report.rejected_rows(), 2);
    assert_eq!(learning_count(&app).await, 2);
}

async fn conflicting_content_is_rejected_not_failed(app: TestApp) {
    let first = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"external_id,description\nA,Same words.\n",
        &options(),
    )
    .await;
    assert_eq!(counts(&first), (1, 0, 0));
    // Another id with the same text would break the content key's uniqueness: a clear row
    // problem, not a database error.
    let other = run(
        &app,
        Kind::Learnings,
        Format::Csv,
        b"external_id,description\nB,Same words.\nC,Other words.\n",
        &options(),
    )
    .await;
    assert!(!other.written);
    assert_eq!(other.rejected.len(), 1);
    assert_eq!(other.rejected[0].line, 2);
    assert!(other.rejected[0].reason("en", Format::Csv).contains("“A”"));
    assert_eq!(learning_count(&app).await, 1);
}

fn fora(app: &TestApp, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fora"))
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", &app.database_url)
        .env_remove("SMTP_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run fora")
}

fn text(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn command_line_import_and_export(app: TestApp) {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/data/seed-learnings.csv");
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/seed-learnings.csv"
    );
    if let Ok(original) = std::fs::read(shared) {
        assert_eq!(
            original, SEED,
            "data/seed-learnings.csv is the shared file, unchanged"
        );
    }
    let output = fora(&app, dir.path(), &["import", "learnings", seed]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("10 created, 0 updated, 0 unchanged"),
        "{stdout}"
    );
    let output = fora(&app, dir.path(), &["import", "learnings", seed]);
    assert!(
        text(&output)
            .0
            .contains("0 created, 0 updated, 10 unchanged")
    );

    let output = fora(&app, dir.path(), &["export", "learnings"]);
    let (csv, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(csv.starts_with("external_id,title,description,type,project_title"));
    assert!(stderr.contains("Exported 10 learnings"), "{stderr}");
    let output = fora(
        &app,
        dir.path(),
        &[
            "export",
            "learnings",
            "--output",
            "all.json",
            "--status",
            "published",
        ],
    );
    assert!(output.status.success(), "{}", text(&output).1);
    let exported = std::fs::read(dir.path().join("all.json")).expect("export file");
    let parsed: serde_json::Value = serde_json::from_slice(&exported).expect("JSON");
    assert_eq!(parsed["learnings"].as_array().map(Vec::len), Some(10));
    assert!(!dir.path().join("all.json.partial").exists());
    let output = fora(&app, dir.path(), &["import", "learnings", "all.json"]);
    assert!(
        text(&output).0.contains("10 unchanged"),
        "{:?}",
        text(&output)
    );

    // A bad file: exit code 1, the rows and reasons on stdout, the outcome on stderr.
    std::fs::write(
        dir.path().join("bad.csv"),
        "description,countries\nFine.,KE\nAlso fine.,ZZ\n",
    )
    .expect("write");
    let output = fora(&app, dir.path(), &["import", "learnings", "bad.csv"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.contains("line 3, countries:"), "{stdout}");
    assert!(stderr.contains("Nothing was imported"), "{stderr}");
    let output = fora(
        &app,
        dir.path(),
        &[
            "import",
            "learnings",
            "bad.csv",
            "--skip-invalid",
            "--status",
            "in_review",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "rejected rows still fail");
    assert!(text(&output).0.contains("1 created"));
    let in_review = learnings::Entity::find()
        .filter(learnings::Column::Status.eq("in_review"))
        .count(app.db())
        .await
        .expect("db");
    assert_eq!(in_review, 1);

    // Products, and a format given by flag for a file named otherwise.
    std::fs::write(
        dir.path().join("products.txt"),
        PRODUCTS_CSV.replace(",cdw,", ",,"),
    )
    .expect("write");
    let output = fora(
        &app,
        dir.path(),
        &["import", "products", "products.txt", "--format", "csv"],
    );
    assert!(output.status.success(), "{:?}", text(&output));
    assert!(text(&output).0.contains("2 created"));
    let output = fora(
        &app,
        dir.path(),
        &["export", "products", "--format", "json"],
    );
    assert!(text(&output).0.starts_with("{\"products\": ["));
    let output = fora(&app, dir.path(), &["import", "products", "missing.csv"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).1.contains("cannot be read"),
        "{:?}",
        text(&output)
    );
    let help = fora(&app, dir.path(), &["import", "learnings", "--help"]);
    assert!(text(&help).0.contains("--skip-invalid"));
}

async fn command_line_refuses_a_50_mb_file(app: TestApp) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.csv");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&path).expect("create");
        file.write_all(b"project_title,description\nP,Text.\n")
            .expect("write");
        // Sparse: 50 MB on paper, almost nothing on disk, made at once.
        file.set_len(50 * 1000 * 1000).expect("grow");
    }
    let output = fora(
        &app,
        dir.path(),
        &["import", "learnings", path.to_str().expect("utf-8 path")],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.contains("47.7 MiB"), "{stdout}");
    assert!(stdout.contains("more than the 20.0 MiB"), "{stdout}");
    assert!(stderr.contains("refused"), "{stderr}");
    assert_eq!(learning_count(&app).await, 0);
    // The library refuses it the same way, without reading it.
    let report = import::import_path(app.db(), Kind::Learnings, &path, None, &options())
        .await
        .expect("runs");
    assert!(matches!(
        report.refused,
        Some(Refusal::TooLarge {
            size: Some(50_000_000)
        })
    ));
}

/// A `multipart/form-data` body, with its boundary.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----fora-test-boundary-7MA4YWxkTrZu0gW".to_string();
    let mut body = Vec::new();
    for (name, file_name, value) in parts {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(file_name) => body.extend(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

/// Posts a multipart body with the client's cookies, as a browser would.
async fn post_multipart(
    app: &TestApp,
    client: &Client,
    path: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> (u16, String) {
    let (boundary, body) = multipart(parts);
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}{path}", app.base))
        .header("cookie", client.cookie_header())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn admin_page_imports_an_upload(app: TestApp) {
    let admin = app.admin().await;
    let client = app.login(&admin.email).await;
    let page = client.get("/admin/import").await;
    page.assert_status(200);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("name=\"skip_invalid\""));
    let home = client.get("/admin").await;
    assert!(
        home.body.contains("href=\"/admin/import\""),
        "linked from the admin home"
    );
    let token = client.token().await;
    let upload = |file: &'static [u8], name: &'static str| {
        vec![
            ("csrf_token", None, token.as_bytes().to_vec()),
            ("kind", None, b"learnings".to_vec()),
            ("status", None, b"published".to_vec()),
            ("file", Some(name), file.to_vec()),
        ]
    };
    let parts = upload(SEED, "seed-learnings.csv");
    let borrowed: Vec<(&str, Option<&str>, &[u8])> = parts
        .iter()
        .map(|(n, f, v)| (*n, *f, v.as_slice()))
        .collect();
    let (status, body) = post_multipart(&app, &client, "/admin/import", &borrowed).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("10 created, 0 updated, 0 unchanged"),
        "{body}"
    );
    assert!(body.contains("seed-learnings.csv"));
    assert_eq!(learning_count(&app).await, 10);
    let review = learning_reviews::Entity::find()
        .one(app.db())
        .await
        .expect("db")
        .expect("review row");
    assert_eq!(review.user_id, Some(admin.id));
    assert_eq!(review.comment, "seed-learnings.csv");
    let (status, body) = post_multipart(&app, &client, "/admin/import", &borrowed).await;
    assert_eq!(status, 200);
    assert!(body.contains("10 unchanged"), "{body}");

    // Rejected rows: a table of line, field and reason; nothing written; the choices kept.
    let bad: &'static [u8] =
        b"description,countries,year\n<script>alert(1)</script>,KE,2019\nOther,ZZ,nineteen\n";
    let parts = [
        ("csrf_token", None, token.as_bytes().to_vec()),
        ("kind", None, b"learnings".to_vec()),
        ("status", None, b"draft".to_vec()),
        ("file", Some("bad <b>name</b>.csv"), bad.to_vec()),
    ];
    let borrowed: Vec<(&str, Option<&str>, &[u8])> = parts
        .iter()
        .map(|(n, f, v)| (*n, *f, v.as_slice()))
        .collect();
    let (status, body) = post_multipart(&app, &client, "/admin/import", &borrowed).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(r#"<td data-label="Line">3</td>"#), "{body}");
    assert!(body.contains("<code>countries</code>"));
    assert!(body.contains("<code>year</code>"));
    assert!(body.contains("Nothing was imported"));
    assert!(
        body.contains("bad &lt;b&gt;name&lt;/b&gt;.csv"),
        "file names are escaped"
    );
    assert!(
        body.contains("value=\"draft\" selected"),
        "the form keeps the choices"
    );
    assert_eq!(learning_count(&app).await, 10);

    // Products with the wrong status, and no file: the form says what to fix.
    let parts = [
        ("csrf_token", None, token.as_bytes().to_vec()),
        ("kind", None, b"products".to_vec()),
        ("status", None, b"in_review".to_vec()),
        ("file", Some(""), Vec::new()),
    ];
    let borrowed: Vec<(&str, Option<&str>, &[u8])> = parts
        .iter()
        .map(|(n, f, v)| (*n, *f, v.as_slice()))
        .collect();
    let (status, body) = post_multipart(&app, &client, "/admin/import", &borrowed).await;
    assert_eq!(status, 422);
    assert!(body.contains("Choose a status"), "{body}");
    assert!(body.contains("Choose a file"), "{body}");

    // A refused file (Latin-1) shows why.
    let parts = [
        ("csrf_token", None, token.as_bytes().to_vec()),
        ("kind", None, b"learnings".to_vec()),
        ("status", None, b"published".to_vec()),
        (
            "file",
            Some("latin1.csv"),
            b"description\nCaf\xe9\n".to_vec(),
        ),
    ];
    let borrowed: Vec<(&str, Option<&str>, &[u8])> = parts
        .iter()
        .map(|(n, f, v)| (*n, *f, v.as_slice()))
        .collect();
    let (status, body) = post_multipart(&app, &client, "/admin/import", &borrowed).await;
    assert_eq!(status, 422);
    assert!(body.contains("not UTF-8"), "{body}");

    // Downloads of the same files the command line writes.
    let csv = client.get("/admin/export/learnings.csv").await;
    csv.assert_status(200);
    assert_eq!(
        csv.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(csv.body.lines().count(), 11);
    let json = client
        .get("/admin/export/products.json?status=published")
        .await;
    json.assert_status(200);
    assert!(json.body.starts_with("{\"products\": ["));
    client
        .get("/admin/export/users.csv")
        .await
        .assert_status(404);
    client
        .get("/admin/export/learnings.xml")
        .await
        .assert_status(404);
    client
        .get("/admin/export/learnings.csv?status=bogus")
        .await
        .assert_status(400);
}

async fn admin_pages_do_not_exist_for_members(app: TestApp) {
    let member = app.user("member@example.org", "Member").await;
    let client = app.login(&member.email).await;
    client.get("/admin/import").await.assert_status(404);
    client
        .get("/admin/export/learnings.csv")
        .await
        .assert_status(404);
    let token = client.token().await;
    let (status, _) = post_multipart(
        &app,
        &client,
        "/admin/import",
        &[
            ("csrf_token", None, token.as_bytes()),
            ("kind", None, b"learnings"),
            ("status", None, b"published"),
            ("file", Some("seed.csv"), SEED),
        ],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(learning_count(&app).await, 0);
    // Signed out: the sign-in page, not the import.
    let anonymous = app.client();
    let page = anonymous.get("/admin/import").await;
    assert_eq!(page.status, 303);
}

async fn multipart_posts_need_the_csrf_token(app: TestApp) {
    let admin = app.admin().await;
    let client = app.login(&admin.email).await;
    let token = client.token().await;
    let fields = |token: &'static [u8]| {
        vec![
            ("csrf_token", None, token),
            ("kind", None, &b"learnings"[..]),
            ("status", None, &b"published"[..]),
            ("file", Some("seed.csv"), SEED),
        ]
    };
    // No token at all.
    let (status, body) = post_multipart(&app, &client, "/admin/import", &fields(SEED)[1..]).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("This form has expired"));
    // A wrong one.
    let (status, _) =
        post_multipart(&app, &client, "/admin/import", &fields(b"not-the-token")).await;
    assert_eq!(status, 403);
    // The right token, but after the file: refused before the file is read.
    let right = token.as_bytes().to_vec();
    let late = [
        ("kind", None, &b"learnings"[..]),
        ("file", Some("seed.csv"), SEED),
        ("csrf_token", None, right.as_slice()),
    ];
    let (status, _) = post_multipart(&app, &client, "/admin/import", &late).await;
    assert_eq!(status, 403);
    // Another session's token.
    let other = app.client();
    let (status, _) = post_multipart(
        &app,
        &other,
        "/admin/import",
        &[
            ("csrf_token", None, right.as_slice()),
            ("kind", None, b"learnings"),
            ("file", Some("seed.csv"), SEED),
        ],
    )
    .await;
    assert_eq!(status, 403);
    // Multipart to an ordinary form route is checked the same way.
    let (status, _) = post_multipart(
        &app,
        &client,
        "/admin/themes",
        &[("theme_slug", None, b"x-theme"), ("theme_name", None, b"X")],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(learning_count(&app).await, 0);
    // And the right token first works.
    let good = [
        ("csrf_token", None, right.as_slice()),
        ("kind", None, &b"learnings"[..]),
        ("status", None, &b"published"[..]),
        ("file", Some("seed.csv"), SEED),
    ];
    let (status, body) = post_multipart(&app, &client, "/admin/import", &good).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(learning_count(&app).await, 10);
}

async fn oversized_upload_gets_a_clear_413(app: TestApp) {
    let admin = app.admin().await;
    let client = app.login(&admin.email).await;
    let token = client.token().await;
    let mut big = b"description\n".to_vec();
    big.resize(21 * 1024 * 1024, b'a');
    let (status, body) = post_multipart(
        &app,
        &client,
        "/admin/import",
        &[
            ("csrf_token", None, token.as_bytes()),
            ("kind", None, b"learnings"),
            ("status", None, b"published"),
            ("file", Some("big.csv"), &big),
        ],
    )
    .await;
    assert_eq!(status, 413);
    assert!(body.contains("larger than an import may hold"), "{body}");
    assert_eq!(learning_count(&app).await, 0);
    // Still within the body limit, the file alone over 20 MiB: the same refusal, in the page.
    let mut edge = b"description\n".to_vec();
    edge.resize(import::MAX_FILE_BYTES as usize + 10, b'a');
    let (status, body) = post_multipart(
        &app,
        &client,
        "/admin/import",
        &[
            ("csrf_token", None, token.as_bytes()),
            ("kind", None, b"learnings"),
            ("status", None, b"published"),
            ("file", Some("edge.csv"), &edge),
        ],
    )
    .await;
    assert_eq!(status, 413, "{}", &body[..body.len().min(500)]);
    assert!(
        body.contains("larger than the 20.0 MiB"),
        "{}",
        &body[..body.len().min(2000)]
    );
    // An ordinary form keeps the small limit.
    let huge_name = "n".repeat(300 * 1024);
    let response = client
        .post(
            "/admin/themes",
            &[("theme_slug", "x"), ("theme_name", &huge_name)],
        )
        .await;
    assert_eq!(response.status, 413);
}

async fn demo_loads_learnings_and_products(app: TestApp) {
    fora::demo::fill(&app.state).await.expect("demo fills");
    let all = learnings::Entity::find().all(app.db()).await.expect("db");
    assert!(all.len() >= 35, "seed and demo learnings: {}", all.len());
    let with_status = |status: &str| all.iter().filter(|l| l.status.as_str() == status).count();
    assert!(with_status("in_review") >= 2);
    assert!(with_status("draft") >= 1);
    assert!(all.iter().any(|l| l.language == "fr"));
    assert!(all.iter().any(|l| l.language == "es"));
    assert!(
        all.iter()
            .any(|l| l.project_title.contains("MAP 16") && l.year.is_some())
    );
    assert_eq!(
        all.iter()
            .filter(|l| l.source_url.starts_with("https://"))
            .count(),
        all.len() - 10,
        "every hand-written learning links its source"
    );
    let kinds = products::Entity::find().all(app.db()).await.expect("db");
    assert!(kinds.len() >= 8);
    // The demo went through the importer: importing its files again changes nothing.
    let again = run(
        &app,
        Kind::Learnings,
        Format::Json,
        fora::demo::DEMO_LIBRARY,
        &options(),
    )
    .await;
    assert!(again.is_clean(), "{}", again.to_text("en"));
    assert_eq!(again.created + again.updated, 0);
    let products_again = run(
        &app,
        Kind::Products,
        Format::Json,
        fora::demo::DEMO_LIBRARY,
        &options(),
    )
    .await;
    assert_eq!(products_again.unchanged, kinds.len());
    // And the seed arrived as it is.
    let seeded = run(&app, Kind::Learnings, Format::Csv, SEED, &options()).await;
    assert_eq!(counts(&seeded), (0, 0, 10));
    // A second demo on a filled database is refused.
    assert!(fora::demo::fill(&app.state).await.is_err());
}
