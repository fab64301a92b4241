//! 利用者一覧 for the city: every login, and suspending or reinstating one with a reason.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::suspension::{self, Suspension};
use crate::store::users::{self, UserListRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/{id}/suspend", post(suspend))
        .route("/users/{id}/reinstate", post(reinstate))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    user: Option<&'a CurrentUser>,
    users: Vec<UserListRow>,
}

#[tracing::instrument(skip_all)]
async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    user.city_only()?;
    let mut c = state.store.acquire().await?;
    let users = users::list_all(c.conn()).await?;
    Ok(render(
        StatusCode::OK,
        &UsersPage {
            user: Some(&user),
            users,
        },
    ))
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all)]
async fn suspend(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ReasonForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let s = Suspension { reason: f.reason };
    suspension::suspend(&state, &user.actor(), id_of(&id)?, &s).await?;
    Ok(Redirect::to("/users").into_response())
}

#[tracing::instrument(skip_all)]
async fn reinstate(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ReasonForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    suspension::lift(&state, &user.actor(), id_of(&id)?).await?;
    Ok(Redirect::to("/users").into_response())
}
