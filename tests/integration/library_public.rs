//! The library's public outputs and the catalogue: Atom feeds and the JSON API show published
//! items only and never fail on what a client sends; the products pages and their admin forms;
//! theme pages that show a viewer only the forums they belong to.

use std::str::FromStr;

use fora::{
    admin::service::{NewForum, create_forum, create_theme},
    entities::{learnings::LearningStatus, products::ProductStatus},
    learnings::{fields::RawLearning, store},
    products::store::{self as products, RawProduct},
    taxonomy::Taxonomy,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::support::{Response, TestApp};

crate::on_both_databases!(
    feeds_show_published_items_only,
    api_filters_pages_and_counts,
    api_bad_input_gets_json_errors,
    openapi_describes_every_path,
    api_answers_match_the_served_document,
    products_list_detail_and_admin_forms,
    theme_page_shows_only_the_viewers_forums,
    products_are_found_by_their_words,
);

const DRAFT_TITLE: &str = "Draft lesson about secret harvest plans";
const REVIEW_TITLE: &str = "Lesson in review about secret harvest plans";
const RETIRED_TITLE: &str = "Retired lesson about secret harvest plans";

async fn theme(app: &TestApp, slug: &str, name: &str) {
    create_theme(app.db(), slug, name)
        .await
        .expect("valid theme");
}

/// Stores a learning in the given workflow state; a retired one was published first.
pub async fn learning(
    app: &TestApp,
    title: &str,
    themes: &str,
    status: &str,
    extra: RawLearning,
) -> i32 {
    let taxonomy = Taxonomy::load(app.db()).await.expect("taxonomy");
    let fields = RawLearning {
        title: title.into(),
        description: format!("{title}. Mothers' groups met **every week** in the village."),
        project_title: "Harvest Project".into(),
        themes: themes.into(),
        ..extra
    }
    .validate(&taxonomy)
    .expect("valid learning");
    let now = fora::db::now();
    let status = LearningStatus::parse(status).expect("a learning status");
    let first = if status == LearningStatus::Retired {
        LearningStatus::Published
    } else {
        status
    };
    let html = fora::markdown::render(&fields.description);
    let saved = store::insert(app.db(), &fields, &html, first, None, now)
        .await
        .expect("insert learning");
    if status == LearningStatus::Retired {
        store::set_status(
            app.db(),
            saved.clone(),
            LearningStatus::Retired,
            None,
            "retire",
            "",
            now,
        )
        .await
        .expect("retire");
    }
    saved.id
}

async fn product(app: &TestApp, raw: RawProduct, status: &str) -> i32 {
    let status = ProductStatus::parse(status).expect("a product status");
    let taxonomy = Taxonomy::load(app.db()).await.expect("taxonomy");
    let fields = raw.validate(&taxonomy).expect("valid product");
    let html = fora::markdown::render(&fields.summary);
    products::insert(app.db(), &fields, &html, status, None, fora::db::now())
        .await
        .expect("insert product")
        .id
}

fn raw_product(title: &str, kind: &str, themes: &str) -> RawProduct {
    RawProduct {
        title: title.into(),
        kind: kind.into(),
        themes: themes.into(),
        summary: format!("{title}: a *short* summary."),
        url: format!("https://example.org/{}", title.len()),
        countries: "KE".into(),
        language: "en".into(),
        published_on: "2024-05-01".into(),
        ..RawProduct::default()
    }
}

/// Two themes, learnings in every workflow state, products in every state.
struct Seed {
    published: Vec<i32>,
    draft: i32,
    in_review: i32,
    retired: i32,
    product: i32,
    draft_product: i32,
    retired_product: i32,
}

async fn seed(app: &TestApp) -> Seed {
    theme(app, "agri", "Agriculture").await;
    theme(app, "edu", "Education").await;
    let mut published = Vec::new();
    for i in 0..12 {
        let extra = RawLearning {
            evaluation_type: "final".into(),
            countries: "KE".into(),
            year: "2020".into(),
            learning_type: if i % 3 == 0 {
                "lesson_learned"
            } else {
                "good_practice"
            }
            .into(),
            source_url: "https://example.org/report.pdf".into(),
            ..RawLearning::default()
        };
        published.push(
            learning(
                app,
                &format!("Published lesson number {i}"),
                "agri",
                "published",
                extra,
            )
            .await,
        );
    }
    published.push(
        learning(
            app,
            "School meals keep children learning",
            "edu",
            "published",
            RawLearning {
                evaluation_type: "midterm".into(),
                countries: "UG".into(),
                ..RawLearning::default()
            },
        )
        .await,
    );
    let draft = learning(app, DRAFT_TITLE, "agri", "draft", RawLearning::default()).await;
    let in_review = learning(
        app,
        REVIEW_TITLE,
        "agri",
        "in_review",
        RawLearning::default(),
    )
    .await;
    let retired = learning(
        app,
        RETIRED_TITLE,
        "agri",
        "retired",
        RawLearning::default(),
    )
    .await;
    let product_id = product(
        app,
        raw_product("Cocoa farming toolkit", "tool", "agri"),
        "published",
    )
    .await;
    let draft_product = product(
        app,
        raw_product("Unfinished secret compendium", "compendium", "agri"),
        "draft",
    )
    .await;
    let retired_product = product(
        app,
        raw_product("Withdrawn secret guide", "guide", "agri"),
        "retired",
    )
    .await;
    // Seeding wrote behind the app's back: let its caches (taxonomy) know.
    app.state.changed().await;
    Seed {
        published,
        draft,
        in_review,
        retired,
        product: product_id,
        draft_product,
        retired_product,
    }
}

fn parse_feed(response: &Response) -> atom_syndication::Feed {
    response.assert_status(200);
    assert_eq!(
        response
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/atom+xml; charset=utf-8")
    );
    atom_syndication::Feed::from_str(&response.body).expect("valid Atom")
}

fn titles(feed: &atom_syndication::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.title.value.clone()).collect()
}

