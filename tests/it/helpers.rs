//! `spawn_app`: the application on a free port with a fresh database, SQLite or PostgreSQL.

use std::time::Duration;

use consentflow::app::AppState;
use consentflow::clock::Clock;
use consentflow::config::Config;
use consentflow::domain::{Actor, Role};
use consentflow::secret::Secret;
use consentflow::service::accounts::{self, UserInput};
use consentflow::store::Store;
use consentflow::Application;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::watch;

pub use super::db::Backend;
use super::db::{fresh_pg_database, PgDatabase};
pub use super::rows::{outbox_rows, sent_outbox_rows, sql, sql_at, sql_count};

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub state: AppState,
    /// Follows no redirects, so tests see them; keeps cookies.
    pub client: reqwest::Client,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// Drops the database with the app (FORCE ends the connections the app still holds).
    pg_db: Option<PgDatabase>,
    pub config: Config,
    _dir: tempfile::TempDir,
}

pub const PASSWORD: &str = "correct-horse-battery";

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Logs go to the test's output (shown for failing tests, or with --nocapture), filtered by
/// RUST_LOG; nothing is logged unless RUST_LOG is set.
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("RUST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    spawn_app_clocked(backend, None, tweak).await
}

/// The application on its own clock (a simulation moves it by hand).
pub async fn spawn_app_clocked(
    backend: Backend,
    clock: Option<Arc<dyn Clock>>,
    tweak: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    init_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, pg_db) = match backend {
        Backend::Sqlite => (format!("sqlite://{}/test.db", dir.path().display()), None),
        Backend::Postgres => {
            let (url, name) = fresh_pg_database().await?;
            (url, Some(PgDatabase(name)))
        }
    };
    let mut config = Config {
        database_url: url,
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".into(),
        qr_key: Some(Secret::new("test-qr-key")),
        session_key: Some(Secret::new("test-session-key")),
        ..Config::default()
    };
    tweak(&mut config);
    let (base, state, stop, task) = start(config.clone(), clock).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    Some(TestApp {
        base,
        store: state.store.clone(),
        state,
        client,
        stop,
        task,
        pg_db,
        config,
        _dir: dir,
    })
}

type Running = (
    String,
    AppState,
    watch::Sender<bool>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
);

async fn start(config: Config, clock: Option<Arc<dyn Clock>>) -> Running {
    let mut app = Application::build(config).await.expect("app builds");
    if let Some(clock) = clock {
        app = app.with_clock(clock);
    }
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(app.run(rx));
    (base, state, stop, task)
}

impl TestApp {
    /// The name of the test's own PostgreSQL database, if it has one.
    pub fn pg_database(&self) -> Option<&str> {
        self.pg_db.as_ref().map(|d| d.0.as_str())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The code of enrollment row `id`: URLs name enrollments by their code, never by row id.
    pub async fn code(&self, id: i64) -> String {
        let mut c = self.store.acquire().await.unwrap();
        consentflow::store::enrollments::get(c.conn(), id)
            .await
            .unwrap()
            .expect("enrollment exists")
            .code
    }

    /// Creates a user directly (as the CLI would) with [`PASSWORD`].
    pub async fn user(&self, login: &str, role: Role, office_id: Option<i64>) -> i64 {
        let input = UserInput {
            login: login.into(),
            name: format!("{login} さん"),
            email: None,
            role,
            office_id,
            password: Some(PASSWORD.into()),
        };
        accounts::create_user(&self.store, &Actor::System, &input)
            .await
            .expect("user")
            .id
    }

    /// An API token through the API itself.
    pub async fn token(&self, login: &str) -> String {
        self.token_with(login, PASSWORD).await
    }

    pub async fn token_with(&self, login: &str, password: &str) -> String {
        let r = reqwest::Client::new()
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "token for {login}");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Stops the app and starts it again on the same database with changed configuration, as
    /// an operator would after deploying something new.
    pub async fn restart_with(&mut self, tweak: impl FnOnce(&mut Config)) {
        let _ = self.stop.send(true);
        let old = std::mem::replace(&mut self.task, tokio::spawn(async { Ok(()) }));
        let _ = tokio::time::timeout(Duration::from_secs(10), old).await;
        self.store.close().await;
        tweak(&mut self.config);
        let (base, state, stop, task) = start(self.config.clone(), None).await;
        self.store = state.store.clone();
        (self.base, self.state, self.stop, self.task) = (base, state, stop, task);
    }

    /// Stops the app and removes its PostgreSQL database (the guard drops it).
    pub async fn finish(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        self.store.close().await;
        drop(self.pg_db);
    }
}

/// Polls `f` until it returns Some, for up to `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = tokio::time::Instant::now();
    let deadline = start + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            if start.elapsed() > Duration::from_secs(2) {
                eprintln!("SLOW eventually: {:?}", start.elapsed());
            }
            return Some(v);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the hidden `csrf` input on a page.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("page has a csrf field")
        + 19;
    html[at..].split('"').next().unwrap().to_string()
}

/// A page: status, body, and where it redirects.
pub async fn get(app: &TestApp, path: &str) -> (u16, String, Option<String>) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let status = r.status().as_u16();
    (status, r.text().await.unwrap(), loc)
}

/// A form post: status, body, and where it redirects.
pub async fn post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let r = app
        .client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let status = r.status().as_u16();
    (status, r.text().await.unwrap(), loc)
}

/// Signs in through the login page, CSRF token and all.
pub async fn login(app: &TestApp, login: &str, password: &str) -> (u16, String, Option<String>) {
    let (_, page, _) = get(app, "/login").await;
    let csrf = csrf_of(&page);
    post(
        app,
        "/login",
        &[("login", login), ("password", password), ("csrf", &csrf)],
    )
    .await
}

/// Another node of the same application: its own port and data directory, the same database.
pub struct Node {
    pub state: AppState,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    pub async fn another_node(&self, tweak: impl FnOnce(&mut Config)) -> (Node, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = self.config.clone();
        config.data_dir = dir.path().to_path_buf();
        tweak(&mut config);
        let (_, state, stop, task) = start(config, None).await;
        (Node { state, stop, task }, dir)
    }
}

impl Node {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(15), self.task).await;
        self.state.store.close().await;
    }
}
