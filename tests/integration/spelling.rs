//! Words no visible learning holds: when the question as typed finds nothing, the closest
//! words that visible learnings hold are searched instead (unless `typed=1`); when it finds
//! something, its results stay, and a correction to a common word is only offered. On the page
//! and in the API; what drafts hold never shows through a correction.

use fora::{
    entities::learnings::LearningStatus,
    learnings::{fields::RawLearning, store},
};
use sea_orm::EntityTrait;
use serde_json::Value;

use crate::library_search::{learning, raw};
use crate::support::TestApp;

crate::on_both_databases!(
    misspelt_words_are_searched_as_the_closest_held_word,
    corrections_never_tell_of_drafts,
    spelling_survives_hostile_input,
);

struct Library {
    inspection: i32,
    kasunga: i32,
    draft: i32,
}

async fn library(app: &TestApp) -> Library {
    let inspection = learning(
        app,
        raw(
            "Labour inspection in cocoa farms",
            "Inspectors trained by the project visited the farms and the village committees.",
        ),
        "published",
    )
    .await;
    let kasunga = learning(
        app,
        raw(
            "Kasunga district committees",
            "The Kasunga committees met every month with the teachers.",
        ),
        "published",
    )
    .await;
    let draft = learning(
        app,
        raw(
            "Planned visits",
            "Visits to Kasungu and Ouagadougou were planned with the committees and the inspectión.",
        ),
        "draft",
    )
    .await;
    learning(
        app,
        raw(
            "Committees in schools",
            "School committees followed every child who left. Small grants paid the fees.",
        ),
        "published",
    )
    .await;
    // A French learning: "travail" is held, "travial" is a slip.
    learning(
        app,
        RawLearning {
            language: "fr".into(),
            ..raw(
                "Le travail des enfants dans les mines",
                "Les comités ont suivi le travail des enfants.",
            )
        },
        "published",
    )
    .await;
    // A Spanish learning: a suggestion is written with its accents.
    learning(
        app,
        RawLearning {
            language: "es".into(),
            ..raw(
                "La educación de los niños",
                "La educación llegó a los niños trabajadores del campo.",
            )
        },
        "published",
    )
    .await;
    Library {
        inspection,
        kasunga,
        draft,
    }
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).expect("a JSON answer")
}

