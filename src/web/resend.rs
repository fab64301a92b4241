//! 再送依頼 from the screens: on an enrollment waiting for its copy, or on an unmatched FAX page
//! (which the request then settles).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use super::PageError;
use crate::error::AppError;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::copies::{self, ResendRequest};
use crate::service::enrollments;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enrollments/{code}/resend", post(from_enrollment))
        .route("/fax/pages/{id}/resend", post(from_page))
}

#[derive(Deserialize)]
struct ResendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    /// On a page: the enrollment chosen among the candidates, by code.
    #[serde(default)]
    code: String,
}

#[tracing::instrument(skip_all)]
async fn from_enrollment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    axum::Form(f): axum::Form<ResendForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = enrollments::resolve(&state.store, &user.actor(), &code).await?;
    let r = ResendRequest {
        reason: f.reason,
        page_id: None,
    };
    copies::request_resend(&state, &user.actor(), id, &r).await?;
    Ok(Redirect::to(&format!("/enrollments/{code}?resend=1")).into_response())
}

#[tracing::instrument(skip_all)]
async fn from_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ResendForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let page = super::id_of(&id)?;
    if f.code.trim().is_empty() {
        return Err(PageError(AppError::Invalid(
            crate::domain::FieldError::new("code", "再送を依頼する登録を選んでください。"),
        )));
    }
    let enrollment = enrollments::resolve(&state.store, &user.actor(), &f.code).await?;
    let r = ResendRequest {
        reason: f.reason,
        page_id: Some(page),
    };
    copies::request_resend(&state, &user.actor(), enrollment, &r).await?;
    Ok(Redirect::to(&format!("/fax/pages/{page}")).into_response())
}
