//! Retiring old data over the API (#22): the city's list of coming erasures and its holds.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::ApiJson;
use crate::error::AppResult;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::enrollments;
use crate::service::retention::{self, Coming};

/// Ended enrollments erased within `retention.preview_days` (and those held back). The city.
#[utoipa::path(get, path = "/api/v1/retention",
    responses((status = 200, body = Vec<Coming>), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn coming(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> AppResult<Json<Vec<Coming>>> {
    Ok(Json(retention::coming(&state, &actor).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct HoldInput {
    #[serde(default)]
    pub reason: String,
}

/// Hold an enrollment back from erasure, with a reason (the city). 409 once erased.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/retention-hold",
    params(("code" = String, Path)), request_body = HoldInput,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn hold(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiJson(h): ApiJson<HoldInput>,
) -> AppResult<StatusCode> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    retention::hold(&state, &actor, id, Some(&h.reason)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Let the hold go: the enrollment is erased at the next run if its time has passed.
#[utoipa::path(delete, path = "/api/v1/enrollments/{code}/retention-hold",
    params(("code" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn release(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
) -> AppResult<StatusCode> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    retention::hold(&state, &actor, id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
