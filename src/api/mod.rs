//! The JSON API under `/api/v1`, with bearer tokens. Errors are `{"error": {"code", "message"}}`.

mod additions;
mod admin;
mod batches;
mod enrollments;
pub mod fax;
mod handovers;
mod incidents;
mod openapi;
mod public;
mod registration;
mod reports;
mod retention;
mod subject;
mod team;
mod tokens;

use axum::extract::{FromRequest, Request};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/token", post(admin::token))
        .route("/public/offices.geojson", get(public::offices))
        .route("/incidents", get(incidents::list).post(incidents::report))
        .route("/incidents/{id}", get(incidents::one))
        .route("/incidents/{id}/events", post(incidents::step))
        .route("/incidents/{id}/actions", post(incidents::act))
        .route("/tokens", get(tokens::list))
        .route("/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route(
            "/offices",
            get(admin::list_offices).post(admin::create_office),
        )
        .route(
            "/offices/{id}",
            axum::routing::put(registration::update_office),
        )
        .route(
            "/office-applications",
            get(registration::list).post(registration::apply),
        )
        .route(
            "/office-applications/{id}/approval",
            post(registration::approve),
        )
        .route(
            "/office-applications/{id}/rejection",
            post(registration::reject),
        )
        .route("/users", post(admin::create_user))
        .route(
            "/users/{id}/suspension",
            post(admin::suspend).delete(admin::reinstate),
        )
        .route(
            "/enrollments",
            get(enrollments::list).post(enrollments::create),
        )
        .route("/enrollments/{code}", get(enrollments::get))
        .route(
            "/enrollments/{code}/team/{member}/removal",
            post(team::remove),
        )
        .route(
            "/enrollments/{code}/team/{member}/replacement",
            post(handovers::replace),
        )
        .route(
            "/enrollments/{code}/obtainer-changes",
            post(handovers::propose),
        )
        .route("/obtainer-changes", get(handovers::open))
        .route(
            "/obtainer-changes/{id}/answer",
            post(handovers::answer_obtainer),
        )
        .route("/users/{id}/transfer", post(handovers::transfer))
        .route(
            "/staff-transfers/{id}/answer",
            post(handovers::answer_transfer),
        )
        .route(
            "/offices/{id}/closure-requests",
            post(handovers::ask_closure),
        )
        .route(
            "/office-closures/{id}/answer",
            post(handovers::answer_closure),
        )
        .route("/offices/{id}/handovers", get(handovers::of_office))
        .route("/retention", get(retention::coming))
        .route("/enrollments/{code}/additions", post(additions::propose))
        .route(
            "/enrollments/{code}/additions/{id}/form.pdf",
            get(additions::form),
        )
        .route(
            "/enrollments/{code}/additions/{id}/verification",
            post(additions::verify),
        )
        .route(
            "/enrollments/{code}/additions/{id}/withdrawal",
            post(additions::withdraw),
        )
        .route(
            "/enrollments/{code}/retention-hold",
            post(retention::hold).delete(retention::release),
        )
        .route(
            "/enrollments/{code}/subject",
            axum::routing::patch(subject::update),
        )
        .route(
            "/enrollments/{code}/transitions",
            post(enrollments::transition),
        )
        .route(
            "/enrollments/{code}/consent-form",
            post(enrollments::print_form),
        )
        .route(
            "/enrollments/{code}/consent-form.pdf",
            get(enrollments::consent_form),
        )
        .route("/enrollments/{code}/forms", get(enrollments::issued_forms))
        .route(
            "/enrollments/{code}/resend-requests",
            post(enrollments::resend),
        )
        .route("/print-batches", post(batches::create))
        .route("/print-batches/{id}", get(batches::get))
        .route("/print-batches/{id}/pdf", get(batches::pdf))
        .route("/fax/messages", get(fax::messages))
        .route("/fax/messages/{id}", get(fax::message))
        .route("/fax/pages", get(fax::pages))
        .route("/fax/pages/{id}", get(fax::page))
        .route("/fax/pages/{id}/image", get(fax::image))
        .route("/fax/pages/{id}/candidates", get(fax::candidates))
        .route("/fax/pages/{id}/ocr", get(fax::ocr))
        .route("/fax/pages/{id}/assignment", post(fax::assign))
        .route(
            "/fax/uploads",
            post(fax::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::http::upload::UPLOAD_LIMIT,
            )),
        )
        .route("/enrollments/{code}/copy", get(fax::copy))
        .route("/enrollments/{code}/checks", get(fax::checks))
        .route("/dashboard", get(enrollments::dashboard))
        .route("/reports/operations", get(reports::operations))
        .route("/reports/operations.pdf", get(reports::pdf))
        .route("/reports/operations.csv", get(reports::csv))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { AppError::NotFound })
}

/// JSON body whose rejection is a coded API error rather than axum's plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(AppError::invalid(
                "body",
                format!("リクエストの形式が正しくありません: {}", e.body_text()),
            )),
        }
    }
}

/// Path ids that are not numbers are simply not found.
fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}
