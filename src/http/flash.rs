//! The notice after an action (「同意を記録しました」): set with the redirect that ends a POST,
//! shown once on the page it leads to, then cleared. It lives in a short cookie, so nothing is
//! stored for it and it survives exactly one redirect.

use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::AppState;

pub const NOTICE_COOKIE: &str = "cf_notice";

/// Longest notice kept (in characters): a sentence or two, well inside a cookie.
const MAX_CHARS: usize = 300;

/// A 303 to `to` that carries `notice` to the next page.
pub fn redirect(state: &AppState, to: &str, notice: &str) -> Response {
    let text: String = notice.chars().take(MAX_CHARS).collect();
    let cookie = Cookie::build((NOTICE_COOKIE, hex::encode(text.as_bytes())))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(super::session::over_https(state))
        .max_age(time::Duration::minutes(5))
        .build();
    let mut res = StatusCode::SEE_OTHER.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(to) {
        h.insert(LOCATION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
        h.append(SET_COOKIE, v);
    }
    res
}

/// The notice waiting for this request's page, if any.
pub fn read(jar: &CookieJar) -> Option<String> {
    let raw = jar.get(NOTICE_COOKIE)?.value();
    let text = String::from_utf8(hex::decode(raw).ok()?).ok()?;
    // Shown as text (the template escapes it); only what the service itself set is readable.
    (!text.is_empty()).then_some(text)
}

/// Clears the notice once a page has been answered (not on a redirect, which carries it on).
pub async fn clear_after_showing(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let had = CookieJar::from_headers(req.headers())
        .get(NOTICE_COOKIE)
        .is_some();
    let mut res = next.run(req).await;
    let sets_one = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(NOTICE_COOKIE.as_bytes()));
    if had && !sets_one && !res.status().is_redirection() {
        let gone = format!("{NOTICE_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
        if let Ok(v) = HeaderValue::from_str(&gone) {
            res.headers_mut().append(SET_COOKIE, v);
        }
    }
    res
}
