//! The library's vocabularies and themes in English, French and Spanish: every seeded term is
//! named in all three, pages, feeds and the API name them in the reader's language (English
//! where a translation is missing), search finds a learning by the name of its country or
//! sector in any of the three, and imports take a name in any of them as well as the code.

use fora::{
    admin::service::{create_theme, translate_theme},
    entities::{learnings, taxonomy_terms},
    learnings::{
        fields::RawLearning,
        search::{Audience, Outcome},
    },
    transfer::import::{self, Format, Kind, Options},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    library_search::{find, learning, raw},
    support::TestApp,
};

crate::on_both_databases!(
    every_seeded_term_is_named_in_three_languages,
    visitors_read_the_vocabularies_in_their_language,
    names_in_any_language_find_the_learnings_tagged_with_them,
    a_missing_translation_falls_back_to_english,
    imports_take_names_in_any_language,
    members_read_their_forums_themes_in_their_language,
);

/// A page (or feed, or API answer) as a visitor whose browser asks for `lang`.
async fn fetch(app: &TestApp, path: &str, lang: &str) -> String {
    let answer = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 200, "{path} in {lang}");
    answer.text().await.expect("body")
}

/// The theme "agriculture", named in English, French and Spanish.
async fn agriculture(app: &TestApp) {
    let theme = create_theme(app.db(), "agriculture", "Agriculture")
        .await
        .expect("theme");
    translate_theme(app.db(), theme, "Agriculture", "Agricultura")
        .await
        .expect("names");
}

/// A published learning from Côte d'Ivoire and Peru, a midterm evaluation in agriculture,
/// whose own text names neither country nor sector.
async fn cocoa(app: &TestApp) -> i32 {
    learning(
        app,
        RawLearning {
            countries: "CI; PE".into(),
            evaluation_type: "midterm".into(),
            sector: "agriculture".into(),
            themes: "agriculture".into(),
            ..raw(
                "Cooperatives kept children in school",
                "Farmer groups paid school fees during the harvest.",
            )
        },
        "published",
    )
    .await
}

async fn every_seeded_term_is_named_in_three_languages(app: TestApp) {
    let terms = taxonomy_terms::Entity::find()
        .all(app.db())
        .await
        .expect("terms");
    let countries = terms.iter().filter(|t| t.vocabulary == "country").count();
    assert_eq!(countries, 249, "every ISO 3166-1 country");
    let unnamed: Vec<String> = terms
        .iter()
        .filter(|t| t.label_fr.trim().is_empty() || t.label_es.trim().is_empty())
        .map(|t| format!("{} {}", t.vocabulary, t.code))
        .collect();
    assert!(unnamed.is_empty(), "without French or Spanish: {unnamed:?}");
    let named = |vocabulary: &str, code: &str| {
        let term = terms
            .iter()
            .find(|t| t.vocabulary == vocabulary && t.code == code)
            .expect("seeded");
        (term.label_fr.as_str(), term.label_es.as_str())
    };
    assert_eq!(named("country", "CI"), ("Côte d'Ivoire", "Costa de Marfil"));
    assert_eq!(
        named("country", "CD"),
        (
            "République démocratique du Congo",
            "República Democrática del Congo"
        )
    );
    assert_eq!(named("country", "PE"), ("Pérou", "Perú"));
    assert_eq!(named("country", "BF"), ("Burkina Faso", "Burkina Faso"));
    assert_eq!(
        named("evaluation_type", "midterm"),
        ("Évaluation à mi-parcours", "Evaluación intermedia")
    );
    assert_eq!(
        named("evaluation_type", "final"),
        ("Évaluation finale", "Evaluación final")
    );
    assert_eq!(
        named("sector", "agriculture"),
        ("Agriculture", "Agricultura")
    );
}