async fn feeds_show_published_items_only(app: TestApp) {
    let seed = seed(&app).await;
    let client = app.client();

    let feed = parse_feed(&client.get("/feeds/learnings.atom").await);
    assert_eq!(feed.entries.len(), seed.published.len());
    assert!(
        feed.title.value.contains("learnings"),
        "{}",
        feed.title.value
    );
    assert!(
        feed.links
            .iter()
            .any(|l| l.rel == "self" && l.href == format!("{}/feeds/learnings.atom", app.base))
    );
    for entry in &feed.entries {
        assert!(
            entry.id.starts_with(&format!("{}/learnings/", app.base)),
            "{}",
            entry.id
        );
        assert!(
            entry
                .links
                .iter()
                .any(|l| l.rel == "alternate" && l.href == entry.id)
        );
        assert!(entry.published.is_some());
        let content = entry.content.as_ref().expect("content");
        assert_eq!(content.content_type.as_deref(), Some("html"));
    }
    // Newest first; the newest is the last one published.
    let newest = feed.entries.first().expect("entries");
    assert_eq!(newest.title.value, "School meals keep children learning");
    assert!(
        newest
            .categories
            .iter()
            .any(|c| c.term == "edu" && c.label.as_deref() == Some("Education"))
    );
    assert!(newest.categories.iter().any(|c| c.term == "midterm"));
    assert!(newest.categories.iter().any(|c| c.term == "UG"));
    let with_source = feed
        .entries
        .iter()
        .find(|e| e.title.value == "Published lesson number 1")
        .expect("entry");
    assert!(
        with_source
            .links
            .iter()
            .any(|l| l.rel == "related" && l.href == "https://example.org/report.pdf")
    );
    let html = &with_source
        .content
        .as_ref()
        .and_then(|c| c.value.clone())
        .unwrap_or_default();
    assert!(html.contains("<strong>every week</strong>"), "{html}");
    for hidden in [DRAFT_TITLE, REVIEW_TITLE, RETIRED_TITLE] {
        assert!(!titles(&feed).contains(&hidden.to_string()));
    }

    // A saved search as a feed: filters and text, and still never an unpublished learning.
    for query in [
        "q=secret",
        "q=secret&status=draft",
        "status=all",
        "theme=agri&q=harvest+plans",
        "q=%22secret+harvest%22",
    ] {
        let feed = parse_feed(&client.get(&format!("/feeds/learnings.atom?{query}")).await);
        let body = client
            .get(&format!("/feeds/learnings.atom?{query}"))
            .await
            .body;
        for hidden in [DRAFT_TITLE, REVIEW_TITLE, RETIRED_TITLE] {
            assert!(!titles(&feed).contains(&hidden.to_string()), "{query}");
            assert!(!body.contains(hidden), "{query}");
        }
    }
    let agri = parse_feed(&client.get("/feeds/learnings.atom?theme=agri").await);
    assert_eq!(agri.entries.len(), 12);
    assert!(
        agri.title.value.contains("Agriculture"),
        "{}",
        agri.title.value
    );
    let kenya = parse_feed(
        &client
            .get("/feeds/learnings.atom?country=ke&type=lesson_learned")
            .await,
    );
    assert_eq!(kenya.entries.len(), 4);
    let none = parse_feed(
        &client
            .get("/feeds/learnings.atom?q=nothingmatchesthis")
            .await,
    );
    assert!(none.entries.is_empty());
    // A filter naming nothing known would silently follow everything: refused instead.
    client
        .get("/feeds/learnings.atom?theme=nope")
        .await
        .assert_status(400);
    client
        .get("/feeds/learnings.atom?type=%3Cscript%3E")
        .await
        .assert_status(400);
    client
        .get("/feeds/learnings.atom?q=-secret")
        .await
        .assert_status(400);
    client
        .get("/feeds/learnings.atom?project=%00&q=%00%FF")
        .await
        .assert_status(400);

    // A learning retired after publication leaves the feed at once.
    let taken_back = seed.published[0];
    let model = fora::entities::learnings::Entity::find_by_id(taken_back)
        .one(app.db())
        .await
        .expect("db")
        .expect("learning");
    store::set_status(
        app.db(),
        model,
        LearningStatus::Retired,
        None,
        "retire",
        "",
        fora::db::now(),
    )
    .await
    .expect("retire");
    let feed = parse_feed(&client.get("/feeds/learnings.atom").await);
    assert_eq!(feed.entries.len(), seed.published.len() - 1);
    assert!(
        !feed
            .entries
            .iter()
            .any(|e| e.id.ends_with(&format!("/learnings/{taken_back}")))
    );

    let products = parse_feed(&client.get("/feeds/products.atom").await);
    assert_eq!(titles(&products), vec!["Cocoa farming toolkit".to_string()]);
    let entry = &products.entries[0];
    assert_eq!(entry.id, format!("{}/products/{}", app.base, seed.product));
    assert!(
        entry
            .categories
            .iter()
            .any(|c| c.term == "tool" && c.label.as_deref() == Some("Tool"))
    );
    assert!(entry.categories.iter().any(|c| c.term == "agri"));
    assert!(
        entry
            .content
            .as_ref()
            .and_then(|c| c.value.as_deref())
            .unwrap_or("")
            .contains("<em>short</em>")
    );
    let body = client.get("/feeds/products.atom?status=draft").await.body;
    assert!(!body.contains("secret"), "{body}");
    let tools = parse_feed(&client.get("/feeds/products.atom?kind=guide").await);
    assert!(tools.entries.is_empty());
    client
        .get("/feeds/products.atom?kind=nope")
        .await
        .assert_status(400);
    let _ = (
        seed.draft,
        seed.in_review,
        seed.retired,
        seed.draft_product,
        seed.retired_product,
    );
}

