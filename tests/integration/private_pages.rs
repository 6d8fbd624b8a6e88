//! What caches and other sites may learn from an answer: pages for a signed-in person are
//! never stored by anyone, public pages say how long they may be kept, and a page reached by
//! a token link gives nobody a `Referer`.

use crate::support::{Backend, Options, Response, TestApp};

fn header(response: &Response, name: &str) -> String {
    response
        .headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn signed_in_pages_are_never_cached(app: TestApp) {
    let user = app.user("mia@example.org", "Mia").await;
    let member = app.login(&user.email).await;
    for path in ["/profile", "/forums", "/", "/learnings", "/no-such-page"] {
        let page = member.get(path).await;
        assert_eq!(
            header(&page, "cache-control"),
            "private, no-store",
            "{path}"
        );
        assert!(header(&page, "vary").contains("Cookie"), "{path}");
    }
    let profile = member.get("/profile").await;
    assert!(profile.body.contains("mia@example.org"));
    // The stylesheet is the same for everyone, signed in or not.
    let style = member.get("/static/style.css").await;
    assert_eq!(header(&style, "cache-control"), "public, max-age=86400");

    // Anonymous: public pages may be kept briefly; errors and answers that set a cookie not.
    let anonymous = app.client();
    let learnings = anonymous.get("/learnings").await;
    learnings.assert_status(200);
    assert!(header(&learnings, "set-cookie").is_empty());
    assert_eq!(header(&learnings, "cache-control"), "public, max-age=60");
    assert!(header(&learnings, "vary").contains("Cookie"));
    let feed = anonymous.get("/feeds/learnings.atom").await;
    assert_eq!(header(&feed, "cache-control"), "public, max-age=60");
    let missing = anonymous.get("/no-such-page").await;
    assert_eq!(header(&missing, "cache-control"), "no-store");
    let login = app.client().get("/login").await;
    assert!(!header(&login, "set-cookie").is_empty());
    assert_eq!(header(&login, "cache-control"), "private, no-store");
}

crate::on_both_databases!(signed_in_pages_are_never_cached);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_pages_send_no_referrer_and_https_sites_ask_for_https() {
    let app = TestApp::start(Backend::Sqlite, Options::default()).await;
    let client = app.client();
    for path in [
        "/password/reset/abcdef",
        "/invitations/abcdef",
        "/newsletter/confirm/abcdef",
        "/newsletter/unsubscribe/abcdef",
        "/newsletter/manage/abcdef",
    ] {
        let page = client.get(path).await;
        assert_eq!(header(&page, "referrer-policy"), "no-referrer", "{path}");
    }
    let ordinary = client.get("/learnings").await;
    assert_eq!(header(&ordinary, "referrer-policy"), "same-origin");
    assert_eq!(header(&ordinary, "strict-transport-security"), "");

    let https = TestApp::start(
        Backend::Sqlite,
        Options {
            base_url: Some("https://fora.example.org".into()),
            ..Options::default()
        },
    )
    .await;
    let page = https.client().get("/learnings").await;
    assert_eq!(
        header(&page, "strict-transport-security"),
        "max-age=31536000"
    );
}
