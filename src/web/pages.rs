//! Enrollment pages: the list a user may see, and one enrollment with its history.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::session::CurrentUser;
use super::{render, PageError};
use crate::app::AppState;
use crate::domain::enrollment::State as EState;
use crate::service::enrollments::{self, EnrollmentView};
use crate::store::enrollments::ListItem;
use crate::store::forms::IssuedForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/enrollments") }))
        .route("/enrollments", get(list))
        .route("/enrollments/{id}", get(detail))
}

/// Japanese label of a stored state name.
pub fn state_label(s: &str) -> &'static str {
    EState::parse(s).map(EState::label_ja).unwrap_or("不明")
}

#[derive(Template)]
#[template(path = "enrollments.html")]
struct ListPage<'a> {
    user: Option<&'a CurrentUser>,
    items: Vec<ListItem>,
    states: Vec<(&'static str, &'static str)>,
    selected: String,
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    // An unknown filter value shows everything rather than an error: it came from a stale link.
    let filter = q.state.as_deref().and_then(EState::parse);
    let items = enrollments::list(&state.store, &user.actor(), filter).await?;
    let page = ListPage {
        user: Some(&user),
        items,
        states: EState::ALL
            .iter()
            .map(|s| (s.as_str(), s.label_ja()))
            .collect(),
        selected: filter.map(|s| s.as_str().to_string()).unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "enrollment.html")]
struct DetailPage<'a> {
    user: Option<&'a CurrentUser>,
    v: EnrollmentView,
    forms: Vec<IssuedForm>,
    copy: crate::service::fax::CopyStatus,
    steps: Vec<(&'static str, &'static str)>,
    today: String,
}

impl DetailPage<'_> {
    fn pages_text(pages: &[i64]) -> String {
        pages
            .iter()
            .map(|p| format!("{p}枚目"))
            .collect::<Vec<_>>()
            .join("・")
    }
}

#[tracing::instrument(skip_all, fields(id))]
async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(PageError(crate::error::AppError::NotFound));
    };
    let v = enrollments::view(&state.store, &user.actor(), id).await?;
    let mut c = state.store.acquire().await?;
    let forms = crate::store::forms::all_for(c.conn(), id).await?;
    drop(c);
    let copy = crate::service::fax::copy_status(&state.store, &user.actor(), id).await?;
    let steps = super::steps::offered(&v.enrollment, &user.actor());
    let page = DetailPage {
        user: Some(&user),
        v,
        forms,
        copy,
        steps,
        today: enrollments::today_in_japan().to_string(),
    };
    Ok(render(StatusCode::OK, &page))
}
