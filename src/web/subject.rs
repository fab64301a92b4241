//! ⑥ 情報の更新 on the screens: the obtainer office edits the person's details; a refused form
//! comes back with each message beside its field and what was typed kept.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{render, PageError};
use crate::domain::subject::{may_edit, SubjectPatch};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::{enrollments, subject};

pub fn router() -> Router<AppState> {
    Router::new().route("/enrollments/{code}/subject", get(form).post(save))
}

/// The form's fields, as typed (or as stored when first shown).
#[derive(Debug, Default, Deserialize)]
struct SubjectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kana: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    insurance_number: String,
}

#[derive(Template)]
#[template(path = "subject_edit.html")]
struct EditPage<'a> {
    user: Option<&'a CurrentUser>,
    code: String,
    current_name: String,
    f: SubjectForm,
    errors: FieldErrors,
    problem: Option<String>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    typed: Option<SubjectForm>,
    errors: FieldErrors,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, code).await?;
    let v = enrollments::view(&state.store, &actor, id).await?;
    may_edit(&actor, v.enrollment.obtainer_office_id, v.enrollment.state)
        .map_err(|_| AppError::Forbidden("only the obtainer office edits".into()))?;
    let s = &v.subject;
    let f = typed.unwrap_or_else(|| SubjectForm {
        name: s.name.clone(),
        kana: s.kana.clone(),
        address: s.address.clone(),
        phone: s.phone.clone(),
        insurance_number: s.insurance_number.clone().unwrap_or_default(),
        ..SubjectForm::default()
    });
    let status = match (&problem, errors.is_empty()) {
        (Some(_), _) => StatusCode::CONFLICT,
        (None, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, true) => StatusCode::OK,
    };
    Ok(render(
        status,
        &EditPage {
            user: Some(user),
            code: v.enrollment.code.clone(),
            current_name: s.name.clone(),
            f,
            errors,
            problem,
        },
    ))
}

#[tracing::instrument(skip_all)]
async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    page(&state, &user, &code, None, FieldErrors::default(), None).await
}

#[tracing::instrument(skip_all)]
async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    axum::Form(f): axum::Form<SubjectForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let patch = SubjectPatch {
        name: Some(f.name.clone()),
        kana: Some(f.kana.clone()),
        address: Some(f.address.clone()),
        phone: Some(f.phone.clone()),
        insurance_number: Some(f.insurance_number.clone()),
    };
    match subject::update(&state.store, &actor, id, &patch).await {
        Ok(u) if u.changes.is_empty() => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{code}"),
            "変更はありませんでした。",
        )),
        Ok(u) => {
            let names: Vec<&str> = u.changes.iter().map(|c| c.label_ja()).collect();
            let notice = format!("基本情報を変更しました（{}）。", names.join("・"));
            Ok(flash::redirect(
                &state,
                &format!("/enrollments/{code}"),
                &notice,
            ))
        }
        Err(AppError::Invalid(errors)) => page(&state, &user, &code, Some(f), errors, None).await,
        Err(AppError::Conflict(m)) => {
            page(
                &state,
                &user,
                &code,
                Some(f),
                FieldErrors::default(),
                Some(m),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
