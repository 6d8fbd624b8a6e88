//! A headless Chromium driven over WebDriver (Debian's chromium and chromedriver), shared by
//! the browser tests: finding the binaries, starting chromedriver on a free port, one browser
//! session, a viewport of any width (also narrower than a headless window may be), and the
//! small steps a test takes (type, click, wait for a page).

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use axum::http::Method;
use fantoccini::{ClientBuilder, Locator, wd::WebDriverCompatibleCommand};

/// chromedriver, stopped when dropped.
pub struct Driver {
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

const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver's path when both it and chromium are installed; otherwise the reason to give
/// when the test is skipped.
pub fn chromedriver() -> Result<PathBuf, &'static str> {
    match (
        find_binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]),
        find_binary(&[CHROMIUM]),
    ) {
        (Some(driver), Some(_)) => Ok(driver),
        _ => Err(
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
        ),
    }
}

pub fn start_chromedriver(path: &Path) -> Driver {
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

/// A browser session with its own profile folder (removed with it).
pub struct Browser {
    pub client: fantoccini::Client,
    _profile: tempfile::TempDir,
}

pub async fn browser(driver: &Driver) -> Browser {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1100,1400", format!("--user-data-dir={}", profile.path().display())
            ]
        }),
    );
    // Plain HTTP to a local chromedriver: no TLS stack needed.
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("start chromium session");
    Browser {
        client,
        _profile: profile,
    }
}

/// A Chrome DevTools command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: serde_json::Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.command, "params": self.params });
        (Method::POST, Some(body.to_string()))
    }
}

/// Sends one Chrome DevTools command to the page being driven.
pub async fn dev_tools(
    client: &fantoccini::Client,
    command: &'static str,
    params: serde_json::Value,
) {
    client
        .issue_cmd(DevTools { command, params })
        .await
        .unwrap_or_else(|err| panic!("{command}: {err}"));
}

/// Lays pages out `width` CSS pixels wide, as a phone does when narrower than 600 px (its
/// viewport `<meta>` honoured). A headless window cannot be narrower than 500 px, so this
/// overrides the device metrics instead of resizing the window.
pub async fn set_viewport(client: &fantoccini::Client, width: u32, height: u32) {
    dev_tools(
        client,
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600
        }),
    )
    .await;
}

pub async fn fill(client: &fantoccini::Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .send_keys(text)
        .await
        .expect("type");
}

pub async fn click(client: &fantoccini::Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .expect("click");
}

/// Clicking submits a form; the next page arrives a moment later.
pub async fn wait_for_path(client: &fantoccini::Client, wanted: impl Fn(&str) -> bool) -> url::Url {
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

pub async fn wait_for_text(client: &fantoccini::Client, text: &str) -> String {
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

/// Signs in through the page's own form, as a person would.
pub async fn sign_in(client: &fantoccini::Client, base: &str, email: &str, password: &str) {
    client
        .goto(&format!("{base}/login"))
        .await
        .expect("login page");
    fill(client, "#email", email).await;
    fill(client, "#password", password).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    wait_for_path(client, |p| p != "/login").await;
}

/// The current viewport as a PNG in `dir/name.png`.
pub async fn screenshot_to(client: &fantoccini::Client, dir: &Path, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}
