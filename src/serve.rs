//! The HTTP server: the router on hyper's HTTP/1, with the limits `axum::serve` does not offer.
//! A connection that has not sent its whole header within `HEADER_SECONDS` is closed (a client
//! trickling header bytes cannot hold it for minutes), a request body that stalls for
//! `BODY_IDLE_SECONDS` is cut off, and one address holds at most `max_connections_per_address`
//! connections at once (behind a proxy on this machine that is the proxy's pool: raise it, and
//! let the proxy limit each client).
//! On stop, open connections finish their requests (up to `DRAIN_SECONDS`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// The whole request header must arrive within this.
pub const HEADER_SECONDS: u64 = 10;
/// A request body may pause this long between pieces.
pub const BODY_IDLE_SECONDS: u64 = 30;
/// How long open connections may take to finish once the server is asked to stop.
const DRAIN_SECONDS: u64 = 7;

/// Connections open per address, and how many one address may hold.
#[derive(Clone)]
struct Open(Arc<Mutex<HashMap<IpAddr, usize>>>, usize);

/// One admitted connection; leaving frees its place.
struct Admitted(Open, IpAddr);

impl Open {
    fn admit(&self, ip: IpAddr) -> Option<Admitted> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(ip).or_insert(0);
        if *n >= self.1 {
            return None;
        }
        *n += 1;
        Some(Admitted(self.clone(), ip))
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut m = (self.0).0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.1);
            }
        }
    }
}

/// Serves `router` on `listener` until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    stop: watch::Receiver<bool>,
    per_address: usize,
) -> std::io::Result<()> {
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        Duration::from_secs(BODY_IDLE_SECONDS),
    ));
    let open = Open(Arc::default(), per_address.max(1));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(HEADER_SECONDS));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = crate::jobs::supervise::stopped(stop.clone()) => break,
        };
        let Some(place) = open.admit(peer.ip()) else {
            tracing::warn!(client = %peer.ip(), "too many connections from one address");
            metrics::counter!("consentflow_connections_refused_total").increment(1);
            continue; // dropped: closed at once
        };
        let service = router
            .clone()
            .map_request(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let conn = http.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(place);
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(DRAIN_SECONDS), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN_SECONDS} s; closing them");
    }
    Ok(())
}