fn json(response: &Response) -> Value {
    assert_eq!(
        response
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{} {}",
        response.status,
        &response.body[..response.body.len().min(300)]
    );
    assert_eq!(
        response
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
    serde_json::from_str(&response.body).expect("JSON body")
}

fn codes(facet: &Value) -> Vec<(String, u64)> {
    facet
        .as_array()
        .expect("facet list")
        .iter()
        .map(|v| {
            (
                v["code"].as_str().unwrap_or("").to_string(),
                v["count"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

async fn api_filters_pages_and_counts(app: TestApp) {
    let seed = seed(&app).await;
    let client = app.client();

    let all = json(client.get("/api/v1/learnings").await.assert_status(200));
    assert_eq!(all["total"], 13);
    assert_eq!(all["per_page"], 10);
    assert_eq!(all["pages"], 2);
    assert_eq!(all["page"], 1);
    assert_eq!(all["range"]["first"], 1);
    assert_eq!(all["range"]["last"], 10);
    assert_eq!(all["sort"], "newest");
    assert_eq!(all["items"].as_array().map(Vec::len), Some(10));
    assert!(all["notices"].as_array().is_some_and(Vec::is_empty));
    let first = &all["items"][0];
    assert_eq!(first["title"], "School meals keep children learning");
    assert_eq!(
        first["url"],
        format!("{}/learnings/{}", app.base, first["id"])
    );
    assert_eq!(first["evaluation_type"]["code"], "midterm");
    assert_eq!(first["evaluation_type"]["label"], "Midterm");
    assert!(
        first["snippet"]
            .as_str()
            .is_some_and(|s| !s.contains('\u{E000}'))
    );
    assert_eq!(
        codes(&all["facets"]["theme"]),
        vec![("agri".into(), 12), ("edu".into(), 1)]
    );
    assert_eq!(
        codes(&all["facets"]["type"]),
        vec![("good_practice".into(), 8), ("lesson_learned".into(), 5)]
    );
    assert!(codes(&all["facets"]["country"]).contains(&("KE".into(), 12)));
    assert_eq!(all["facets"]["theme"][0]["label"], "Agriculture");
    assert!(all["facets"].get("status").is_none());
    assert!(all["links"]["prev"].is_null());
    assert_eq!(
        all["links"]["next"],
        format!("{}/api/v1/learnings?page=2", app.base)
    );

    let second = json(
        client
            .get("/api/v1/learnings?page=2")
            .await
            .assert_status(200),
    );
    assert_eq!(second["range"]["first"], 11);
    assert_eq!(second["range"]["last"], 13);
    let ids: Vec<i64> = all["items"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(second["items"].as_array().into_iter().flatten())
        .filter_map(|i| i["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 13);
    for hidden in [seed.draft, seed.in_review, seed.retired] {
        assert!(!ids.contains(&i64::from(hidden)));
    }

    let filtered = json(
        client
            .get("/api/v1/learnings?theme=edu&evaluation_type=midterm&country=ug")
            .await
            .assert_status(200),
    );
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["filters"].as_array().map(Vec::len), Some(3));
    let text = json(
        client
            .get("/api/v1/learnings?q=secret+plans")
            .await
            .assert_status(200),
    );
    assert_eq!(text["total"], 0, "drafts never match: {}", text);
    // Any of the words: published learnings with "village" match, drafts with "secret" not.
    let text = json(
        client
            .get("/api/v1/learnings?q=village+secret")
            .await
            .assert_status(200),
    );
    assert_eq!(text["total"], 13, "{}", text);
    let text = json(
        client
            .get("/api/v1/learnings?q=mothers+week&type=lesson_learned")
            .await
            .assert_status(200),
    );
    assert_eq!(text["total"], 5);
    assert_eq!(text["sort"], "relevance");
    let parts = text["items"][0]["snippet_parts"].as_array().expect("parts");
    assert!(parts.iter().any(|p| p["match"] == true), "{parts:?}");
    let joined: String = parts.iter().filter_map(|p| p["text"].as_str()).collect();
    assert_eq!(joined, text["items"][0]["snippet"].as_str().unwrap_or(""));

    let odd = json(
        client
            .get("/api/v1/learnings?type=bogus&theme=agri&colour=red&status=draft")
            .await
            .assert_status(200),
    );
    assert_eq!(odd["total"], 12);
    let notices = odd["notices"].as_array().expect("notices");
    assert!(notices.iter().any(|n| n["code"] == "unknown_filter"
        && n["parameter"] == "type"
        && n["value"] == "bogus"));
    assert!(
        notices
            .iter()
            .any(|n| n["code"] == "unknown_parameter" && n["parameter"] == "colour")
    );
    assert!(
        notices
            .iter()
            .any(|n| n["code"] == "unknown_parameter" && n["parameter"] == "status")
    );

    let one = json(
        client
            .get(&format!("/api/v1/learnings/{}", seed.published[1]))
            .await
            .assert_status(200),
    );
    assert_eq!(one["title"], "Published lesson number 1");
    assert_eq!(one["type"]["code"], "good_practice");
    assert_eq!(one["type"]["label"], "Good practice");
    assert_eq!(one["evaluation_type"]["code"], "final");
    assert!(one["sector"].is_null());
    assert_eq!(one["themes"][0]["slug"], "agri");
    assert_eq!(one["countries"][0]["code"], "KE");
    assert_eq!(one["countries"][0]["label"], "Kenya");
    assert_eq!(one["source_url"], "https://example.org/report.pdf");
    assert_eq!(one["language"]["code"], "en");
    assert!(
        one["description_markdown"]
            .as_str()
            .is_some_and(|d| d.contains("**every week**"))
    );
    assert!(
        one["description_html"]
            .as_str()
            .is_some_and(|d| d.contains("<strong>every week</strong>"))
    );
    assert!(one["published_at"].is_string());
    for hidden in [seed.draft, seed.in_review, seed.retired] {
        let error = json(
            client
                .get(&format!("/api/v1/learnings/{hidden}"))
                .await
                .assert_status(404),
        );
        assert_eq!(error["error"], "not_found");
    }

    let products = json(client.get("/api/v1/products").await.assert_status(200));
    assert_eq!(products["total"], 1);
    assert_eq!(products["items"][0]["title"], "Cocoa farming toolkit");
    assert_eq!(products["items"][0]["kind"]["code"], "tool");
    assert_eq!(products["items"][0]["published_on"], "2024-05-01");
    assert_eq!(codes(&products["facets"]["kind"]), vec![("tool".into(), 1)]);
    let none = json(
        client
            .get("/api/v1/products?kind=compendium")
            .await
            .assert_status(200),
    );
    assert_eq!(none["total"], 0);
    assert_eq!(none["range"]["first"], 0);
    let detail = json(
        client
            .get(&format!("/api/v1/products/{}", seed.product))
            .await
            .assert_status(200),
    );
    assert!(
        detail["summary_html"]
            .as_str()
            .is_some_and(|s| s.contains("<em>short</em>"))
    );
    for hidden in [seed.draft_product, seed.retired_product] {
        json(
            client
                .get(&format!("/api/v1/products/{hidden}"))
                .await
                .assert_status(404),
        );
    }
}

async fn api_bad_input_gets_json_errors(app: TestApp) {
    seed(&app).await;
    let client = app.client();
    let long_query = format!("/api/v1/learnings?q={}", "harvest%20".repeat(1_000));
    let cases: Vec<(String, u16)> = vec![
        ("/api/v1/learnings?page=-1".into(), 400),
        ("/api/v1/learnings?page=0".into(), 400),
        ("/api/v1/learnings?page=abc".into(), 400),
        ("/api/v1/learnings?page=99999999999999999999999".into(), 400),
        ("/api/v1/learnings?page=999999".into(), 200),
        (long_query, 400),
        (
            "/api/v1/learnings?q=%22unbalanced+(+*+NEAR+title:+-+OR".into(),
            200,
        ),
        (
            "/api/v1/learnings?q=%27%3B+DROP+TABLE+learnings%3B--".into(),
            200,
        ),
        (
            "/api/v1/learnings?q=%F0%9F%99%82+%E4%B8%AD%E6%96%87+%D8%B9%D8%B1%D8%A8%D9%8A".into(),
            200,
        ),
        ("/api/v1/learnings?q=%FF%FE".into(), 200),
        ("/api/v1/learnings?q=-secret".into(), 200),
        (
            "/api/v1/learnings?year=abc&sort=sideways&country=ZZ".into(),
            200,
        ),
        ("/api/v1/learnings?project=%00x&theme=%00&q=%00".into(), 400),
        ("/api/v1/learnings/abc".into(), 404),
        ("/api/v1/learnings/99999999999".into(), 404),
        ("/api/v1/learnings/-5".into(), 404),
        ("/api/v1/learnings/0".into(), 404),
        ("/api/v1/learnings/%FF".into(), 404),
        ("/api/v1/learnings/1.5".into(), 404),
        ("/api/v1/products?page=-3".into(), 400),
        ("/api/v1/products?page=99999".into(), 200),
        ("/api/v1/products?kind=%3Cscript%3E&theme=%00".into(), 400),
        ("/api/v1/products/abc".into(), 404),
        ("/api/v1/products/2147483648".into(), 404),
        ("/api/v1/nothing-here".into(), 404),
        ("/api/v1".into(), 404),
    ];
    for (path, status) in cases {
        let response = client.get(&path).await;
        assert_eq!(
            response.status,
            status,
            "{path}: {}",
            &response.body[..response.body.len().min(300)]
        );
        let body = json(&response);
        if status >= 400 {
            assert!(body["error"].is_string(), "{path}: {body}");
            assert!(
                body["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{path}: {body}"
            );
        } else {
            assert!(body["total"].is_u64(), "{path}: {body}");
        }
    }
    let huge = json(&client.get("/api/v1/learnings?page=999999").await);
    assert_eq!(huge["page"], 2);
    // Within the length limit but more words than are used.
    let long = json(
        &client
            .get(&format!("/api/v1/learnings?q={}", "h%20".repeat(40)))
            .await,
    );
    assert!(
        long["notices"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["code"] == "query_shortened"))
    );
    let odd = json(&client.get("/api/v1/learnings?year=abc&sort=sideways").await);
    let notices = odd["notices"].as_array().expect("notices");
    assert!(
        notices
            .iter()
            .any(|n| n["code"] == "unknown_filter" && n["parameter"] == "year")
    );
    assert!(notices.iter().any(|n| n["code"] == "unknown_sort"));

    // Other methods (POST without any CSRF token included): JSON 405, and a CORS preflight.
    let http = reqwest::Client::new();
    for request in [
        http.delete(format!("{}/api/v1/learnings", app.base)),
        http.post(format!("{}/api/v1/learnings", app.base))
            .header("content-type", "application/json")
            .body("{}"),
    ] {
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 405);
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
    }
    let response = http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/products", app.base),
        )
        .send()
        .await
        .expect("OPTIONS");
    assert_eq!(response.status(), 204);
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
}

async fn openapi_describes_every_path(app: TestApp) {
    let client = app.client();
    let doc = json(client.get("/api/v1/openapi.json").await.assert_status(200));
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], app.base);
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/learnings",
        "/api/v1/learnings/{id}",
        "/api/v1/products",
        "/api/v1/products/{id}",
        "/api/v1/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
        assert!(paths[path]["get"]["responses"]["200"].is_object(), "{path}");
    }
    for path in ["/api/v1/learnings/{id}", "/api/v1/products/{id}"] {
        assert!(paths[path]["get"]["responses"]["404"].is_object(), "{path}");
    }
    for path in ["/api/v1/learnings", "/api/v1/products"] {
        assert!(paths[path]["get"]["responses"]["400"].is_object(), "{path}");
        let names: Vec<&str> = paths[path]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(
            names.contains(&"page") && names.contains(&"theme") && names.contains(&"country"),
            "{path}: {names:?}"
        );
    }
    // Every reference points at a schema the document defines.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap_or("");
        assert!(schemas.contains_key(name), "dangling $ref to {name}");
    }
}

/// The served document against the served answers: it is OpenAPI 3.x, lists exactly the
/// routes the router serves, and each real answer (successes and errors) has a status the
/// document lists for its operation and a body that its schema describes, every field declared
/// (an answer with a field the document does not name fails, as does a missing or mistyped one).
async fn api_answers_match_the_served_document(app: TestApp) {
    let seed = seed(&app).await;
    let client = app.client();
    let doc = json(client.get("/api/v1/openapi.json").await.assert_status(200));
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "{version}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented: Vec<String> = paths.keys().cloned().collect();
    documented.sort();
    let mut served = fora::api::route_paths();
    served.sort();
    assert_eq!(documented, served, "the document lists the router's routes");
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        let operations: Vec<&String> = item.as_object().expect("path item").keys().collect();
        assert_eq!(operations, ["get"], "{path}");
        let parameters = item["get"]["parameters"].as_array();
        for name in path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            assert!(
                parameters
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path")),
                "{path}: path parameter {name} is documented"
            );
        }
    }

    let learning = seed.published[0];
    let product = seed.product;
    let requests: Vec<(&str, String)> = vec![
        ("/api/v1/learnings", "/api/v1/learnings".into()),
        (
            "/api/v1/learnings",
            "/api/v1/learnings?q=mothers+week&page=1".into(),
        ),
        (
            "/api/v1/learnings",
            "/api/v1/learnings?page=2&type=bogus&theme=agri&colour=red&sort=sideways&year=abc"
                .into(),
        ),
        ("/api/v1/learnings", "/api/v1/learnings?page=0".into()),
        (
            "/api/v1/learnings",
            format!("/api/v1/learnings?q={}", "a".repeat(300)),
        ),
        (
            "/api/v1/learnings/{id}",
            format!("/api/v1/learnings/{learning}"),
        ),
        (
            "/api/v1/learnings/{id}",
            format!("/api/v1/learnings/{}", seed.published[12]),
        ),
        (
            "/api/v1/learnings/{id}",
            format!("/api/v1/learnings/{}", seed.draft),
        ),
        ("/api/v1/learnings/{id}", "/api/v1/learnings/abc".into()),
        ("/api/v1/products", "/api/v1/products".into()),
        (
            "/api/v1/products",
            "/api/v1/products?kind=tool&language=xx&shape=round".into(),
        ),
        ("/api/v1/products", "/api/v1/products?page=-1".into()),
        (
            "/api/v1/products/{id}",
            format!("/api/v1/products/{product}"),
        ),
        (
            "/api/v1/products/{id}",
            format!("/api/v1/products/{}", seed.draft_product),
        ),
        ("/api/v1/openapi.json", "/api/v1/openapi.json".into()),
    ];
    let mut statuses = Vec::new();
    let mut first_list = Value::Null;
    for (template, url) in &requests {
        let response = client.get(url).await;
        let body = json(&response);
        let schema = response_schema(&doc, template, "get", response.status);
        let mut problems = Vec::new();
        check(&doc, schema, &body, "$", true, &mut problems);
        assert!(
            problems.is_empty(),
            "GET {url} ({}) does not match the document:\n{}",
            response.status,
            problems.join("\n")
        );
        statuses.push(response.status);
        if first_list.is_null() {
            first_list = body;
        }
    }
    for status in [200, 400, 404] {
        assert!(statuses.contains(&status), "no {status} answer was checked");
    }

    // A 405 is documented, with its body.
    let response = reqwest::Client::new()
        .delete(format!("{}/api/v1/products/{product}", app.base))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 405);
    let body: Value = response.json().await.expect("JSON");
    let mut problems = Vec::new();
    check(
        &doc,
        response_schema(&doc, "/api/v1/products/{id}", "get", 405),
        &body,
        "$",
        true,
        &mut problems,
    );
    assert!(problems.is_empty(), "{problems:?}");

    // The checker itself fails on drift: an undeclared field, a missing one, a wrong type,
    // also deep inside a real answer.
    let list_schema = response_schema(&doc, "/api/v1/learnings", "get", 200);
    for (pointer, change) in [
        ("/items/0/snippet_parts/0", ("colour", Value::from("red"))),
        ("/facets/type/0", ("count", Value::from("many"))),
        ("/links", ("prev", Value::from(3))),
    ] {
        let mut drifted = first_list.clone();
        let (field, value) = change;
        drifted
            .pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("{pointer} in {first_list}"))
            .insert(field.into(), value);
        let mut problems = Vec::new();
        check(&doc, list_schema, &drifted, "$", true, &mut problems);
        assert!(!problems.is_empty(), "a drift at {pointer} passed");
    }
    let schema = response_schema(&doc, "/api/v1/learnings/{id}", "get", 404);
    for drifted in [
        serde_json::json!({ "error": "not_found", "message": "x", "extra": 1 }),
        serde_json::json!({ "error": "not_found" }),
        serde_json::json!({ "error": 404, "message": "x" }),
    ] {
        let mut problems = Vec::new();
        check(&doc, schema, &drifted, "$", true, &mut problems);
        assert!(!problems.is_empty(), "{drifted} passed");
    }
}

