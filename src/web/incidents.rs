//! 報告義務 (#21): 事故・不具合の報告 — the form anyone signed in fills in, the list of the
//! reports one may see, a report with its history, and the city's handling (notes and state;
//! from a leaked ID or a lost PC, suspending the login or revoking the PC, asked first).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::domain::incident::IncidentInput;
use crate::domain::status::{IncidentKind, IncidentState};
use crate::domain::{FieldError, FieldErrors, Role};
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::incidents::{self, Action, IncidentView, Step};
use crate::store::devices::Device;
use crate::store::incidents::Incident;
use crate::store::users::UserRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list).post(create))
        .route("/incidents/new", get(new))
        .route("/incidents.csv", get(csv))
        .route("/incidents/{id}", get(one))
        .route("/incidents/{id}/steps", post(step))
        .route("/incidents/{id}/actions", post(act))
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage<'a> {
    user: Option<&'a CurrentUser>,
    rows: Vec<Incident>,
    open: bool,
    is_city: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    open: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let open = q.open.is_some();
    let rows = incidents::list(&state, &user.actor(), open).await?;
    let page = ListPage {
        user: Some(&user),
        rows,
        open,
        is_city: user.role == Role::CityAdmin,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "incident_new.html")]
struct NewPage<'a> {
    user: Option<&'a CurrentUser>,
    kinds: &'static [IncidentKind],
    f: IncidentInput,
    errors: FieldErrors,
}

fn new_page(user: &CurrentUser, f: IncidentInput, errors: FieldErrors) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = NewPage {
        user: Some(user),
        kinds: IncidentKind::ALL,
        f,
        errors,
    };
    render(status, &page)
}

async fn new(user: CurrentUser) -> Response {
    new_page(&user, IncidentInput::default(), FieldErrors::default())
}

#[derive(Deserialize)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: IncidentInput,
}

#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<NewForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    match incidents::report(&state, &user.actor(), &f.input).await {
        Ok(id) => Ok(flash::redirect(
            &state,
            &format!("/incidents/{id}"),
            "報告しました。事業所の管理者と市に届きました。市からの連絡を待ってください。",
        )),
        Err(AppError::Invalid(e)) => Ok(new_page(&user, f.input, e)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "incident.html")]
struct OnePage<'a> {
    user: Option<&'a CurrentUser>,
    v: IncidentView,
    is_city: bool,
    states: &'static [IncidentState],
    /// For the city: the logins and PCs of the reporter's office that a step may concern.
    people: Vec<UserRow>,
    devices: Vec<Device>,
    offered: &'static [&'static str],
    note: String,
    errors: FieldErrors,
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    note: String,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let v = incidents::get(state, &user.actor(), id).await?;
    let is_city = user.role == Role::CityAdmin;
    let (people, devices) = match (is_city, v.incident.office_id) {
        (true, Some(o)) => {
            let mut c = state.store.acquire().await?;
            (
                crate::store::users::of_office(c.conn(), o).await?,
                crate::store::devices::of_office(c.conn(), o).await?,
            )
        }
        _ => (Vec::new(), Vec::new()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OnePage {
        user: Some(user),
        offered: Action::offered(v.incident.kind),
        v,
        is_city,
        states: IncidentState::ALL,
        people: people.into_iter().filter(|u| !u.suspended).collect(),
        devices: devices
            .into_iter()
            .filter(|d| d.revoked_at.is_none())
            .collect(),
        note,
        errors,
    };
    Ok(render(status, &page))
}

#[tracing::instrument(skip_all)]
async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    show(
        &state,
        &user,
        id_of(&id)?,
        String::new(),
        FieldErrors::default(),
    )
    .await
}

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    note: String,
}

#[tracing::instrument(skip_all)]
async fn step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    let s = Step {
        state: Some(f.state.clone()),
        note: f.note.clone(),
    };
    match incidents::advance(&state, &user.actor(), id, &s).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/incidents/{id}"),
            "記録しました。",
        )),
        Err(AppError::Invalid(e)) => show(&state, &user, id, f.note, e).await,
        Err(e @ AppError::Conflict(_)) => {
            let e = FieldError::new("note", e.message_ja());
            show(&state, &user, id, f.note, e.into()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    confirmed: Option<String>,
}

/// 利用停止 or 無効化 from the report: asked first, naming whom or what.
#[tracing::instrument(skip_all)]
async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    incidents::may_handle(&user.actor())?;
    let id = id_of(&id)?;
    let target: i64 = f.target.trim().parse().unwrap_or(0);
    let action = match f.action.as_str() {
        "suspend_user" => Action::SuspendUser { user_id: target },
        "revoke_device" => Action::RevokeDevice { device_id: target },
        _ => {
            return Err(PageError(AppError::invalid(
                "action",
                "操作を選んでください。",
            )))
        }
    };
    if !confirm::confirmed(&f.confirmed) {
        let (title, what, consequence, button) = match action {
            Action::SuspendUser { .. } => (
                "IDの利用停止",
                "利用者",
                "このIDではログインできなくなり、使用中の画面とAPIのトークンも使えなくなります。本人にメールで知らせます。",
                "利用停止にする",
            ),
            Action::RevokeDevice { .. } => (
                "パソコンの無効化",
                "パソコン",
                "このパソコンからはログインできなくなります。もう一度使うには、証明書の追加発行が必要です。",
                "無効にする",
            ),
        };
        let c = Confirm {
            user: Some(&user),
            title,
            message: format!(
                "事故・不具合の報告 No.{id} により、{what} No.{target} に対して操作します。"
            ),
            consequence,
            action: format!("/incidents/{id}/actions"),
            fields: vec![("action", f.action.clone()), ("target", f.target.clone())],
            shown: vec![],
            button,
            back: format!("/incidents/{id}"),
        };
        return Ok(confirm::ask(&c));
    }
    match incidents::act(&state, &user.actor(), id, &action).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/incidents/{id}"),
            "実行し、報告に記録しました。",
        )),
        Err(e @ (AppError::Conflict(_) | AppError::NotFound)) => {
            let e = FieldError::new("action", e.message_ja());
            show(&state, &user, id, String::new(), e.into()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all)]
async fn csv(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    let body = incidents::csv(&state, &user.actor()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"incidents.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// A stored state, in Japanese (for the history).
pub fn state_label(s: &str) -> &'static str {
    IncidentState::parse(s).map_or("", IncidentState::label_ja)
}

/// A step taken from a report, in Japanese.
pub fn action_label(a: &str) -> &'static str {
    match a {
        "suspend_user" => "IDの利用停止",
        "revoke_device" => "パソコンの無効化",
        _ => "",
    }
}
