//! Enrollments: create, list, read with history, transitions, the consent-form PDF.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::ApiJson;
use crate::domain::enrollment::{Command, State as EState};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};
use crate::http::inline_pdf;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::copies::ResendRequest;
use crate::service::enrollments::{self as service, EnrollmentInput, EnrollmentView};
use crate::service::forms;
use crate::service::overview::{self, ListQuery};
use crate::store::enrollment_list::ListItem;
use crate::store::enrollments::{self as enrollment_rows, EnrollmentRow};
use crate::store::forms::{self as forms_repo, IssuedForm};

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
    let row = service::create(&state, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// The enrollments the caller may see, newest change first, 50 a page. Filter by `state`,
/// search by name, カナ or code (`q`), or ask for `overdue=true` only. When there are more,
/// the `x-next-page` header gives the next page number.
#[utoipa::path(get, path = "/api/v1/enrollments", params(ListQuery),
    responses((status = 200, body = Vec<ListItem>, headers(("x-next-page" = i64)))),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            EState::parse(s)
                .ok_or_else(|| FieldError::new("state", "状態の指定が正しくありません。"))?,
        ),
    };
    let page = overview::list(&state.store, &actor, &state.config.deadlines, &q, filter).await?;
    let mut res = Json(page.items).into_response();
    if page.has_more {
        if let Ok(v) = header::HeaderValue::from_str(&(page.page + 1).to_string()) {
            res.headers_mut()
                .insert(header::HeaderName::from_static("x-next-page"), v);
        }
    }
    Ok(res)
}

/// One enrollment with its subject, team and history.
#[utoipa::path(get, path = "/api/v1/enrollments/{code}", params(("code" = String, Path, description = "the enrollment code, e.g. 7K2Q9XM")),
    responses((status = 200, body = EnrollmentView), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<EnrollmentView>> {
    Ok(Json(
        service::view(
            &state.store,
            &actor,
            service::resolve(&state.store, &actor, &id).await?,
        )
        .await?,
    ))
}

/// Move the enrollment through its state machine. `issue_form` prints (and stores) the form.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/transitions", params(("code" = String, Path, description = "the enrollment code, e.g. 7K2Q9XM")),
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
    let id = service::resolve(&state.store, &actor, &id).await?;
    if let Command::IssueForm { version } = cmd {
        if version != 0 && version != state.forms.latest() {
            return Err(FieldError::new(
                "version",
                format!("印刷できるのは最新の第{}版です。", state.forms.latest()),
            )
            .into());
        }
        forms::issue_or_fetch(&state, &actor, id, false).await?;
        let mut c = state.store.acquire().await?;
        return Ok(Json(
            enrollment_rows::get(c.conn(), id)
                .await?
                .ok_or(AppError::NotFound)?,
        ));
    }
    Ok(Json(service::transition(&state, &actor, id, cmd).await?))
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
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/consent-form", params(("code" = String, Path, description = "the enrollment code, e.g. 7K2Q9XM"), FormQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn print_form(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<FormQuery>,
) -> AppResult<Response> {
    let (code, form, pdf) = forms::print(&state, &actor, &id, q.blank).await?;
    Ok(pdf_response(&code, form.form_version, pdf))
}

/// The stored consent form, inline for printing. 404 until it has been issued.
#[utoipa::path(get, path = "/api/v1/enrollments/{code}/consent-form.pdf", params(("code" = String, Path, description = "the enrollment code, e.g. 7K2Q9XM"), FormQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn consent_form(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<FormQuery>,
) -> AppResult<Response> {
    let (code, form, data) = forms::stored_pdf(
        &state.store,
        &actor,
        service::resolve(&state.store, &actor, &id).await?,
        q.blank,
    )
    .await?;
    Ok(pdf_response(&code, form.form_version, data))
}

/// Every form issued for the enrollment, with the superseded ones marked.
#[utoipa::path(get, path = "/api/v1/enrollments/{code}/forms", params(("code" = String, Path, description = "the enrollment code, e.g. 7K2Q9XM")),
    responses((status = 200, body = Vec<IssuedForm>)), security(("bearer" = [])))]
pub async fn issued_forms(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<IssuedForm>>> {
    let view = service::view(
        &state.store,
        &actor,
        service::resolve(&state.store, &actor, &id).await?,
    )
    .await?;
    let mut c = state.store.acquire().await?;
    Ok(Json(
        forms_repo::all_for(c.conn(), view.enrollment.id).await?,
    ))
}

/// The centre's and the city's overview: enrollments by state, overdue counts, FAX pages waiting.
#[utoipa::path(get, path = "/api/v1/dashboard",
    responses((status = 200, body = overview::Dashboard), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> AppResult<Json<overview::Dashboard>> {
    Ok(Json(overview::dashboard(&state, &actor).await?))
}

/// Ask the consent obtainer to FAX the copy again (centre staff), with a reason; e-mailed
/// through the outbox. With `page_id`, that unmatched page is settled by the request.
#[utoipa::path(post, path = "/api/v1/enrollments/{code}/resend-requests", params(("code" = String, Path)),
    request_body = ResendRequest,
    responses((status = 201, body = ResendAccepted), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn resend(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(code): Path<String>,
    ApiJson(r): ApiJson<ResendRequest>,
) -> AppResult<(StatusCode, Json<ResendAccepted>)> {
    let id = service::resolve(&state.store, &actor, &code).await?;
    let outbox_id = crate::service::copies::request_resend(&state, &actor, id, &r).await?;
    Ok((StatusCode::CREATED, Json(ResendAccepted { outbox_id })))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResendAccepted {
    /// The e-mail written to the outbox.
    pub outbox_id: i64,
}
