//! The office's 「異動・廃止・引き継ぎ」 page (#22): its open requests of a new obtainer, the work
//! left by people who moved away, its transfers and its closure; shown again with what was
//! typed and why when a form on it is refused.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{id_of, render, PageError};
use crate::domain::handover::{self as rules, Answer};
use crate::domain::status::RequestState;
use crate::domain::{Actor, FieldErrors, Role};
use crate::error::AppError;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::office_changes::{self, OfficeHandovers};
use crate::store::handovers::{Closure, ObtainerChange, Transfer};
use crate::store::offices::{self, Office};

#[derive(Template)]
#[template(path = "handovers.html")]
struct HandoversPage<'a> {
    user: Option<&'a CurrentUser>,
    actor: Actor,
    office: Office,
    h: OfficeHandovers,
    /// The office's logins, enabled: (id, name).
    staff: Vec<(i64, String)>,
    /// Other open offices, for a transfer.
    others: Vec<Office>,
    /// The form refused (`closure`, `transfer`, `answer:{kind}:{id}`), what was typed, why.
    form: String,
    typed: Vec<(&'static str, String)>,
    errors: FieldErrors,
    problem: Option<String>,
}

impl HandoversPage<'_> {
    fn typed(&self, form: &str, field: &str) -> &str {
        if self.form != form {
            return "";
        }
        self.typed
            .iter()
            .find(|(k, _)| *k == field)
            .map_or("", |(_, v)| v.as_str())
    }

    fn error(&self, form: &str, field: &str) -> Option<&str> {
        (self.form == form)
            .then(|| self.errors.get(field))
            .flatten()
    }

    fn answers_obtainer(&self, ch: &ObtainerChange, answer: &str) -> bool {
        let Some(a) = Answer::parse(answer) else {
            return false;
        };
        let state = crate::domain::enrollment::State::Active;
        rules::may_answer_obtainer(
            &self.actor,
            a,
            ch.from_office_id,
            ch.to_office_id,
            ch.state,
            state,
        )
        .is_ok()
    }

    fn answers_transfer(&self, t: &Transfer, answer: &str) -> bool {
        Answer::parse(answer).is_some_and(|a| {
            rules::may_answer_transfer(&self.actor, a, t.from_office_id, t.to_office_id, t.state)
                .is_ok()
        })
    }

    /// Whether the city may decide (or the office withdraw) a closure, regardless of what is left.
    fn answers_closure(&self, k: &Closure, answer: &str) -> bool {
        Answer::parse(answer).is_some_and(|a| {
            rules::may_answer_closure(&self.actor, a, k.office_id, k.state, 0).is_ok()
        })
    }

    fn may_ask_closure(&self) -> bool {
        rules::may_ask_closure(&self.actor, self.office.id, self.office.closed_at.is_some()).is_ok()
            && !self
                .h
                .closures
                .iter()
                .any(|k| k.state == RequestState::Open)
    }

    fn may_transfer(&self) -> bool {
        self.office.closed_at.is_none()
            && (self.actor.role() == Some(Role::CityAdmin)
                || (self.actor.role() == Some(Role::OfficeAdmin)
                    && self.actor.office_id() == Some(self.office.id)))
    }

    /// Whether this office is the one asked to take `ch` on (it names its care manager).
    fn is_to(&self, ch: &ObtainerChange) -> bool {
        ch.to_office_id == self.office.id
    }

    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::clock::local_time(t)
    }
}

/// What the page shows besides the office's handovers.
#[derive(Default)]
pub(super) struct Shown {
    form: String,
    typed: Vec<(&'static str, String)>,
    errors: FieldErrors,
    problem: Option<String>,
}

impl Shown {
    /// A refusal: field errors beside the form's fields, anything else as the page's message.
    pub(super) fn refused(
        form: String,
        typed: Vec<(&'static str, String)>,
        e: AppError,
    ) -> Result<Shown, PageError> {
        let (errors, problem) = match e {
            AppError::Invalid(errors) => (errors, None),
            AppError::Conflict(m) | AppError::InvalidState(m) => (FieldErrors::default(), Some(m)),
            e => return Err(e.into()),
        };
        Ok(Shown {
            form,
            typed,
            errors,
            problem,
        })
    }

    fn status(&self) -> StatusCode {
        if !self.errors.is_empty() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else if self.problem.is_some() {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        }
    }
}

pub(super) async fn again(
    state: &AppState,
    user: &CurrentUser,
    office: i64,
    shown: Shown,
) -> Result<Response, PageError> {
    let actor = user.actor();
    let h = office_changes::of_office(state, &actor, office).await?;
    let mut c = state.store.acquire().await?;
    let all = offices::list(c.conn()).await?;
    let staff = crate::store::users::of_office(c.conn(), office)
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| (u.id, u.name))
        .collect();
    drop(c);
    let o = all
        .iter()
        .find(|o| o.id == office)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let others = all
        .into_iter()
        .filter(|x| x.id != office && x.closed_at.is_none())
        .collect();
    let status = shown.status();
    let page = HandoversPage {
        user: Some(user),
        actor,
        office: o,
        h,
        staff,
        others,
        form: shown.form,
        typed: shown.typed,
        errors: shown.errors,
        problem: shown.problem,
    };
    Ok(render(status, &page))
}

#[tracing::instrument(skip_all)]
pub(super) async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    again(&state, &user, id_of(&id)?, Shown::default()).await
}

/// The city's 要対応 link: the office whose closure has waited longest (the list of offices
/// when none waits).
#[tracing::instrument(skip_all)]
pub(super) async fn closures(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    if user.role != Role::CityAdmin {
        return Err(AppError::NotFound.into());
    }
    let mut c = state.store.acquire().await?;
    let open = crate::store::handovers::closures(c.conn(), None).await?;
    let to = match open.last() {
        Some(k) => format!("/offices/{}/handovers", k.office_id),
        None => "/offices".into(),
    };
    Ok(axum::response::Redirect::to(&to).into_response())
}
