//! Every page in a real Chromium, for each role, at 1280 and 320 CSS pixels wide: axe-core
//! (WCAG 2.0, 2.1 and 2.2, levels A and AA, and its best practices) finds nothing, and at
//! 320 px nothing is wider than the screen, in English, French and Spanish (translations make
//! words longer; axe runs in English only, its rules do not depend on the words). The pages are
//! those of `site_pages`, over the demo data. axe-core is the npm package, installed by `.ci/run`; its `axe.min.js` is found
//! at `FORA_AXE_JS` or in `~/.cache/fora-axe`.

use std::path::PathBuf;

use fantoccini::Client;
use serde::Deserialize;

use crate::{
    chromium,
    site_pages::{self, PAGES, Role, Site},
    support::{Backend, Options, TestApp, skip},
};

/// The widths every page is looked at: a desktop, and the narrowest phone in use.
const WIDTHS: [u32; 2] = [1280, 320];
const PHONE: u32 = 320;
const LANGUAGES: [&str; 3] = ["en", "fr", "es"];

fn axe_script() -> Result<String, String> {
    let path = std::env::var_os("FORA_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/fora-axe/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).map_err(|err| {
        format!(
            "axe-core not found at {} ({err}): install it as .ci/run does (npm, into ~/.cache/fora-axe), or set FORA_AXE_JS",
            path.display()
        )
    })
}

/// Runs axe on the page and answers one line per node of each violation.
const RUN_AXE: &str = r#"
return axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'] },
  resultTypes: ['violations']
}).then(r => r.violations.flatMap(v => v.nodes.map(n => ({
  rule: v.id, impact: v.impact || '', help: v.help, target: n.target.join(' '),
  summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 240)
}))));
"#;

#[derive(Deserialize)]
struct Violation {
    rule: String,
    impact: String,
    help: String,
    target: String,
    summary: String,
}

/// `null` when the page fits the screen; else the widest element that sticks out (and is not
/// inside a box that scrolls by itself), named by tag, id and classes, with its right edge.
const SIDEWAYS: &str = r#"
const root = document.documentElement;
if (root.scrollWidth <= root.clientWidth) return null;
const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
  const o = getComputedStyle(p).overflowX; if (o !== 'visible' && o !== 'clip') return true; } return false; };
let worst = null, right = root.clientWidth;
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > right && !scrolls(e)) { worst = e; right = r.right; }
}
const name = worst ? worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '') +
  [...worst.classList].map(c => '.' + c).join('') : '(none found)';
return `page ${root.scrollWidth} px wide in ${root.clientWidth} px; widest: ${name} reaches ${Math.round(right)} px`;
"#;

async fn violations(client: &Client) -> Vec<Violation> {
    let found = client.execute(RUN_AXE, vec![]).await.expect("run axe");
    serde_json::from_value(found).expect("axe's answer")
}

async fn sideways(client: &Client) -> Option<String> {
    let found = client.execute(SIDEWAYS, vec![]).await.expect("measure");
    found.as_str().map(str::to_string)
}

/// Makes every page the browser opens load axe first (sent once, not with every page).
async fn inject_axe(client: &Client, script: String) {
    chromium::dev_tools(
        client,
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": script }),
    )
    .await;
}

/// Signs in as `role` (its language set in its profile beforehand) or, for a visitor, picks
/// the language with the links at the foot of every page.
async fn open_as(client: &Client, app: &TestApp, role: Role, lang: &str) {
    client.delete_all_cookies().await.expect("sign out");
    match role.email() {
        Some(email) => chromium::sign_in(client, &app.base, email, fora::demo::DEMO_PASSWORD).await,
        None => client
            .goto(&format!("{}/language/{lang}?next=/", app.base))
            .await
            .expect("choose the language"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_and_fits_a_phone() {
    const TEST: &str = "accessibility::every_page_passes_axe_and_fits_a_phone";
    let chromedriver = match chromium::chromedriver() {
        Ok(path) => path,
        Err(why) => {
            skip(TEST, why);
            return;
        }
    };
    let axe = match axe_script() {
        Ok(script) => script,
        Err(why) => {
            skip(TEST, &why);
            return;
        }
    };
    let app = TestApp::start(Backend::Sqlite, Options::default()).await;
    let site = Site::seed(&app).await;
    site_pages::assert_pages_answer(&app, &site).await;

    let driver = chromium::start_chromedriver(&chromedriver);
    let browser = chromium::browser(&driver).await;
    let client = &browser.client;
    inject_axe(client, axe).await;
    let mut problems = Vec::new();
    let mut rules = std::collections::BTreeMap::<String, usize>::new();
    let mut looked_at = 0;
    for lang in LANGUAGES {
        // Signing in (a POST) refreshes the cached accounts, so the new language shows.
        app.sql(&format!("UPDATE users SET locale = '{lang}'"))
            .await;
        let axe = lang == "en";
        for role in Role::ALL {
            open_as(client, &app, role, lang).await;
            for width in WIDTHS.into_iter().filter(|w| axe || *w == PHONE) {
                chromium::set_viewport(client, width, 900).await;
                for page in PAGES.iter().filter(|p| p.roles.contains(&role)) {
                    let address = site.address(page.path);
                    client
                        .goto(&format!("{}{address}", app.base))
                        .await
                        .expect("open page");
                    looked_at += 1;
                    let at = format!("{role:?} {lang} {width}px {address}");
                    if page.route.is_some() {
                        let shown = client
                            .execute("return document.documentElement.lang", vec![])
                            .await
                            .expect("page language");
                        assert_eq!(shown.as_str(), Some(lang), "{at}: the page's language");
                    }
                    let found = if axe {
                        violations(client).await
                    } else {
                        Vec::new()
                    };
                    for v in found {
                        *rules.entry(v.rule.clone()).or_default() += 1;
                        problems.push(format!(
                            "{at}: {} ({}) at `{}`: {}. {}",
                            v.rule, v.impact, v.target, v.help, v.summary
                        ));
                    }
                    if width == PHONE
                        && let Some(why) = sideways(client).await
                    {
                        *rules.entry("scrolls-sideways".into()).or_default() += 1;
                        problems.push(format!("{at}: scrolls sideways: {why}"));
                    }
                }
            }
        }
    }
    browser.client.close().await.expect("close browser");
    assert!(looked_at > 300, "only {looked_at} pages looked at");
    assert!(
        problems.is_empty(),
        "{} problems on {looked_at} page views (by rule: {rules:?}):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
