//! #17 (10): connections are bounded: a client trickling its header is closed within the
//! header timeout, and one address holds at most `PER_ADDRESS` connections at once.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use consentflow::config::PER_ADDRESS;
use consentflow::serve::HEADER_SECONDS;

use super::helpers::{spawn_app, Backend};

/// Whether the server closed `s` (a read ends) within `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // an error page before closing
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn a_trickled_header_is_cut_off() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A header byte every second, never the end of the header.
    let start = Instant::now();
    let mut open = true;
    while open && start.elapsed() < Duration::from_secs(HEADER_SECONDS + 10) {
        open =
            s.write_all(b"X").await.is_ok() && !closed_within(&mut s, Duration::from_secs(1)).await;
    }
    assert!(!open, "still open after {:?}", start.elapsed());
    assert!(start.elapsed() >= Duration::from_secs(HEADER_SECONDS - 1));
    app.finish().await;
}

#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..PER_ADDRESS {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    // One more from the same address is closed at once, without an answer.
    let mut extra = TcpStream::connect(&addr).await.unwrap();
    let _ = extra
        .write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert!(closed_within(&mut extra, Duration::from_secs(3)).await);
    // Once they go, the address is served again.
    drop(held);
    let mut served = false;
    for _ in 0..50 {
        if let Ok(r) = reqwest::get(app.url("/login")).await {
            served = r.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served);
    app.finish().await;
}
