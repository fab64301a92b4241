//! 再送依頼 from the screens: on an enrollment waiting for its copy, or on an unmatched FAX page
//! (which the request then settles).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use super::enrollment::{show, Kept};
use super::fax_page::refused;
use super::PageError;
use crate::error::AppError;
use crate::http::flash;
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
        reason: f.reason.clone(),
        page_id: None,
    };
    match copies::request_resend(&state, &user.actor(), id, &r).await {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{code}"),
            "同意取得者に再送を依頼しました（メールを送信します）。",
        )),
        Err(AppError::Invalid(errors)) => {
            let kept = Kept {
                action: "resend".into(),
                reason: f.reason,
                errors,
                ..Kept::default()
            };
            show(&state, &user, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        // The copy came in (or the request is otherwise out of date) since the page was shown:
        // the page again, saying so.
        Err(AppError::Conflict(m)) => {
            let kept = Kept {
                problem: Some(m),
                ..Kept::default()
            };
            show(&state, &user, id, kept, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
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
    let refused = |e| refused(&state, &user, page, "resend", f.reason.clone(), e);
    if f.code.trim().is_empty() {
        return refused(AppError::invalid(
            "code",
            "再送を依頼する登録を選んでください。",
        ))
        .await;
    }
    let enrollment = enrollments::resolve(&state.store, &user.actor(), &f.code).await?;
    let r = ResendRequest {
        reason: f.reason.clone(),
        page_id: Some(page),
    };
    match copies::request_resend(&state, &user.actor(), enrollment, &r).await {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/fax/pages/{page}"),
            "同意取得者に再送を依頼しました（メールを送信します）。",
        )),
        Err(e) => refused(e).await,
    }
}