fn corrections(answer: &Value) -> Vec<String> {
    answer["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["code"] == "spelling_corrected")
        .map(|n| {
            n["value"]
                .as_str()
                .expect("the question searched")
                .to_string()
        })
        .collect()
}

async fn misspelt_words_are_searched_as_the_closest_held_word(app: TestApp) {
    let library = library(&app).await;
    let client = app.client();

    // Nothing holds either word as typed: the corrected question is searched.
    let page = client.get("/learnings?q=Inspecton+cocao").await;
    page.assert_status(200);
    assert!(
        page.body
            .contains("Showing results for <strong>inspection cocoa</strong>."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("href=\"/learnings?q=Inspecton+cocao&amp;typed=1\">Search instead for “Inspecton cocao”</a>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("/learnings/{}\"", library.inspection))
    );
    assert!(
        page.body.contains("name=\"q\" value=\"Inspecton cocao\""),
        "the box keeps what was typed"
    );

    // "cocoa" finds a learning: its results stay. "committees" is held by three learnings,
    // so the question with it is offered; "inspection" by one, so it is not.
    let offered = client.get("/learnings?q=comittees+cocoa").await;
    assert!(
        offered.body.contains("Showing 1–1 of 1"),
        "{}",
        offered.body
    );
    assert!(
        offered.body.contains(
            "Did you mean <a href=\"/learnings?q=committees+cocoa\"><strong>committees cocoa</strong></a>?"
        ),
        "{}",
        offered.body
    );
    let kept = client.get("/learnings?q=inspecton+cocoa").await;
    assert!(kept.body.contains("Showing 1–1 of 1"), "{}", kept.body);
    assert!(!kept.body.contains("Did you mean") && !kept.body.contains("Showing results for"));

    // Alone, the slip finds nothing as typed and the right learning corrected.
    let corrected = client.get("/learnings?q=inspecton").await;
    assert!(
        corrected.body.contains("Showing 1–1 of 1"),
        "{}",
        corrected.body
    );
    let as_typed = client.get("/learnings?q=inspecton&typed=1").await;
    as_typed.assert_status(200);
    assert!(
        as_typed.body.contains("No learnings match"),
        "{}",
        as_typed.body
    );
    assert!(!as_typed.body.contains("Showing results for"));

    // Inside quotes and joined words too; a swap of two letters is one slip.
    let phrase = client.get("/learnings?q=%22labour+inspecton%22").await;
    assert!(phrase.body.contains("Showing 1–1 of 1"), "{}", phrase.body);
    let swapped = client.get("/learnings?q=kasnuga").await;
    assert!(
        swapped
            .body
            .contains(&format!("/learnings/{}\"", library.kasunga)),
        "{}",
        swapped.body
    );

    // A word no learning holds with no close word of the same first letter stays as typed:
    // "migrants" is not a slip of "grants".
    let migrants = json(&client.get("/api/v1/learnings?q=migrants").await.body);
    assert!(corrections(&migrants).is_empty(), "{migrants}");
    assert_eq!(migrants["total"], 0);

    // Words that are held, short words, stop words, prefixes, numbers and exclusions stay.
    for query in [
        "inspection",
        "inspectors",
        "teh+cocoa",
        "the+cocoa",
        "inspecti*",
        "cocoa+2019",
        "cocoa+-inspecton",
        "WFCL",
    ] {
        let answer = json(
            &client
                .get(&format!("/api/v1/learnings?q={query}"))
                .await
                .assert_status(200)
                .body,
        );
        assert!(corrections(&answer).is_empty(), "{query}: {answer}");
    }

    // The API says what it searched; typed=1 searches as typed; other values are no choice.
    let api = json(&client.get("/api/v1/learnings?q=inspecton+cocao").await.body);
    assert_eq!(corrections(&api), ["inspection cocoa"], "{api}");
    assert_eq!(api["total"], 1);
    let notice = &api["notices"][0];
    assert_eq!(notice["parameter"], "q");
    assert!(
        notice["message"]
            .as_str()
            .unwrap()
            .contains("“inspecton”, “cocao”"),
        "{api}"
    );
    let api = json(&client.get("/api/v1/learnings?q=comittees+cocoa").await.body);
    assert!(corrections(&api).is_empty(), "{api}");
    assert_eq!(api["notices"][0]["code"], "spelling_offered", "{api}");
    assert_eq!(api["notices"][0]["value"], "committees cocoa", "{api}");
    assert_eq!(api["total"], 1);
    let typed = json(
        &client
            .get("/api/v1/learnings?q=inspecton&typed=1")
            .await
            .body,
    );
    assert!(corrections(&typed).is_empty(), "{typed}");
    assert_eq!(typed["total"], 0);
    assert!(
        typed["notices"].as_array().unwrap().is_empty(),
        "typed is a known parameter: {typed}"
    );
    for value in ["yes", "0", "", "11", "%E2%9C%93"] {
        let answer = json(
            &client
                .get(&format!("/api/v1/learnings?q=inspecton&typed={value}"))
                .await
                .assert_status(200)
                .body,
        );
        assert_eq!(corrections(&answer), ["inspection"], "typed={value}");
    }

    // Two words run together are read as both, standing together; a stop word is no part.
    let joined = json(
        &client
            .get("/api/v1/learnings?q=labourinspection")
            .await
            .body,
    );
    assert_eq!(corrections(&joined), ["labour inspection"], "{joined}");
    assert_eq!(joined["items"][0]["id"], library.inspection, "{joined}");
    let page = client.get("/learnings?q=Cocoafarms").await;
    assert!(
        page.body
            .contains("Showing results for <strong>cocoa farms</strong>."),
        "{}",
        page.body
    );
    let stop = json(&client.get("/api/v1/learnings?q=thecocoa").await.body);
    assert!(corrections(&stop).is_empty(), "{stop}");

    // A feed of the slip follows the question searched, and says which.
    let feed = client
        .get("/feeds/learnings.atom?q=inspecton")
        .await
        .assert_status(200)
        .body
        .clone();
    assert!(
        feed.contains("<title>Fora learnings: “inspection”</title>"),
        "{feed}"
    );
    assert!(feed.contains("Labour inspection in cocoa farms"), "{feed}");
    let feed = client
        .get("/feeds/learnings.atom?q=inspecton&typed=1")
        .await
        .assert_status(200)
        .body
        .clone();
    assert!(
        feed.contains("<title>Fora learnings: “inspecton”</title>"),
        "{feed}"
    );
    assert!(!feed.contains("<entry>"), "{feed}");

    // In French.
    let french_api = json(&client.get("/api/v1/learnings?q=travial+enfans").await.body);
    assert_eq!(corrections(&french_api), ["travail enfants"]);
    assert_eq!(
        french_api["items"][0]["title"], "Le travail des enfants dans les mines",
        "{french_api}"
    );

    // In Spanish, the suggestion keeps the accents the learning writes; a word typed without
    // its accents is held as it is.
    let spanish = client.get("/learnings?q=educacoin").await;
    assert!(
        spanish
            .body
            .contains("Showing results for <strong>educación</strong>."),
        "{}",
        spanish.body
    );
    let spanish_api = json(&client.get("/api/v1/learnings?q=educacoin").await.body);
    assert_eq!(corrections(&spanish_api), ["educación"], "{spanish_api}");
    assert!(
        spanish_api["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|item| item["title"] == "La educación de los niños"),
        "{spanish_api}"
    );
    let unaccented = json(&client.get("/api/v1/learnings?q=educacion+ninos").await.body);
    assert!(corrections(&unaccented).is_empty(), "{unaccented}");
    assert!(
        unaccented["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|item| item["title"] == "La educación de los niños"),
        "{unaccented}"
    );
}

async fn corrections_never_tell_of_drafts(app: TestApp) {
    let library = library(&app).await;
    app.admin().await;
    let admin = app.login("admin@example.org").await;
    let visitor = app.client();

    // Only the draft holds "ouagadougou": nobody else is offered it.
    let page = visitor.get("/learnings?q=ouagadugou").await;
    page.assert_status(200);
    assert!(page.body.contains("No learnings match"), "{}", page.body);
    assert!(
        !page.body.to_lowercase().contains("ouagadougou"),
        "{}",
        page.body
    );
    let api = json(&visitor.get("/api/v1/learnings?q=ouagadugou").await.body);
    assert!(corrections(&api).is_empty(), "{api}");
    // A knowledge manager sees drafts, and is offered their words.
    let managers = admin.get("/learnings?q=ouagadugou").await;
    assert!(
        managers
            .body
            .contains("Showing results for <strong>ouagadougou</strong>"),
        "{}",
        managers.body
    );
    assert!(
        managers
            .body
            .contains(&format!("/learnings/{}\"", library.draft))
    );

    // Only the draft writes "inspectión": a visitor's suggestion is written as the
    // published learning writes it.
    let api = json(&visitor.get("/api/v1/learnings?q=inspecton").await.body);
    assert_eq!(corrections(&api), ["inspection"], "{api}");
    let page = visitor.get("/learnings?q=inspecton").await;
    assert!(!page.body.contains("inspectión"), "{}", page.body);

    // Nor is a run-together word cut at a word only the draft holds.
    let api = json(
        &visitor
            .get("/api/v1/learnings?q=ouagadougoufarms")
            .await
            .body,
    );
    assert!(corrections(&api).is_empty(), "{api}");
    assert_eq!(api["total"], 0);
    let managers = admin.get("/learnings?q=ouagadougoufarms").await;
    assert!(
        managers
            .body
            .contains("Showing results for <strong>ouagadougou farms</strong>"),
        "{}",
        managers.body
    );

    // "kasungu" is held by the draft alone: for a visitor it is held by nothing, and is read
    // as the published "kasunga" exactly as if the draft did not exist.
    let api = json(&visitor.get("/api/v1/learnings?q=kasungu").await.body);
    assert_eq!(corrections(&api), ["kasunga"], "{api}");
    assert_eq!(api["total"], 1);
    let managers = admin.get("/learnings?q=kasungu").await;
    assert!(
        !managers.body.contains("Showing results for"),
        "{}",
        managers.body
    );
    assert!(
        managers
            .body
            .contains(&format!("/learnings/{}\"", library.draft))
    );

    // Published now: everyone finds it as typed.
    let draft = fora::entities::learnings::Entity::find_by_id(library.draft)
        .one(app.db())
        .await
        .expect("db")
        .expect("the draft");
    store::set_status(
        app.db(),
        draft,
        LearningStatus::Published,
        None,
        "published",
        "",
        fora::db::now(),
    )
    .await
    .expect("published");
    let api = json(&visitor.get("/api/v1/learnings?q=kasungu").await.body);
    assert!(corrections(&api).is_empty(), "{api}");
    assert_eq!(api["total"], 1);
}

async fn spelling_survives_hostile_input(app: TestApp) {
    library(&app).await;
    let client = app.client();
    let long_word = "inspecton".repeat(6);
    for query in [
        "🙂🙂+inspecton",
        "児童労働+inspecton",
        "عمل+inspecton",
        long_word.as_str(),
        "%22%22%22inspecton",
        "inspecton*",
        "-inspecton",
        "title%3Ainspecton+status%3Adraft",
        "inspecton+OR+kasnuga",
        "ñandú+ïnspëctön",
    ] {
        for path in [
            "/learnings",
            "/api/v1/learnings",
            "/products",
            "/api/v1/products",
        ] {
            let answer = client.get(&format!("{path}?q={query}")).await;
            assert_eq!(answer.status, 200, "{path}?q={query}: {}", answer.body);
            assert!(!answer.body.contains("Planned visits"), "{path}?q={query}");
        }
    }
    // Accents are folded before words are compared: the correction needs none.
    let folded = json(
        &client
            .get("/api/v1/learnings?q=%C3%AFnsp%C3%ABct%C3%B6n")
            .await
            .body,
    );
    assert_eq!(corrections(&folded), ["inspection"], "{folded}");
}
