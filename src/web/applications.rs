//! ② For the city: applications from the public page and requests for more certificates, each
//! approved or refused with a reason; and the list of registered offices.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{id_of, render, PageError};
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
}

#[tracing::instrument(skip_all)]
async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    user.city_only()?;
    let mut c = state.store.acquire().await?;
    let applications = applications::list(c.conn(), 100).await?;
    let requests = device_store::requests(c.conn(), None, 100).await?;
    let p = ApplicationsPage {
        user: Some(&user),
        applications,
        requests,
    };
    Ok(render(StatusCode::OK, &p))
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

fn back() -> Response {
    Redirect::to("/offices/applications").into_response()
}

#[tracing::instrument(skip_all)]
async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    registration::approve(&state, &user.actor(), id_of(&id)?).await?;
    Ok(back())
}

#[tracing::instrument(skip_all)]
async fn reject(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    registration::reject(&state, &user.actor(), id_of(&id)?, &f.reason).await?;
    Ok(back())
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
    Ok(back())
}

#[tracing::instrument(skip_all)]
async fn reject_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    devices::decide(&state, &user.actor(), id_of(&id)?, false, &f.reason).await?;
    Ok(back())
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
