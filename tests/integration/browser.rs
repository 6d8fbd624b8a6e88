//! End to end in a real headless Chromium, driven over WebDriver (Debian's chromium and
//! chromedriver): invitation → set password → post → a moderator hides the post; in English,
//! and again in French (an invitation written in French leads to French pages).

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
    invitation_to_hidden_post("browser::invitation_to_hidden_post_in_chromium", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_to_hidden_post_in_chromium_in_french() {
    invitation_to_hidden_post(
        "browser::invitation_to_hidden_post_in_chromium_in_french",
        "fr",
    )
    .await;
}

/// The catalogue's text for `key` up to its first placeholder or no-break space (which the
/// browser's page source writes as `&nbsp;`): what a page shows of it.
fn shown(lang: &str, key: &str) -> String {
    let text = templates::i18n::t(lang, key);
    text.split(['%', '\u{a0}', '\u{202f}'])
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

async fn invitation_to_hidden_post(test: &str, lang: &str) {
    let chromedriver = match chromium::chromedriver() {
        Ok(path) => path,
        Err(why) => {
            skip(test, why);
            return;
        }
    };
    let app = TestApp::start(Backend::Sqlite, Default::default()).await;
    let (forum, moderator, _) = app.with_forum("agri", "post").await;
    app.sql(&format!("UPDATE users SET locale = '{lang}'"))
        .await;
    moderator
        .post(
            &format!("/forums/{}/members", forum.slug),
            &[("emails", "browser.user@example.org"), ("language", lang)],
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

    // Accept the invitation and choose a password, on a page in the invitation's language.
    client.goto(&link).await.expect("open invitation");
    let page_lang = client
        .execute("return document.documentElement.lang", vec![])
        .await
        .expect("page language");
    assert_eq!(page_lang.as_str(), Some(lang));
    fill(client, "#display_name", "Browser User").await;
    fill(client, "#password", "a long enough password").await;
    screenshot(client, &format!("1-invitation-{lang}")).await;
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
    screenshot(client, &format!("2-thread-{lang}")).await;

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
    wait_for_text(client, &shown(lang, "confirm.hide_post_question")).await;
    fill(client, "#reason", "Testing moderation").await;
    click(client, "form.confirm button[type=submit]").await;
    wait_for_text(client, &shown(lang, "post.hidden_note")).await;
    screenshot(client, &format!("3-hidden-{lang}")).await;
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
    assert!(page.body.contains(&format!("<html lang=\"{lang}\"")));
    let note = templates::i18n::tf(
        lang,
        "post.hidden_note",
        &[("reason", "Testing moderation")],
    );
    assert!(page.body.contains(note.as_str()), "{note}: {}", page.body);
    let log = moderator.get("/forums/agri/log").await;
    assert!(log.body.contains("Testing moderation"));
}
