//! ⑤ 利用者管理: the office administrator gives each member of staff their own login with a
//! first password, edits them on transfer, disables them on leaving.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::domain::{FieldError, FieldErrors};
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
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
    errors: FieldErrors,
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
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let mut c = state.store.acquire().await?;
    let staff = users::of_office(c.conn(), office.id).await?;
    let p = StaffPage {
        user: Some(user),
        office,
        staff,
        f,
        errors,
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
    show(
        &state,
        &user,
        office,
        f,
        StatusCode::OK,
        FieldErrors::default(),
    )
    .await
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
            Ok(flash::redirect(&state, &to_list(&office), &notice))
        }
        Err(AppError::Invalid(e)) => {
            let s = StaffInput {
                password: String::new(),
                ..f.s
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show(&state, &user, office, s, status, e).await
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
    errors: FieldErrors,
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
        errors: FieldErrors::default(),
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

fn to_list(office: &Office) -> String {
    format!("/offices/{}/staff", office.id)
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
        Ok(_) => {
            let notice = format!("{}さんの登録内容を保存しました。", m.name);
            Ok(flash::redirect(&state, &to_list(&office), &notice))
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let errors = match &e {
                AppError::Invalid(errors) => errors.clone(),
                _ => FieldError::new("role", e.message_ja()).into(),
            };
            let p = EditPage {
                user: Some(&user),
                office,
                member: m,
                f: f.e,
                errors,
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
    confirmed: Option<String>,
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
    if disabled && !confirm::confirmed(&f.confirmed) {
        let c = Confirm {
            user: Some(&user),
            title: "利用者の無効化",
            message: format!("{}の{}さん（{}）を無効にします。", office.name, m.name, m.login),
            consequence: "この方はログインできなくなり、ログイン中の画面からも締め出されます。退職・異動のときに行ってください。",
            action: format!("/offices/{}/staff/{}/disable", office.id, m.id),
            fields: vec![],
            shown: vec![],
            button: "無効にする",
            back: to_list(&office),
        };
        return Ok(confirm::ask(&c));
    }
    office_admin::set_disabled(&state.store, &user.actor(), m.id, disabled).await?;
    let notice = if disabled {
        format!("{}さんを無効にしました。", m.name)
    } else {
        format!("{}さんを有効に戻しました。", m.name)
    };
    Ok(flash::redirect(&state, &to_list(&office), &notice))
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
    match office_admin::reset_password(&state.store, &user.actor(), m.id, &f.password).await {
        Ok(_) => {
            let notice = format!(
                "{}さんの初期パスワードを設定しました。本人にお伝えください。次のログインで変更を求められます。",
                m.name
            );
            Ok(flash::redirect(&state, &to_list(&office), &notice))
        }
        Err(AppError::Invalid(errors)) => {
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
                errors,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(e.into()),
    }
}
