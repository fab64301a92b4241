//! ③ 初回の証明書設定 / 追加発行の受け取り: on the PC to enrol, the administrator types the
//! retrieval No and password from the two e-mails; the PC receives its device credential.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::{render, PageError};
use crate::domain::{FieldError, FieldErrors};
use crate::error::AppError;
use crate::http::session::{self, CurrentUser};
use crate::http::AppState;
use crate::service::devices::{self, Redeem};

pub fn router() -> Router<AppState> {
    Router::new().route("/certificate", get(page).post(redeem))
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage<'a> {
    user: Option<&'a CurrentUser>,
    number: String,
    label: String,
    csrf: String,
    errors: FieldErrors,
}

fn form(state: &AppState, jar: CookieJar, status: StatusCode, p: CertificatePage<'_>) -> Response {
    let (jar, csrf) = session::public_form_csrf(state, jar, "/certificate");
    (jar, render(status, &CertificatePage { csrf, ..p })).into_response()
}

async fn page(State(state): State<AppState>, jar: CookieJar) -> Response {
    let p = CertificatePage {
        user: None,
        number: String::new(),
        label: String::new(),
        csrf: String::new(),
        errors: FieldErrors::default(),
    };
    form(&state, jar, StatusCode::OK, p)
}

#[derive(Deserialize)]
struct RedeemForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    r: Redeem,
}

#[tracing::instrument(skip_all)]
async fn redeem(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(f): Form<RedeemForm>,
) -> Result<Response, PageError> {
    let again = |jar, status, errors: FieldErrors| {
        let p = CertificatePage {
            user: None,
            number: f.r.number.clone(),
            label: f.r.label.clone(),
            csrf: String::new(),
            errors,
        };
        Ok(form(&state, jar, status, p))
    };
    if !session::login_csrf_ok(&state, &jar, &f.csrf) {
        let msg = "画面の有効期限が切れたため送信できませんでした。もう一度入力してください。";
        return again(
            jar,
            StatusCode::FORBIDDEN,
            FieldError::new("csrf", msg).into(),
        );
    }
    match devices::redeem(&state, &f.r).await {
        Ok(enrolled) => {
            let jar = jar.add(crate::http::session::device_cookie(&state, enrolled.token));
            Ok((jar, Redirect::to("/login?reason=enrolled")).into_response())
        }
        Err(AppError::Invalid(e)) => again(jar, StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(e @ AppError::Conflict(_)) => again(
            jar,
            StatusCode::CONFLICT,
            FieldError::new("number", e.message_ja()).into(),
        ),
        Err(e) => Err(e.into()),
    }
}
