//! The few scripts the pages use, compiled in and served from `/static` (the CSP allows scripts
//! from the service itself only). Every page works without them.

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
