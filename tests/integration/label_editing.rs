//! Translations after creation (issue 13): admins edit a term's French and Spanish labels and a
//! theme's French and Spanish names and its descriptions; the change is logged and reaches the
//! search index through its change log. The API names things in the language `?lang=` asks
//! for, and refuses any other. The newsletter's manage page names themes in the subscriber's
//! language.

use fora::{
    admin::service::create_theme,
    entities::{taxonomy_terms, themes},
    learnings::{fields::RawLearning, search::Audience},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::{
    library_search::{find, learning, raw},
    support::{Client, TestApp},
};

crate::on_both_databases!(
    admins_edit_a_terms_translations,
    term_translations_refuse_bad_input,
    admins_edit_a_themes_names_and_descriptions,
    the_api_names_things_in_the_language_asked_for,
    the_manage_page_names_themes_in_the_subscribers_language,
);

const MIDTERM: &str = "/admin/vocabularies/evaluation_type/midterm";

async fn admin(app: &TestApp) -> Client {
    app.admin().await;
    app.login("admin@example.org").await
}

async fn midterm(app: &TestApp) -> taxonomy_terms::Model {
    taxonomy_terms::Entity::find()
        .filter(taxonomy_terms::Column::Vocabulary.eq("evaluation_type"))
        .filter(taxonomy_terms::Column::Code.eq("midterm"))
        .one(app.db())
        .await
        .expect("term")
        .expect("seeded")
}

/// A published midterm evaluation from Peru whose own text names neither.
async fn peruvian_midterm(app: &TestApp) -> i32 {
    learning(
        app,
        RawLearning {
            countries: "PE".into(),
            evaluation_type: "midterm".into(),
            ..raw(
                "Cooperatives kept children in school",
                "Farmer groups paid school fees during the harvest.",
            )
        },
        "published",
    )
    .await
}

async fn found(app: &TestApp, query: &str) -> Vec<i32> {
    find(app, query, Audience::Public)
        .await
        .hits
        .iter()
        .map(|hit| hit.id)
        .collect()
}

async fn admins_edit_a_terms_translations(app: TestApp) {
    let id = peruvian_midterm(&app).await;
    let admin = admin(&app).await;
    assert!(found(&app, "q=revue+interm%C3%A9diaire").await.is_empty());

    let list = admin.get("/admin/vocabularies").await;
    assert!(
        list.body.contains(&format!("href=\"{MIDTERM}\"")),
        "{}",
        list.body
    );
    let form = admin.get(MIDTERM).await;
    form.assert_status(200);
    assert!(
        form.body.contains("value=\"Évaluation à mi-parcours\""),
        "{}",
        form.body
    );
    assert!(form.body.contains("value=\"Evaluación intermedia\""));

    // Tabs and runs of spaces become one space; markup is kept as text.
    let saved = admin
        .post(
            MIDTERM,
            &[("label_fr", " Revue\tintermédiaire  <i>"), ("label_es", "")],
        )
        .await;
    saved.assert_status(303);
    assert_eq!(saved.location.as_deref(), Some(MIDTERM));
    let term = midterm(&app).await;
    assert_eq!(term.label_fr, "Revue intermédiaire <i>");
    assert_eq!(term.label_es, "");
    let page = admin.get(MIDTERM).await;
    assert!(page.body.contains("Saved."), "{}", page.body);
    assert!(
        page.body
            .contains("value=\"Revue intermédiaire &lt;i&gt;\"")
    );

    // The pages and the search index follow at once, in every language.
    assert_eq!(found(&app, "q=revue+interm%C3%A9diaire").await, vec![id]);
    let french = app.client();
    french.get("/language/fr?next=/").await;
    let page = french.get(&format!("/learnings/{id}")).await;
    assert!(
        page.body.contains("Revue intermédiaire &lt;i&gt;"),
        "{}",
        page.body
    );
    let spanish = app.client();
    spanish.get("/language/es?next=/").await;
    let page = spanish.get(&format!("/learnings/{id}")).await;
    assert!(
        page.body.contains("Midterm"),
        "an empty translation shows English"
    );

    // The admin's log says who changed what.
    let log = admin.get("/admin/log").await;
    assert!(
        log.body.contains("changed the translations of term"),
        "{}",
        log.body
    );
    assert!(log.body.contains("evaluation_type/midterm"));
    assert!(
        !log.body.contains("term #"),
        "the term is named: {}",
        log.body
    );
    // Saving the same labels again changes and logs nothing.
    admin
        .post(
            MIDTERM,
            &[("label_fr", "Revue intermédiaire <i>"), ("label_es", "")],
        )
        .await
        .assert_status(303);
    let log = admin.get("/admin/log").await;
    assert_eq!(
        log.body.matches("changed the translations of term").count(),
        1
    );
}

async fn term_translations_refuse_bad_input(app: TestApp) {
    let admin = admin(&app).await;
    let before = midterm(&app).await;

    // Too long: both fields named, what was typed shown again.
    let long = "é".repeat(121);
    let refused = admin
        .post(MIDTERM, &[("label_fr", &long), ("label_es", &long)])
        .await;
    refused.assert_status(422);
    assert!(
        refused.body.contains("href=\"#label_fr\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("href=\"#label_es\""));
    assert!(refused.body.contains(&format!("value=\"{long}\"")));
    assert!(refused.body.contains("aria-invalid=\"true\""));
    // Just short enough is fine.
    admin
        .post(
            MIDTERM,
            &[("label_fr", &"é".repeat(120)), ("label_es", "x")],
        )
        .await
        .assert_status(303);
    admin
        .post(
            MIDTERM,
            &[
                ("label_fr", &before.label_fr),
                ("label_es", &before.label_es),
            ],
        )
        .await
        .assert_status(303);

    // Control characters are refused at the edge.
    for bad in ["Revue\u{0}", "Revue\u{1b}[31m", "\u{7f}"] {
        admin
            .post(MIDTERM, &[("label_fr", bad), ("label_es", "")])
            .await
            .assert_status(400);
    }
    // No token, no change.
    let no_token = admin
        .post_raw(MIDTERM, &[("label_fr", "Sans jeton"), ("label_es", "")])
        .await;
    assert_eq!(no_token.status, 403);
    // Terms that do not exist, and people who are not admins, get 404.
    for path in [
        "/admin/vocabularies/evaluation_type/nope",
        "/admin/vocabularies/nope/midterm",
        "/admin/vocabularies/evaluation_type/%3Cscript%3E",
    ] {
        admin.get(path).await.assert_status(404);
        admin
            .post(path, &[("label_fr", "x"), ("label_es", "y")])
            .await
            .assert_status(404);
    }
    app.user("member@example.org", "Member").await;
    let member = app.login("member@example.org").await;
    member.get(MIDTERM).await.assert_status(404);
    member
        .post(MIDTERM, &[("label_fr", "Piraté"), ("label_es", "")])
        .await
        .assert_status(404);
    // A visitor is asked to sign in, as on every admin page.
    let visitor = app.client().get(MIDTERM).await;
    assert_eq!(visitor.status, 303);
    assert!(
        visitor
            .location
            .as_deref()
            .unwrap_or("")
            .starts_with("/login")
    );
    let after = midterm(&app).await;
    assert_eq!(after, before, "nothing was changed by any of them");
}

async fn admins_edit_a_themes_names_and_descriptions(app: TestApp) {
    create_theme(app.db(), "agriculture", "Agriculture")
        .await
        .expect("theme");
    let id = learning(
        &app,
        RawLearning {
            themes: "agriculture".into(),
            ..raw("Harvest schools", "Farmer groups paid school fees.")
        },
        "published",
    )
    .await;
    let admin = admin(&app).await;
    let home = admin.get("/admin").await;
    assert!(
        home.body.contains("href=\"/admin/themes/agriculture\""),
        "{}",
        home.body
    );
    admin
        .get("/admin/themes/agriculture")
        .await
        .assert_status(200);
    assert!(found(&app, "q=agropecuaria").await.is_empty());
    let saved = admin
        .post(
            "/admin/themes/agriculture",
            &[
                ("name_fr", "Agriculture"),
                ("name_es", "Agricultura y ganadería agropecuaria"),
                (
                    "description",
                    "Children in farming.\r\n\r\nSecond paragraph.",
                ),
                ("description_fr", "Les enfants dans l’agriculture."),
                ("description_es", ""),
            ],
        )
        .await;
    saved.assert_status(303);
    let theme = themes::Entity::find()
        .filter(themes::Column::Slug.eq("agriculture"))
        .one(app.db())
        .await
        .expect("theme")
        .expect("theme");
    assert_eq!(theme.name, "Agriculture", "the English name stays");
    assert_eq!(
        theme.description,
        "Children in farming.\n\nSecond paragraph."
    );
    assert_eq!(found(&app, "q=agropecuaria").await, vec![id]);
    let french = app.client();
    french.get("/language/fr?next=/").await;
    let page = french.get("/themes/agriculture").await;
    assert!(
        page.body.contains("Les enfants dans l’agriculture."),
        "{}",
        page.body
    );
    let page = app.client().get("/themes/agriculture").await;
    assert!(
        page.body
            .contains("<p class=\"lead\">Second paragraph.</p>"),
        "{}",
        page.body
    );
    let log = admin.get("/admin/log").await;
    assert!(log.body.contains("changed the translations of theme"));

    // Bad input: every wrong field named, nothing lost, nothing saved.
    let refused = admin
        .post(
            "/admin/themes/agriculture",
            &[
                ("name_fr", &"n".repeat(201)),
                ("name_es", "Agricultura"),
                ("description", "Kept"),
                ("description_fr", &"d".repeat(2_001)),
                ("description_es", "Guardado"),
            ],
        )
        .await;
    refused.assert_status(422);
    assert!(
        refused.body.contains("href=\"#name_fr\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("href=\"#description_fr\""));
    assert!(refused.body.contains("Guardado"));
    admin
        .post(
            "/admin/themes/agriculture",
            &[("name_fr", "Agri\u{0}culture")],
        )
        .await
        .assert_status(400);
    admin
        .post("/admin/themes/nope", &[("name_fr", "x")])
        .await
        .assert_status(404);
    app.user("member@example.org", "Member").await;
    let member = app.login("member@example.org").await;
    member
        .get("/admin/themes/agriculture")
        .await
        .assert_status(404);
    member
        .post("/admin/themes/agriculture", &[("name_fr", "Piraté")])
        .await
        .assert_status(404);
    let unchanged = themes::Entity::find_by_id(theme.id)
        .one(app.db())
        .await
        .expect("theme")
        .expect("theme");
    assert_eq!(unchanged, theme);
}

async fn api(app: &TestApp, path: &str) -> (u16, Value) {
    let answer = app.client().get(path).await;
    let body = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
    (answer.status, body)
}

async fn the_api_names_things_in_the_language_asked_for(app: TestApp) {
    let id = peruvian_midterm(&app).await;
    let (status, french) = api(&app, &format!("/api/v1/learnings/{id}?lang=fr")).await;
    assert_eq!(status, 200, "{french}");
    assert_eq!(
        french["evaluation_type"]["label"],
        "Évaluation à mi-parcours"
    );
    assert_eq!(french["countries"][0]["label"], "Pérou");
    assert_eq!(
        french["evaluation_type"]["labels"]["es"],
        "Evaluación intermedia"
    );
    let (_, english) = api(&app, &format!("/api/v1/learnings/{id}")).await;
    assert_eq!(english["evaluation_type"]["label"], "Midterm");
    assert_eq!(english["countries"][0]["label"], "Peru");

    let (status, list) = api(&app, "/api/v1/learnings?lang=es&country=PE").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["items"][0]["evaluation_type"]["label"],
        "Evaluación intermedia"
    );
    assert_eq!(list["filters"][0]["label"], "Perú");
    assert!(
        list["notices"].as_array().expect("notices").is_empty(),
        "{list}"
    );
    let this = list["links"]["self"].as_str().expect("link");
    assert!(this.contains("lang=es"), "links keep the language: {this}");
    let (status, products) = api(&app, "/api/v1/products?lang=fr").await;
    assert_eq!(status, 200, "{products}");

    // Without `lang`, the best match of Accept-Language; `lang` wins over it; a header that
    // names none of the three, or is malformed or huge, is a preference: English, never a 400.
    let http = reqwest::Client::new();
    let with_header = |path: String, header: Vec<u8>| {
        let request = http
            .get(format!("{}{path}", app.base))
            .header("Accept-Language", header);
        async move {
            let answer = request.send().await.expect("GET");
            let status = answer.status().as_u16();
            let vary = answer
                .headers()
                .get("vary")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            (status, vary, body)
        }
    };
    let one = format!("/api/v1/learnings/{id}");
    let (status, vary, body) =
        with_header(one.clone(), b"es-PE, es;q=0.9, en;q=0.5".to_vec()).await;
    assert_eq!(status, 200, "{body}");
    assert!(vary.contains("Accept-Language"), "{vary}");
    assert_eq!(body["evaluation_type"]["label"], "Evaluación intermedia");
    let (_, _, body) = with_header(format!("{one}?lang=fr"), b"es".to_vec()).await;
    assert_eq!(body["evaluation_type"]["label"], "Évaluation à mi-parcours");
    let (_, _, list) = with_header(
        "/api/v1/learnings?country=PE".into(),
        b"fr-CA;q=0.8, de".to_vec(),
    )
    .await;
    assert_eq!(list["filters"][0]["label"], "Pérou");
    let this = list["links"]["self"].as_str().expect("link");
    assert!(
        !this.contains("lang="),
        "a header is not turned into lang: {this}"
    );
    let huge = "fr;q=0.1, ".repeat(600).into_bytes();
    for header in [
        b"de-DE, it".to_vec(),
        b"fr;q=0".to_vec(),
        b"fr;q=NaN".to_vec(),
        b";;;,,,q=".to_vec(),
        b"<b>fr</b>".to_vec(),
        vec![0xC3, 0x28, b'f', b'r'],
        huge,
    ] {
        let shown = String::from_utf8_lossy(&header)
            .chars()
            .take(40)
            .collect::<String>();
        let (status, _, body) = with_header(one.clone(), header.clone()).await;
        assert_eq!(status, 200, "{shown}: {body}");
        let label = body["evaluation_type"]["label"].as_str().unwrap_or("");
        assert!(
            ["Midterm", "Évaluation à mi-parcours"].contains(&label),
            "{shown}: {label}"
        );
    }
    let (_, _, body) = with_header(one.clone(), b"fr;q=0, de".to_vec()).await;
    assert_eq!(
        body["evaluation_type"]["label"], "Midterm",
        "q=0 means not French"
    );

    // The same language twice is fine; anything else is refused, as the document says.
    let (status, _) = api(&app, &format!("/api/v1/learnings/{id}?lang=es&lang=es")).await;
    assert_eq!(status, 200);
    let long = format!("lang={}", "f".repeat(3_000));
    for query in [
        "lang=de",
        "lang=",
        "lang=FR",
        "lang=fr-FR",
        "lang=%20fr",
        "lang=fr&lang=es",
        "lang=%3Cb%3E",
        long.as_str(),
    ] {
        for path in [
            format!("/api/v1/learnings?{query}"),
            format!("/api/v1/learnings/{id}?{query}"),
            format!("/api/v1/products?{query}"),
            format!("/api/v1/products/1?{query}"),
        ] {
            let (status, body) = api(&app, &path).await;
            assert_eq!(status, 400, "{path}: {body}");
            assert_eq!(body["error"], "bad_parameter", "{path}");
            assert!(
                body["message"].as_str().unwrap_or("").contains("lang"),
                "{body}"
            );
        }
    }
    let (status, _) = api(&app, "/api/v1/learnings?lang=fr%00").await;
    assert_eq!(status, 400, "control characters are refused at the edge");

    // The document describes it on every endpoint that answers labels.
    let (_, doc) = api(&app, "/api/v1/openapi.json").await;
    for path in [
        "/api/v1/learnings",
        "/api/v1/learnings/{id}",
        "/api/v1/products",
        "/api/v1/products/{id}",
    ] {
        let parameters = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .expect("parameters");
        let lang = parameters
            .iter()
            .find(|p| p["name"] == "lang")
            .unwrap_or_else(|| panic!("{path} documents lang"));
        assert_eq!(lang["in"], "query");
        assert_eq!(
            lang["schema"]["enum"],
            serde_json::json!(["en", "fr", "es"])
        );
    }
}

async fn the_manage_page_names_themes_in_the_subscribers_language(app: TestApp) {
    let theme = create_theme(app.db(), "agriculture", "Agriculture")
        .await
        .expect("theme");
    fora::admin::service::translate_theme(app.db(), theme, "Agriculture", "Agricultura")
        .await
        .expect("names");
    let row =
        crate::support::subscriber_row("ana@example.org", "weekly", &fora::link_tokens::new_salt());
    let mut row = row;
    row.language = sea_orm::ActiveValue::Set("es".into());
    let row = row.insert(app.db()).await.expect("subscriber");
    let path = fora::web::paths::newsletter_manage(&app.newsletter_token(&row));
    // An English page (the browser's language) names the themes as her newsletter does.
    let page = app.client().get(&path).await;
    page.assert_status(200);
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(
        page.body.contains("lang=\"es\">Agricultura</label>"),
        "{}",
        page.body
    );
    // In her own language there is nothing to mark.
    let spanish = app.client();
    spanish.get("/language/es?next=/").await;
    let page = spanish.get(&path).await;
    assert!(page.body.contains(">Agricultura</label>"), "{}", page.body);
    assert!(!page.body.contains("lang=\"es\">Agricultura</label>"));
}