async fn visitors_read_the_vocabularies_in_their_language(app: TestApp) {
    agriculture(&app).await;
    let id = cocoa(&app).await;

    // Search facets and the active filter.
    let french = fetch(&app, "/learnings?country=PE", "fr").await;
    for label in ["Pérou", "Évaluation à mi-parcours", "Agriculture"] {
        assert!(french.contains(label), "{label} in {french}");
    }
    assert!(!french.contains("Midterm"), "{french}");
    assert!(!french.contains(">Peru<"), "{french}");
    let spanish = fetch(&app, "/learnings?country=CI", "es").await;
    for label in [
        "Costa de Marfil",
        "Perú",
        "Evaluación intermedia",
        "Agricultura",
    ] {
        assert!(spanish.contains(label), "{label} in {spanish}");
    }
    assert!(!spanish.contains("Midterm"), "{spanish}");
    assert!(!spanish.contains("Ivoire"), "{spanish}");
    // Filter values in links stay codes.
    assert!(spanish.contains("country=PE"), "{spanish}");

    // A learning's page.
    let page = fetch(&app, &format!("/learnings/{id}"), "es").await;
    for label in [
        "Costa de Marfil",
        "Perú",
        "Evaluación intermedia",
        "Agricultura",
    ] {
        assert!(page.contains(label), "{label} in {page}");
    }
    assert!(!page.contains("Midterm"));
    let page = fetch(&app, &format!("/learnings/{id}"), "fr").await;
    assert!(page.contains("Pérou") && page.contains("Évaluation à mi-parcours"));

    // The theme's page and the list of themes.
    let theme = fetch(&app, "/themes/agriculture", "es").await;
    assert!(theme.contains("<h1>Agricultura</h1>"), "{theme}");
    let themes = fetch(&app, "/themes", "es").await;
    assert!(themes.contains("Agricultura"), "{themes}");

    // Feeds: the title names the filter, and the categories are labelled, in the feed's
    // language.
    let feed = fetch(&app, "/feeds/learnings.atom?country=PE", "es").await;
    assert!(feed.contains("Perú"), "{feed}");
    assert!(feed.contains("label=\"Evaluación intermedia\""), "{feed}");
    assert!(feed.contains("label=\"Costa de Marfil\""), "{feed}");
    assert!(feed.contains("label=\"Agricultura\""), "{feed}");
    let feed = fetch(&app, "/feeds/learnings.atom?country=PE", "fr").await;
    assert!(feed.contains("label=\"Pérou\""), "{feed}");

    // The subscribe form names the themes in the page's language.
    let subscribe = fetch(&app, "/newsletter", "es").await;
    assert!(subscribe.contains(">Agricultura</label>"), "{subscribe}");

    // The API answers in the language the request prefers and adds the others.
    let api: serde_json::Value =
        serde_json::from_str(&fetch(&app, &format!("/api/v1/learnings/{id}"), "fr").await)
            .expect("JSON");
    assert_eq!(api["evaluation_type"]["label"], "Évaluation à mi-parcours");
    assert_eq!(api["evaluation_type"]["labels"]["en"], "Midterm");
    assert_eq!(
        api["evaluation_type"]["labels"]["fr"],
        "Évaluation à mi-parcours"
    );
    assert_eq!(
        api["evaluation_type"]["labels"]["es"],
        "Evaluación intermedia"
    );
    assert_eq!(api["themes"][0]["names"]["es"], "Agricultura");
}

async fn names_in_any_language_find_the_learnings_tagged_with_them(app: TestApp) {
    agriculture(&app).await;
    let id = cocoa(&app).await;
    let other = learning(
        &app,
        RawLearning {
            countries: "GH".into(),
            ..raw(
                "Birth registration opened school doors",
                "Certificates let children enrol.",
            )
        },
        "published",
    )
    .await;
    let ids = |outcome: &Outcome| outcome.hits.iter().map(|h| h.id).collect::<Vec<_>>();
    for query in [
        "q=Costa+de+Marfil",
        "q=C%C3%B4te+d%27Ivoire",
        "q=cote+d%27ivoire",
        "q=P%C3%A9rou",
        "q=Per%C3%BA",
        "q=agricultura",
        "q=mi-parcours",
    ] {
        let found = find(&app, query, Audience::Public).await;
        assert_eq!(ids(&found), vec![id], "{query}");
    }
    let ghana = find(&app, "q=Ghana", Audience::Public).await;
    assert_eq!(ids(&ghana), vec![other]);
    // And through the page, in whatever language it is shown.
    let page = fetch(&app, "/learnings?q=Costa+de+Marfil", "fr").await;
    assert!(page.contains(&format!("/learnings/{id}\"")), "{page}");
    assert!(!page.contains(&format!("/learnings/{other}\"")), "{page}");
}

