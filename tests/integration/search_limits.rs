//! An oversized search must not become an oversized page: the text query is capped (with a
//! clear message on the page, a 400 in the API) and links never repeat oversized input.

use crate::support::TestApp;

/// Every parameter but the text query.
fn filters() -> impl Iterator<Item = &'static str> {
    fora::learnings::search::PARAMS
        .into_iter()
        .filter(|name| *name != "q")
}

async fn long_searches_are_capped(app: TestApp) {
    let visitor = app.client();
    let ordinary = visitor.get("/learnings?q=birth").await;
    ordinary.assert_status(200);

    // About 30 KB of query string: every parameter 2,000 characters long.
    let words = "registration ".repeat(154);
    let mut query = format!("q={}", words.replace(' ', "%20"));
    for name in filters() {
        query.push_str(&format!("&{name}={}", "x".repeat(2_000)));
    }
    assert!(query.len() > 30_000, "{}", query.len());
    let page = visitor.get(&format!("/learnings?{query}")).await;
    page.assert_status(200);
    assert!(
        page.body.contains("at most 256 characters"),
        "the page says why the search was cut"
    );
    assert!(
        page.body.len() < ordinary.body.len() + 20_000,
        "a {} byte query string made a {} byte page (an ordinary search: {} bytes)",
        query.len(),
        page.body.len(),
        ordinary.body.len()
    );
    assert!(!page.body.contains(&"x".repeat(300)));
    assert!(!page.body.contains(&words[..300].replace(' ', "+")));

    // The API refuses what the page cuts, and takes what fits.
    let at_limit = "a".repeat(256);
    visitor
        .get(&format!("/api/v1/learnings?q={at_limit}"))
        .await
        .assert_status(200);
    let over = visitor
        .get(&format!("/api/v1/learnings?q={at_limit}b"))
        .await;
    assert_eq!(over.status, 400, "{}", over.body);
    let body: serde_json::Value = serde_json::from_str(&over.body).expect("JSON");
    assert_eq!(body["error"], "query_too_long", "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("256")));

    let openapi: serde_json::Value =
        serde_json::from_str(&visitor.get("/api/v1/openapi.json").await.body).expect("JSON");
    let q = openapi["paths"]["/api/v1/learnings"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "q")
        .expect("q")
        .clone();
    assert_eq!(q["schema"]["maxLength"], 256, "{q}");
}

crate::on_both_databases!(long_searches_are_capped);
