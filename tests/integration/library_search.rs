//! The learnings search: text and filters on both databases, facet counts, paging, visibility,
//! and everything a person can type into the box.

use fora::entities::learnings::LearningStatus;
use fora::{
    learnings::{
        fields::RawLearning,
        search::{self, Audience, Search, SearchParams},
        store,
    },
    taxonomy::Taxonomy,
};

use crate::support::{Client, TestApp};

crate::on_both_databases!(
    search_core_matches_text_filters_and_counts,
    search_core_survives_hostile_queries,
    synonym_phrases_rank_what_a_word_finds_or_find_their_own,
    a_question_is_read_for_its_ideas_not_its_question_words,
    search_page_shows_results_facets_and_paging,
    search_page_answers_every_hostile_query,
    unpublished_learnings_do_not_exist_for_members,
    publishing_needs_a_second_person,
    learning_form_rerenders_bad_input,
    threads_and_learnings_link_both_ways,
    moderator_proposes_a_learning_from_a_thread,
    admins_extend_the_vocabularies,
);

/// Stores a learning with the given status (its stored word); returns its id.
pub async fn learning(app: &TestApp, raw: RawLearning, status: &str) -> i32 {
    let status = LearningStatus::parse(status).expect("a learning status");
    let taxonomy = Taxonomy::load(app.db()).await.expect("taxonomy");
    let fields = raw.validate(&taxonomy).expect("valid learning");
    let html = fora::markdown::render(&fields.description);
    store::insert(app.db(), &fields, &html, status, None, fora::db::now())
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

pub async fn find(app: &TestApp, query: &str, audience: Audience) -> search::Outcome {
    let taxonomy = Taxonomy::load(app.db()).await.expect("taxonomy");
    let search = Search::resolve(SearchParams::from_query(Some(query)), &taxonomy, audience);
    match search::run(&app.state, &search).await.expect("search runs") {
        search::Answer::Found(outcome) => outcome,
        search::Answer::Rebuilding => panic!("the index of a new database is built at once"),
    }
}

/// A synonym's phrase that holds a typed word ("child work" for "child labour") can only match
/// what that word finds: it adds to the score of those learnings. One that holds none of them
/// ("travail des enfants", "trabajo infantil") finds learnings of its own. The total is exact
/// either way.
async fn synonym_phrases_rank_what_a_word_finds_or_find_their_own(app: TestApp) {
    let plain = |title: &str, description: &str, language: &str| RawLearning {
        project_title: "Harvest study".into(),
        language: language.into(),
        ..raw(title, description)
    };
    // The same words; only the second holds the phrase "child work". Stored first, the one
    // without would win a tie.
    let mut stored = Vec::new();
    for (title, description, language) in [
        ("Seasonal harvest", "work seasonal child harvest", "en"),
        ("Seasonal harvest", "child work seasonal harvest", "en"),
        ("Récolte", "Le travail des enfants dans les mines.", "fr"),
        ("Cosecha", "El trabajo infantil en las minas.", "es"),
        ("Cocoa cooperatives", "Cooperatives sold cocoa.", "en"),
    ] {
        stored.push(learning(&app, plain(title, description, language), "published").await);
    }
    let [apart, together, french, spanish, _cocoa] = stored[..] else {
        unreachable!("five learnings stored")
    };
    let found = find(&app, "q=child+labour", Audience::Public).await;
    let ids: Vec<i32> = found.hits.iter().map(|h| h.id).collect();
    assert_eq!(found.total, 4, "{ids:?}");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![apart, together, french, spanish]);
    let at = |id: i32| ids.iter().position(|x| *x == id);
    assert!(
        at(together) < at(apart),
        "the phrase adds to the score: {ids:?}"
    );
}

