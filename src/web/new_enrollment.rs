//! 事前確認: a care manager registers a new subject and team on one page. The fields are
//! parsed by the same domain types as the API (カナ from hiragana or half-width, 和暦 birth
//! dates, full-width phone numbers); a refusal shows the form again with the message and the
//! values typed.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{render, PageError};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::enrollments::{self, EnrollmentInput, MemberInput, SubjectInput, TEAM_FIELDS};
use crate::store::offices::{self, Office};
use crate::store::users::{self, StaffRow};

/// Most team rows on the form (the service's own limit).
const MAX_ROWS: usize = crate::service::enrollments::TEAM_FIELDS.len();

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
    /// 「メンバーの行を追加」: show the form again with one more row, nothing saved.
    add_row: Option<String>,
    /// 「利用者の一覧を更新」 (without script): the rows' people lists follow their offices.
    refresh: Option<String>,
}

impl NewForm {
    /// Whether team row `i` has anything in it.
    fn row_used(&self, i: usize) -> bool {
        [
            &self.office,
            &self.member_user,
            &self.profession,
            &self.member,
            &self.member_phone,
        ]
        .iter()
        .any(|v| v.get(i).is_some_and(|s| !s.trim().is_empty()))
    }

    /// Rows to show: the used ones, one more when asked, and at least one.
    fn rows(&self) -> usize {
        let longest = [
            &self.office,
            &self.member_user,
            &self.profession,
            &self.member,
            &self.member_phone,
        ]
        .iter()
        .map(|v| v.len())
        .max()
        .unwrap_or(0);
        let used = (0..longest).rev().find(|&i| self.row_used(i));
        let n = used.map_or(0, |i| i + 1) + usize::from(self.add_row.is_some());
        n.clamp(1, MAX_ROWS)
    }
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
    errors: FieldErrors,
}

impl NewPage<'_> {
    fn at<'v>(v: &'v [String], i: &usize) -> &'v str {
        v.get(*i).map_or("", String::as_str)
    }

    /// The error of row `i`'s field `k` (0 profession, 1 name, 2 phone, 3 office, 4 user).
    fn row_error(&self, i: &usize, k: usize) -> Option<&str> {
        TEAM_FIELDS
            .get(*i)
            .and_then(|names| self.errors.get(names[k]))
    }

    /// The people of the office chosen on row `i`: chosen by office, then person.
    fn staff_of(&self, i: &usize) -> Vec<&StaffRow> {
        let office = Self::at(&self.f.office, i);
        self.staff
            .iter()
            .filter(|s| !office.is_empty() && s.office_id.to_string() == office)
            .collect()
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    f: NewForm,
    errors: FieldErrors,
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
        offices,
        staff,
        colleagues,
        rows: (0..f.rows()).collect(),
        f,
        errors,
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
    page(&state, &user, f, FieldErrors::default(), StatusCode::OK).await
}

/// The form as the service's input. Empty rows are left out; a row with a registered user and
/// no office takes that user's office, and their name when none was typed.
fn input(f: &NewForm, staff: &[StaffRow], offices: &[Office]) -> EnrollmentInput {
    let at = |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
    let team = (0..f.rows())
        .filter(|&i| f.row_used(i))
        .map(|i| {
            let chosen = at(&f.member_user, i)
                .parse::<i64>()
                .ok()
                .and_then(|id| staff.iter().find(|s| s.id == id));
            let mut name = at(&f.member, i);
            if name.is_empty() {
                name = chosen.map(|s| s.name.clone()).unwrap_or_default();
            }
            let office_id = at(&f.office, i)
                .parse()
                .ok()
                .or(chosen.map(|s| s.office_id))
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
            MemberInput {
                office_id,
                user_id: chosen.map(|s| s.id),
                profession: at(&f.profession, i),
                name,
                phone,
            }
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
    if f.add_row.is_some() || f.refresh.is_some() {
        return page(&state, &user, f, FieldErrors::default(), StatusCode::OK).await;
    }
    let mut c = state.store.acquire().await?;
    let staff = users::staff(c.conn(), None).await?;
    let offices = offices::list(c.conn()).await?;
    drop(c);
    match enrollments::create(&state, &user.actor(), &input(&f, &staff, &offices)).await {
        Ok(e) => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{}", e.code),
            "登録しました。次は同意書を印刷してください。",
        )),
        Err(AppError::Invalid(e)) => {
            page(&state, &user, f, e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError(e)),
    }
}
