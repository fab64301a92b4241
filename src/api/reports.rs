//! 運営状況の報告 over the API: the city's figures for a period as JSON, and the same report as
//! the PDF and the CSV the pages give (`service::report`; the period is read as on the page).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::domain::report::{Period, PeriodQuery};
use crate::error::AppResult;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::report::{self, OperationsReport};
use crate::service::report_doc;

async fn figures(
    state: &AppState,
    actor: &crate::domain::Actor,
    q: &PeriodQuery,
) -> AppResult<OperationsReport> {
    let p = Period::parse(q, state.clock.today())?;
    report::operations(state, actor, p).await
}

/// The council report's figures (city only). `period`: month (`month` 2026-11), fiscal_year
/// (`fiscal_year` 2026) or range (`from`, `to`); nothing asks for last month.
#[utoipa::path(get, path = "/api/v1/reports/operations", params(PeriodQuery),
    responses((status = 200, body = OperationsReport), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn operations(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<OperationsReport>> {
    Ok(Json(figures(&state, &actor, &q).await?))
}

/// The same report as an A4 PDF.
#[utoipa::path(get, path = "/api/v1/reports/operations.pdf", params(PeriodQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)),
    security(("bearer" = [])))]
pub async fn pdf(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let r = figures(&state, &actor, &q).await?;
    let bytes = report_doc::pdf(report_doc::document(&r)).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

/// The same report's tables as CSV (UTF-8 with a byte-order mark).
#[utoipa::path(get, path = "/api/v1/reports/operations.csv", params(PeriodQuery),
    responses((status = 200, content_type = "text/csv", body = String)),
    security(("bearer" = [])))]
pub async fn csv(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let r = figures(&state, &actor, &q).await?;
    let body = report_doc::csv(&report_doc::document(&r));
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}
