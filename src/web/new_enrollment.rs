//! 事前確認: a care manager registers a new subject and team on one page. The fields are
//! parsed by the same domain types as the API (カナ from hiragana or half-width, 和暦 birth
//! dates, full-width phone numbers); a refusal shows the form again with the message and the
//! values typed.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::session::CurrentUser;
use super::{render, PageError};
use crate::app::AppState;
use crate::error::AppError;
use crate::service::enrollments::{self, EnrollmentInput, MemberInput, SubjectInput};
use crate::store::offices::{self, Office};

/// Team rows on the form; more members can be added on the API or later.
const ROWS: usize = 5;

pub fn router() -> Router<AppState> {
    Router::new().route("/enrollments/new", get(form).post(create))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kana: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    insurance_number: String,
    #[serde(default)]
    office: Vec<String>,
    #[serde(default)]
    profession: Vec<String>,
    #[serde(default)]
    member: Vec<String>,
    #[serde(default)]
    member_phone: Vec<String>,
}

#[derive(Template)]
#[template(path = "new_enrollment.html")]
struct NewPage<'a> {
    user: Option<&'a CurrentUser>,
    f: NewForm,
    offices: Vec<Office>,
    rows: Vec<usize>,
    error: Option<String>,
}

impl NewPage<'_> {
    fn at<'v>(v: &'v [String], i: &usize) -> &'v str {
        v.get(*i).map_or("", String::as_str)
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    f: NewForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut c = state.store.acquire().await?;
    let offices = offices::list(c.conn()).await?;
    let p = NewPage {
        user: Some(user),
        f,
        offices,
        rows: (0..ROWS).collect(),
        error,
    };
    Ok(render(status, &p))
}

async fn form(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    page(&state, &user, NewForm::default(), None, StatusCode::OK).await
}

fn input(f: &NewForm) -> EnrollmentInput {
    let team = (0..f.member.len())
        .filter(|&i| !f.member[i].trim().is_empty())
        .map(|i| MemberInput {
            office_id: f.office.get(i).and_then(|o| o.parse().ok()).unwrap_or(0),
            user_id: None,
            profession: f.profession.get(i).cloned().unwrap_or_default(),
            name: f.member[i].clone(),
            phone: f.member_phone.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    EnrollmentInput {
        subject: SubjectInput {
            name: f.name.clone(),
            kana: f.kana.clone(),
            birth_date: f.birth_date.clone(),
            sex: f.sex.clone(),
            address: f.address.clone(),
            phone: f.phone.clone(),
            insurance_number: Some(f.insurance_number.clone()).filter(|s| !s.trim().is_empty()),
        },
        team,
        obtainer_user_id: None,
    }
}

#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    axum_extra::extract::Form(f): axum_extra::extract::Form<NewForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    match enrollments::create(&state.store, &user.actor(), &input(&f)).await {
        Ok(e) => Ok(Redirect::to(&format!("/enrollments/{}", e.code)).into_response()),
        Err(AppError::Invalid(e)) => {
            page(
                &state,
                &user,
                f,
                Some(e.message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError(e)),
    }
}
