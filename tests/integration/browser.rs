//! End to end in a real headless Chromium, driven over WebDriver (Debian's chromium and
//! chromedriver): invitation → set password → post → a moderator hides the post.

use std::path::PathBuf;

use fantoccini::Locator;

use crate::{
    chromium::{self, click, fill, wait_for_path, wait_for_text},
    support::{Backend, TestApp, skip},
};

async fn screenshot(client: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("FORA_SCREENSHOT_DIR") {
        chromium::screenshot_to(client, &PathBuf::from(dir), name).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_to_hidden_post_in_chromium() {
    let chromedriver = match chromium::chromedriver() {
        Ok(path) => path,
        Err(why) => {
            skip("browser::invitation_to_hidden_post_in_chromium", why);
            return;
        }
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

    let driver = chromium::start_chromedriver(&chromedriver);
    let browser = chromium::browser(&driver).await;
    let client = &browser.client;

    // Accept the invitation and choose a password.
    client.goto(&link).await.expect("open invitation");
    fill(client, "#display_name", "Browser User").await;
    fill(client, "#password", "a long enough password").await;
    screenshot(client, "1-invitation").await;
    click(client, "form[action^='/invitations/'] button[type=submit]").await;
    wait_for_path(client, |p| p == "/forums/agri").await;

    // Start a discussion.
    click(client, "a.button[href='/forums/agri/new']").await;
    wait_for_path(client, |p| p == "/forums/agri/new").await;
    fill(client, "#title", "Seen from a real browser").await;
    fill(
        client,
        "#body",
        "Posted with **Chromium**, no JavaScript needed.",
    )
    .await;
    click(
        client,
        "form[action='/forums/agri/new'] button[type=submit]",
    )
    .await;
    let thread_url = wait_for_path(client, |p| p.starts_with("/threads/")).await;
    wait_for_text(client, "<strong>Chromium</strong>").await;
    screenshot(client, "2-thread").await;

    // Sign out, sign in as the moderator, hide the post.
    click(client, "form[action='/logout'] button").await;
    wait_for_path(client, |p| p == "/").await;
    chromium::sign_in(
        client,
        &app.base,
        "mod-agri@example.org",
        crate::support::PASSWORD,
    )
    .await;
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
    // One "Moderate" menu per post; hiding asks for the reason on its own page.
    click(client, &format!("#moderate-{number}")).await;
    click(
        client,
        &format!("form[action='/posts/{number}/hide'] button"),
    )
    .await;
    wait_for_text(client, "Hide this post").await;
    fill(client, "#reason", "Testing moderation").await;
    click(client, "form.confirm button[type=submit]").await;
    wait_for_text(client, "Hidden by a moderator").await;
    screenshot(client, "3-hidden").await;
    browser.client.close().await.expect("close browser");

    // Its author still sees the post, marked, with the reason; the log says who hid it and why.
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
    assert!(page.body.contains("Posted with"));
    assert!(
        page.body
            .contains("Hidden by a moderator: Testing moderation")
    );
    let log = moderator.get("/forums/agri/log").await;
    assert!(log.body.contains("Testing moderation"));
}
