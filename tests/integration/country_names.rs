//! Countries are typed by name, in any of the three languages, or by code, in the learning and
//! product forms; they come back as names in the reader's language when the item is edited.

use fora::{
    entities::{learnings, products},
    learnings::store as learning_store,
    products::store as product_store,
    taxonomy::{Taxonomy, Vocabulary},
};
use sea_orm::EntityTrait;

use crate::support::{Client, Response, TestApp};

crate::on_both_databases!(
    learning_form_reads_names_in_every_language_and_codes,
    learning_form_names_what_it_does_not_know,
    product_form_shares_the_country_rules,
);

/// The codes of the countries stored for the learning at `location` (`/learnings/{id}`).
async fn learning_countries(app: &TestApp, location: &str) -> Vec<String> {
    let id: i32 = location
        .trim_start_matches("/learnings/")
        .parse()
        .expect("learning id");
    let learning = learnings::Entity::find_by_id(id)
        .one(app.db())
        .await
        .expect("read")
        .expect("learning");
    let fields = learning_store::fields_of(app.db(), &learning)
        .await
        .expect("fields");
    codes(app, &fields.country_ids).await
}

async fn codes(app: &TestApp, ids: &[i32]) -> Vec<String> {
    let taxonomy = Taxonomy::load(app.db()).await.expect("taxonomy");
    let mut codes: Vec<String> = ids
        .iter()
        .map(|id| taxonomy.term(*id).expect("term").code.clone())
        .collect();
    codes.sort();
    codes
}

/// The admin reads pages in `lang` (members choose it on their profile).
async fn speaks(app: &TestApp, lang: &str) {
    app.sql(&format!(
        "UPDATE users SET locale = '{lang}' WHERE email = 'admin@example.org'"
    ))
    .await;
    app.state.caches.bump();
}

/// A new learning, its description new each time (the same one twice is a duplicate).
async fn new_learning(admin: &Client, countries: &str) -> Response {
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let description = format!("Community watch groups found children at work ({n}).");
    admin.get("/learnings/new").await;
    admin
        .post(
            "/learnings/new",
            &[("description", &description), ("countries", countries)],
        )
        .await
}

