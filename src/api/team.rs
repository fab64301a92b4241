//! Team changes over the API (#22): the same rule, record and e-mails as the page
//! (`service::team`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{parse_id, ApiJson};
use crate::error::AppResult;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::{enrollments, team};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Removal {
    pub reason: String,
}

/// Take a member (the `id` of a row of the enrollment's `team`) off the team, at once: the
/// obtainer office, the centre, or the member's own office administrator. 409 `conflict` if
/// they are off already, 409 `invalid_state` once the enrollment ended.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/team/{member}/removal",
    params(("code" = String, Path), ("member" = i64, Path)), request_body = Removal,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn remove(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((code, member)): Path<(String, String)>,
    ApiJson(r): ApiJson<Removal>,
) -> AppResult<StatusCode> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    team::remove(&state, &actor, id, parse_id(&member)?, &r.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
