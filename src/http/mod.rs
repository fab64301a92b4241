//! What the pages and the API share: the state their handlers get, who is signed in (sessions,
//! tokens, the device cookie), where a request comes from, uploads, and PDF and image answers.

pub mod client;
pub mod confirm;
pub mod flash;
pub mod page;
pub mod session;
pub mod upload;

use std::sync::Arc;

use axum::response::{IntoResponse, Response};

use crate::context::Context;
use crate::jobs::supervise::WorkerHealth;

/// What every handler can reach: the services' context, and the job workers' health for
/// `/healthz` and `/metrics`. It dereferences to the [`Context`], which is what services take.
#[derive(Clone, Debug)]
pub struct AppState {
    pub ctx: Context,
    /// Which job workers run, which are down, and how often each was restarted.
    pub workers: Arc<WorkerHealth>,
}

impl std::ops::Deref for AppState {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
}

/// Pages allow nothing from elsewhere, are never framed, and are not cached.
pub async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, axum::http::HeaderValue::from_static(v));
    };
    // A page that draws a map has set its own, allowing the tile server's images only.
    if !h.contains_key("content-security-policy") {
        set(h, "content-security-policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'");
    }
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    // Pages, API answers and page images hold personal data: no cache keeps them, unless a
    // handler chose otherwise for something public.
    if !h.contains_key(axum::http::header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    res
}

/// A PDF shown in the browser (ready to print) rather than downloaded.
pub fn inline_pdf(name: &str, data: Vec<u8>) -> Response {
    let disposition = format!("inline; filename=\"{name}\"");
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response()
}

/// A page image for the browser or an API client: never cached (it holds personal data).
pub fn png(data: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "image/png"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        data,
    )
        .into_response()
}
