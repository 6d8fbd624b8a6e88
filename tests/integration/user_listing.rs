//! The admins' users page at the size of a real deployment: people found by part of a name or
//! an address, fifty to a page, and the log's links landing on the page that holds the person.
//! Every query parameter is tried with what people and scanners type.

use fora::accounts::service;

use crate::support::TestApp;

crate::on_both_databases!(
    people_are_found_by_name_or_address_and_paged,
    the_query_string_never_breaks_the_page,
    a_persons_link_opens_the_page_that_holds_them,
);

/// 120 people `person-000@example.org` … `person-119@example.org`, and three with names that
/// test the search: a capital and an accent, LIKE's two wildcards.
async fn crowd(app: &TestApp) -> Vec<i32> {
    let mut ids = Vec::new();
    for n in 0..120 {
        let user = service::create_user(
            app.db(),
            &format!("person-{n:03}@example.org"),
            &format!("Person {n:03}"),
            None,
            false,
        )
        .await
        .expect("person");
        ids.push(user.id);
    }
    // Amina signs in: she alone has a password.
    app.user("amina@ilo.org", "Amina Diallo").await;
    for (email, name) in [
        ("zoe@example.net", "Zoë 100% Ruiz"),
        ("kofi@example.net", "Kofi_Mensah"),
    ] {
        service::create_user(app.db(), email, name, None, false)
            .await
            .expect("named person");
    }
    ids
}

