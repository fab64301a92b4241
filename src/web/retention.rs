//! Retiring old data on the screens (#22): the city's list of what is erased in the next days,
//! where it holds an enrollment back with a reason or lets it go.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{render, PageError};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::enrollments;
use crate::service::retention::{self, Coming};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/retention", get(page))
        .route("/enrollments/{code}/retention-hold", post(hold))
        .route("/enrollments/{code}/retention-release", post(release))
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage<'a> {
    user: Option<&'a CurrentUser>,
    rows: Vec<Coming>,
    years: u32,
    days: i64,
    /// The row whose hold was refused, what was typed and why.
    code: String,
    typed: String,
    errors: FieldErrors,
}

impl RetentionPage<'_> {
    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::clock::local_time(t)
    }

    fn state(s: &str) -> &'static str {
        crate::web::pages::state_label(s)
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    (code, typed, errors): (String, String, FieldErrors),
) -> Result<Response, PageError> {
    let rows = retention::coming(state, &user.actor()).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let r = state.config.retention;
    let page = RetentionPage {
        user: Some(user),
        rows,
        years: r.years,
        days: r.preview_days,
        code,
        typed,
        errors,
    };
    Ok(render(status, &page))
}

#[tracing::instrument(skip_all)]
async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    show(&state, &user, Default::default()).await
}

#[derive(Deserialize)]
struct HoldForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all)]
async fn hold(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<HoldForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    match retention::hold(&state, &actor, id, Some(&f.reason)).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            "/retention",
            "消去を保留しました。保留を解除するまで消去されません。",
        )),
        Err(AppError::Invalid(errors)) => show(&state, &user, (code, f.reason, errors)).await,
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all)]
async fn release(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<HoldForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    retention::hold(&state, &actor, id, None).await?;
    Ok(flash::redirect(
        &state,
        "/retention",
        "保留を解除しました。保存期間を過ぎていれば、次の定期処理で消去されます。",
    ))
}
