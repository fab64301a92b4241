//! ⑥ 情報の更新 over the API: the same rule and journal as the page (`service::subject`).

use axum::extract::{Path, State};
use axum::Json;

use super::ApiJson;
use crate::domain::subject::SubjectPatch;
use crate::error::AppResult;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::enrollments;
use crate::service::subject::{self, SubjectUpdate};

/// Change the person's details (the obtainer office; not once withdrawn or closed): fields left
/// out stay as they are, an empty `insurance_number` removes it. 403 for anyone else who sees
/// the enrollment, 409 `invalid_state` once it ended, 409 `conflict` if someone changed them
/// in between, 422 `invalid_input` with the field.
#[utoipa::path(patch, path = "/api/v1/enrollments/{code}/subject", params(("code" = String, Path)),
    request_body = SubjectPatch,
    responses((status = 200, body = SubjectUpdate), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiJson(patch): ApiJson<SubjectPatch>,
) -> AppResult<Json<SubjectUpdate>> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    Ok(Json(
        subject::update(&state.store, &actor, id, &patch).await?,
    ))
}