fn rows(body: &str) -> usize {
    body.matches(r#"<tr id="user-"#).count()
}

async fn people_are_found_by_name_or_address_and_paged(app: TestApp) {
    let admin = app.login(&app.admin().await.email).await;
    crowd(&app).await;

    // 124 accounts with the admin: three pages of fifty.
    let first = admin.get("/admin/users").await;
    first.assert_status(200);
    assert!(
        first.body.contains("124 people have an account."),
        "{}",
        first.body
    );
    assert!(first.body.contains("Showing 1–50 of 124"));
    assert_eq!(rows(&first.body), 50);
    assert!(first.body.contains(r#"href="/admin/users?page=2""#));
    assert!(
        first
            .body
            .contains(r#"<label for="q">Find people by name or email address</label>"#)
    );

    let last = admin.get("/admin/users?page=3").await;
    assert_eq!(rows(&last.body), 24);
    assert!(last.body.contains("Showing 101–124 of 124"));
    assert!(
        last.body.contains(r#"href="/admin/users?page=2""#),
        "a way back"
    );

    // By part of a name, of an address, in any case, with or without accents; the search is
    // kept in the pager's links.
    for (find, expected) in [
        ("amina", "amina@ilo.org"),
        ("AMINA", "amina@ilo.org"),
        ("@ilo.org", "amina@ilo.org"),
        ("diallo", "amina@ilo.org"),
        ("100%", "zoe@example.net"),
        ("zoe 100", "zoe@example.net"),
        ("ZOË 100%", "zoe@example.net"),
        ("  ruíz ", "zoe@example.net"),
        ("i_m", "kofi@example.net"),
    ] {
        let page = admin
            .get(&format!("/admin/users?q={}", urlencode(find)))
            .await;
        page.assert_status(200);
        assert_eq!(rows(&page.body), 1, "{find}: {}", page.body);
        assert!(page.body.contains(expected), "{find}");
        assert!(
            page.body.contains("1 person’s name or address holds"),
            "{find}"
        );
        assert!(
            page.body
                .contains(r#"<a href="/admin/users">Show everyone</a>"#)
        );
    }
    // LIKE's wildcards are literal: `%` alone finds only the name that holds one.
    let percent = admin.get("/admin/users?q=%25").await;
    assert_eq!(rows(&percent.body), 1);
    let underscore = admin.get("/admin/users?q=_").await;
    assert_eq!(rows(&underscore.body), 1);

    let many = admin.get("/admin/users?q=person").await;
    assert!(
        many.body
            .contains("120 people’s names or addresses hold “person”.")
    );
    assert_eq!(rows(&many.body), 50);
    assert!(
        many.body
            .contains(r#"href="/admin/users?q=person&amp;page=2""#)
    );
    let second = admin.get("/admin/users?q=person&page=3").await;
    assert_eq!(rows(&second.body), 20);
    assert!(second.body.contains("person-119@example.org"));
    assert!(!second.body.contains("amina@ilo.org"));

    let nobody = admin.get("/admin/users?q=nobody-here").await;
    nobody.assert_status(200);
    assert_eq!(rows(&nobody.body), 0);
    assert!(
        nobody
            .body
            .contains("Nobody’s name or address holds “nobody-here”.")
    );
    assert!(
        !nobody.body.contains("<table class=\"users\""),
        "no empty table"
    );

    // Other roles still do not see the page.
    let member = app.login("amina@ilo.org").await;
    member.get("/admin/users?q=amina").await.assert_status(404);
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn the_query_string_never_breaks_the_page(app: TestApp) {
    let admin = app.login(&app.admin().await.email).await;
    crowd(&app).await;
    let long = "a".repeat(5_000);
    for query in [
        "page=0",
        "page=-1",
        "page=abc",
        "page=99999999999999999999999",
        "page=2&page=3",
        "q=",
        "q=%20%20",
        "q=%FF%FE",
        "q=<script>alert(1)</script>",
        "q=' OR 1=1 --",
        "q=\\",
        "user=",
        "user=abc",
        "user=-5",
        "user=99999999999",
        "user=2147483647",
        "unknown=1",
        "q&page&user",
    ] {
        let page = admin.get(&format!("/admin/users?{query}")).await;
        page.assert_status(200);
        assert!(!page.body.contains("<script>alert"), "{query}: escaped");
        assert!(rows(&page.body) <= 50, "{query}");
    }
    // A control character is refused with words, as everywhere in Fora.
    let nul = admin.get("/admin/users?q=%00").await;
    nul.assert_status(400);
    assert!(nul.body.contains("invisible control characters"));
    // A page past the end shows the last one.
    let past = admin.get("/admin/users?page=40").await;
    assert!(past.body.contains("Showing 101–124 of 124"));
    // A very long search is cut, not refused.
    let cut = admin.get(&format!("/admin/users?q={long}")).await;
    cut.assert_status(200);
    assert_eq!(rows(&cut.body), 0);
    assert!(
        !cut.body.contains(&"a".repeat(300)),
        "cut to 256 characters"
    );
    // Markup typed in the box comes back as text.
    let marked = admin.get("/admin/users?q=%3Cb%3Ebold%3C%2Fb%3E").await;
    assert!(marked.body.contains("&lt;b&gt;bold&lt;/b&gt;"));
}

async fn a_persons_link_opens_the_page_that_holds_them(app: TestApp) {
    let admin_user = app.admin().await;
    let admin = app.login(&admin_user.email).await;
    let ids = crowd(&app).await;
    // By address: admin@… comes before person-…, so person-080 is the 82nd (page 2).
    let target = ids[80];
    let page = admin.get(&format!("/admin/users?user={target}")).await;
    page.assert_status(200);
    assert!(page.body.contains(&format!(r#"<tr id="user-{target}""#)));
    assert!(page.body.contains("Showing 51–100 of 124"));
    // `user` wins over a search and a page.
    let page = admin
        .get(&format!("/admin/users?q=amina&page=3&user={target}"))
        .await;
    assert!(page.body.contains(&format!(r#"<tr id="user-{target}""#)));
    // Someone who does not exist: the first page.
    let page = admin.get("/admin/users?user=999999").await;
    assert!(page.body.contains("Showing 1–50 of 124"));

    // A change comes back to the person's row, on their page, with the notice.
    let path = format!("/admin/users/{target}/make-reviewer");
    let done = admin.post(&path, &[("confirmed", "yes")]).await;
    done.assert_status(303);
    let back = format!("/admin/users?user={target}#user-{target}");
    assert_eq!(done.location.as_deref(), Some(back.as_str()));
    let page = admin.get(&back).await;
    assert!(page.body.contains(&format!(r#"<tr id="user-{target}""#)));
    // The memberships shown are those of the page's people.
    let forum = app.forum("brick-kilns", "post").await;
    let person = service::user(app.db(), target)
        .await
        .expect("read")
        .expect("person");
    app.join(&forum, &person, "moderator").await;
    let link = r#"<a href="/forums/brick-kilns">brick-kilns</a> (Moderator)"#;
    let own = admin.get(&back).await;
    assert!(own.body.contains(link), "{}", own.body);
    assert!(!admin.get("/admin/users").await.body.contains(link));
}
