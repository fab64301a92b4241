//! ① 事業所登録申請: the public application page. No sign-in; a signed nonce stands in for the
//! session's CSRF token, and one address may send only a few applications an hour.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;

use super::session::{self, CurrentUser};
use super::{render, PageError};
use crate::app::AppState;
use crate::domain::office::OfficeKind;
use crate::error::AppError;
use crate::service::registration::{self, ApplicationInput};

pub fn router() -> Router<AppState> {
    Router::new().route("/apply", get(page).post(submit))
}

/// Where a request comes from: the peer, or behind a proxy on this machine the address it
/// forwards for.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(&parts.extensions, &parts.headers)))
    }
}

/// The client's address: the peer, or the last `X-Forwarded-For` hop when the peer is a proxy
/// on this machine.
pub fn client_addr(extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> String {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    client_of(peer, headers.get("x-forwarded-for"))
}

/// [`client_addr`] from the peer and the `X-Forwarded-For` header, taken apart beforehand (the
/// request-tracking middleware keeps these two and works the address out only when it logs).
pub fn client_of(
    peer: Option<std::net::IpAddr>,
    forwarded: Option<&axum::http::HeaderValue>,
) -> String {
    let forwarded = forwarded
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_string());
    match (peer, forwarded) {
        (Some(ip), Some(f)) if ip.is_loopback() && !f.is_empty() => f,
        (Some(ip), _) => ip.to_string(),
        (None, _) => "unknown".into(),
    }
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage<'a> {
    user: Option<&'a CurrentUser>,
    kinds: &'static [OfficeKind],
    f: ApplicationInput,
    csrf: String,
    error: Option<(String, &'static str)>,
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
        error: None,
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
    ClientAddr(client): ClientAddr,
    Form(f): Form<SubmitForm>,
) -> Result<Response, PageError> {
    if !session::login_csrf_ok(&state, &jar, &f.csrf) {
        let msg = "画面の有効期限が切れたため送信できませんでした。もう一度送信してください。";
        let p = ApplyPage {
            error: Some((msg.into(), "csrf")),
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
            let field = match &e {
                AppError::Invalid(fe) => fe.field,
                _ => "form",
            };
            let p = ApplyPage {
                error: Some((e.message_ja(), field)),
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
