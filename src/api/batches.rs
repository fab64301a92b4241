//! Batch printing over the API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;

use super::{parse_id, ApiJson};
use crate::error::AppResult;
use crate::http::inline_pdf;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::batches;
use crate::store::forms::PrintBatch;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BatchRequest {
    pub enrollment_ids: Vec<i64>,
    #[serde(default)]
    pub blank: bool,
}

/// Queue a batch: the forms of many enrollments in one PDF. Poll it for progress.
#[utoipa::path(post, path = "/api/v1/print-batches", request_body = BatchRequest,
    responses((status = 202, body = PrintBatch), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(req): ApiJson<BatchRequest>,
) -> AppResult<(StatusCode, Json<PrintBatch>)> {
    let b = batches::create(&state, &actor, &req.enrollment_ids, req.blank).await?;
    Ok((StatusCode::ACCEPTED, Json(b)))
}

/// A batch's progress (`done` of `total`) and outcome.
#[utoipa::path(get, path = "/api/v1/print-batches/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = PrintBatch)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<PrintBatch>> {
    Ok(Json(batches::get(&state, &actor, parse_id(&id)?).await?))
}

/// The batch's PDF once it is done.
#[utoipa::path(get, path = "/api/v1/print-batches/{id}/pdf", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn pdf(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (b, data) = batches::pdf(&state, &actor, parse_id(&id)?).await?;
    Ok(inline_pdf(&format!("consent-batch-{}.pdf", b.id), data))
}
