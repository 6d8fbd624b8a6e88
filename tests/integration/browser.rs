//! End to end in a real headless Chromium, driven over WebDriver (Debian's chromium and
//! chromedriver): invitation → set password → post → a moderator hides the post.

use std::{path::PathBuf, process::Stdio, time::Duration};

use fantoccini::{ClientBuilder, Locator};

use crate::support::{Backend, TestApp, skip};

struct Driver {
    child: std::process::Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_binary(names: &[&str]) -> Option<PathBuf> {
    names.iter().map(PathBuf::from).find(|p| p.exists())
}

fn start_chromedriver(path: &PathBuf) -> Driver {
    for _ in 0..10 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let mut child = std::process::Command::new(path)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn chromedriver");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Driver { child, port };
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        let _ = child.kill();
    }
    panic!("chromedriver did not start");
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1100,1400", format!("--user-data-dir={}", profile.display())
            ]
        }),
    );
    // Plain HTTP to a local chromedriver: no TLS stack needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("start chromium session")
}

async fn fill(client: &fantoccini::Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .send_keys(text)
        .await
        .expect("type");
}

async fn click(client: &fantoccini::Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .expect("click");
}

/// Clicking submits a form; the next page arrives a moment later.
async fn wait_for_path(client: &fantoccini::Client, wanted: impl Fn(&str) -> bool) -> url::Url {
    for _ in 0..100 {
        if let Ok(url) = client.current_url().await
            && wanted(url.path())
            && client.source().await.is_ok_and(|s| s.contains("</html>"))
        {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page did not load: {:?}", client.current_url().await);
}

async fn wait_for_text(client: &fantoccini::Client, text: &str) -> String {
    for _ in 0..100 {
        if let Ok(source) = client.source().await
            && source.contains(text)
        {
            return source;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{text:?} never appeared");
}

async fn screenshot(client: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("FORA_SCREENSHOT_DIR")
        && let Ok(png) = client.screenshot().await
    {
        let _ = std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_to_hidden_post_in_chromium() {
    let (Some(chromedriver), Some(_)) = (
        find_binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]),
        find_binary(&["/usr/bin/chromium"]),
    ) else {
        skip(
            "browser::invitation_to_hidden_post_in_chromium",
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
        );
        return;
    };
    let app = TestApp::start(Backend::Sqlite, Default::default()).await;
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "browser.user@example.org")],
        )
        .await
        .assert_status(303);
    let link = app
        .mails_to("browser.user@example.org", 1)
        .await
        .remove(0)
        .link("/invitations/");

    let driver = start_chromedriver(&chromedriver);
    let profile = tempfile::tempdir().expect("profile dir");
    let client = browser(&driver, profile.path()).await;

    // Accept the invitation and choose a password.
    client.goto(&link).await.expect("open invitation");
    fill(&client, "#display_name", "Browser User").await;
    fill(&client, "#password", "a long enough password").await;
    screenshot(&client, "1-invitation").await;
    click(&client, "form[action^='/invitations/'] button[type=submit]").await;
    wait_for_path(&client, |p| p == "/forums/agri").await;

    // Start a discussion.
    click(&client, "a.button[href='/forums/agri/new']").await;
    wait_for_path(&client, |p| p == "/forums/agri/new").await;
    fill(&client, "#title", "Seen from a real browser").await;
    fill(
        &client,
        "#body",
        "Posted with **Chromium**, no JavaScript needed.",
    )
    .await;
    click(
        &client,
        "form[action='/forums/agri/new'] button[type=submit]",
    )
    .await;
    let thread_url = wait_for_path(&client, |p| p.starts_with("/threads/")).await;
    wait_for_text(&client, "<strong>Chromium</strong>").await;
    screenshot(&client, "2-thread").await;

    // Sign out, sign in as the moderator, hide the post.
    click(&client, "form[action='/logout'] button").await;
    wait_for_path(&client, |p| p == "/").await;
    client
        .goto(&format!("{}/login", app.base))
        .await
        .expect("login page");
    fill(&client, "#email", "mod-agri@example.org").await;
    fill(&client, "#password", crate::support::PASSWORD).await;
    click(&client, "form[action='/login'] button[type=submit]").await;
    wait_for_path(&client, |p| p == "/forums").await;
    client.goto(thread_url.as_str()).await.expect("thread");
    let post_id = client
        .find(Locator::Css("article.post"))
        .await
        .expect("post")
        .attr("id")
        .await
        .expect("id")
        .expect("post id");
    let number = post_id.trim_start_matches("post-");
    fill(
        &client,
        &format!("#hide-reason-{number}"),
        "Testing moderation",
    )
    .await;
    click(
        &client,
        &format!("form[action='/posts/{number}/hide'] button"),
    )
    .await;
    wait_for_text(&client, "Hidden by a moderator").await;
    screenshot(&client, "3-hidden").await;
    client.close().await.expect("close browser");

    // The member no longer sees the post; the log says who hid it and why.
    let member = app.client();
    member
        .post(
            "/login",
            &[
                ("email", "browser.user@example.org"),
                ("password", "a long enough password"),
            ],
        )
        .await
        .assert_status(303);
    let page = member.get(thread_url.path()).await;
    assert!(!page.body.contains("Posted with"));
    let log = moderator.get("/forums/agri/log").await;
    assert!(log.body.contains("Testing moderation"));
}