/// What a practitioner types: question words ("how", "comment", "cómo") find nothing; an
/// abbreviation nobody writes out ("CLMS") counts through its other forms as much as a word
/// typed; and two ideas of the question ("OSH for teenagers") both count.
async fn a_question_is_read_for_its_ideas_not_its_question_words(app: TestApp) {
    let plain = |description: &str, language: &str| RawLearning {
        project_title: "Area-based project".into(),
        language: language.into(),
        ..raw("", description)
    };
    let mut stored = Vec::new();
    for (description, language) in [
        (
            "Child labour monitoring committees still met a year after closure where the \
             district labour office used their reports.",
            "en",
        ),
        ("How I would do it again: what we did, how, and why.", "en"),
        (
            "Occupational safety and health training for adolescents on tea estates cut \
             injuries by half.",
            "en",
        ),
        (
            "Occupational safety and health committees in garment factories met monthly.",
            "en",
        ),
        (
            "Les syndicats ont été associés dès le départ aux comités de village.",
            "fr",
        ),
        (
            "Comment les écoles rurales ont organisé la rentrée, et pourquoi elle a tardé.",
            "fr",
        ),
        (
            "Las empresas cafetaleras participaron en las mesas de trabajo municipales.",
            "es",
        ),
        (
            "Cómo se organizaron las escuelas rurales y cómo se logró la matrícula.",
            "es",
        ),
    ] {
        stored.push(learning(&app, plain(description, language), "published").await);
    }
    let mut wrong = Vec::new();
    for (query, expected, why) in [
        (
            "q=how+do+I+make+a+CLMS+last+after+funding+ends",
            stored[0],
            "the monitoring system, not the text that says how, do and I",
        ),
        (
            "q=OSH+for+teenagers",
            stored[2],
            "safety and health and adolescents, not safety and health alone",
        ),
        (
            "q=comment+impliquer+les+syndicats",
            stored[4],
            "the unions, not the text that says comment",
        ),
        (
            "q=c%C3%B3mo+lograr+que+las+empresas+participen",
            stored[6],
            "the companies, not the text that says cómo",
        ),
    ] {
        let found = find(&app, query, Audience::Public).await;
        let first = found.hits.first().map(|hit| hit.id);
        if first != Some(expected) {
            wrong.push(format!(
                "{query}: {first:?} first, expected {expected} ({why})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
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
        "published",
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
        "published",
    )
    .await;
    let draft = learning(
        &app,
        raw(
            "Draft about school meals",
            "Unreviewed: school meals in Kenya.",
        ),
        "draft",
    )
    .await;

    let hit_ids = |o: &search::Outcome| o.hits.iter().map(|h| h.id).collect::<Vec<_>>();
    let all = find(&app, "", Audience::Public).await;
    assert_eq!(all.total, 2);
    assert_eq!(all.range(), (1, 2));
    // "school" also looks for its synonyms ("education", "educación"), ranked below it.
    let school_hits = find(&app, "q=school", Audience::Public).await;
    assert_eq!(
        hit_ids(&school_hits),
        vec![school, accented],
        "drafts never reach the public"
    );
    assert_eq!(school_hits.total, 2);
    assert!(school_hits.hits[0].snippet.contains(search::MARK_START));
    let managers = find(&app, "q=school", Audience::KnowledgeManager).await;
    assert_eq!(managers.total, 3);
    assert!(hit_ids(&managers).contains(&draft));
    let drafts_only = find(&app, "q=school&status=draft", Audience::KnowledgeManager).await;
    assert_eq!(hit_ids(&drafts_only), vec![draft]);
    // Accents folded and stemming, on both databases ("feeds" finds "feed", "feeding").
    let folded = find(&app, "q=educacion", Audience::Public).await;
    assert_eq!(hit_ids(&folded)[0], accented);
    assert_eq!(
        hit_ids(&find(&app, "q=feeds", Audience::Public).await),
        vec![school]
    );
    // Filters combine with text and with each other.
    assert_eq!(
        hit_ids(
            &find(
                &app,
                "country=ke&evaluation_type=final&theme=education",
                Audience::Public
            )
            .await
        ),
        vec![school]
    );
    assert_eq!(
        find(&app, "q=feeding&country=CO", Audience::Public)
            .await
            .total,
        0
    );
    assert_eq!(
        hit_ids(&find(&app, "type=good_practice&language=es", Audience::Public).await),
        vec![accented]
    );
    assert_eq!(
        hit_ids(&find(&app, "year=2019", Audience::Public).await),
        vec![school]
    );
    let project = find(
        &app,
        "project=Pilares%3A+civil+society+against+child+labour+in+Colombia&q=registro",
        Audience::Public,
    )
    .await;
    assert_eq!(hit_ids(&project), vec![accented]);
    // Facet counts describe the whole result set.
    let taxonomy = Taxonomy::load(app.db()).await.unwrap();
    let by_vocabulary = search::facets_by_vocabulary(&all, &taxonomy, "en");
    let countries = &by_vocabulary[&fora::taxonomy::Vocabulary::Country];
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
            raw(
                &format!("Lesson {i} on birth registration"),
                &format!("Birth registration lesson number {i}; NEAR the end."),
            ),
            "published",
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
            assert!(
                outcome.page >= 1 && outcome.page <= outcome.pages,
                "{query}"
            );
        }
    }
    let page_two = find(&app, "q=birth&page=2", Audience::Public).await;
    assert_eq!((page_two.total, page_two.range()), (15, (11, 15)));
    let past_end = find(&app, "q=birth&page=999", Audience::Public).await;
    assert_eq!(past_end.page, 2);
    assert_eq!(find(&app, "q=-birth", Audience::Public).await.total, 15);
}

/// Published learnings 1..=n about birth registration, in Kenya, final evaluations.
async fn registration_learnings(app: &TestApp, n: usize) -> Vec<i32> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            learning(
                app,
                RawLearning {
                    countries: "KE".into(),
                    evaluation_type: "final".into(),
                    year: format!("{}", 2010 + i % 3),
                    ..raw(
                        &format!("Registration lesson {i}"),
                        &format!(
                            "Birth registration helped in district {i} <script>alert(1)</script>."
                        ),
                    )
                },
                "published",
            )
            .await,
        );
    }
    ids
}

