//! One received page: its image, its automatic match, what OCR read on it, and for an
//! unmatched page the candidates to assign it to (or it is set aside as not a form).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::domain::status::CheckedField;
use crate::domain::{FieldError, FieldErrors};
use crate::error::AppError;
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::reconcile::{self, Assignment};
use crate::service::{checks, fax};
use crate::store::fax_list::{Candidate, PageRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fax/pages/{id}", get(page))
        .route("/fax/pages/{id}/image", get(image))
        .route("/fax/pages/{id}/checks/{field}", get(crop))
        .route("/fax/pages/{id}/assign", post(assign))
        .route("/fax/pages/{id}/discard", post(discard))
}

#[derive(Template)]
#[template(path = "fax_page.html")]
struct PageView<'a> {
    user: Option<&'a CurrentUser>,
    p: PageRow,
    q: String,
    candidates: Vec<Candidate>,
    /// What OCR read on a page without a code (absent for a page with one).
    ocr: Option<crate::service::ocr::OcrView>,
    /// The next page waiting for a person, once this one is settled.
    next: Option<i64>,
    kept: PageKept,
}

/// A refused action on a page: which form, what was typed, why.
#[derive(Default)]
pub struct PageKept {
    /// `assign`, `resend` or `discard`.
    pub form: &'static str,
    pub reason: String,
    pub errors: FieldErrors,
}

impl PageView<'_> {
    fn kept_reason(&self, form: &str) -> &str {
        if self.kept.form == form {
            &self.kept.reason
        } else {
            ""
        }
    }

    fn kept_error(&self, form: &str) -> Option<&str> {
        if self.kept.form != form {
            return None;
        }
        self.kept.errors.iter().next().map(|e| e.message.as_str())
    }

    fn born(d: &chrono::NaiveDate) -> String {
        crate::domain::date::shown(*d)
    }

    /// A candidate's score as a percentage.
    fn percent(s: &f64) -> String {
        format!("{:.0}%", s * 100.0)
    }

    fn unmatched(&self) -> bool {
        super::fax_message::open(&self.p)
    }

    /// The city looks; only the centre reconciles.
    fn can_reconcile(&self) -> bool {
        self.user
            .is_some_and(|u| u.role == crate::domain::Role::Centre)
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

#[tracing::instrument(skip_all, fields(id = %id))]
async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(s): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let q = s.q.unwrap_or_default();
    show_page(&state, &user, id, q, PageKept::default()).await
}

/// The page `id` with its candidates, and a refused action's input when there is one.
pub async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    q: String,
    kept: PageKept,
) -> Result<Response, PageError> {
    let actor = user.actor();
    let p = fax::page(&state.store, &actor, id).await?;
    let ocr = crate::service::ocr::of_page(&state.store, &actor, id).await?;
    let candidates =
        fax::candidates_beside(&state.store, &actor, id, Some(&q), ocr.as_ref()).await?;
    let next = if user.role == crate::domain::Role::Centre {
        let mut c = state.store.acquire().await?;
        crate::store::fax_list::next_waiting(c.conn(), id).await?
    } else {
        None
    };
    let status = if kept.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = PageView {
        user: Some(user),
        p,
        q,
        candidates,
        ocr,
        next,
        kept,
    };
    Ok(render(status, &view))
}

/// A refusal of `form` shown on the page; anything else is the error page.
pub async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &'static str,
    reason: String,
    e: AppError,
) -> Result<Response, PageError> {
    let errors = match e {
        AppError::Invalid(errors) => errors,
        e @ (AppError::Conflict(_) | AppError::InvalidState(_)) => {
            FieldError::new("form", e.message_ja()).into()
        }
        other => return Err(PageError(other)),
    };
    let kept = PageKept {
        form,
        reason,
        errors,
    };
    show_page(state, user, id, String::new(), kept).await
}

#[derive(Deserialize)]
struct ImageQuery {
    thumb: Option<String>,
}

async fn image(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ImageQuery>,
) -> Result<Response, PageError> {
    let data = fax::page_image(&state.store, &user.actor(), id_of(&id)?, q.thumb.is_some()).await?;
    Ok(crate::http::png(data))
}

/// A checked field's crop, for the verify screen.
async fn crop(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, field)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let field = CheckedField::parse(&field).ok_or(AppError::NotFound)?;
    let data = checks::crop(&state.store, &user.actor(), id_of(&id)?, field).await?;
    Ok(crate::http::png(data))
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    csrf: String,
    // Defaults so a post without its token is refused as such (403), not as a bad form.
    #[serde(default)]
    enrollment_id: i64,
    #[serde(default)]
    page: i64,
    /// A candidate waiting on an addition's form offers the page to it.
    #[serde(default)]
    addition_id: Option<i64>,
}

#[tracing::instrument(skip_all, fields(id = %id))]
async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<AssignForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    let a = Assignment {
        enrollment_id: f.enrollment_id,
        page: f.page,
        addition_id: f.addition_id,
    };
    match reconcile::assign(&state, &user.actor(), id, &a).await {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/fax/pages/{id}"),
            "ページを割り当てました。",
        )),
        Err(e) => refused(&state, &user, id, "assign", String::new(), e).await,
    }
}

#[derive(Deserialize)]
struct DiscardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all, fields(id = %id))]
async fn discard(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<DiscardForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    match reconcile::discard(&state, &user.actor(), id, &f.reason).await {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/fax/pages/{id}"),
            "処理対象外にしました。",
        )),
        Err(e) => refused(&state, &user, id, "discard", f.reason, e).await,
    }
}
