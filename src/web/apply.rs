//! ① 事業所登録申請: the public application page. No sign-in; a signed nonce stands in for the
//! session's CSRF token, and one address may send only a few applications an hour.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;

use super::{render, PageError};
use crate::domain::office::OfficeKind;
use crate::domain::{FieldError, FieldErrors};
use crate::error::AppError;
use crate::http::session::{self, CurrentUser};
use crate::http::AppState;
use crate::service::registration::{self, ApplicationInput};

pub fn router() -> Router<AppState> {
    Router::new().route("/apply", get(page).post(submit))
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage<'a> {
    user: Option<&'a CurrentUser>,
    kinds: &'static [OfficeKind],
    f: ApplicationInput,
    csrf: String,
    errors: FieldErrors,
    done: Option<i64>,
}

fn form(state: &AppState, jar: CookieJar, status: StatusCode, p: ApplyPage<'_>) -> Response {
    let (jar, csrf) = session::public_form_csrf(state, jar, "/apply");
    (jar, render(status, &ApplyPage { csrf, ..p })).into_response()
}

fn blank(f: ApplicationInput) -> ApplyPage<'static> {
    ApplyPage {
        user: None,
        kinds: &OfficeKind::ALL,
        f,
        csrf: String::new(),
        errors: FieldErrors::default(),
        done: None,
    }
}

async fn page(State(state): State<AppState>, jar: CookieJar) -> Response {
    form(
        &state,
        jar,
        StatusCode::OK,
        blank(ApplicationInput::default()),
    )
}

#[tracing::instrument(skip_all)]
async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    crate::http::client::ClientAddr(client): crate::http::client::ClientAddr,
    Form(f): Form<SubmitForm>,
) -> Result<Response, PageError> {
    if !session::login_csrf_ok(&state, &jar, &f.csrf) {
        let msg = "画面の有効期限が切れたため送信できませんでした。もう一度送信してください。";
        let p = ApplyPage {
            errors: FieldError::new("csrf", msg).into(),
            ..blank(f.input)
        };
        return Ok(form(&state, jar, StatusCode::FORBIDDEN, p));
    }
    match registration::apply(&state, &f.input, &client).await {
        Ok(a) => {
            let p = ApplyPage {
                done: Some(a.id),
                ..blank(ApplicationInput::default())
            };
            Ok(render(StatusCode::CREATED, &p))
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::RateLimited(_))) => {
            let errors = match &e {
                AppError::Invalid(errors) => errors.clone(),
                _ => FieldError::new("form", e.message_ja()).into(),
            };
            let p = ApplyPage {
                errors,
                ..blank(f.input)
            };
            Ok(form(&state, jar, e.status(), p))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
struct SubmitForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: ApplicationInput,
}
