//! パスワード変更: any user, any time; and the first sign-in of a user whose password an
//! administrator chose, who sees nothing else until they replace it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::{render, PageError};
use crate::domain::{FieldError, FieldErrors};
use crate::error::AppError;
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::accounts;
use crate::store::users;

pub fn router() -> Router<AppState> {
    Router::new().route("/password", get(page).post(change))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    user: Option<&'a CurrentUser>,
    first: bool,
    errors: FieldErrors,
}

async fn first_time(state: &AppState, user: &CurrentUser) -> Result<bool, PageError> {
    let mut c = state.store.acquire().await?;
    let u = users::get(c.conn(), user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(u.must_change_password)
}

#[tracing::instrument(skip_all)]
async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    let first = first_time(&state, &user).await?;
    let p = PasswordPage {
        user: Some(&user),
        first,
        errors: FieldErrors::default(),
    };
    Ok(render(StatusCode::OK, &p))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

#[tracing::instrument(skip_all)]
async fn change(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let mut c = state.store.acquire().await?;
    let row = users::get(c.conn(), user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    let result = if f.new_password != f.confirm {
        // Nothing changes; every other refusal is said too.
        let mut e = accounts::password_change_errors(&row, &f.current, &f.new_password).await;
        e.push(FieldError::new(
            "confirm",
            "確認用のパスワードが一致しません。",
        ));
        Err(AppError::Invalid(e))
    } else {
        accounts::change_password(
            &state.store,
            &row,
            &f.current,
            &f.new_password,
            Some(&user.session_hash),
        )
        .await
    };
    match result {
        Ok(()) => Ok(flash::redirect(
            &state,
            "/enrollments",
            "パスワードを変更しました。",
        )),
        Err(AppError::Invalid(e)) => {
            let p = PasswordPage {
                user: Some(&user),
                first: row.must_change_password,
                errors: e,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(e.into()),
    }
}
