//! The few scripts the pages use, and Leaflet for the 地域資源マップ (vendored from the npm
//! registry with its licence, `vendor/leaflet/SOURCE.md`), compiled in and served from
//! `/static` (the CSP allows scripts from the service itself only). Every page works without
//! them.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/static/upload.js",
            get(|| script(include_str!("upload.js"))),
        )
        .route("/static/team.js", get(|| script(include_str!("team.js"))))
        .route("/static/map.js", get(|| script(include_str!("map.js"))))
        .route(
            "/static/office_map.js",
            get(|| script(include_str!("office_map.js"))),
        )
        .route("/static/leaflet/{*file}", get(leaflet))
}

const JS: &str = "text/javascript; charset=utf-8";

/// Leaflet's files, by the path its stylesheet refers to them by.
const LEAFLET: &[(&str, &str, &[u8])] = &[
    (
        "leaflet.js",
        JS,
        include_bytes!("vendor/leaflet/leaflet.js"),
    ),
    (
        "leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("vendor/leaflet/leaflet.css"),
    ),
    (
        "images/marker-icon.png",
        "image/png",
        include_bytes!("vendor/leaflet/images/marker-icon.png"),
    ),
    (
        "images/marker-icon-2x.png",
        "image/png",
        include_bytes!("vendor/leaflet/images/marker-icon-2x.png"),
    ),
    (
        "images/marker-shadow.png",
        "image/png",
        include_bytes!("vendor/leaflet/images/marker-shadow.png"),
    ),
    (
        "LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("vendor/leaflet/LICENSE"),
    ),
];

async fn leaflet(Path(file): Path<String>) -> Response {
    match LEAFLET.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, body)) => asset(kind, body),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A file that is the same for everyone: cacheable for a day.
fn asset(kind: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

async fn script(body: &'static str) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/javascript; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
