//! Office registration over the API: the public application, the city's decision, and an
//! office's information.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::{parse_id, ApiJson};
use crate::domain::office_info::OfficeInfoInput;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::http::client::ClientAddr;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::office_admin;
use crate::service::registration::{self, ApplicationInput};
use crate::store::applications::{self, Application};
use crate::store::offices::Office;

/// Apply to register an office (no token; a few an hour from one address).
#[utoipa::path(post, path = "/api/v1/office-applications", request_body = ApplicationInput,
    responses((status = 201, body = Application), (status = 422, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn apply(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> AppResult<(StatusCode, Json<Application>)> {
    let a = registration::apply(&state, &input, &client).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Applications, pending first (the city).
#[utoipa::path(get, path = "/api/v1/office-applications",
    responses((status = 200, body = Vec<Application>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> AppResult<Json<Vec<Application>>> {
    if actor.role() != Some(Role::CityAdmin) {
        return Err(AppError::Forbidden("city only".into()));
    }
    let mut c = state.store.acquire().await?;
    Ok(Json(applications::list(c.conn(), 500).await?))
}

/// Approve: creates the office and its administrator, and e-mails the first voucher.
#[utoipa::path(post, path = "/api/v1/office-applications/{id}/approval", params(("id" = i64, Path)),
    responses((status = 201, body = Office), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<Office>)> {
    let o = registration::approve(&state, &actor, parse_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(o)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Rejection {
    pub reason: String,
}

/// Reject with a reason, which the applicant is told.
#[utoipa::path(post, path = "/api/v1/office-applications/{id}/rejection", params(("id" = i64, Path)),
    request_body = Rejection,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn reject(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Rejection>,
) -> AppResult<StatusCode> {
    registration::reject(&state, &actor, parse_id(&id)?, &r.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OfficeInfoBody {
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[serde(default)]
    pub coords_locked: bool,
    #[serde(default)]
    pub hours: String,
    /// mon … sun, hol; empty for none
    #[serde(default)]
    pub closed_days: Vec<String>,
    #[serde(default)]
    pub co_located: String,
    #[serde(default)]
    pub other_info: String,
    /// Appear on the public 地域資源マップ (default true).
    #[serde(default = "yes")]
    pub map_published: bool,
}

fn yes() -> bool {
    true
}

/// Replace an office's information (its administrator, or the city).
#[utoipa::path(put, path = "/api/v1/offices/{id}", params(("id" = i64, Path)),
    request_body = OfficeInfoBody,
    responses((status = 200, body = Office), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_office(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OfficeInfoBody>,
) -> AppResult<Json<Office>> {
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let input = OfficeInfoInput {
        address: b.address,
        phone: b.phone,
        fax: b.fax,
        latitude: num(b.latitude),
        longitude: num(b.longitude),
        coords_locked: b.coords_locked,
        hours: b.hours,
        closed_days: b.closed_days,
        co_located: b.co_located,
        other_info: b.other_info,
        map_published: b.map_published,
    };
    let id = parse_id(&id)?;
    office_admin::manages(&actor, id).map_err(|_| AppError::NotFound)?;
    let (o, _) = office_admin::update_info(&state.store, &actor, id, &input).await?;
    Ok(Json(o))
}
