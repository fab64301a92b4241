//! ② For the city: applications from the public page and requests for more certificates, each
//! approved or refused with a reason; and the list of registered offices.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::{devices, registration};
use crate::store::applications::{self, Application};
use crate::store::devices::{self as device_store, DeviceRequest};
use crate::store::offices::{self, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/offices", get(office_list))
        .route("/offices/applications", get(list))
        .route("/offices/applications/{id}/approve", post(approve))
        .route("/offices/applications/{id}/reject", post(reject))
        .route(
            "/offices/device-requests/{id}/approve",
            post(approve_request),
        )
        .route("/offices/device-requests/{id}/reject", post(reject_request))
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ApplicationsPage<'a> {
    user: Option<&'a CurrentUser>,
    applications: Vec<Application>,
    requests: Vec<DeviceRequest>,
    kept: Kept,
}

/// A refused refusal (no reason): which row, what was typed, why.
#[derive(Default)]
struct Kept {
    /// `application` or `request`, and its id.
    row: Option<(&'static str, i64)>,
    reason: String,
    errors: FieldErrors,
    /// A refusal that is no one field's (decided by someone else in the meantime).
    problem: Option<String>,
}

impl ApplicationsPage<'_> {
    fn reason_of(&self, what: &str, id: &i64) -> &str {
        match self.kept.row {
            Some((w, i)) if w == what && i == *id => &self.kept.reason,
            _ => "",
        }
    }

    fn error_of(&self, what: &str, id: &i64) -> Option<&str> {
        match self.kept.row {
            Some((w, i)) if w == what && i == *id => self.kept.errors.get("reason"),
            _ => None,
        }
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    kept: Kept,
) -> Result<Response, PageError> {
    user.city_only()?;
    let mut c = state.store.acquire().await?;
    let applications = applications::list(c.conn(), 100).await?;
    let requests = device_store::requests(c.conn(), None, 100).await?;
    let p = ApplicationsPage {
        user: Some(user),
        applications,
        requests,
        kept,
    };
    Ok(render(status, &p))
}

#[tracing::instrument(skip_all)]
async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    show(&state, &user, StatusCode::OK, Kept::default()).await
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    confirmed: Option<String>,
}

const BACK: &str = "/offices/applications";

/// The application `id`, still waiting for the city's decision.
async fn pending(state: &AppState, id: i64) -> Result<Application, PageError> {
    let mut c = state.store.acquire().await?;
    let a = applications::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.status != "pending" {
        return Err(PageError(AppError::Conflict(
            "この申請はすでに処理されています。".into(),
        )));
    }
    Ok(a)
}

#[tracing::instrument(skip_all)]
async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    user.city_only()?;
    let id = id_of(&id)?;
    let a = pending(&state, id).await?;
    if !confirm::confirmed(&f.confirmed) {
        let c = Confirm {
            user: Some(&user),
            title: "登録申請の承認",
            message: format!("「{}」（管理者 {}さん）の登録申請を承認します。", a.name, a.admin_name),
            consequence: "事業所と事業所管理者が登録され、管理者のメールアドレスに証明書取得用No/パスワードが別々のメールで送られます。",
            action: format!("/offices/applications/{id}/approve"),
            fields: vec![],
            shown: vec![],
            button: "承認する",
            back: BACK.into(),
        };
        return Ok(confirm::ask(&c));
    }
    registration::approve(&state, &user.actor(), id).await?;
    let notice = format!("「{}」を承認しました。管理者にメールを送ります。", a.name);
    Ok(flash::redirect(&state, BACK, &notice))
}

#[tracing::instrument(skip_all)]
async fn reject(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    user.city_only()?;
    let id = id_of(&id)?;
    let a = pending(&state, id).await?;
    if let Err(e) = crate::domain::office::reason(&f.reason) {
        let kept = Kept {
            row: Some(("application", id)),
            reason: f.reason,
            errors: e.into(),
            problem: None,
        };
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, kept).await;
    }
    if !confirm::confirmed(&f.confirmed) {
        let c = Confirm {
            user: Some(&user),
            title: "登録申請の却下",
            message: format!("「{}」（管理者 {}さん）の登録申請を却下します。", a.name, a.admin_name),
            consequence: "申請者に理由をメールで知らせます。却下した申請は元に戻せません（もう一度申請してもらうことになります）。",
            action: format!("/offices/applications/{id}/reject"),
            fields: vec![("reason", f.reason.clone())],
            shown: vec![("却下の理由", f.reason.clone())],
            button: "却下する",
            back: BACK.into(),
        };
        return Ok(confirm::ask(&c));
    }
    registration::reject(&state, &user.actor(), id, &f.reason).await?;
    let notice = format!(
        "「{}」の申請を却下しました。申請者にメールで知らせます。",
        a.name
    );
    Ok(flash::redirect(&state, BACK, &notice))
}

#[tracing::instrument(skip_all)]
async fn approve_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    devices::decide(&state, &user.actor(), id_of(&id)?, true, "").await?;
    let notice = "追加発行しました。事業所管理者に証明書取得用No/パスワードをメールで送ります。";
    Ok(flash::redirect(&state, BACK, notice))
}

#[tracing::instrument(skip_all)]
async fn reject_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    match devices::decide(&state, &user.actor(), id, false, &f.reason).await {
        Ok(_) => Ok(flash::redirect(
            &state,
            BACK,
            "追加発行の申請を却下しました。事業所管理者にメールで知らせます。",
        )),
        Err(AppError::Invalid(errors)) => {
            let kept = Kept {
                row: Some(("request", id)),
                reason: f.reason,
                errors,
                problem: None,
            };
            show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, kept).await
        }
        Err(e @ (AppError::Conflict(_) | AppError::InvalidState(_))) => {
            let kept = Kept {
                problem: Some(e.message_ja()),
                ..Kept::default()
            };
            show(&state, &user, e.status(), kept).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "offices.html")]
struct OfficesPage<'a> {
    user: Option<&'a CurrentUser>,
    offices: Vec<Office>,
}

#[tracing::instrument(skip_all)]
async fn office_list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    user.city_only()?;
    let mut c = state.store.acquire().await?;
    let offices = offices::list(c.conn()).await?;
    let p = OfficesPage {
        user: Some(&user),
        offices,
    };
    Ok(render(StatusCode::OK, &p))
}
