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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend for a test that runs on one: SQLite, or PostgreSQL when
    /// `CONSENTFLOW_TEST_BACKEND=postgres` (CI runs the suite both ways).
    pub fn chosen() -> Backend {
        match std::env::var("CONSENTFLOW_TEST_BACKEND").as_deref() {
            Ok("postgres") => Backend::Postgres,
            Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("CONSENTFLOW_TEST_BACKEND={other}: use sqlite or postgres"),
        }
    }
}

/// A test's PostgreSQL database, dropped when the guard is: after a passing test and after a
/// failing one alike, so no test leaves its database behind.
struct PgDatabase(String);

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.0);
        // Drop runs inside the test's runtime, which cannot block on itself: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&pg_admin_url()).await.ok()?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut c)
                .await
                .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("NOTICE: could not drop a test database");
        }
    }
}

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

fn pg_admin_url() -> String {
    std::env::var("CONSENTFLOW_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh PostgreSQL database, or None (with a notice) when no server answers and the run does
/// not require one. With `CONSENTFLOW_REQUIRE_POSTGRES=1` (CI) a missing server fails the test.
async fn fresh_pg_database() -> Option<(String, String)> {
    use sqlx::Connection;
    let admin = pg_admin_url();
    let required = std::env::var("CONSENTFLOW_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) if !required => {
            eprintln!("NOTICE: PostgreSQL not reachable at {admin} ({e}); skipping the PostgreSQL half of this test");
            return None;
        }
        Err(e) => {
            panic!("CONSENTFLOW_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at {admin}: {e}")
        }
    };
    let name = format!("cf_test_{}", uuid_like());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin);
    Some((format!("{base}/{name}"), name))
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

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

/// Runs SQL straight on the test's database, to set up a situation (time passing, a refusing
/// address) the application would take too long to reach.
pub async fn sql(a: &TestApp, q: &str) {
    let mut c = a.store.acquire().await.unwrap();
    match c.conn().db {
        consentflow::store::Db::Sqlite(c) => {
            sqlx::query(sqlx::AssertSqlSafe(q))
                .execute(&mut *c)
                .await
                .unwrap();
        }
        consentflow::store::Db::Postgres(c) => {
            sqlx::query(sqlx::AssertSqlSafe(q))
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
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

/// Runs SQL with one time bound as `$1` (a moment in a simulation).
pub async fn sql_at(a: &TestApp, q: &str, at: chrono::DateTime<chrono::Utc>) {
    let mut c = a.store.acquire().await.unwrap();
    match c.conn().db {
        consentflow::store::Db::Sqlite(c) => {
            sqlx::query(sqlx::AssertSqlSafe(q))
                .bind(at)
                .execute(&mut *c)
                .await
                .unwrap();
        }
        consentflow::store::Db::Postgres(c) => {
            sqlx::query(sqlx::AssertSqlSafe(q))
                .bind(at)
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
}

/// A `SELECT COUNT(*) …` on the test's database, to check what the application reports.
pub async fn sql_count(a: &TestApp, q: &str) -> i64 {
    let mut c = a.store.acquire().await.unwrap();
    match c.conn().db {
        consentflow::store::Db::Sqlite(c) => sqlx::query_scalar(sqlx::AssertSqlSafe(q))
            .fetch_one(&mut *c)
            .await
            .unwrap(),
        consentflow::store::Db::Postgres(c) => sqlx::query_scalar(sqlx::AssertSqlSafe(q))
            .fetch_one(&mut *c)
            .await
            .unwrap(),
    }
}

/// The outbox's e-mails once every one is marked sent. The SMTP server has a message before
/// the dispatcher records it as sent, so reading the rows as soon as a message arrives races.
pub async fn sent_outbox_rows(a: &TestApp) -> Vec<Value> {
    let sent = eventually(30, || async {
        let rows = outbox_rows(a).await;
        rows.iter().all(|r| r["status"] == "sent").then_some(rows)
    })
    .await;
    match sent {
        Some(rows) => rows,
        None => panic!("every outbox e-mail sent: {:#?}", outbox_rows(a).await),
    }
}

/// The outbox's e-mails, newest first, as the API would show them.
pub async fn outbox_rows(a: &TestApp) -> Vec<Value> {
    let mut c = a.store.acquire().await.unwrap();
    consentflow::store::outbox::list(c.conn(), None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}
