//! The interface speaks English, French and Spanish: visitors get the best match of their
//! browser's languages or the one they chose with a language link (kept in a cookie), and
//! every answer says it varies by both.

use crate::support::TestApp;

crate::on_both_databases!(visitors_choose_their_language);

async fn visitors_choose_their_language(app: TestApp) {
    let english = crate::library_search::learning(
        &app,
        crate::library_search::raw(
            "Cocoa cooperatives",
            "Cooperatives kept children in school.",
        ),
        "published",
    )
    .await;
    let http = reqwest::Client::new();
    let french = http
        .get(format!("{}/learnings", app.base))
        .header("Accept-Language", "fr-SN, fr;q=0.9, en;q=0.5")
        .send()
        .await
        .unwrap();
    let vary = french
        .headers()
        .get("vary")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        vary.contains("Accept-Language") && vary.contains("Cookie"),
        "{vary}"
    );
    let body = french.text().await.unwrap();
    assert!(body.contains("<html lang=\"fr\">"), "{body}");
    assert!(
        body.contains("Rechercher des enseignements"),
        "French words, not English"
    );
    assert!(!body.contains("Search learnings"));
    // An English learning on a French page says which language it is in.
    assert!(
        body.contains(&format!(
            "<h2 lang=\"en\"><a href=\"/learnings/{english}\">"
        )),
        "{body}"
    );
    let learning = http
        .get(format!("{}/learnings/{english}", app.base))
        .header("Accept-Language", "fr")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        learning.contains("<h1 lang=\"en\">Cocoa cooperatives</h1>"),
        "{learning}"
    );

    // A plain link chooses Spanish and comes back to the page.
    let visitor = app.client();
    let chosen = visitor.get("/language/es?next=/products%3Fq%3Dguide").await;
    assert_eq!(chosen.status, 303);
    assert_eq!(chosen.location.as_deref(), Some("/products?q=guide"));
    let page = visitor.get("/products").await;
    assert!(page.body.contains("<html lang=\"es\">"), "{}", page.body);
    assert!(page.body.contains("Buscar productos de conocimiento"));
    // The footer offers the other languages, each in its own words.
    assert!(page.body.contains("hreflang=\"fr\""));
    assert!(page.body.contains("Français"));

    // Unknown languages are not pages; other sites are never where a link goes back to.
    assert_eq!(visitor.get("/language/de").await.status, 404);
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "%2F%2Fevil.example",
    ] {
        let away = visitor.get(&format!("/language/fr?next={next}")).await;
        assert_eq!(away.status, 303);
        assert_eq!(away.location.as_deref(), Some("/"), "{next}");
    }
}
