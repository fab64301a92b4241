//! The device cookie: a PC enrolled with a certificate voucher carries its token, and office
//! users sign in only from such a PC of their own office when `offices.require_device` is on.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::PageError;
use crate::app::AppState;
use crate::store::users::UserRow;
use crate::store::{auth, devices};

pub const DEVICE_COOKIE: &str = "cf_device";

/// Kept for five years: it stands for the certificate installed on the PC.
pub fn cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((DEVICE_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(super::session::over_https(state))
        .max_age(time::Duration::days(5 * 365))
        .build()
}

/// The device a sign-in comes from: `Ok(Some(id))` for a live device of the user's office,
/// `Ok(None)` when none is needed, `Err(())` when one is required and missing or revoked.
pub async fn for_login(
    state: &AppState,
    jar: &CookieJar,
    user: &UserRow,
) -> Result<Result<Option<i64>, ()>, PageError> {
    if !user.role().needs_office() {
        return Ok(Ok(None));
    }
    let device = match jar.get(DEVICE_COOKIE) {
        Some(c) => {
            let mut conn = state.store.acquire().await?;
            devices::by_token(conn.conn(), &auth::hash_token(c.value())).await?
        }
        None => None,
    };
    match device {
        Some(d) if Some(d.office_id) == user.office_id => Ok(Ok(Some(d.id))),
        _ if state.config.offices.require_device => Ok(Err(())),
        _ => Ok(Ok(None)),
    }
}
