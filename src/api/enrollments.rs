//! Enrollments: create, list, read with history, transitions, the consent-form PDF.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::{parse_id, ApiJson};
use crate::app::AppState;
use crate::domain::enrollment::{Command, State as EState};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};
use crate::jobs::RenderForm;
use crate::service::enrollments::{self as service, EnrollmentInput, EnrollmentView};
use crate::store::blobs;
use crate::store::enrollments::{self as repo, EnrollmentRow, ListItem};
use crate::web::session::ApiUser;

/// Create an enrollment in `draft` (事前確認).
#[utoipa::path(post, path = "/api/v1/enrollments", request_body = EnrollmentInput,
    responses((status = 201, body = EnrollmentRow), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<EnrollmentInput>,
) -> AppResult<(StatusCode, Json<EnrollmentRow>)> {
    let row = service::create(&state.store, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only enrollments in this state.
    pub state: Option<String>,
}

/// The enrollments the caller may see, newest change first.
#[utoipa::path(get, path = "/api/v1/enrollments", params(ListQuery),
    responses((status = 200, body = Vec<ListItem>)), security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Vec<ListItem>>> {
    let filter = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            EState::parse(s)
                .ok_or_else(|| FieldError::new("state", "状態の指定が正しくありません。"))?,
        ),
    };
    Ok(Json(service::list(&state.store, &actor, filter).await?))
}

/// One enrollment with its subject, team and history.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = EnrollmentView), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<EnrollmentView>> {
    Ok(Json(
        service::view(&state.store, &actor, parse_id(&id)?).await?,
    ))
}

/// Move the enrollment through its state machine. Issuing a form also queues its rendering.
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/transitions", params(("id" = i64, Path)),
    request_body = Command,
    responses((status = 200, body = EnrollmentRow), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn transition(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    ApiJson(cmd): ApiJson<Command>,
) -> AppResult<Json<EnrollmentRow>> {
    let id = parse_id(&id)?;
    let issues_form = matches!(cmd, Command::IssueForm { .. });
    let row = service::transition(&state.store, &actor, id, cmd).await?;
    if issues_form {
        state
            .queue
            .render_form(RenderForm { enrollment_id: id })
            .await?;
    }
    Ok(Json(row))
}

/// The newest rendered consent form, inline for printing. 404 until it has been rendered.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}/consent-form.pdf", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn consent_form(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let view = service::view(&state.store, &actor, parse_id(&id)?).await?;
    let mut c = state.store.acquire().await?;
    let sha = repo::latest_render(c.conn(), view.enrollment.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (media, data) = blobs::get(c.conn(), &sha)
        .await?
        .ok_or(AppError::NotFound)?;
    let disposition = format!("inline; filename=\"consent-{}.pdf\"", view.enrollment.code);
    Ok((
        [
            (header::CONTENT_TYPE, media),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response())
}
