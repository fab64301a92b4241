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

use super::{render, PageError};
use crate::error::AppError;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::enrollments::{self, EnrollmentInput, MemberInput, SubjectInput};
use crate::store::offices::{self, Office};
use crate::store::users::{self, StaffRow};

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
    /// A registered user for the row ("" when typed by hand).
    #[serde(default)]
    member_user: Vec<String>,
    /// Who obtains the consent (a user of the office; default the person filling in).
    #[serde(default)]
    obtainer: String,
}

#[derive(Template)]
#[template(path = "new_enrollment.html")]
struct NewPage<'a> {
    user: Option<&'a CurrentUser>,
    f: NewForm,
    offices: Vec<Office>,
    /// Everyone who may be on a team, by office.
    staff: Vec<StaffRow>,
    /// Who may obtain the consent: the office's own users.
    colleagues: Vec<StaffRow>,
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
    let staff = users::staff(c.conn(), None).await?;
    let colleagues = staff
        .iter()
        .filter(|s| Some(s.office_id) == user.office_id)
        .cloned()
        .collect();
    let p = NewPage {
        user: Some(user),
        f,
        offices,
        staff,
        colleagues,
        rows: (0..ROWS).collect(),
        error,
    };
    Ok(render(status, &p))
}

async fn form(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    // Consent is obtained by an office; the centre and the city have no form to fill in.
    if user.office_id.is_none() {
        return Err(PageError(crate::error::AppError::Forbidden(
            "事前確認は事業所の利用者が行います。".into(),
        )));
    }
    let f = NewForm {
        obtainer: user.id.to_string(),
        ..NewForm::default()
    };
    page(&state, &user, f, None, StatusCode::OK).await
}

/// The form as the service's input. A row with a registered user takes that user's office,
/// and their name when none was typed.
fn input(f: &NewForm, staff: &[StaffRow], offices: &[Office]) -> EnrollmentInput {
    let at = |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
    let team = (0..f.office.len())
        .filter_map(|i| {
            let chosen = at(&f.member_user, i)
                .parse::<i64>()
                .ok()
                .and_then(|id| staff.iter().find(|s| s.id == id));
            let mut name = at(&f.member, i);
            if name.is_empty() {
                name = chosen.map(|s| s.name.clone())?;
            }
            let office_id = chosen
                .map(|s| s.office_id)
                .or_else(|| at(&f.office, i).parse().ok())
                .unwrap_or(0);
            // A member's phone defaults to their office's.
            let mut phone = at(&f.member_phone, i);
            if phone.is_empty() {
                phone = offices
                    .iter()
                    .find(|o| o.id == office_id)
                    .map(|o| o.phone.clone())
                    .unwrap_or_default();
            }
            Some(MemberInput {
                office_id,
                user_id: chosen.map(|s| s.id),
                profession: at(&f.profession, i),
                name,
                phone,
            })
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
        obtainer_user_id: f.obtainer.trim().parse().ok(),
    }
}

#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    axum_extra::extract::Form(f): axum_extra::extract::Form<NewForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let mut c = state.store.acquire().await?;
    let staff = users::staff(c.conn(), None).await?;
    let offices = offices::list(c.conn()).await?;
    drop(c);
    match enrollments::create(&state, &user.actor(), &input(&f, &staff, &offices)).await {
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
