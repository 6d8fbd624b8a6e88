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

crate::on_both_databases!(error_pages_speak_the_readers_language);

/// 404, 405, 400 and a refused form answer in the visitor's language (cookie or
/// `Accept-Language`) and in a member's profile language; a header Fora cannot read gives
/// English, never an error of its own.
async fn error_pages_speak_the_readers_language(app: TestApp) {
    let http = reqwest::Client::new();
    let get = |path: &str, accept: &str| {
        http.get(format!("{}{path}", app.base))
            .header("Accept-Language", accept)
            .send()
    };
    for (path, status) in [
        ("/no/such/page", 404),
        ("/learnings/999999", 404),
        ("/learnings/not-a-number", 404),
    ] {
        let answer = get(path, "es-MX, es;q=0.9").await.expect("GET");
        assert_eq!(answer.status().as_u16(), status, "{path}");
        if status == 404 {
            let body = answer.text().await.expect("body");
            assert!(body.contains("<html lang=\"es\">"), "{path}: {body}");
            assert!(body.contains("Página no encontrada"), "{path}: {body}");
        }
    }
    let refused = http
        .post(format!("{}/login", app.base))
        .header("Accept-Language", "fr")
        .form(&[("email", "a@example.org")])
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status().as_u16(), 403, "no CSRF token");
    let body = refused.text().await.expect("body");
    assert!(body.contains("<html lang=\"fr\">"), "{body}");
    assert!(body.contains("Ce formulaire a expiré"), "{body}");
    for unreadable in ["", "*", "xx-YY;q=2", "fr;q=0", "<script>"] {
        let body = get("/no/such/page", unreadable)
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        assert!(
            body.contains("<html lang=\"en\">"),
            "{unreadable:?}: {body}"
        );
        assert!(!body.contains("<script>"), "{unreadable:?}");
    }

    // A member without a language cookie reads their profile's language.
    app.user("lucia@example.org", "Lucía").await;
    app.sql("UPDATE users SET locale = 'fr'").await;
    let client = app.login("lucia@example.org").await;
    let page = client.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("<html lang=\"fr\">"), "{}", page.body);
    assert!(page.body.contains("Page introuvable"), "{}", page.body);
    let page = client.get("/admin/users").await;
    assert_eq!(page.status, 404, "not an admin");
    assert!(page.body.contains("Page introuvable"), "{}", page.body);
}

crate::on_both_databases!(readers_keep_to_their_language_in_one_click);