async fn a_missing_translation_falls_back_to_english(app: TestApp) {
    // A term and a theme an admin added in English only.
    app.sql(
        "INSERT INTO taxonomy_terms (vocabulary, code, label, position) \
         VALUES ('sector', 'brick_kilns', 'Brick kilns', 99)",
    )
    .await;
    create_theme(app.db(), "hazardous-work", "Hazardous work")
        .await
        .expect("theme");
    let id = learning(
        &app,
        RawLearning {
            sector: "brick_kilns".into(),
            evaluation_type: "final".into(),
            themes: "hazardous-work".into(),
            ..raw(
                "Kiln owners signed a code",
                "Owners agreed to hire adults only.",
            )
        },
        "published",
    )
    .await;
    let page = fetch(&app, &format!("/learnings/{id}"), "fr").await;
    assert!(page.contains("Brick kilns"), "{page}");
    assert!(page.contains("Hazardous work"), "{page}");
    assert!(
        page.contains("Évaluation finale"),
        "translated ones still are: {page}"
    );
    let theme = fetch(&app, "/themes/hazardous-work", "es").await;
    assert!(theme.contains("<h1>Hazardous work</h1>"), "{theme}");
    let found = find(&app, "q=kilns", Audience::Public).await;
    assert_eq!(found.total, 1);
}

async fn imports_take_names_in_any_language(app: TestApp) {
    agriculture(&app).await;
    let file = r#"{"learnings": [
      {"external_id": "L-1", "description": "Cocoa farmers' groups paid school fees.",
       "countries": ["Costa de Marfil", "pérou", "GH"], "themes": ["Agricultura"],
       "evaluation_type": "Évaluation à mi-parcours", "sector": "agricultura"}
    ]}"#;
    let options = Options {
        source_name: "labels.json".into(),
        ..Options::default()
    };
    let report = import::import(
        app.db(),
        Kind::Learnings,
        Format::Json,
        file.as_bytes(),
        &options,
    )
    .await
    .expect("import runs");
    assert!(report.is_clean(), "{}", report.to_text("en"));
    let stored = learnings::Entity::find()
        .filter(learnings::Column::ExternalId.eq("L-1"))
        .one(app.db())
        .await
        .expect("db")
        .expect("stored");
    let fields = fora::learnings::store::fields_of(app.db(), &stored)
        .await
        .expect("fields");
    let terms = taxonomy_terms::Entity::find()
        .all(app.db())
        .await
        .expect("terms");
    let code = |id: i32| {
        terms
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.code.clone())
            .expect("term")
    };
    let mut countries: Vec<String> = fields.country_ids.iter().map(|id| code(*id)).collect();
    countries.sort();
    assert_eq!(countries, ["CI", "GH", "PE"]);
    assert_eq!(fields.theme_ids.len(), 1);
    assert_eq!(code(stored.evaluation_type_id.expect("set")), "midterm");
    assert_eq!(code(stored.sector_id.expect("set")), "agriculture");
    // An unknown name is still refused, by line and field.
    let bad = r#"{"learnings": [{"description": "Elsewhere.", "countries": ["Atlantis"]}]}"#;
    let report = import::import(
        app.db(),
        Kind::Learnings,
        Format::Json,
        bad.as_bytes(),
        &options,
    )
    .await
    .expect("import runs");
    assert!(!report.is_clean());
    assert!(report.to_text("en").contains("Atlantis"));
}

async fn members_read_their_forums_themes_in_their_language(app: TestApp) {
    let forum = app.forum("cacao", "post").await;
    app.sql(&format!(
        "UPDATE themes SET name_es = 'Agricultura' WHERE id = {}",
        forum.theme_id
    ))
    .await;
    let member = app.user("ana@example.org", "Ana").await;
    app.join(&forum, &member, "member").await;
    app.sql("UPDATE users SET locale = 'es' WHERE email = 'ana@example.org'")
        .await;
    let client = app.login(&member.email).await;
    let list = client.get("/forums").await;
    assert!(list.body.contains("Agricultura"), "{}", list.body);
    let page = client.get("/forums/cacao").await;
    assert!(page.body.contains("Agricultura"), "{}", page.body);
    assert!(!page.body.contains(">Agriculture<"), "{}", page.body);
}
