//! The web: Japanese server-rendered pages, the JSON API, health and metrics.

pub mod account;
pub mod applications;
pub mod apply;
pub mod auth;
pub mod certificate;
pub mod dashboard;
pub mod device;
pub mod fax_message;
pub mod health;
pub mod inbox;
pub mod intake;
pub mod new_enrollment;
pub mod offices;
pub mod outbox;
pub mod pages;
pub mod password;
pub mod print;
pub mod resend;
pub mod session;
pub mod staff;
pub mod steps;
pub mod training;
pub mod users;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;

use crate::app::AppState;
use crate::error::AppError;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(auth::router())
        .merge(dashboard::router())
        .merge(new_enrollment::router())
        .merge(pages::router())
        .merge(print::router())
        .merge(intake::router())
        .merge(inbox::router())
        .merge(fax_message::router())
        .merge(steps::router())
        .merge(resend::router())
        .merge(outbox::router())
        .merge(users::router())
        .merge(apply::router())
        .merge(applications::router())
        .merge(certificate::router())
        .merge(offices::router())
        .merge(staff::router())
        .merge(password::router())
        .merge(account::router())
        .merge(training::router())
        .merge(health::router())
        .nest("/api/v1", crate::api::router())
        .layer(axum::middleware::from_fn(health::track))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Pages allow nothing from elsewhere, are never framed, and are not cached.
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, axum::http::HeaderValue::from_static(v));
    };
    set(h, "content-security-policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    // Pages, API answers and page images hold personal data: no cache keeps them, unless a
    // handler chose otherwise for something public.
    if !h.contains_key(axum::http::header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    res
}

/// A PDF shown in the browser (ready to print) rather than downloaded.
pub fn inline_pdf(name: &str, data: Vec<u8>) -> Response {
    let disposition = format!("inline; filename=\"{name}\"");
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response()
}

/// A page image for the browser or an API client: never cached (it holds personal data).
pub fn png(data: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "image/png"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        data,
    )
        .into_response()
}

/// A row id from a path: anything else is simply not found.
pub fn id_of(s: &str) -> Result<i64, PageError> {
    s.parse().map_err(|_| PageError(AppError::NotFound))
}

/// A moment as people here read it: Japan time, to the minute.
pub fn local_time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&crate::service::enrollments::japan())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Renders a template, or a plain error page if rendering itself fails.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "システムエラー").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    user: Option<&'a session::CurrentUser>,
    title: &'a str,
    message: String,
}

/// An error on a page: a Japanese message, never internal detail.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        let page = ErrorPage {
            user: None,
            title: "エラー",
            message: self.0.message_ja(),
        };
        render(self.0.status(), &page)
    }
}