/// The JSON schema the document gives for an operation's answer with this status.
fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let response = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path}: status {status} is not documented"
    );
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status}: no JSON schema"
    );
    schema
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
            let target = &doc["components"]["schemas"][name];
            assert!(target.is_object(), "dangling $ref {reference}");
            resolve(doc, target)
        }
        None => schema,
    }
}

/// Every property a schema declares, through `$ref` and `allOf`.
fn declared(doc: &Value, schema: &Value, names: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(properties) = schema["properties"].as_object() {
        names.extend(properties.keys().cloned());
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        declared(doc, part, names);
    }
}

/// A JSON Schema check of the keywords the document uses, stricter than JSON Schema in one
/// way: an object may hold only the properties its schema declares.
fn check(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    strict: bool,
    problems: &mut Vec<String>,
) {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            check(doc, part, value, at, false, problems);
        }
    }
    for (keyword, wanted) in [("oneOf", Some(1)), ("anyOf", None)] {
        if let Some(options) = schema[keyword].as_array() {
            let matching = options
                .iter()
                .filter(|option| {
                    let mut found = Vec::new();
                    check(doc, option, value, at, strict, &mut found);
                    found.is_empty()
                })
                .count();
            let fits = match wanted {
                Some(n) => matching == n,
                None => matching >= 1,
            };
            if !fits {
                problems.push(format!("{at}: {value} matches {matching} of its {keyword}"));
            }
        }
    }
    if let Some(types) = match &schema["type"] {
        Value::String(one) => Some(vec![one.as_str()]),
        Value::Array(many) => Some(many.iter().filter_map(Value::as_str).collect()),
        _ => None,
    } {
        let is = |name: &str| match name {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            other => panic!("unknown type {other}"),
        };
        if !types.iter().any(|name| is(name)) {
            problems.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if !schema["const"].is_null() && schema["const"] != *value {
        problems.push(format!("{at}: {value} is not {}", schema["const"]));
    }
    if let Some(number) = value.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|min| number < min) {
            problems.push(format!("{at}: {value} is below {}", schema["minimum"]));
        }
        if schema["maximum"].as_f64().is_some_and(|max| number > max) {
            problems.push(format!("{at}: {value} is above {}", schema["maximum"]));
        }
    }
    if let Some(text) = value.as_str() {
        let fits = match schema["format"].as_str() {
            Some("uri") => text.starts_with("http://") || text.starts_with("https://"),
            Some("date-time") => {
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .is_ok()
            }
            Some("date") => text.len() == 10 && text.as_bytes()[4] == b'-',
            _ => true,
        };
        if !fits {
            problems.push(format!("{at}: {text:?} is not a {}", schema["format"]));
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, item) in values.iter().enumerate() {
            check(doc, items, item, &format!("{at}[{i}]"), true, problems);
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                problems.push(format!("{at}: required field {name} is missing"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                if let Some(field) = object.get(name) {
                    check(
                        doc,
                        property,
                        field,
                        &format!("{at}.{name}"),
                        true,
                        problems,
                    );
                }
            }
        }
        if strict {
            let mut names = Vec::new();
            declared(doc, schema, &mut names);
            let typed_object = schema["type"] == "object" || !names.is_empty();
            if typed_object && !names.is_empty() {
                for name in object.keys() {
                    if !names.contains(name) {
                        problems.push(format!("{at}: field {name} is not in the document"));
                    }
                }
            }
        }
    }
}

