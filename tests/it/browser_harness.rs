//! The browser harness: Debian's Chromium, headless, driven through chromedriver (WebDriver) with
//! fantoccini, on a free port; clicks and waits that survive a page still settling.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

use serde_json::json;

use super::helpers::{TestApp, PASSWORD};
use super::mail::tools;

/// A headless Chromium session; the driver is stopped on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Drop for Browser {
    /// Stops chromedriver and every Chromium it started: they share the driver's process group
    /// (killing the driver alone left each test's browser running, and a full run's browsers
    /// slowed the next run).
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    pub async fn start() -> Option<Browser> {
        Browser::start_sized(1280, 1600).await
    }

    /// A session whose window is `width` × `height` from the start: resizing a headless window
    /// while the machine is busy has hung Chromium's WebDriver, so a phone-sized page gets a
    /// phone-sized session of its own.
    #[allow(clippy::zombie_processes)] // `Drop` kills and waits
    pub async fn start_sized(width: u32, height: u32) -> Option<Browser> {
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
            // Its own process group, so that `Drop` stops the browsers with it.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut options = json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     format!("--window-size={},{height}", width.max(500)), "--lang=ja"]
        });
        // A headless window is at least 500 px wide: a phone's width is emulated instead.
        if width < 500 {
            options["mobileEmulation"] =
                json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1 } });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
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
        self.retry(css, |e| async move { e.click().await.map(|_| ()) })
            .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.retry(css, |e| async move { e.send_keys(text).await })
            .await;
    }

    /// Does `act` on the element, finding it again if the page replaced it in between (a
    /// navigation that had not finished when it was found) or something covered it for a moment.
    async fn retry<F, Fut>(&self, css: &str, act: F)
    where
        F: Fn(Element) -> Fut,
        Fut: std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
    {
        for _ in 0..20 {
            match act(self.element(css).await).await {
                Ok(()) => return,
                // Replaced in between, or covered for a moment (a map still animating its zoom).
                Err(e)
                    if e.to_string().contains("stale element")
                        || e.to_string().contains("click intercepted") =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("{css}: {e}"),
            }
        }
        panic!("{css} kept going stale or covered");
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

/// Selects `value` in the `<select>` at `css`.
pub async fn choose(b: &Browser, css: &str, value: &str) {
    b.element(css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

/// Submits the step form `#step-<action>` on the enrollment page and waits for the new page
/// (the address is the same before and after, so a mark is left on the old document).
pub async fn step(b: &Browser, action: &str) {
    b.client
        .execute("window.__before_step = true", vec![])
        .await
        .unwrap();
    b.click(&format!("#step-{action} button[type=submit]"))
        .await;
    for _ in 0..200 {
        let old = b
            .client
            .execute("return window.__before_step === true", vec![])
            .await;
        if matches!(old, Ok(serde_json::Value::Bool(false))) {
            b.element("h1").await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the step {action} did not load a new page");
}
