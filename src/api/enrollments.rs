//! Enrollments: create, list, read with history, transitions, the consent-form PDF.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;

use super::{parse_id, ApiJson};
use crate::app::AppState;
use crate::domain::enrollment::{Command, State as EState};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};
use crate::service::enrollments::{self as service, EnrollmentInput, EnrollmentView};
use crate::service::forms;
use crate::store::enrollments::{self as repo, EnrollmentRow, ListItem};
use crate::store::forms::{self as forms_repo, IssuedForm};
use crate::web::inline_pdf;
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

/// Move the enrollment through its state machine. `issue_form` prints (and stores) the form.
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
    if let Command::IssueForm { version } = cmd {
        if version != 0 && version != state.forms.latest() {
            return Err(FieldError::new(
                "version",
                format!("印刷できるのは最新の第{}版です。", state.forms.latest()),
            )
            .into());
        }
        forms::print(&state, &actor, id, false).await?;
        let mut c = state.store.acquire().await?;
        return Ok(Json(
            repo::get(c.conn(), id).await?.ok_or(AppError::NotFound)?,
        ));
    }
    Ok(Json(
        service::transition(&state.store, &actor, id, cmd).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FormQuery {
    /// The blank variant, for handwriting.
    #[serde(default)]
    pub blank: bool,
}

fn pdf_response(code: &str, version: i64, pdf: Vec<u8>) -> Response {
    let mut res = inline_pdf(&format!("consent-{code}-v{version}.pdf"), pdf);
    if let Ok(v) = header::HeaderValue::from_str(&version.to_string()) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-form-version"), v);
    }
    res
}

/// Print the consent form: the first print issues it (draft → form_issued); later prints return
/// the same stored PDF; a newer form version reissues it and supersedes the old.
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/consent-form", params(("id" = i64, Path), FormQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn print_form(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<FormQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (form, pdf) = forms::print(&state, &actor, id, q.blank).await?;
    let mut c = state.store.acquire().await?;
    let code = repo::get(c.conn(), id)
        .await?
        .map(|e| e.code)
        .unwrap_or_default();
    Ok(pdf_response(&code, form.form_version, pdf))
}

/// The stored consent form, inline for printing. 404 until it has been issued.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}/consent-form.pdf", params(("id" = i64, Path), FormQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn consent_form(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<FormQuery>,
) -> AppResult<Response> {
    let (code, form, data) =
        forms::stored_pdf(&state.store, &actor, parse_id(&id)?, q.blank).await?;
    Ok(pdf_response(&code, form.form_version, data))
}

/// Every form issued for the enrollment, with the superseded ones marked.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}/forms", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<IssuedForm>)), security(("bearer" = [])))]
pub async fn issued_forms(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<IssuedForm>>> {
    let view = service::view(&state.store, &actor, parse_id(&id)?).await?;
    let mut c = state.store.acquire().await?;
    Ok(Json(
        forms_repo::all_for(c.conn(), view.enrollment.id).await?,
    ))
}
