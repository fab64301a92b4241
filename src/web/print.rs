//! Printing from the pages: one form inline, or many in a batch with a progress bar.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::http::inline_pdf;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::{batches, forms};
use crate::store::enrollments;
use crate::store::forms::PrintBatch;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enrollments/{code}/print", post(print))
        .route("/enrollments/{code}/consent-form.pdf", get(pdf))
        .route("/print-batches", post(create_batch))
        .route("/print-batches/{id}", get(batch_page))
        .route("/print-batches/{id}/pdf", get(batch_pdf))
}

#[derive(Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    blank: Option<String>,
}

/// 「同意書を印刷」: issues the form if needed, then opens the PDF.
#[tracing::instrument(skip_all, fields(id = %id))]
async fn print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<PrintForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let code = id;
    let id = crate::service::enrollments::resolve(&state.store, &user.actor(), &code).await?;
    let blank = f.blank.is_some();
    forms::issue_or_fetch(&state, &user.actor(), id, blank).await?;
    let q = if blank { "?blank=1" } else { "" };
    Ok(Redirect::to(&format!("/enrollments/{code}/consent-form.pdf{q}")).into_response())
}

#[derive(Deserialize)]
pub struct BlankQuery {
    blank: Option<String>,
}

async fn pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<BlankQuery>,
) -> Result<Response, PageError> {
    let id = crate::service::enrollments::resolve(&state.store, &user.actor(), &id).await?;
    let (code, form, data) =
        forms::stored_pdf(&state.store, &user.actor(), id, q.blank.is_some()).await?;
    Ok(inline_pdf(
        &format!("consent-{code}-v{}.pdf", form.form_version),
        data,
    ))
}

#[derive(Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    blank: Option<String>,
}

async fn create_batch(
    State(state): State<AppState>,
    user: CurrentUser,
    axum_extra::extract::Form(f): axum_extra::extract::Form<BatchForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let ids: Vec<i64> = f.ids.iter().filter_map(|s| s.parse().ok()).collect();
    let b = batches::create(&state, &user.actor(), &ids, f.blank.is_some()).await?;
    Ok(Redirect::to(&format!("/print-batches/{}", b.id)).into_response())
}

#[derive(Template)]
#[template(path = "batch.html")]
struct BatchPage<'a> {
    user: Option<&'a CurrentUser>,
    b: PrintBatch,
    codes: Vec<String>,
}

impl BatchPage<'_> {
    fn finished(&self) -> bool {
        self.b.status.finished()
    }
    fn problems(&self) -> Vec<&str> {
        self.b
            .error
            .as_deref()
            .map(|e| e.lines().collect())
            .unwrap_or_default()
    }
}

async fn batch_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let b = batches::get(&state, &user.actor(), id_of(&id)?).await?;
    let ids: Vec<i64> = serde_json::from_str(&b.enrollment_ids).unwrap_or_default();
    let mut c = state.store.acquire().await?;
    let mut codes = Vec::new();
    for id in ids {
        if let Some(e) = enrollments::get(c.conn(), id).await? {
            codes.push(e.code);
        }
    }
    Ok(render(
        StatusCode::OK,
        &BatchPage {
            user: Some(&user),
            b,
            codes,
        },
    ))
}

async fn batch_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (b, data) = batches::pdf(&state, &user.actor(), id_of(&id)?).await?;
    Ok(inline_pdf(&format!("consent-batch-{}.pdf", b.id), data))
}
