//! What every response carries: security headers, compression, health, error pages.

use crate::support::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_compression_and_health() {
    let app = TestApp::start(Backend::Sqlite, Default::default()).await;
    let client = app.client();
    let page = client.get("/login").await;
    page.assert_status(200);
    let header = |name: &str| {
        page.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let csp = header("content-security-policy");
    assert!(
        csp.contains("script-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
    assert!(!page.body.contains("<script"));
    assert!(
        page.body.contains("<label for=\"email\">"),
        "inputs are labelled"
    );

    let raw = reqwest::Client::new();
    for encoding in ["gzip", "br"] {
        let response = raw
            .get(format!("{}/static/style.css", app.base))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("get");
        assert_eq!(
            response
                .headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            Some(encoding)
        );
    }
    // Browsers ask for the icon unasked: an icon, not a 404 page.
    let icon = raw
        .get(format!("{}/favicon.ico", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(icon.status(), 200);
    assert_eq!(
        icon.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/x-icon")
    );
    let icon = icon.bytes().await.expect("icon");
    assert_eq!(&icon[..4], &[0, 0, 1, 0], "an ICO file");
    assert!(
        icon.windows(4).any(|w| w == b"\x89PNG".as_slice()),
        "holding a PNG"
    );
    let health = client.get("/healthz").await;
    health.assert_status(200);
    assert_eq!(health.body, "ok");
    let missing = client.get("/no/such/page").await;
    missing.assert_status(404);
    assert!(missing.body.contains("Page not found"));
    // A browser opening a form's address is led to the page it belongs to.
    let opened = client.get("/threads/1/reply").await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.location.as_deref(), Some("/threads/1"));
    let opened = client.get("/logout").await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.location.as_deref(), Some("/"));
    let wrong_method = raw
        .delete(format!("{}/logout", app.base))
        .send()
        .await
        .expect("delete");
    assert_eq!(wrong_method.status(), 405);
    assert!(wrong_method.text().await.expect("body").contains("<h1>"));
    let redirect = client.get("/login?next=//evil.example/x").await;
    assert!(
        !redirect.body.contains("evil.example"),
        "open redirects are refused"
    );
}