/// The learnings page offers the learnings found in the reader's language as one link, with
/// their exact number, while some but not all are in it.
async fn readers_keep_to_their_language_in_one_click(app: TestApp) {
    use crate::library_search::{learning, raw};
    learning(
        &app,
        raw(
            "Cocoa cooperatives",
            "Cooperatives kept children in school.",
        ),
        "published",
    )
    .await;
    let french = learning(
        &app,
        fora::learnings::fields::RawLearning {
            language: "fr".into(),
            ..raw(
                "Coopératives de cacao",
                "Les coopératives ont gardé les enfants à l’école.",
            )
        },
        "published",
    )
    .await;
    let visitor = app.client();
    visitor.get("/language/fr?next=/").await;
    let page = visitor.get("/learnings").await;
    let link = regex::Regex::new(r#"<p class="mine"><a href="([^"]+)">Uniquement les enseignements en français</a> <span class="count">1</span>"#)
        .expect("pattern")
        .captures(&page.body)
        .unwrap_or_else(|| panic!("the one-click filter: {}", page.body))[1]
        .replace("&amp;", "&");
    assert!(link.contains("language=fr"), "{link}");
    let mine = visitor.get(&link).await;
    assert!(
        mine.body.contains(&format!("/learnings/{french}\"")),
        "{}",
        mine.body
    );
    assert!(!mine.body.contains("Cocoa cooperatives"));
    assert!(
        !mine.body.contains("class=\"mine\""),
        "offered only while no language is chosen"
    );
    // A question whose every answer is in the reader's language needs no such link.
    let all_french = visitor.get("/learnings?q=gard%C3%A9").await;
    assert!(
        !all_french.body.contains("class=\"mine\""),
        "{}",
        all_french.body
    );
    // An English reader of the same list is offered the English ones.
    let english = app.client().get("/learnings").await;
    assert!(
        english.body.contains("Only learnings in English"),
        "{}",
        english.body
    );
}

/// Two published learnings of the same title and words, one in English and one in `language`
/// (their texts differ by a year, as a learning's text is unique): (English, other).
async fn twins(app: &TestApp, title: &str, words: &str, language: &str) -> (i32, i32) {
    use crate::library_search::{learning, raw};
    let english = learning(app, raw(title, &format!("{words} (2019).")), "published").await;
    let other = learning(
        app,
        fora::learnings::fields::RawLearning {
            language: language.into(),
            ..raw(title, &format!("{words} (2020)."))
        },
        "published",
    )
    .await;
    (english, other)
}

/// The id of the first link to `prefix` (e.g. "/learnings/") in `body` after `list`, the
/// results list's opening markup.
fn first_result(body: &str, list: &str, prefix: &str) -> Option<i32> {
    let results = &body[body.find(list)?..];
    let at = results.find(&format!("href=\"{prefix}"))? + 6 + prefix.len();
    results[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

crate::on_both_databases!(search_puts_the_readers_language_first_at_equal_relevance);

/// A question that does not tell its language (no stop word) ranks the learnings and products
/// written in the reader's language first, on the page and in the API; the others still match.
async fn search_puts_the_readers_language_first_at_equal_relevance(app: TestApp) {
    use fora::transfer::import::{self, Format, Kind, Options};
    let words = "Cacao guide: cacao cooperatives and the inspector";
    let (english, french) = twins(&app, "Cacao guide", words, "fr").await;
    let products = format!(
        "external_id,kind,title,summary,url,themes,countries,language,published_on\n\
         P-EN,tool,Cacao guide,{words} (2019).,https://example.org/en,,,en,2020-01-01\n\
         P-FR,tool,Cacao guide,{words} (2020).,https://example.org/fr,,,fr,2020-01-01\n"
    );
    let report = import::import(
        app.db(),
        Kind::Products,
        Format::Csv,
        products.as_bytes(),
        &Options::default(),
    )
    .await
    .expect("import");
    assert!(report.is_clean(), "{}", report.to_text("en"));
    let product_id = |external: &'static str| {
        let db = app.db().clone();
        async move {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            fora::entities::products::Entity::find()
                .filter(fora::entities::products::Column::ExternalId.eq(external))
                .one(&db)
                .await
                .expect("db")
                .expect("imported")
                .id
        }
    };
    let (product_en, product_fr) = (product_id("P-EN").await, product_id("P-FR").await);
    let http = reqwest::Client::new();
    for (lang, learning, product) in [("fr", french, product_fr), ("en", english, product_en)] {
        let get = |path: String| {
            let request = http
                .get(format!("{}{path}", app.base))
                .header("Accept-Language", lang);
            async move { request.send().await.unwrap().text().await.unwrap() }
        };
        let page = get("/learnings?q=cacao+guide".into()).await;
        let first = first_result(&page, "class=\"hits\"", "/learnings/");
        assert_eq!(first, Some(learning), "{lang}");
        assert!(page.contains("of 2") || page.contains("sur 2"), "{page}");
        let page = get("/products?q=cacao+guide".into()).await;
        let first = first_result(&page, "class=\"cards products\"", "/products/");
        assert_eq!(first, Some(product), "{lang}");
        let api: serde_json::Value =
            serde_json::from_str(&get("/api/v1/products?q=cacao+guide".into()).await)
                .expect("json");
        assert_eq!(api["total"], 2, "{api}");
        assert_eq!(api["items"][0]["id"], product, "{lang}: {api}");
        let api: serde_json::Value =
            serde_json::from_str(&get("/api/v1/learnings?q=cacao+guide".into()).await)
                .expect("json");
        assert_eq!(api["items"][0]["id"], learning, "{lang}: {api}");
    }
}

crate::on_both_databases!(a_question_in_another_language_than_the_page_ranks_its_own_first);

/// "la guía en la cooperativa" holds stop words of French and Spanish alike: asked from an
/// English page, its letters tell that it is Spanish, and Spanish learnings come first.
async fn a_question_in_another_language_than_the_page_ranks_its_own_first(app: TestApp) {
    let words = "Cooperativa guía: the guía of each cooperativa";
    let (english, spanish) = twins(&app, "Cooperativa guía", words, "es").await;
    let first = |body: &str| first_result(body, "class=\"hits\"", "/learnings/");
    let visitor = app.client();
    let spanish_question = visitor
        .get("/learnings?q=la+gu%C3%ADa+en+la+cooperativa")
        .await;
    assert_eq!(first(&spanish_question.body), Some(spanish));
    // Without stop words a question is in the page's language.
    let bare = visitor.get("/learnings?q=gu%C3%ADa+cooperativa").await;
    assert_eq!(first(&bare.body), Some(english));
}
