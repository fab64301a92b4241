//! The FAX intake over the API, so other systems can follow the centre's intake: messages,
//! documents and pages with each page's outcome, reason and match; uploads; page images.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::parse_id;
use crate::error::{AppError, AppResult};
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::intake::Stored;
use crate::service::checks::FrontChecks;
use crate::service::fax::{self, CopyStatus, MessageView};
use crate::service::ocr::OcrView;
use crate::service::reconcile::{self, Assigned, Assignment};
use crate::store::fax::MessageRow;
use crate::store::fax_list::{Candidate, Filter, PageRow};

/// Filters: `status` (a message's status, or a page's outcome), `since` and `until`
/// (RFC 3339), `text` (pages: words OCR read on them), `limit` (default 100, at most 1000).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub status: Option<String>,
    pub text: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
}

impl From<ListQuery> for Filter {
    fn from(q: ListQuery) -> Filter {
        Filter {
            status: q.status.filter(|s| !s.is_empty()),
            since: q.since,
            until: q.until,
            before_id: None,
            text: q
                .text
                .as_deref()
                .and_then(crate::service::ocr::text_pattern),
            limit: q.limit.unwrap_or(100).clamp(1, 1000),
        }
    }
}

fn query(
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Filter> {
    q.map(|Query(q)| q.into()).map_err(|e| {
        AppError::invalid(
            "query",
            format!("検索条件が正しくありません: {}", e.body_text()),
        )
    })
}

/// Messages received, newest first. `status`: stored, processed or failed.
#[utoipa::path(get, path = "/api/v1/fax/messages", params(ListQuery),
    responses((status = 200, body = [MessageRow])), security(("bearer" = [])))]
pub async fn messages(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Vec<MessageRow>>> {
    Ok(Json(fax::messages(&state.store, &actor, &query(q)?).await?))
}

/// One message with its documents and pages.
#[utoipa::path(get, path = "/api/v1/fax/messages/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = MessageView)), security(("bearer" = [])))]
pub async fn message(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<MessageView>> {
    Ok(Json(
        fax::message(&state.store, &actor, parse_id(&id)?).await?,
    ))
}

/// Pages, newest first. `status`: matched, unreadable, invalid, duplicate or superseded.
#[utoipa::path(get, path = "/api/v1/fax/pages", params(ListQuery),
    responses((status = 200, body = [PageRow])), security(("bearer" = [])))]
pub async fn pages(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Vec<PageRow>>> {
    Ok(Json(fax::pages(&state.store, &actor, &query(q)?).await?))
}

#[utoipa::path(get, path = "/api/v1/fax/pages/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = PageRow)), security(("bearer" = [])))]
pub async fn page(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<PageRow>> {
    Ok(Json(fax::page(&state.store, &actor, parse_id(&id)?).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImageQuery {
    /// The small image for lists.
    #[serde(default)]
    pub thumb: bool,
}

/// The page as the reader normalised it (square pixels), as PNG.
#[utoipa::path(get, path = "/api/v1/fax/pages/{id}/image", params(("id" = i64, Path), ImageQuery),
    responses((status = 200, content_type = "image/png")), security(("bearer" = [])))]
pub async fn image(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<ImageQuery>,
) -> AppResult<Response> {
    let data = fax::page_image(&state.store, &actor, parse_id(&id)?, q.thumb).await?;
    Ok(crate::http::png(data))
}

/// Upload FAX files or saved e-mails (multipart, any number of `file` fields). Each is stored
/// at once and read by a job; poll the message for its pages.
#[utoipa::path(post, path = "/api/v1/fax/uploads", request_body(content_type = "multipart/form-data"),
    responses((status = 202, body = [Stored]), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<(StatusCode, Json<Vec<Stored>>)> {
    // Who may upload is settled before a byte of the body is read.
    fax::may_upload(&actor)?;
    let upload =
        crate::http::upload::read_upload(multipart, state.config.intake.max_bytes, None).await?;
    let stored = crate::intake::upload(&state, &actor, &upload.files).await?;
    Ok((StatusCode::ACCEPTED, Json(stored)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CandidateQuery {
    /// Name, カナ or registration code.
    pub q: Option<String>,
}

/// Enrollments waiting for a copy that this page may belong to: first those that what OCR read
/// on the page ranks best (with `score` and the fields `agreed`), then by the code on a damaged
/// QR code, by the sender's FAX number, or by the search `q`.
#[utoipa::path(get, path = "/api/v1/fax/pages/{id}/candidates", params(("id" = i64, Path), CandidateQuery),
    responses((status = 200, body = [Candidate])), security(("bearer" = [])))]
pub async fn candidates(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    Query(q): Query<CandidateQuery>,
) -> AppResult<Json<Vec<Candidate>>> {
    let list = fax::candidates(&state.store, &actor, parse_id(&id)?, q.q.as_deref()).await?;
    Ok(Json(list))
}

/// What OCR read on a page without a code of ours: its status (read, off, not_installed,
/// timed_out, failed), the text and the fields of the city's 別紙1 found in it. 404 for a page
/// that carried a code (it is not read).
#[utoipa::path(get, path = "/api/v1/fax/pages/{id}/ocr", params(("id" = i64, Path)),
    responses((status = 200, body = OcrView), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn ocr(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<OcrView>> {
    crate::service::ocr::of_page(&state.store, &actor, parse_id(&id)?)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Which pages of the enrollment's copy are in, and which are missing.
#[utoipa::path(get, path = "/api/v1/enrollments/{code}/copy", params(("code" = String, Path)),
    responses((status = 200, body = CopyStatus)), security(("bearer" = [])))]
pub async fn copy(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<CopyStatus>> {
    Ok(Json(
        fax::copy_status(
            &state.store,
            &actor,
            crate::service::enrollments::resolve(&state.store, &actor, &id).await?,
        )
        .await?,
    ))
}

/// The field checks of the enrollment's current copy (centre and city): its front page, the
/// rules it breaks, and per field what was seen and what the person who settled it said.
/// 404 when no front page of the current copy was checked.
#[utoipa::path(get, path = "/api/v1/enrollments/{code}/checks", params(("code" = String, Path)),
    responses((status = 200, body = FrontChecks), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn checks(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<FrontChecks>> {
    let id = crate::service::enrollments::resolve(&state.store, &actor, &id).await?;
    crate::service::checks::of_enrollment(&state.store, &actor, id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Assign a page the reader could not match to an enrollment and page (centre staff). When
/// that completes the copy, the enrollment moves to `copy_received`.
#[utoipa::path(post, path = "/api/v1/fax/pages/{id}/assignment", params(("id" = i64, Path)),
    request_body = Assignment,
    responses((status = 200, body = Assigned), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
    super::ApiJson(a): super::ApiJson<Assignment>,
) -> AppResult<Json<Assigned>> {
    Ok(Json(
        reconcile::assign(&state, &actor, parse_id(&id)?, &a).await?,
    ))
}
