//! What the API gives without a token: the 地域資源マップ's offices as GeoJSON, for the city's
//! own site and for anyone who draws maps (#21). The same published fields as the map; never a
//! person.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::AppResult;
use crate::http::AppState;

/// The offices on the public map as a GeoJSON FeatureCollection (longitude first), with an
/// `ETag` (ask again with `If-None-Match` for a 304) and `Cache-Control: public, max-age=300`.
#[utoipa::path(get, path = "/api/v1/public/offices.geojson",
    responses((status = 200, content_type = "application/geo+json"), (status = 304)))]
#[tracing::instrument(skip_all)]
pub async fn offices(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let (body, etag) = crate::service::map::geojson(&state.store, state.clock.today()).await?;
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "public, max-age=300".to_string()),
    ];
    let seen = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if seen {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let kind = [(header::CONTENT_TYPE, "application/geo+json".to_string())];
    Ok((kind, cache, body).into_response())
}
