//! The learnings search: text and filters on both databases, facet counts, paging, visibility,
//! and everything a person can type into the box.

use fora::library::{
    fields::RawLearning,
    search::{self, Audience, Search, SearchParams},
    store,
    taxonomy::Taxonomy,
};

use crate::support::TestApp;

crate::on_both_databases!(
    search_core_matches_text_filters_and_counts,
    search_core_survives_hostile_queries,
);

/// Stores a learning with the given status; returns its id.
pub async fn learning(app: &TestApp, raw: RawLearning, status: &str) -> i32 {
    let taxonomy = Taxonomy::load(app.db()).await.expect("taxonomy");
    let fields = raw.validate(&taxonomy).expect("valid learning");
    store::insert(app.db(), &fields, status, None, fora::db::now())
        .await
        .expect("insert learning")
        .id
}

pub fn raw(title: &str, description: &str) -> RawLearning {
    RawLearning {
        title: title.into(),
        description: description.into(),
        project_title: "Pilares: civil society against child labour in Colombia".into(),
        ..RawLearning::default()
    }
}

async fn find(app: &TestApp, query: &str, audience: Audience) -> search::Outcome {
    let taxonomy = Taxonomy::load(app.db()).await.expect("taxonomy");
    let search = Search::resolve(SearchParams::from_query(Some(query)), &taxonomy, audience);
    search::run(app.db(), &search).await.expect("search runs")
}

async fn search_core_matches_text_filters_and_counts(app: TestApp) {
    app.sql("INSERT INTO themes (slug, name, description, created_at) VALUES ('education', 'Education', '', '2026-01-01 00:00:00+00:00')").await;
    let school = learning(
        &app,
        RawLearning {
            countries: "KE; UG".into(),
            evaluation_type: "final".into(),
            themes: "education".into(),
            year: "2019".into(),
            ..raw(
                "Schools that feed children keep them from work",
                "School feeding kept **children** in class during the harvest; enrolment rose in Kenya.",
            )
        },
        store::PUBLISHED,
    )
    .await;
    let accented = learning(
        &app,
        RawLearning {
            countries: "CO".into(),
            evaluation_type: "midterm".into(),
            learning_type: "good_practice".into(),
            language: "es".into(),
            ..raw(
                "Educación y registro",
                "La educación temprana y el registro de nacimientos protegen a los niños.",
            )
        },
        store::PUBLISHED,
    )
    .await;
    let draft = learning(
        &app,
        raw("Draft about school meals", "Unreviewed: school meals in Kenya."),
        store::DRAFT,
    )
    .await;

    let hit_ids = |o: &search::Outcome| o.hits.iter().map(|h| h.id).collect::<Vec<_>>();
    let all = find(&app, "", Audience::Public).await;
    assert_eq!(all.total, 2);
    assert_eq!(all.range(), (1, 2));
    let school_hits = find(&app, "q=school", Audience::Public).await;
    assert_eq!(hit_ids(&school_hits), vec![school], "drafts never reach the public");
    assert!(school_hits.hits[0].snippet.contains(search::MARK_START));
    let managers = find(&app, "q=school", Audience::KnowledgeManager).await;
    assert_eq!(managers.total, 2);
    let drafts_only = find(&app, "q=school&status=draft", Audience::KnowledgeManager).await;
    assert_eq!(hit_ids(&drafts_only), vec![draft]);
    // Diacritics folded on SQLite; stemming on both ("feeds" finds "feed", "feeding").
    let folded = find(&app, "q=educacion", Audience::Public).await;
    if app.database_url.starts_with("sqlite") {
        assert_eq!(hit_ids(&folded), vec![accented]);
    }
    assert_eq!(hit_ids(&find(&app, "q=feeds", Audience::Public).await), vec![school]);
    // Filters combine with text and with each other.
    assert_eq!(
        hit_ids(&find(&app, "country=ke&evaluation_type=final&theme=education", Audience::Public).await),
        vec![school]
    );
    assert_eq!(find(&app, "q=school&country=CO", Audience::Public).await.total, 0);
    assert_eq!(
        hit_ids(&find(&app, "type=good_practice&language=es", Audience::Public).await),
        vec![accented]
    );
    assert_eq!(hit_ids(&find(&app, "year=2019", Audience::Public).await), vec![school]);
    let project = find(
        &app,
        "project=Pilares%3A+civil+society+against+child+labour+in+Colombia&q=registro",
        Audience::Public,
    )
    .await;
    assert_eq!(hit_ids(&project), vec![accented]);
    // Facet counts describe the whole result set.
    let taxonomy = Taxonomy::load(app.db()).await.unwrap();
    let by_vocabulary = search::facets_by_vocabulary(&all, &taxonomy);
    let countries = &by_vocabulary[&fora::library::taxonomy::Vocabulary::Country];
    assert_eq!(countries.len(), 3);
    assert!(countries.iter().all(|(_, _, n)| *n == 1));
    assert_eq!(all.facets["type"].len(), 2);
    assert_eq!(all.facets["project"][0].count, 2);
    assert_eq!(all.facets["theme"][0].count, 1);
}

async fn search_core_survives_hostile_queries(app: TestApp) {
    for i in 0..15 {
        learning(
            &app,
            raw(&format!("Lesson {i} on birth registration"), &format!("Birth registration lesson number {i}; NEAR the end.")),
            store::PUBLISHED,
        )
        .await;
    }
    let long = "q=".to_string() + &"registration%20".repeat(700);
    let nasty = [
        "q=%22",
        "q=%22birth",
        "q=(((",
        "q=birth)",
        "q=*",
        "q=-",
        "q=-birth",
        "q=birth%20-registration",
        "q=NEAR(birth%20registration)",
        "q=birth%20OR%20OR%20registration",
        "q=title%3Abirth",
        "q=%7Btitle%7D%3Abirth",
        "q=birth%5E2",
        "q=%27%3B%20DROP%20TABLE%20learnings%3B--",
        "q=1%27%20OR%20%271%27%3D%271",
        "q=%F0%9F%99%82%20birth",
        "q=%D8%B9%D9%85%D9%84%20birth%20%E5%85%90%E7%AB%A5",
        "q=%00%01birth",
        "q=AND",
        "q=NOT",
        "q=the",
        "country=ZZ&evaluation_type=nope&theme=%3Cscript%3E&year=abc&type=x&language=xx&status=published",
        "page=-1",
        "page=99999999999999999999999",
        "page=abc",
        "page=2&q=birth",
        "sort=%27",
        "q=regis*&sort=newest",
        &long,
    ];
    for query in nasty {
        for audience in [Audience::Public, Audience::KnowledgeManager] {
            let outcome = find(&app, query, audience).await;
            assert!(outcome.page >= 1 && outcome.page <= outcome.pages, "{query}");
        }
    }
    let page_two = find(&app, "q=birth&page=2", Audience::Public).await;
    assert_eq!((page_two.total, page_two.range()), (15, (11, 15)));
    let past_end = find(&app, "q=birth&page=999", Audience::Public).await;
    assert_eq!(past_end.page, 2);
    assert_eq!(find(&app, "q=-birth", Audience::Public).await.total, 15);
}
