//! Handing over over the API (#22): a new obtainer office, a person replaced within an office,
//! a login moved to another office, an office closed. The same rules, records and e-mails as
//! the pages (`service::handover`, `service::office_changes`, `service::team`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::{parse_id, ApiJson};
use crate::domain::handover::Answer;
use crate::domain::team::ReplacementInput;
use crate::domain::FieldError;
use crate::error::AppResult;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::handover::{self, Proposal};
use crate::service::office_changes::{self, OfficeHandovers};
use crate::service::{enrollments, team};
use crate::store::handovers::{Closure, ObtainerChange, Transfer};

/// An answer to a request: `accept`, `decline` (the other side) or `withdraw` (the asking side).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AnswerInput {
    #[serde(default)]
    pub answer: String,
    /// Accepting a new obtainer: the care manager of the accepting office (default: oneself).
    #[serde(default)]
    pub to_user: String,
    #[serde(default)]
    pub note: String,
}

fn answer_of(a: &AnswerInput) -> AppResult<Answer> {
    Answer::parse(&a.answer).ok_or_else(|| {
        FieldError::new(
            "answer",
            "accept・decline・withdraw のいずれかを指定してください。",
        )
        .into()
    })
}

/// Put another person of the same office in a member's place: no new consent; both are
/// e-mailed. Who may: as for taking a member off.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/team/{member}/replacement",
    params(("code" = String, Path), ("member" = i64, Path)), request_body = ReplacementInput,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn replace(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((code, member)): Path<(String, String)>,
    ApiJson(r): ApiJson<ReplacementInput>,
) -> AppResult<StatusCode> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    team::replace(&state, &actor, id, parse_id(&member)?, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Propose a new obtainer office (the obtainer office or the centre). To the same office with
/// `to_user`: another care manager, at once. To another office: open until it answers.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/obtainer-changes",
    params(("code" = String, Path)), request_body = Proposal,
    responses((status = 201, body = ObtainerChange), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn propose(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiJson(p): ApiJson<Proposal>,
) -> AppResult<(StatusCode, Json<ObtainerChange>)> {
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let (change, _) = handover::propose(&state, &actor, id, &p).await?;
    let ch = handover::get(&state, &actor, change).await?;
    Ok((StatusCode::CREATED, Json(ch)))
}

/// Open proposals of a new obtainer the caller's office gave or received (every one for the
/// centre and the city).
#[utoipa::path(get, path = "/api/v1/obtainer-changes",
    responses((status = 200, body = Vec<ObtainerChange>)), security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn open(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> AppResult<Json<Vec<ObtainerChange>>> {
    Ok(Json(handover::open(&state, &actor).await?))
}

/// Answer a proposal: the new office `accept`s (with `to_user`) or `decline`s; the old office
/// or the centre `withdraw`s. 409 `conflict` once answered.
#[utoipa::path(post, path = "/api/v1/obtainer-changes/{id}/answer", params(("id" = i64, Path)),
    request_body = AnswerInput,
    responses((status = 200, body = ObtainerChange), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn answer_obtainer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AnswerInput>,
) -> AppResult<Json<ObtainerChange>> {
    let id = parse_id(&id)?;
    let answer = answer_of(&a)?;
    Ok(Json(
        handover::answer(&state, &actor, id, answer, &a.to_user, &a.note).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TransferInput {
    /// The office the login moves to.
    #[serde(default)]
    pub to_office: String,
}

/// Move a login to another office: the city at once; the old office's administrator asks and
/// the new one's answers.
#[utoipa::path(post, path = "/api/v1/users/{id}/transfer", params(("id" = i64, Path)),
    request_body = TransferInput,
    responses((status = 201, body = Transfer), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn transfer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(t): ApiJson<TransferInput>,
) -> AppResult<(StatusCode, Json<Transfer>)> {
    let user = parse_id(&id)?;
    let t = office_changes::transfer(&state, &actor, user, &t.to_office).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

#[utoipa::path(post, path = "/api/v1/staff-transfers/{id}/answer", params(("id" = i64, Path)),
    request_body = AnswerInput,
    responses((status = 200, body = Transfer), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn answer_transfer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AnswerInput>,
) -> AppResult<Json<Transfer>> {
    let id = parse_id(&id)?;
    let answer = answer_of(&a)?;
    Ok(Json(
        office_changes::answer_transfer(&state, &actor, id, answer, &a.note).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ClosureInput {
    #[serde(default)]
    pub reason: String,
}

/// Ask to close the office (its administrator, or the city).
#[utoipa::path(post, path = "/api/v1/offices/{id}/closure-requests", params(("id" = i64, Path)),
    request_body = ClosureInput,
    responses((status = 201, body = Closure), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn ask_closure(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(k): ApiJson<ClosureInput>,
) -> AppResult<(StatusCode, Json<Closure>)> {
    let office = parse_id(&id)?;
    let k = office_changes::ask_closure(&state, &actor, office, &k.reason).await?;
    Ok((StatusCode::CREATED, Json(k)))
}

/// The city decides (`accept` closes the office; refused with 409 `invalid_state` while it
/// still obtains consent for an enrollment), or the office `withdraw`s.
#[utoipa::path(post, path = "/api/v1/office-closures/{id}/answer", params(("id" = i64, Path)),
    request_body = AnswerInput,
    responses((status = 200, body = Closure), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn answer_closure(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AnswerInput>,
) -> AppResult<Json<Closure>> {
    let id = parse_id(&id)?;
    let answer = answer_of(&a)?;
    Ok(Json(
        office_changes::answer_closure(&state, &actor, id, answer, &a.note).await?,
    ))
}

/// An office's closures, transfers, open obtainer proposals, the enrollments it still obtains
/// consent for and the work left by people who moved away.
#[utoipa::path(get, path = "/api/v1/offices/{id}/handovers", params(("id" = i64, Path)),
    responses((status = 200, body = OfficeHandovers), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn of_office(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<OfficeHandovers>> {
    let office = parse_id(&id)?;
    Ok(Json(
        office_changes::of_office(&state, &actor, office).await?,
    ))
}
