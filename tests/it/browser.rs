//! Browser tests: Debian's Chromium, headless, driven through chromedriver (WebDriver) with
//! fantoccini. The harness starts chromedriver on a free port. Screenshots of the key pages go to
//! `target/screenshots/`. Without chromium and chromedriver the tests skip with a notice;
//! `CONSENTFLOW_REQUIRE_TOOLS=1` (CI) fails them instead.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::forms::city;
use super::helpers::{spawn_app, Backend, TestApp, PASSWORD};
use super::intake::{all_read, blank_page, printed, state};
use super::mail::tools;

/// A headless Chromium session; the driver is stopped on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    #[allow(clippy::zombie_processes)] // `Drop` kills and waits
    pub async fn start() -> Option<Browser> {
        if !tools(&["chromium", "chromedriver"]) {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1600", "--lang=ja"]
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            let mut builder = ClientBuilder::new(connector.clone());
            builder.capabilities(caps.clone());
            if let Ok(client) = builder.connect(&url).await {
                return Some(Browser { client, driver });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a session");
    }

    /// Saves a screenshot as `target/screenshots/<name>.png`.
    pub async fn shot(&self, name: &str) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/screenshots");
        std::fs::create_dir_all(dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }

    /// The element `css` selects, waiting for it to appear (the page may still be loading).
    pub async fn element(&self, css: &str) -> Element {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    pub async fn text(&self, css: &str) -> String {
        self.element(css).await.text().await.unwrap()
    }

    pub async fn click(&self, css: &str) {
        self.element(css).await.click().await.unwrap();
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.element(css).await.send_keys(text).await.unwrap();
    }

    /// Waits until the address satisfies `done` (a form posted, a page reloaded).
    pub async fn until_url(&self, done: impl Fn(&str) -> bool) {
        for _ in 0..100 {
            let url = self.client.current_url().await.unwrap();
            if done(url.as_str()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("still at {}", self.client.current_url().await.unwrap());
    }

    pub async fn login(&self, app: &TestApp, login: &str) {
        self.client.goto(&app.url("/login")).await.unwrap();
        self.type_into("#login", login).await;
        self.type_into("#password", PASSWORD).await;
        self.click("button[type=submit]").await;
        self.until_url(|u| u.ends_with("/enrollments")).await;
    }
}

#[tokio::test]
async fn centre_uploads_a_fax_and_assigns_an_unreadable_page_by_hand() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.png");
    std::fs::write(&scan, blank_page(255)).unwrap();

    b.login(a, "centre").await;
    let w = &b.client;
    w.goto(&a.url("/fax/upload")).await.unwrap();
    b.type_into("#files", scan.to_str().unwrap()).await;
    assert_eq!(
        b.text("#chosen").await,
        "scan.png",
        "the chosen file is listed"
    );
    b.shot("upload").await;
    b.click("#upload").await;
    assert!(b
        .text("p.notice")
        .await
        .contains("1 件のファイルを受け付けました"));
    all_read(a, &c.centre).await;

    w.goto(&a.url("/fax")).await.unwrap();
    assert_eq!(b.text("#tab-unreadable").await, "未照合（1）");
    b.shot("inbox").await;
    b.click("a.page-link").await;
    b.type_into("#q", "山田").await;
    b.click("form[method=get] button").await;
    // The search reloads the page with `?q=`: wait for it before reading.
    b.until_url(|u| u.contains("?q=")).await;
    b.element("button.assign").await;
    assert!(w.source().await.unwrap().contains("山田 花子"));
    b.shot("page-candidates").await;
    b.click("button.assign").await;
    b.element("#enrollment").await;
    assert_eq!(b.text("#outcome").await, "照合済");
    b.shot("page-assigned").await;
    assert_eq!(state(a, &c, id).await, "copy_received");
    drop(b);
    app.finish().await;
}
