//! Security training: an office's record (and recording one), and the city's compliance page
//! with its CSV export.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::domain::training::Status;
use crate::domain::{FieldError, FieldErrors, Role};
use crate::error::AppError;
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::office_admin;
use crate::service::training::{self, Standing, TrainingInput};
use crate::store::offices::{self, Office};
use crate::store::trainings::{self, Training};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/offices/{id}/trainings",
            get(page)
                .post(record)
                .layer(axum::extract::DefaultBodyLimit::max(
                    training::ATTACHMENT_LIMIT + 64 * 1024,
                )),
        )
        .route("/trainings/{id}/attachment", get(attachment))
        .route("/training", get(compliance))
        .route("/training.csv", get(csv))
}

#[derive(Template)]
#[template(path = "trainings.html")]
struct TrainingsPage<'a> {
    user: Option<&'a CurrentUser>,
    office: Office,
    trainings: Vec<Training>,
    can_record: bool,
    due: String,
    f: TrainingInput,
    errors: FieldErrors,
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    status: StatusCode,
    f: TrainingInput,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    if !(user.role == Role::CityAdmin || user.office_id == Some(id)) {
        return Err(PageError(AppError::NotFound));
    }
    let mut c = state.store.acquire().await?;
    let office = offices::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let list = trainings::of_office(c.conn(), id).await?;
    drop(c);
    let last = list.first().map(|t| t.held_on);
    let created = crate::clock::japan_date(office.created_at);
    let due = state.config.training.due(last, created);
    let p = TrainingsPage {
        user: Some(user),
        can_record: office_admin::manages(&user.actor(), id).is_ok(),
        office,
        trainings: list,
        due: crate::domain::date::shown(due),
        f,
        errors,
    };
    Ok(render(status, &p))
}

#[tracing::instrument(skip_all)]
async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let blank = TrainingInput::default();
    show(
        &state,
        &user,
        id,
        StatusCode::OK,
        blank,
        FieldErrors::default(),
    )
    .await
}

/// The form's fields and the optional file.
async fn read_form(mut m: Multipart) -> Result<(String, TrainingInput), AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::invalid(
            "attachment",
            format!("送信内容を受け取れませんでした（{}）。", e.body_text()),
        )
    };
    let (mut csrf, mut f) = (String::new(), TrainingInput::default());
    while let Some(field) = m.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "held_on" => f.held_on = field.text().await.map_err(bad)?,
            "topic" => f.topic = field.text().await.map_err(bad)?,
            "attendees" => f.attendees = field.text().await.map_err(bad)?,
            "attachment" => {
                let name = field.file_name().unwrap_or_default().to_string();
                let data = field.bytes().await.map_err(bad)?;
                if !(name.is_empty() && data.is_empty()) {
                    f.attachment = Some((name, data.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok((csrf, f))
}

#[tracing::instrument(skip_all)]
async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let m = multipart.map_err(|_| PageError(AppError::Forbidden("form".into())))?;
    let (csrf, f) = match read_form(m).await {
        Ok(v) => v,
        Err(AppError::Invalid(e)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return show(&state, &user, id, status, TrainingInput::default(), e).await;
        }
        Err(e) => return Err(e.into()),
    };
    user.check_csrf(&csrf)?;
    match training::record(&state, &user.actor(), id, &f).await {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/offices/{id}/trainings"),
            "研修を記録しました。",
        )),
        Err(AppError::Invalid(mut e)) => {
            // A browser cannot be given a file back: it is said plainly, beside the field.
            if let Some((name, _)) = &f.attachment {
                e.push(FieldError::new(
                    "attachment",
                    format!("添付ファイル「{name}」は保存されていません。もう一度選んでください。"),
                ));
            }
            let kept = TrainingInput {
                attachment: None,
                ..f
            };
            show(&state, &user, id, StatusCode::UNPROCESSABLE_ENTITY, kept, e).await
        }
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all)]
async fn attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (name, kind, data) = training::attachment(&state, &user.actor(), id_of(&id)?).await?;
    // The name goes out percent-encoded (RFC 6266): Japanese names survive, quotes cannot break out.
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename*=UTF-8''{encoded}");
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "training.html")]
struct CompliancePage<'a> {
    user: Option<&'a CurrentUser>,
    rows: Vec<Standing>,
    status: String,
    counts: Vec<(&'static str, &'static str, usize)>,
}

#[derive(Deserialize)]
struct StatusQuery {
    #[serde(default)]
    status: String,
}

#[tracing::instrument(skip_all)]
async fn compliance(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<StatusQuery>,
) -> Result<Response, PageError> {
    user.city_only()?;
    let all = training::compliance(&state).await?;
    let counts = Status::ALL
        .iter()
        .map(|s| {
            let n = all.iter().filter(|r| r.status == s.as_str()).count();
            (s.as_str(), s.label_ja(), n)
        })
        .collect();
    let rows = all
        .into_iter()
        .filter(|r| q.status.is_empty() || r.status == q.status)
        .collect();
    let p = CompliancePage {
        user: Some(&user),
        rows,
        status: q.status,
        counts,
    };
    Ok(render(StatusCode::OK, &p))
}

#[tracing::instrument(skip_all)]
async fn csv(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    user.city_only()?;
    let rows = training::compliance(&state).await?;
    let name = format!(
        "attachment; filename=\"training-{}.csv\"",
        state.clock.today()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        training::csv(&rows),
    )
        .into_response())
}
