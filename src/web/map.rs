//! The public 地域資源マップ (#21, no sign-in): the offices as a map and, beside it, as a list.
//! The list alone works without script and prints; the map (Leaflet, vendored, from `/static`)
//! draws the same offices from the list's own data, over the configured tiles.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Datelike;
use serde::Deserialize;

use super::{render, PageError};
use crate::config::map::MapConfig;
use crate::domain::office::OfficeKind;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::map::{self, MapFilter, PublicOffice};

pub fn router() -> Router<AppState> {
    Router::new().route("/map", get(page))
}

/// The pages' content security policy with the tile server's images allowed (only where a
/// map is drawn).
pub fn csp(config: &MapConfig) -> HeaderValue {
    let tiles = config.tile_origin().unwrap_or_default();
    let policy = format!(
        "default-src 'self'; img-src 'self' {tiles}; style-src 'self' 'unsafe-inline'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'self'"))
}

/// A response carrying the map's content security policy.
pub fn with_map_csp(config: &MapConfig, mut res: Response) -> Response {
    res.headers_mut()
        .insert("content-security-policy", csp(config));
    res
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage<'a> {
    user: Option<&'a CurrentUser>,
    kinds: &'static [OfficeKind],
    kind: String,
    q: String,
    today: bool,
    /// 「12月2日（水）」
    today_label: String,
    offices: Vec<PublicOffice>,
    map: &'a MapConfig,
}

impl MapPage<'_> {
    fn at(v: &f64) -> String {
        format!("{v:.6}")
    }
}

#[derive(Deserialize)]
struct MapQuery {
    kind: Option<String>,
    q: Option<String>,
    today: Option<String>,
}

const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

#[tracing::instrument(skip_all)]
async fn page(
    State(state): State<AppState>,
    Query(q): Query<MapQuery>,
) -> Result<Response, PageError> {
    let date = state.clock.today();
    let filter = MapFilter {
        kind: q.kind.as_deref().and_then(OfficeKind::parse),
        word: q.q.clone().filter(|w| !w.trim().is_empty()),
        open_today: q.today.is_some(),
    };
    let offices = map::offices(&state.store, date, &filter).await?;
    let page = MapPage {
        user: None,
        kinds: &OfficeKind::ALL,
        kind: filter
            .kind
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        today: filter.open_today,
        today_label: format!(
            "{}月{}日（{}）",
            date.month(),
            date.day(),
            WEEKDAYS[date.weekday().num_days_from_monday() as usize]
        ),
        offices,
        map: &state.config.map,
    };
    Ok(with_map_csp(
        &state.config.map,
        render(StatusCode::OK, &page),
    ))
}
