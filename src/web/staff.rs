//! ⑤ 利用者管理: the office administrator gives each member of staff their own login with a
//! first password, edits them on transfer, disables them on leaving.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::error::AppError;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::office_admin::{self, StaffEdit, StaffInput};
use crate::store::offices::{self, Office};
use crate::store::users::{self, UserRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/offices/{id}/staff", get(list).post(create))
        .route("/offices/{id}/staff/{user}", get(edit_page).post(edit))
        .route("/offices/{id}/staff/{user}/disable", post(disable))
        .route("/offices/{id}/staff/{user}/enable", post(enable))
        .route("/offices/{id}/staff/{user}/password", post(reset))
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage<'a> {
    user: Option<&'a CurrentUser>,
    office: Office,
    staff: Vec<UserRow>,
    f: StaffInput,
    notice: Option<String>,
    error: Option<(String, &'static str)>,
}

/// The office, if the user manages it; anyone else: not found.
async fn managed(state: &AppState, user: &CurrentUser, id: &str) -> Result<Office, PageError> {
    let id = id_of(id)?;
    office_admin::manages(&user.actor(), id).map_err(|_| PageError(AppError::NotFound))?;
    let mut c = state.store.acquire().await?;
    Ok(offices::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?)
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    office: Office,
    f: StaffInput,
    status: StatusCode,
    (notice, error): (Option<String>, Option<(String, &'static str)>),
) -> Result<Response, PageError> {
    let mut c = state.store.acquire().await?;
    let staff = users::of_office(c.conn(), office.id).await?;
    let p = StaffPage {
        user: Some(user),
        office,
        staff,
        f,
        notice,
        error,
    };
    Ok(render(status, &p))
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let office = managed(&state, &user, &id).await?;
    let f = StaffInput {
        role: "staff".into(),
        ..Default::default()
    };
    show(&state, &user, office, f, StatusCode::OK, (None, None)).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    s: StaffInput,
}

#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<CreateForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let office = managed(&state, &user, &id).await?;
    match office_admin::create_staff(&state.store, &user.actor(), office.id, &f.s).await {
        Ok(u) => {
            let notice = format!(
                "{}さんのID「{}」を作成しました。初期パスワードを本人にお伝えください。初回ログイン時に変更を求められます。",
                u.name, u.login
            );
            let blank = StaffInput {
                role: "staff".into(),
                ..Default::default()
            };
            show(
                &state,
                &user,
                office,
                blank,
                StatusCode::CREATED,
                (Some(notice), None),
            )
            .await
        }
        Err(AppError::Invalid(e)) => {
            let s = StaffInput {
                password: String::new(),
                ..f.s
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show(
                &state,
                &user,
                office,
                s,
                status,
                (None, Some((e.message, e.field))),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff_edit.html")]
struct EditPage<'a> {
    user: Option<&'a CurrentUser>,
    office: Office,
    member: UserRow,
    f: StaffEdit,
    error: Option<(String, &'static str)>,
}

async fn member(state: &AppState, office: &Office, uid: &str) -> Result<UserRow, PageError> {
    let mut c = state.store.acquire().await?;
    let u = users::get(c.conn(), id_of(uid)?).await?;
    u.filter(|u| u.office_id == Some(office.id))
        .ok_or(PageError(AppError::NotFound))
}

#[tracing::instrument(skip_all)]
async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, uid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let office = managed(&state, &user, &id).await?;
    let m = member(&state, &office, &uid).await?;
    let f = StaffEdit {
        name: m.name.clone(),
        email: m.email.clone().unwrap_or_default(),
        role: m.role.clone(),
    };
    let p = EditPage {
        user: Some(&user),
        office,
        member: m,
        f,
        error: None,
    };
    Ok(render(StatusCode::OK, &p))
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    e: StaffEdit,
}

fn back(office: &Office) -> Response {
    Redirect::to(&format!("/offices/{}/staff", office.id)).into_response()
}

#[tracing::instrument(skip_all)]
async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, uid)): Path<(String, String)>,
    Form(f): Form<EditForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let office = managed(&state, &user, &id).await?;
    let m = member(&state, &office, &uid).await?;
    match office_admin::edit_staff(&state.store, &user.actor(), m.id, &f.e).await {
        Ok(_) => Ok(back(&office)),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let field = if let AppError::Invalid(fe) = &e {
                fe.field
            } else {
                "role"
            };
            let p = EditPage {
                user: Some(&user),
                office,
                member: m,
                f: f.e,
                error: Some((e.message_ja(), field)),
            };
            Ok(render(e.status(), &p))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

async fn set_disabled(
    state: AppState,
    user: CurrentUser,
    (id, uid): (String, String),
    f: ActionForm,
    disabled: bool,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let office = managed(&state, &user, &id).await?;
    let m = member(&state, &office, &uid).await?;
    office_admin::set_disabled(&state.store, &user.actor(), m.id, disabled).await?;
    Ok(back(&office))
}

#[tracing::instrument(skip_all)]
async fn disable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    set_disabled(state, user, p, f, true).await
}

#[tracing::instrument(skip_all)]
async fn enable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(p): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    set_disabled(state, user, p, f, false).await
}

#[tracing::instrument(skip_all)]
async fn reset(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, uid)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let office = managed(&state, &user, &id).await?;
    let m = member(&state, &office, &uid).await?;
    office_admin::reset_password(&state.store, &user.actor(), m.id, &f.password).await?;
    Ok(back(&office))
}
