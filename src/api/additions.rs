//! Adding members to an active team over the API (#22): the same rules, form and verification
//! as the pages (`service::additions`).

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
use crate::service::additions;
use crate::service::enrollments::{self, MemberInput};
use crate::store::additions::Addition;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AdditionInput {
    /// The members to add, as at registration.
    #[serde(default)]
    pub team: Vec<MemberInput>,
}

/// List members to add to a team in use (the obtainer office or the centre): 追加待ち until
/// the centre verifies their consent form. 409 `conflict` while another addition waits.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/additions", params(("code" = String, Path)),
    request_body = AdditionInput,
    responses((status = 201, body = Addition), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn propose(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<AdditionInput>,
) -> AppResult<(StatusCode, Json<Addition>)> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let a = additions::propose(&state, &actor, id, &input.team).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// The addition's consent form (支援チームメンバー追加同意書), prefilled, as PDF.
#[utoipa::path(get, path = "/api/v1/enrollments/{code}/additions/{id}/form.pdf",
    params(("code" = String, Path), ("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn form(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((code, addition)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let pdf = additions::pdf(&state, &actor, id, parse_id(&addition)?).await?;
    Ok(inline_pdf(&format!("addition-{code}-{addition}.pdf"), pdf))
}

/// The centre verifies the signed copy received: the members join the team now.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/additions/{id}/verification",
    params(("code" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn verify(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((code, addition)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    additions::verify(&state, &actor, id, parse_id(&addition)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The obtainer office or the centre takes the addition back.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/additions/{id}/withdrawal",
    params(("code" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((code, addition)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    additions::withdraw(&state, &actor, id, parse_id(&addition)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
