//! Who is signed in: the session cookie for pages, bearer tokens for the API, and CSRF checks.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::domain::{Actor, Role};
use crate::error::AppError;
use crate::http::AppState;
use crate::service::device_rule;
use crate::store::auth;

pub const SESSION_COOKIE: &str = "cf_session";
pub const LOGIN_CSRF_COOKIE: &str = "cf_login_csrf";

/// A signed-in user of the pages.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub office_id: Option<i64>,
    pub csrf: String,
    pub session_hash: String,
    /// The notice a previous action left for this page (「同意を記録しました」).
    pub notice: Option<String>,
    /// When the page was made, for the 印刷日時 of a printed page.
    pub shown_at: String,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.id,
            role: self.role,
            office_id: self.office_id,
        }
    }

    /// The centre and the city see every enrollment and the FAX inbox.
    pub fn sees_all(&self) -> bool {
        matches!(self.role, Role::Centre | Role::CityAdmin)
    }

    /// Pages only the city uses (its lists, its decisions).
    pub fn city_only(&self) -> Result<(), AppError> {
        if self.role == Role::CityAdmin {
            Ok(())
        } else {
            Err(AppError::Forbidden("city only".into()))
        }
    }

    /// Checks a submitted form's CSRF token against the session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        if bool::from(self.csrf.as_bytes().ct_eq(submitted.as_bytes())) {
            Ok(())
        } else {
            Err(AppError::Forbidden("csrf".into()))
        }
    }
}

/// Why a page sent someone to the login page.
fn to_login(reason: &str) -> Response {
    Redirect::to(&format!("/login?reason={reason}")).into_response()
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(to_login("required"));
        };
        let hash = auth::hash_token(cookie.value());
        let internal = |e: sqlx::Error| super::page::PageError(e.into()).into_response();
        let mut c = state.store.acquire().await.map_err(internal)?;
        let Some(s) = auth::session_user(c.conn(), &hash)
            .await
            .map_err(internal)?
        else {
            return Err(to_login("expired"));
        };
        if s.expires_at < c.conn().now || s.suspended || s.disabled {
            auth::delete_session(c.conn(), &hash)
                .await
                .map_err(internal)?;
            return Err(to_login(if s.suspended {
                "suspended"
            } else if s.disabled {
                "disabled"
            } else {
                "expired"
            }));
        }
        // A first password chosen by the administrator: nothing else until it is replaced.
        let path = parts.uri.path();
        if s.must_change_password && path != "/password" && path != "/logout" {
            return Err(Redirect::to("/password").into_response());
        }
        Ok(CurrentUser {
            id: s.user_id,
            name: s.name,
            // The CHECK constraint on the column keeps this total.
            role: Role::parse(&s.role).unwrap_or(Role::Staff),
            office_id: s.office_id,
            csrf: s.csrf_token,
            session_hash: hash,
            notice: super::flash::read(&jar),
            shown_at: crate::clock::local_time(&state.clock.now()),
        })
    }
}

/// A caller of the JSON API, identified by `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct ApiUser(pub Actor);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or(AppError::Unauthorized)?;
        let mut c = state.store.acquire().await?;
        let (t, u) = auth::api_token(c.conn(), &auth::hash_token(token.trim()))
            .await?
            .ok_or(AppError::Unauthorized)?;
        if u.suspended || u.disabled {
            return Err(AppError::Forbidden("account suspended or disabled".into()));
        }
        let allowed =
            device_rule::token_allowed(c.conn(), &state.config, u.role(), u.office_id, &t).await?;
        if !allowed {
            return Err(AppError::DeviceRequired);
        }
        if u.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(ApiUser(Actor::User {
            id: u.id,
            role: u.role(),
            office_id: u.office_id,
        }))
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when the service is reached over https.
pub fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(over_https(state))
        .build()
}

/// Cookies are Secure when people reach the service over https.
pub fn over_https(state: &AppState) -> bool {
    state
        .config
        .base_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

/// Signed double-submit token for the login form, before any session exists: the cookie holds a
/// nonce, the form holds its HMAC under the session key.
pub fn login_csrf_for(state: &AppState, nonce: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(state.keys.session_key.expose().as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"login-csrf:");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn login_csrf_ok(state: &AppState, jar: &CookieJar, submitted: &str) -> bool {
    let Some(nonce) = jar.get(LOGIN_CSRF_COOKIE) else {
        return false;
    };
    let expected = login_csrf_for(state, nonce.value());
    bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
}

/// A form shown before anyone signs in (the application, enrolling a PC): a fresh nonce cookie
/// scoped to `path` and its signed token for the form, as on the login page.
pub fn public_form_csrf(
    state: &AppState,
    jar: CookieJar,
    path: &'static str,
) -> (CookieJar, String) {
    let (nonce, _) = auth::new_token();
    let csrf = login_csrf_for(state, &nonce);
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, nonce))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .build();
    (jar.add(cookie), csrf)
}

pub const DEVICE_COOKIE: &str = "cf_device";

/// Kept for five years: it stands for the certificate installed on the PC.
pub fn device_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((DEVICE_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(over_https(state))
        .max_age(time::Duration::days(5 * 365))
        .build()
}
