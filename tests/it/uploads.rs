//! #17 (4): a big upload is refused before it is held. Someone who may not upload is refused
//! before a byte of the body is read; the centre's file over `intake.max_bytes` is refused as
//! soon as it crosses the limit. Measured on a `consentflow serve` process of its own: three
//! 190 MB uploads at once leave its memory within 64 MB of where it was.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::cli::{listening, Killed};

const BIN: &str = env!("CARGO_BIN_EXE_consentflow");
const BIG: usize = 190 * 1024 * 1024;

/// The process's resident memory now, in MB.
fn rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Sends a `BIG`-byte multipart upload by hand, a megabyte at a time, and stops as soon as the
/// server answers. Returns the status and how much was sent before it.
async fn big_upload(base: &str, path: &str, auth: &str) -> (u16, usize) {
    let addr = base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}\
         Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: {}\r\n\r\n",
        BIG
    );
    let part =
        "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n";
    let answer = tokio::spawn(async move {
        let mut buf = vec![0u8; 256];
        let n = rd.read(&mut buf).await.unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..n]).to_string();
        text.split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0)
    });
    let mut sent = 0;
    if wr.write_all(head.as_bytes()).await.is_ok() && wr.write_all(part.as_bytes()).await.is_ok() {
        let chunk = vec![b'%'; 1 << 20];
        while sent + chunk.len() <= BIG - part.len() && !answer.is_finished() {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
    }
    let status = tokio::time::timeout(Duration::from_secs(30), answer)
        .await
        .expect("an answer")
        .unwrap();
    (status, sent)
}

async fn token(base: &str, login: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({ "login": login, "password": "demo-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn big_uploads_are_refused_before_they_are_held() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["serve", "--demo"])
        .current_dir(dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/data/consentflow.db", dir.path().display()),
        )
        .env("CONSENTFLOW_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn");
    let (child, base, _) = listening(cmd);
    let pid = child.id();
    let _guard = Killed(child);
    let nurse = token(&base, "caremgr").await;
    let centre = token(&base, "centre").await;
    // Let the demo's own FAXes be read first, so what is measured is the uploads alone.
    let settled = Instant::now() + Duration::from_secs(60);
    loop {
        let r = reqwest::Client::new()
            .get(format!("{base}/api/v1/fax/messages?status=stored"))
            .bearer_auth(&centre)
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        if v.as_array().is_some_and(|a| a.is_empty()) || Instant::now() > settled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_mb(pid);

    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let (p, done) = (
        peak.clone(),
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let d = done.clone();
    let sampler = std::thread::spawn(move || {
        while !d.load(std::sync::atomic::Ordering::Relaxed) {
            p.fetch_max(rss_mb(pid), std::sync::atomic::Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    // A care manager (not the centre), three times at once, and the upload page without a
    // session.
    let auth = format!("Authorization: Bearer {nurse}\r\n");
    let (a, b, c, page) = tokio::join!(
        big_upload(&base, "/api/v1/fax/uploads", &auth),
        big_upload(&base, "/api/v1/fax/uploads", &auth),
        big_upload(&base, "/api/v1/fax/uploads", &auth),
        big_upload(&base, "/fax/upload", ""),
    );
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    sampler.join().unwrap();
    let grew = peak
        .load(std::sync::atomic::Ordering::Relaxed)
        .saturating_sub(before);
    println!("RSS before {before} MB, grew by {grew} MB at most");
    for (status, sent) in [a, b, c] {
        assert_eq!(status, 403);
        assert!(
            sent < BIG / 2,
            "refused before the body was read ({sent} bytes sent)"
        );
    }
    // The centre's own file over `intake.max_bytes` (50 MB): refused where it crosses it.
    let centre_auth = format!("Authorization: Bearer {centre}\r\n");
    let big = big_upload(&base, "/api/v1/fax/uploads", &centre_auth).await;
    assert_eq!(big.0, 413, "the centre's file over intake.max_bytes");
    assert!(
        big.1 < 100 * 1024 * 1024,
        "refused at the limit ({} bytes)",
        big.1
    );
    // Without a session the page sends the browser to sign in, before reading anything.
    assert!(matches!(page.0, 303 | 403), "{}", page.0);
    assert!(page.1 < BIG / 2, "({} bytes sent)", page.1);
    assert!(grew < 64, "RSS grew by {grew} MB");
}