async fn search_page_shows_results_facets_and_paging(app: TestApp) {
    registration_learnings(&app, 23).await;
    let visitor = app.client();
    let page = visitor
        .get("/learnings?q=registration&country=ke&page=2")
        .await;
    page.assert_status(200);
    let body = &page.body;
    assert!(body.contains("Showing 11–20 of 23"), "{body}");
    assert!(body.contains("<mark>"), "snippets highlight matches");
    assert!(!body.contains("<script>alert"), "descriptions are escaped");
    assert!(
        body.contains(r#"name="country" value="KE""#),
        "filters ride along a new search"
    );
    assert!(
        body.contains(r#"value="registration""#),
        "the query stays in the box"
    );
    assert!(body.contains("rel=\"next\""));
    // Facet values link to shareable searches with their counts.
    assert!(body.contains("evaluation_type=final"), "{body}");
    assert!(body.contains("Final"));
    let last = visitor.get("/learnings?q=registration&page=3").await;
    assert!(last.body.contains("Showing 21–23 of 23"));
    let french = visitor.get("/learnings?language=fr").await;
    assert!(french.body.contains("No learnings match"));
    let listing = visitor.get("/learnings").await;
    assert!(listing.body.contains("Showing 1–10 of 23"));
    let unknown = visitor.get("/learnings?country=ZZ&theme=nowhere").await;
    assert!(unknown.body.contains("is not known"), "{}", unknown.body);
    assert!(unknown.body.contains("Showing 1–10 of 23"));
}

async fn search_page_answers_every_hostile_query(app: TestApp) {
    registration_learnings(&app, 3).await;
    let visitor = app.client();
    let long = format!("/learnings?q={}", "registration%20".repeat(400));
    for path in [
        "/learnings?q=%22",
        "/learnings?q=(((",
        "/learnings?q=*",
        "/learnings?q=-",
        "/learnings?q=NEAR(birth%20registration)",
        "/learnings?q=title%3Abirth",
        "/learnings?q=%27%3B%20DROP%20TABLE%20learnings%3B--",
        "/learnings?q=%F0%9F%99%82",
        "/learnings?q=%ff%fe",
        "/learnings?q=%E5%85%90%E7%AB%A5%20%D8%B9%D9%85%D9%84",
        "/learnings?page=-3",
        "/learnings?page=1e9",
        "/learnings?page=999999999999999999999999",
        "/learnings?q=a&q=b&page=1&page=2",
        "/learnings?year=abc&type=%3Cb%3E&language=zz&sort=sideways",
        "/learnings?status=draft",
        long.as_str(),
    ] {
        let response = visitor.get(path).await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        assert!(
            !response.body.to_lowercase().contains("syntax error"),
            "{path}"
        );
        assert!(!response.body.contains("<b>"), "{path}");
    }
    let shortened = visitor.get(&long).await;
    assert!(shortened.body.contains("only its beginning was used"));
}

async fn unpublished_learnings_do_not_exist_for_members(app: TestApp) {
    let (_, _, member) = app.with_forum("agri", "post").await;
    let published = learning(
        &app,
        raw("Public lesson", "Cocoa cooperatives monitor farms."),
        "published",
    )
    .await;
    let mut hidden = Vec::new();
    for status in ["draft", "in_review", "retired"] {
        hidden.push(
            learning(
                &app,
                raw(
                    &format!("Secret {status}"),
                    &format!("Cocoa secret {status} text."),
                ),
                status,
            )
            .await,
        );
    }
    app.admin().await;
    let admin = app.login("admin@example.org").await;
    for client in [&member, &app.client()] {
        let search = client.get("/learnings?q=cocoa").await;
        assert!(search.body.contains("Public lesson"));
        assert!(!search.body.contains("Secret"), "{}", search.body);
        let status_probe = client.get("/learnings?q=cocoa&status=draft").await;
        assert!(!status_probe.body.contains("Secret"));
        client
            .get(&format!("/learnings/{published}"))
            .await
            .assert_status(200);
        for id in &hidden {
            client
                .get(&format!("/learnings/{id}"))
                .await
                .assert_status(404);
            client
                .get(&format!("/learnings/{id}/discuss?forum=agri"))
                .await;
        }
    }
    let managers = admin.get("/learnings?q=cocoa").await;
    assert!(managers.body.contains("Secret draft") && managers.body.contains("Secret retired"));
    for id in &hidden {
        admin
            .get(&format!("/learnings/{id}"))
            .await
            .assert_status(200);
    }
    for path in [
        "/learnings/abc",
        "/learnings/0",
        "/learnings/-1",
        "/learnings/99999999999",
        "/learnings/999",
    ] {
        member.get(path).await.assert_status(404);
    }
}

/// Fills in and sends the new-learning form; returns the new learning's path.
async fn create_via_form(admin: &Client, fields: &[(&str, &str)]) -> String {
    admin.get("/learnings/new").await.assert_status(200);
    let created = admin.post("/learnings/new", fields).await;
    created.assert_status(303);
    created.location.clone().expect("location")
}

async fn publishing_needs_a_second_person(app: TestApp) {
    app.admin().await;
    let second = app.user("reviewer@example.org", "Rita Reviewer").await;
    app.sql(&format!(
        "UPDATE users SET is_admin = TRUE WHERE id = {}",
        second.id
    ))
    .await;
    let admin = app.login("admin@example.org").await;
    let reviewer = app.login("reviewer@example.org").await;
    app.sql("INSERT INTO themes (slug, name, description, created_at) VALUES ('education', 'Education', '', '2026-01-01 00:00:00+00:00')").await;
    let path = create_via_form(
        &admin,
        &[
            (
                "description",
                "Community learning centres brought working children back to school.",
            ),
            ("project_title", "EDUCATE"),
            ("type", "good_practice"),
            ("evaluation_type", "final"),
            ("year", "2021"),
            ("countries", "GH, CI"),
            ("themes", "education"),
            ("source_url", "https://example.org/report.pdf"),
        ],
    )
    .await;
    let page = admin.get(&path).await;
    assert!(page.body.contains("Not public"), "{}", page.body);
    assert!(page.body.contains("Côte"), "countries listed by name");
    let visitor = app.client();
    visitor.get(&path).await.assert_status(404);
    let admin_user = fora::accounts::service::find_by_email(app.db(), "admin@example.org")
        .await
        .unwrap()
        .unwrap();
    // Naming oneself is refused; the list offers only other people.
    admin
        .post(
            &format!("{path}/submit"),
            &[("reviewer_id", &admin_user.id.to_string())],
        )
        .await
        .assert_status(400);
    admin
        .post(&format!("{path}/submit"), &[("reviewer_id", "abc")])
        .await
        .assert_status(400);
    admin
        .post(
            &format!("{path}/submit"),
            &[("reviewer_id", &second.id.to_string())],
        )
        .await
        .assert_status(303);
    // Only the named reviewer decides; the author cannot approve their own learning.
    admin
        .post(&format!("{path}/decide"), &[("decision", "approve")])
        .await
        .assert_status(404);
    visitor.get(&path).await.assert_status(404);
    reviewer.get(&path).await;
    reviewer
        .post(&format!("{path}/decide"), &[("decision", "changes")])
        .await
        .assert_status(400);
    reviewer
        .post(
            &format!("{path}/decide"),
            &[("decision", "changes"), ("comment", "Name the districts.")],
        )
        .await
        .assert_status(303);
    let back = admin.get(&path).await;
    assert!(back.body.contains("Name the districts.") && back.body.contains("requested changes"));
    admin
        .post(
            &format!("{path}/submit"),
            &[("reviewer_id", &second.id.to_string())],
        )
        .await
        .assert_status(303);
    reviewer
        .post(
            &format!("{path}/decide"),
            &[("decision", "approve"), ("comment", "Good.")],
        )
        .await
        .assert_status(303);
    // Approving twice is a clear refusal, not a second publication.
    reviewer
        .post(&format!("{path}/decide"), &[("decision", "approve")])
        .await
        .assert_status(400);
    let public = visitor.get(&path).await;
    public.assert_status(200);
    assert!(public.body.contains("Good practice") && public.body.contains("/learnings?country=GH"));
    assert!(
        !public.body.contains("Review history"),
        "the workflow is not shown to the public"
    );
    assert!(
        visitor
            .get("/learnings?q=community")
            .await
            .body
            .contains("Community learning centres")
    );
    admin
        .post(&format!("{path}/retire"), &[])
        .await
        .assert_status(303);
    visitor.get(&path).await.assert_status(404);
    assert!(
        !visitor
            .get("/learnings?q=community")
            .await
            .body
            .contains("Community learning centres")
    );
    let history = admin.get(&path).await.body;
    for step in [
        "created",
        "sent for review",
        "requested changes",
        "approved and published",
        "retired",
    ] {
        assert!(history.contains(step), "{step} in history");
    }
}

async fn learning_form_rerenders_bad_input(app: TestApp) {
    app.admin().await;
    let admin = app.login("admin@example.org").await;
    admin.get("/learnings/new").await;
    let typed = "Typed text <b>kept</b> ✓";
    let response = admin
        .post(
            "/learnings/new",
            &[
                ("description", typed),
                ("year", "20x1"),
                ("countries", "KE, XX"),
                ("source_url", "javascript:alert(1)"),
                ("type", "rumour"),
            ],
        )
        .await;
    response.assert_status(422);
    assert!(
        response
            .body
            .contains("Typed text &lt;b&gt;kept&lt;/b&gt; ✓")
    );
    assert!(response.body.contains("20x1") && response.body.contains("KE, XX"));
    for message in [
        "between 1950 and 2100",
        "Unknown country: <q>XX</q>",
        "http:// or https://",
        "lesson_learned or good_practice",
    ] {
        assert!(response.body.contains(message), "{message}");
    }
    let empty = admin
        .post("/learnings/new", &[("description", "   ")])
        .await;
    empty.assert_status(422);
    // Non-admins do not see the knowledge managers' forms at all.
    let (_, moderator, _) = app.with_forum("agri", "post").await;
    moderator.get("/learnings/new").await.assert_status(404);
}

async fn threads_and_learnings_link_both_ways(app: TestApp) {
    let (_, moderator, member) = app.with_forum("agri", "post").await;
    let id = learning(
        &app,
        raw(
            "Cooperatives monitor farms",
            "Cocoa cooperatives run monitoring.",
        ),
        "published",
    )
    .await;
    let draft = learning(&app, raw("Unpublished idea", "Not yet."), "draft").await;
    let page = member.get(&format!("/learnings/{id}")).await;
    assert!(page.body.contains("Discuss in a forum"));
    let discuss = member
        .get(&format!("/learnings/{id}/discuss?forum=agri"))
        .await;
    discuss.assert_status(303);
    let composer = member.get(&discuss.location.clone().unwrap()).await;
    assert!(
        composer.body.contains(&format!("/learnings/{id}")),
        "the composer cites the learning"
    );
    member
        .get(&format!("/learnings/{id}/discuss?forum=elsewhere"))
        .await
        .assert_status(404);
    let (thread_path, _, _) = crate::forums::thread_with_reply(&moderator, &member, "agri").await;
    member.get(&thread_path).await;
    member
        .post(
            &format!("{thread_path}/reply"),
            &[("body", &format!("See https://fora.example/learnings/{id} and /learnings/{draft} and /learnings/424242."))],
        )
        .await
        .assert_status(303);
    let thread = member.get(&thread_path).await;
    assert!(thread.body.contains("Learnings discussed here"));
    assert!(thread.body.contains(&format!("href=\"/learnings/{id}\"")));
    assert!(!thread.body.contains("Unpublished idea"));
    let learning_page = member.get(&format!("/learnings/{id}")).await;
    assert!(
        learning_page.body.contains("Cooperatives and child labour"),
        "the learning lists the thread"
    );
    // Someone outside the forum, and a visitor, never learn that the thread exists.
    app.user("outsider@example.org", "Otto").await;
    let outsider = app.login("outsider@example.org").await;
    for client in [&outsider, &app.client()] {
        let seen = client.get(&format!("/learnings/{id}")).await;
        seen.assert_status(200);
        assert!(!seen.body.contains("Cooperatives and child labour"));
        assert!(!seen.body.contains("Forum agri"));
    }
}

async fn moderator_proposes_a_learning_from_a_thread(app: TestApp) {
    let (_, moderator, member) = app.with_forum("agri", "post").await;
    let (thread_path, _, _) = crate::forums::thread_with_reply(&moderator, &member, "agri").await;
    let propose = format!("{thread_path}/propose-learning");
    member.get(&thread_path).await;
    member.post(&propose, &[]).await.assert_status(404);
    moderator.get(&thread_path).await;
    moderator.post(&propose, &[]).await.assert_status(400);
    moderator
        .post(
            &format!("{thread_path}/summary"),
            &[(
                "summary",
                "Cooperatives that monitor their own farms found fewer children at work.",
            )],
        )
        .await
        .assert_status(303);
    let thread = moderator.get(&thread_path).await;
    assert!(thread.body.contains("Propose as a learning"));
    let proposed = moderator.post(&propose, &[]).await;
    proposed.assert_status(303);
    let path = proposed.location.clone().unwrap();
    let page = moderator.get(&path).await;
    page.assert_status(200);
    assert!(
        page.body
            .contains("Cooperatives that monitor their own farms")
    );
    assert!(page.body.contains("In review") && page.body.contains("proposed from a discussion"));
    // Proposing again finds the same proposal.
    moderator.get(&thread_path).await;
    assert_eq!(moderator.post(&propose, &[]).await.location.unwrap(), path);
    member.get(&path).await.assert_status(404);
    app.client().get(&path).await.assert_status(404);
    app.admin().await;
    let admin = app.login("admin@example.org").await;
    let managers = admin.get(&path).await;
    assert!(
        managers.body.contains("No one else can review"),
        "author and sender cannot review"
    );
    let forum = fora::forums::access::forum_by_slug(
        app.db(),
        &fora::accounts::service::find_by_email(app.db(), "admin@example.org")
            .await
            .unwrap()
            .unwrap(),
        "agri",
    )
    .await
    .unwrap()
    .forum;
    let specialist = app.user("specialist@example.org", "Sam Specialist").await;
    app.join(&forum, &specialist, "moderator").await;
    let managers = admin.get(&path).await;
    assert!(
        managers.body.contains("Name the reviewer") && managers.body.contains("Sam Specialist")
    );
    let log = admin.get("/admin/log").await;
    assert!(
        log.body.contains("proposed as a learning"),
        "the proposal is in the moderation log"
    );
}

async fn admins_extend_the_vocabularies(app: TestApp) {
    app.admin().await;
    let admin = app.login("admin@example.org").await;
    admin.get("/admin/vocabularies").await.assert_status(200);
    let added = admin
        .post(
            "/admin/vocabularies",
            &[
                ("vocabulary", "sector"),
                ("code", "brick_kilns"),
                ("label", "Brick kilns"),
            ],
        )
        .await;
    added.assert_status(303);
    // The admin's log names the term added, once; refused forms log nothing.
    let log = admin.get("/admin/log").await;
    assert!(log.body.contains("added term"), "{}", log.body);
    assert!(log.body.contains("sector/brick_kilns"), "{}", log.body);
    assert!(!log.body.contains("term #"), "{}", log.body);
    for (vocabulary, code, label) in [
        ("sector", "brick_kilns", "Again"),
        ("sector", "Bad Code!", "x"),
        ("country", "zz", "Nowhere"),
        ("nonsense", "abc", "x"),
        ("sector", "ok_code", "   "),
    ] {
        let refused = admin
            .post(
                "/admin/vocabularies",
                &[("vocabulary", vocabulary), ("code", code), ("label", label)],
            )
            .await;
        refused.assert_status(422);
    }
    let log = admin.get("/admin/log").await;
    assert_eq!(log.body.matches("added term").count(), 1, "{}", log.body);
    learning(
        &app,
        RawLearning {
            sector: "brick_kilns".into(),
            ..raw("Kilns", "Brick kiln families.")
        },
        "published",
    )
    .await;
    let search = app.client().get("/learnings?sector=brick_kilns").await;
    assert!(search.body.contains("Showing 1–1 of 1") && search.body.contains("Brick kilns"));
    let (_, moderator, _) = app.with_forum("agri", "post").await;
    moderator
        .get("/admin/vocabularies")
        .await
        .assert_status(404);
}
