//! The pictures in `docs/screenshots/` (shown in the README's tour): the most used pages over the demo data, as each role
//! sees them, on a desktop (1280 px) and a phone (375 px). Not a check: run by
//! `scripts/screenshots.sh`, which names the folder in `FORA_SCREENSHOT_DIR`.

use std::path::PathBuf;

use crate::{
    chromium,
    site_pages::{Role, Site},
    support::{Backend, Options, TestApp},
};

/// File name, who looks, and the page (placeholders as in `site_pages`).
const SHOTS: &[(&str, Role, &str)] = &[
    ("01-home", Role::Visitor, "/"),
    ("02-sign-in", Role::Visitor, "/login"),
    ("03-forums", Role::Member, "/forums"),
    ("04-forum", Role::Member, "/forums/{forum}"),
    ("05-thread", Role::Moderator, "/threads/{thread}"),
    (
        "06-library-search",
        Role::Visitor,
        "/learnings?q=domestic+workers",
    ),
    ("07-learning", Role::Visitor, "/learnings/{learning}"),
    ("08-products", Role::Visitor, "/products"),
    ("09-newsletter", Role::Visitor, "/newsletter"),
    ("10-admin-users", Role::Admin, "/admin/users"),
    ("11-waiting", Role::Admin, "/waiting"),
];

const SIZES: [(&str, u32, u32); 2] = [("desktop", 1280, 800), ("phone", 375, 740)];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/screenshots: run by scripts/screenshots.sh"]
async fn screenshots() {
    let dir = PathBuf::from(std::env::var("FORA_SCREENSHOT_DIR").expect("FORA_SCREENSHOT_DIR"));
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let chromedriver = chromium::chromedriver().expect("chromium and chromedriver");
    let app = TestApp::start(Backend::Sqlite, Options::default()).await;
    let site = Site::seed(&app).await;
    let driver = chromium::start_chromedriver(&chromedriver);
    let browser = chromium::browser(&driver).await;
    let client = &browser.client;
    for (name, role, path) in SHOTS {
        client.delete_all_cookies().await.expect("sign out");
        if let Some(email) = role.email() {
            chromium::sign_in(client, &app.base, email, fora::demo::DEMO_PASSWORD).await;
        }
        for (size, width, height) in SIZES {
            chromium::set_viewport(client, width, height).await;
            client
                .goto(&format!("{}{}", app.base, site.address(path)))
                .await
                .expect("open page");
            chromium::screenshot_to(client, &dir, &format!("{name}-{size}")).await;
        }
    }
    // The phone's menu, opened.
    chromium::click(client, ".menu > summary").await;
    chromium::screenshot_to(client, &dir, "12-menu-phone").await;
    browser.client.close().await.expect("close browser");
}
