//! 報告義務 over the API (#21): report, list, read, and the city's handling — the same rules as
//! the pages (`service::incidents`): who sees what, forward-only states, the steps a report's
//! kind offers.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{parse_id, ApiJson};
use crate::domain::incident::IncidentInput;
use crate::error::AppResult;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::incidents::{self, Action, IncidentView, Step};
use crate::store::incidents::Incident;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only reports not yet done.
    #[serde(default)]
    pub open: bool,
}

/// The reports the caller may see, newest first: the city all, an office administrator their
/// office's, anyone else their own.
#[utoipa::path(get, path = "/api/v1/incidents", params(ListQuery),
    responses((status = 200, body = [Incident])), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Vec<Incident>>> {
    Ok(Json(incidents::list(&state, &actor, q.open).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reported {
    pub id: i64,
}

/// Report an incident (anyone signed in). `kind`: lost_or_stolen, misdelivery,
/// credential_leak, unauthorized_access, virus, system_fault, other; `occurred_at`: Japan time
/// (2026-12-01T14:30).
#[utoipa::path(post, path = "/api/v1/incidents", request_body = IncidentInput,
    responses((status = 201, body = Reported), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<IncidentInput>,
) -> AppResult<(StatusCode, Json<Reported>)> {
    let id = incidents::report(&state, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(Reported { id })))
}

/// A report and its history (404 for anyone who may not see it).
#[utoipa::path(get, path = "/api/v1/incidents/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = IncidentView), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn one(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<IncidentView>> {
    Ok(Json(incidents::get(&state, &actor, parse_id(&id)?).await?))
}

/// The city records a note and moves the report on (受付 → 対応中 → 完了).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/events", params(("id" = i64, Path)),
    request_body = Step,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn step(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<Step>,
) -> AppResult<StatusCode> {
    incidents::advance(&state, &actor, parse_id(&id)?, &s).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The city suspends the leaked login (`{"action": "suspend_user", "user_id"}`) or revokes the
/// lost PC (`{"action": "revoke_device", "device_id"}`), recorded on the report.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/actions", params(("id" = i64, Path)),
    request_body = Action,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn act(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Action>,
) -> AppResult<StatusCode> {
    incidents::act(&state, &actor, parse_id(&id)?, &a).await?;
    Ok(StatusCode::NO_CONTENT)
}
