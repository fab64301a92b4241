//! The binary itself: `serve` on an empty data directory prints the first-run link and serves the
//! login page; `serve --demo` shows the demo city; `token create` and `migrate` work beside it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_consentflow");

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .current_dir(dir)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/data/consentflow.db", dir.display()),
        )
        .env("CONSENTFLOW_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn");
    c
}

/// Starts `serve`, reads its output until it says where it listens; returns the base URL and
/// everything printed before.
fn start(dir: &Path, args: &[&str]) -> (Child, String, String) {
    listening(command(dir, args))
}

/// Starts a `serve` command and reads its output until it says where it listens.
pub fn listening(cmd: Command) -> (Child, String, String) {
    listening_with(cmd, Stdio::null())
}

/// [`listening`], its log going to `stderr`.
#[allow(clippy::zombie_processes)] // the caller wraps the child in `Killed`, which waits
pub fn listening_with(mut cmd: Command, stderr: Stdio) -> (Child, String, String) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(stderr).spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut printed, deadline) = (String::new(), Instant::now() + Duration::from_secs(60));
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "serve exited early:\n{printed}"
        );
        printed.push_str(&line);
        if let Some(rest) = line.strip_prefix("consentflow listening on ") {
            let base = rest.split_whitespace().next().unwrap().to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in out.lines() {});
            return (child, base, printed);
        }
        assert!(Instant::now() < deadline, "no listening line:\n{printed}");
    }
}

pub struct Killed(pub Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_on_an_empty_directory_prints_a_first_run_link() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base, printed) = start(dir.path(), &["serve"]);
    let _guard = Killed(child);
    assert!(
        dir.path().join("data/consentflow.db").exists(),
        "database created"
    );
    assert!(
        dir.path().join("data/secrets/qr.key").exists(),
        "QR key generated"
    );
    let link = printed
        .lines()
        .map(str::trim)
        .find(|l| l.contains("/login/once/"))
        .expect(&printed)
        .to_string();
    let page = reqwest::get(format!("{base}/login")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("ログイン"));
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("パスワードの設定"));
}

#[tokio::test]
async fn serve_demo_and_a_cli_token() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base, printed) = start(dir.path(), &["serve", "--demo"]);
    let _guard = Killed(child);
    assert!(
        printed.contains("demo-password") && printed.contains("caremgr"),
        "{printed}"
    );

    let out = command(dir.path(), &["token", "create", "--user", "centre"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(token.len(), 64);
    let list: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/enrollments"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        10,
        "one enrollment per state"
    );

    let out = command(dir.path(), &["token", "create", "--user", "nobody"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user with login"));
    let out = command(dir.path(), &["migrate"]).output().unwrap();
    assert!(out.status.success());
}

/// `consentflow_password_checks_total` on `/metrics`: password checks so far in that process.
async fn password_checks(base: &str) -> u64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with("consentflow_password_checks_total"))
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or(0)
}

/// #17 (11): a refusal for a login without a password (the first-run `admin`) or for an
/// unknown login runs a full password check against a dummy hash, so the answer does not come
/// back sooner and say the login exists. Counted in a process of its own, not timed.
#[tokio::test]
async fn every_refusal_pays_for_a_full_password_check() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base, _) = start(dir.path(), &["serve"]);
    let _guard = Killed(child);
    let ask = |login: &'static str| {
        let base = base.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/auth/token"))
                .json(&serde_json::json!({ "login": login, "password": "guess-guess-guess" }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let before = password_checks(&base).await;
    assert_eq!(ask("admin").await, 401, "admin has no password yet");
    assert_eq!(password_checks(&base).await, before + 1);
    assert_eq!(ask("nobody-here").await, 401);
    assert_eq!(password_checks(&base).await, before + 2);
}