async fn products_list_detail_and_admin_forms(app: TestApp) {
    let seed = seed(&app).await;
    let anonymous = app.client();
    let list = anonymous.get("/products").await;
    list.assert_status(200);
    assert!(list.body.contains("Cocoa farming toolkit"));
    assert!(
        !list.body.contains("secret"),
        "unpublished products are not listed"
    );
    assert!(list.body.contains("Showing 1–1 of 1"), "{}", list.body);
    assert!(list.body.contains("href=\"/products?kind=tool\""));
    assert!(
        list.body
            .contains(&format!("href=\"/products/{}\"", seed.product))
    );
    let filtered = anonymous
        .get("/products?kind=tool&theme=agri&language=en&country=ke")
        .await;
    assert!(filtered.body.contains("Cocoa farming toolkit"));
    let unknown = anonymous
        .get("/products?kind=%3Cb%3Ebold%3C%2Fb%3E&page=-4")
        .await;
    unknown.assert_status(200);
    assert!(
        unknown.body.contains("&lt;b&gt;bold&lt;/b&gt;"),
        "the unknown value is shown, escaped"
    );
    anonymous
        .get("/products?status=draft")
        .await
        .assert_status(200);
    assert!(
        !anonymous
            .get("/products?status=draft")
            .await
            .body
            .contains("secret")
    );
    anonymous
        .get(&format!("/products/{}", seed.product))
        .await
        .assert_status(200);
    for hidden in [seed.draft_product, seed.retired_product] {
        anonymous
            .get(&format!("/products/{hidden}"))
            .await
            .assert_status(404);
    }
    anonymous
        .get("/products?kind=%00&theme=%00&country=%00&language=%00&status=%00")
        .await
        .assert_status(400);
    for bad in ["abc", "0", "-1", "99999999999", "%FF"] {
        anonymous
            .get(&format!("/products/{bad}"))
            .await
            .assert_status(404);
    }

    // Members are not knowledge managers: every editing route is 404 for them.
    let (_, _, member) = app.with_forum("cocoa", "post").await;
    member
        .get(&format!("/products/{}", seed.draft_product))
        .await
        .assert_status(404);
    member.get("/products/new").await.assert_status(404);
    member
        .get(&format!("/products/{}/edit", seed.product))
        .await
        .assert_status(404);
    member
        .post("/products/new", &[("title", "Mine")])
        .await
        .assert_status(404);
    member
        .post(
            &format!("/products/{}/edit", seed.product),
            &[("title", "Mine")],
        )
        .await
        .assert_status(404);
    member
        .post(
            &format!("/products/{}/status", seed.draft_product),
            &[("status", "published")],
        )
        .await
        .assert_status(404);
    anonymous
        .get(&format!("/products/{}", seed.draft_product))
        .await
        .assert_status(404);

    app.admin().await;
    let admin = app.login("admin@example.org").await;
    let list = admin.get("/products").await;
    assert!(
        list.body.contains("Unfinished secret compendium")
            && list.body.contains("Withdrawn secret guide")
    );
    let drafts = admin.get("/products?status=draft").await;
    assert!(
        drafts.body.contains("Unfinished secret compendium")
            && !drafts.body.contains("Cocoa farming toolkit")
    );
    admin
        .get(&format!("/products/{}", seed.draft_product))
        .await
        .assert_status(200);

    let form = admin.get("/products/new").await;
    form.assert_status(200);
    assert!(form.body.contains("name=\"csrf_token\""));
    assert!(form.body.contains("value=\"agri\"") && form.body.contains("<option value=\"tool\""));

    // Bad input: the form comes back with its errors and everything typed.
    let bad = admin
        .post(
            "/products/new",
            &[
                ("title", ""),
                ("kind", "tool"),
                ("summary", "Keep **this** summary <script>alert(1)</script>"),
                ("url", "javascript:alert(1)"),
                ("themes", "agri"),
                ("countries", "KE, XX"),
                ("language", "en"),
                ("published_on", "31/12/2024"),
            ],
        )
        .await;
    bad.assert_status(422);
    assert!(bad.body.contains("This field is required."));
    assert!(bad.body.contains("Enter a full web address"));
    assert!(bad.body.contains("YYYY-MM-DD"));
    assert!(
        bad.body
            .contains("Keep **this** summary &lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(!bad.body.contains("<script>alert(1)"));
    assert!(bad.body.contains("value=\"KE, XX\""));
    assert!(bad.body.contains("value=\"31/12/2024\""));
    assert!(
        bad.body
            .contains("value=\"agri\" id=\"theme-agri\" checked"),
        "the theme stays ticked"
    );
    assert!(
        bad.body.contains("href=\"#title\""),
        "the summary links to the field"
    );

    // Without the CSRF token nothing is saved.
    admin
        .post_raw(
            "/products/new",
            &[("title", "No token"), ("url", "https://example.org/x")],
        )
        .await
        .assert_status(403);

    let created = admin
        .post(
            "/products/new",
            &[
                ("title", "Guide to <safe> school meals"),
                ("kind", "guide"),
                ("summary", "How to run **school meals**."),
                ("url", "https://example.org/meals"),
                ("themes", "agri"),
                ("themes", "edu"),
                ("countries", "ke, ug"),
                ("language", "fr"),
                ("published_on", ""),
                ("external_id", "MEALS-1"),
            ],
        )
        .await;
    created.assert_status(303);
    let location = created.location.clone().expect("location");
    let id: i32 = location
        .trim_start_matches("/products/")
        .parse()
        .expect("product id");
    let page = admin.get(&location).await;
    page.assert_status(200);
    assert!(page.body.contains("Guide to &lt;safe&gt; school meals"));
    assert!(page.body.contains("<strong>school meals</strong>"));
    assert!(page.body.contains("Draft"));
    assert!(page.body.contains("Saved."));
    anonymous.get(&location).await.assert_status(404);

    // The same external id twice is a form error, not a crash.
    let duplicate = admin
        .post(
            "/products/new",
            &[
                ("title", "Another"),
                ("summary", "Other."),
                ("url", "https://example.org/other"),
                ("external_id", "MEALS-1"),
            ],
        )
        .await;
    duplicate.assert_status(422);
    assert!(
        duplicate
            .body
            .contains("Another product already has this external id.")
    );

    admin
        .post(
            &format!("/products/{id}/status"),
            &[("status", "published")],
        )
        .await
        .assert_status(303);
    let public = anonymous.get(&location).await;
    public.assert_status(200);
    assert!(public.body.contains("https://example.org/meals"));
    assert!(public.body.contains("href=\"/themes/edu\""));
    assert!(
        !public.body.contains("/edit"),
        "no editing controls for the public"
    );
    admin
        .post(&format!("/products/{id}/status"), &[("status", "archived")])
        .await
        .assert_status(400);

    let edit = admin.get(&format!("/products/{id}/edit")).await;
    edit.assert_status(200);
    // The countries typed as codes come back as names, in the editor's language.
    assert!(edit.body.contains("value=\"Kenya; Uganda\""));
    assert!(edit.body.contains("value=\"MEALS-1\""));
    assert!(edit.body.contains("<option value=\"fr\" selected"));
    let bad_edit = admin
        .post(
            &format!("/products/{id}/edit"),
            &[
                ("title", "Renamed"),
                ("summary", "   "),
                ("url", "https://example.org/meals"),
            ],
        )
        .await;
    bad_edit.assert_status(422);
    assert!(bad_edit.body.contains("value=\"Renamed\""));
    admin
        .post(
            &format!("/products/{id}/edit"),
            &[
                ("title", "Renamed meals guide"),
                ("summary", "Shorter."),
                ("url", "https://example.org/meals"),
                ("kind", "guide"),
                ("language", "fr"),
            ],
        )
        .await
        .assert_status(303);
    assert!(
        anonymous
            .get(&location)
            .await
            .body
            .contains("Renamed meals guide")
    );
    admin.get("/products/424242/edit").await.assert_status(404);
    admin
        .post("/products/424242/edit", &[("title", "x"), ("summary", "y")])
        .await
        .assert_status(404);

    admin
        .post(&format!("/products/{id}/status"), &[("status", "retired")])
        .await
        .assert_status(303);
    anonymous.get(&location).await.assert_status(404);
}

async fn theme_page_shows_only_the_viewers_forums(app: TestApp) {
    seed(&app).await;
    for (slug, title) in [
        ("agri-open", "Cocoa growers circle"),
        ("agri-secret", "Hush hush plantation inspectors"),
    ] {
        create_forum(
            app.db(),
            NewForum {
                slug,
                title,
                theme_slug: "agri",
                purpose: "Share what works.",
                expected_outcome: "",
                moderation: "post",
                language: "en",
            },
        )
        .await
        .expect("forum");
    }
    let open = fora::entities::forums::Entity::find()
        .filter(fora::entities::forums::Column::Slug.eq("agri-open"))
        .one(app.db())
        .await
        .expect("db")
        .expect("forum");
    let member = app.user("grower@example.org", "Grower").await;
    app.join(&open, &member, "member").await;
    let member = app.login("grower@example.org").await;

    let page = member.get("/themes/agri").await;
    page.assert_status(200);
    assert!(page.body.contains("<h1>Agriculture</h1>"));
    assert!(page.body.contains("Cocoa growers circle"));
    assert!(
        !page.body.contains("Hush hush"),
        "a forum the viewer may not see never shows"
    );
    assert!(!page.body.contains("agri-secret"));
    assert!(
        page.body.contains("Published lesson number 11"),
        "newest learnings are listed"
    );
    assert!(
        !page.body.contains("Published lesson number 1<"),
        "only the newest ten"
    );
    assert!(
        !page.body.contains("secret harvest"),
        "no unpublished learnings"
    );
    assert!(page.body.contains("href=\"/learnings?theme=agri\""));
    assert!(page.body.contains("All 12 learnings"));
    assert!(page.body.contains("Cocoa farming toolkit"));
    assert!(!page.body.contains("secret compendium"));
    assert!(page.body.contains("invitation"));

    let anonymous = app.client().get("/themes/agri").await;
    anonymous.assert_status(200);
    assert!(
        !anonymous.body.contains("Cocoa growers circle") && !anonymous.body.contains("Hush hush")
    );
    assert!(anonymous.body.contains("membership is by invitation"));

    let other = app.user("stranger@example.org", "Stranger").await;
    let _ = other;
    let stranger = app.login("stranger@example.org").await;
    let page = stranger.get("/themes/agri").await;
    assert!(!page.body.contains("Cocoa growers circle") && !page.body.contains("Hush hush"));

    app.admin().await;
    let admin = app.login("admin@example.org").await;
    let page = admin.get("/themes/agri").await;
    assert!(
        page.body.contains("Cocoa growers circle")
            && page.body.contains("Hush hush plantation inspectors")
    );

    let edu = member.get("/themes/edu").await;
    edu.assert_status(200);
    assert!(edu.body.contains("School meals keep children learning"));
    assert!(!edu.body.contains("Cocoa growers circle"));

    for missing in [
        "/themes/nope",
        "/themes/AGRI%20x",
        "/themes/%FF",
        &format!("/themes/{}", "a".repeat(300)),
    ] {
        member.get(missing).await.assert_status(404);
    }
    let index = app.client().get("/themes").await;
    index.assert_status(200);
    assert!(
        index.body.contains("href=\"/themes/agri\"")
            && index.body.contains("12 learnings · 1 product</p>"),
        "{}",
        index.body
    );
    // Counts take the plural form of each language (CLDR: French 0 and 1 are singular).
    for (lang, counts) in [
        ("fr", "12 enseignements · 1 produit</p>"),
        ("es", "12 lecciones · 1 producto</p>"),
    ] {
        let body = reqwest::Client::new()
            .get(format!("{}/themes", app.base))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains(counts), "{lang}: {body}");
    }
    assert!(!index.body.contains("Hush hush"));
}

async fn products_are_found_by_their_words(app: TestApp) {
    let seed = seed(&app).await;
    let client = app.client();
    let page = client.get("/products?q=cocoa+toolkit").await;
    page.assert_status(200);
    assert!(page.body.contains("Showing 1–1 of 1"), "{}", page.body);
    assert!(page.body.contains(&format!("/products/{}", seed.product)));
    assert!(
        page.body.contains("name=\"q\" value=\"cocoa toolkit\""),
        "the box keeps the words"
    );
    // Drafts and retired products exist for nobody but knowledge managers, in counts too.
    let hidden = client.get("/products?q=secret").await;
    hidden.assert_status(200);
    assert!(hidden.body.contains("No products match"), "{}", hidden.body);
    for id in [seed.draft_product, seed.retired_product] {
        assert!(!hidden.body.contains(&format!("/products/{id}\"")));
    }
    // Words and filters together; the counts describe the whole match set.
    let api = json(
        client
            .get("/api/v1/products?q=cocoa+secret&kind=tool&country=ke")
            .await
            .assert_status(200),
    );
    assert_eq!(api["total"], 1, "{api}");
    assert_eq!(api["facets"]["kind"][0]["count"], 1, "{api}");
    let none = json(
        client
            .get("/api/v1/products?q=secret")
            .await
            .assert_status(200),
    );
    assert_eq!(none["total"], 0, "{none}");
    // A slip is searched as the word published products hold; a word only drafts and retired
    // products hold is never offered, on the page or in the API.
    let slip = client.get("/products?q=toolkitt").await;
    assert!(
        slip.body
            .contains("Showing results for <strong>toolkit</strong>"),
        "{}",
        slip.body
    );
    assert!(slip.body.contains(&format!("/products/{}", seed.product)));
    for path in ["/products?q=secrett", "/products?q=cocoa+secrett"] {
        let page = client.get(path).await;
        assert!(
            !page.body.contains("Showing results for") && !page.body.contains("Did you mean"),
            "{path}: {}",
            page.body
        );
        for id in [seed.draft_product, seed.retired_product] {
            assert!(!page.body.contains(&format!("/products/{id}\"")), "{path}");
        }
    }
    let hidden = json(
        client
            .get("/api/v1/products?q=secrett")
            .await
            .assert_status(200),
    );
    assert_eq!(hidden["total"], 0, "{hidden}");
    assert!(hidden["notices"].as_array().unwrap().is_empty(), "{hidden}");
    let long = format!("/api/v1/products?q={}", "x".repeat(300));
    let refused = json(client.get(&long).await.assert_status(400));
    assert_eq!(refused["error"], "query_too_long");
    let cut = client
        .get(&format!("/products?q={}", "toolkit%20".repeat(60)))
        .await;
    cut.assert_status(200);
    assert!(cut.body.contains("at most 256 characters"), "{}", cut.body);
    // Hostile words are only words.
    for q in [
        "%22",
        "(((",
        "title%3Acocoa",
        "status%3Adraft",
        "-",
        "*",
        "%F0%9F%99%82",
    ] {
        client
            .get(&format!("/products?q={q}"))
            .await
            .assert_status(200);
        client
            .get(&format!("/api/v1/products?q={q}"))
            .await
            .assert_status(200);
    }
    // Retired: gone from the next search.
    let model = fora::entities::products::Entity::find_by_id(seed.product)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    products::set_status(app.db(), model, ProductStatus::Retired, fora::db::now())
        .await
        .unwrap();
    let gone = client.get("/products?q=cocoa").await;
    gone.assert_status(200);
    assert!(gone.body.contains("No products match"), "{}", gone.body);
}
