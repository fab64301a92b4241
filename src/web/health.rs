//! `/healthz` for load balancers and `/metrics` for Prometheus.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_page))
}

/// The process-wide recorder, installed on first use (tests start many apps in one process).
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder is installed, in which case ours just stays empty.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// 200 with `ok <backend>` when the database answers and every job worker of this process
/// runs; 503 otherwise. Each worker is listed with its restarts (none in a `serve` without
/// workers).
async fn healthz(State(state): State<AppState>) -> Response {
    let mut body = match state.store.ping().await {
        Ok(()) => format!("ok {}\n", state.store.backend()),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            "database unreachable\n".to_string()
        }
    };
    let healthy = body.starts_with("ok") && state.workers.down().is_empty();
    if !healthy && body.starts_with("ok") {
        body = format!("workers down\n{body}");
    }
    for (name, s) in state.workers.snapshot() {
        let up = if s.up { "up" } else { "down" };
        body.push_str(&format!("worker {name}: {up}, restarts {}\n", s.restarts));
    }
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body).into_response()
}

/// Prometheus text, for whoever may read it: with `metrics_token` set, a request carrying it
/// as a bearer token; without, a request from this machine that no proxy forwarded.
async fn metrics_page(State(state): State<AppState>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let headers = req.headers();
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match &state.config.metrics_token {
        Some(token) => bearer.is_some_and(|b| {
            use subtle::ConstantTimeEq;
            b.trim().as_bytes().ct_eq(token.expose().as_bytes()).into()
        }),
        None => {
            let local = peer.is_some_and(|p| p.ip().is_loopback());
            local && !headers.contains_key("x-forwarded-for") && !headers.contains_key("forwarded")
        }
    };
    if !allowed {
        tracing::info!(route = "/metrics", "metrics refused");
        return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
    }
    (
        [("content-type", "text/plain; version=0.0.4")],
        prometheus().render(),
    )
        .into_response()
}

/// Counts requests by route pattern (never the raw path, which may hold ids) and status.
pub async fn track(req: Request, next: Next) -> Response {
    prometheus();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    // Kept cheaply for the refusal log line; the address is worked out only then.
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = req.headers().get("x-forwarded-for").cloned();
    let start = Instant::now();
    let res = next.run(req).await;
    let code = res.status().as_u16();
    let status = code.to_string();
    // Refusals (no sign-in, not allowed, CSRF, throttled) leave a line and a count: the route
    // pattern and the address, never a person's data.
    if matches!(code, 401 | 403 | 429) {
        let client = crate::http::client::client_of(peer, forwarded.as_ref());
        tracing::warn!(route = %route, method = %method, status = code, client = %client, "request refused");
        metrics::counter!("consentflow_http_refusals_total", "route" => route.clone(), "status" => status.clone()).increment(1);
    }
    metrics::counter!("consentflow_http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("consentflow_http_request_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}