async fn learning_form_reads_names_in_every_language_and_codes(app: TestApp) {
    app.admin().await;
    let admin = app.login("admin@example.org").await;

    // French and Spanish names, codes, no regard to case or accents, three separators, and a
    // name holding a comma beside a country whose name is its first part.
    let typed =
        "pérou; COSTA DE MARFIL, ke\nCongo, The Democratic Republic of the, Congo; Kenya; GH";
    let created = new_learning(&admin, typed).await;
    created.assert_status(303);
    let location = created.location.clone().expect("location");
    assert_eq!(
        learning_countries(&app, &location).await,
        ["CD", "CG", "CI", "GH", "KE", "PE"]
    );

    // Editing shows them as names in the reader's language, separated by semicolons, and
    // saving that text unchanged keeps the same countries.
    speaks(&app, "fr").await;
    let edit = admin.get(&format!("{location}/edit")).await;
    edit.assert_status(200);
    assert!(
        edit.body.contains("; République démocratique du Congo\""),
        "{}",
        edit.body
    );
    assert!(edit.body.contains("Pérou") && !edit.body.contains("value=\"CD"));
    assert!(edit.body.contains("Noms ou codes ISO"));
    assert!(edit.body.contains("aria-describedby=\"countries-hint\""));
    speaks(&app, "en").await;
    let english = admin.get(&format!("{location}/edit")).await;
    let shown = english
        .body
        .split("name=\"countries\" type=\"text\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("countries field")
        .to_string();
    assert!(
        shown.contains("Congo, The Democratic Republic of the; "),
        "{shown}"
    );
    let saved = admin
        .post(
            &format!("{location}/edit"),
            &[
                (
                    "description",
                    "Community watch groups found children at work.",
                ),
                ("countries", &shown.replace("&#39;", "'")),
            ],
        )
        .await;
    saved.assert_status(303);
    assert_eq!(
        learning_countries(&app, &location).await,
        ["CD", "CG", "CI", "GH", "KE", "PE"]
    );

    // Empty pieces and duplicates are nothing; an empty list clears the countries.
    let sparse = new_learning(&admin, " ; ,, Ghana;;\n gh ; ghana ,").await;
    sparse.assert_status(303);
    assert_eq!(
        learning_countries(&app, &sparse.location.clone().expect("location")).await,
        ["GH"]
    );

    // Every country of the world, by its French name, in one list.
    let taxonomy = Taxonomy::load(app.db()).await.expect("taxonomy");
    let all: Vec<i32> = taxonomy
        .terms_of(Vocabulary::Country)
        .map(|term| term.id)
        .collect();
    assert!(all.len() > 200);
    let everything = taxonomy.names_listed(&all, "fr");
    let world = new_learning(&admin, &everything).await;
    world.assert_status(303);
    assert_eq!(
        learning_countries(&app, &world.location.clone().expect("location"))
            .await
            .len(),
        all.len()
    );
}

async fn learning_form_names_what_it_does_not_know(app: TestApp) {
    app.admin().await;
    let admin = app.login("admin@example.org").await;

    let typed = "Kenia; GH, Atlantis";
    let refused = new_learning(&admin, typed).await;
    refused.assert_status(422);
    assert!(refused.body.contains("Unknown country: <q>Kenia</q>"));
    assert!(refused.body.contains("Unknown country: <q>Atlantis</q>"));
    assert!(refused.body.contains("value=\"Kenia; GH, Atlantis\""));

    let spanish = {
        speaks(&app, "es").await;
        new_learning(&admin, "Perú; Kenia").await
    };
    spanish.assert_status(422);
    assert!(spanish.body.contains("País desconocido: <q>Kenia</q>"));
    speaks(&app, "en").await;

    // Markup is a name like any other: unknown, and shown as text.
    let markup = new_learning(&admin, "<script>alert(1)</script>; KE").await;
    markup.assert_status(422);
    assert!(!markup.body.contains("<script>alert(1)"));
    assert!(
        markup
            .body
            .contains("Unknown country: <q>&lt;script&gt;alert(1)&lt;/script&gt;</q>")
    );

    // A list longer than every country named in full is refused whole, and kept.
    let long = "Kenya; ".repeat(1_200);
    let refused = new_learning(&admin, &long).await;
    refused.assert_status(422);
    assert!(refused.body.contains("too long"), "{}", refused.body);
    assert!(refused.body.contains(long.trim_end()));

    assert!(
        learnings::Entity::find()
            .all(app.db())
            .await
            .expect("read")
            .is_empty()
    );
}

async fn product_form_shares_the_country_rules(app: TestApp) {
    app.admin().await;
    let admin = app.login("admin@example.org").await;
    admin.get("/products/new").await;
    let product = |countries: &'static str| {
        [
            ("title", "A guide to school meals"),
            ("summary", "How to run school meals."),
            ("url", "https://example.org/meals"),
            ("countries", countries),
            ("language", "en"),
        ]
    };
    let refused = admin
        .post("/products/new", &product("Costa de Marfil; Kenia"))
        .await;
    refused.assert_status(422);
    assert!(refused.body.contains("Unknown country: <q>Kenia</q>"));
    assert!(refused.body.contains("value=\"Costa de Marfil; Kenia\""));
    assert!(refused.body.contains("separated by semicolons"));

    let created = admin
        .post(
            "/products/new",
            &product("Costa de Marfil; Congo, The Democratic Republic of the; ke"),
        )
        .await;
    created.assert_status(303);
    let location = created.location.clone().expect("location");
    let id: i32 = location
        .trim_start_matches("/products/")
        .parse()
        .expect("product id");
    let row = products::Entity::find_by_id(id)
        .one(app.db())
        .await
        .expect("read")
        .expect("product");
    let fields = product_store::fields_of(app.db(), &row)
        .await
        .expect("fields");
    assert_eq!(codes(&app, &fields.country_ids).await, ["CD", "CI", "KE"]);

    speaks(&app, "es").await;
    let edit = admin.get(&format!("{location}/edit")).await;
    edit.assert_status(200);
    assert!(
        edit.body
            .contains("value=\"Costa de Marfil; Kenya; República Democrática del Congo\""),
        "{}",
        edit.body
    );
    assert!(edit.body.contains("Nombres o códigos ISO"));
}
