//! Team changes on the screens (#22): take a member off a team, with the reason typed (a
//! refused form shows the enrollment page again with the message beside the field).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use super::enrollment::{show, Kept};
use super::PageError;
use crate::error::AppError;
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::{enrollments, team};

pub fn router() -> Router<AppState> {
    Router::new().route("/enrollments/{code}/team/{member}/removal", post(remove))
}

#[derive(Deserialize)]
struct RemovalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all)]
async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((code, member)): Path<(String, String)>,
    axum::Form(f): axum::Form<RemovalForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let member = super::id_of(&member)?;
    match team::remove(&state, &actor, id, member, &f.reason).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{code}"),
            "メンバーをチームから外しました（本人と同意取得者にメールで知らせます）。",
        )),
        Err(AppError::Invalid(errors)) => {
            let kept = Kept {
                action: format!("remove:{member}"),
                reason: f.reason,
                errors,
                ..Kept::default()
            };
            show(&state, &user, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await
        }
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
