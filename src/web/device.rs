//! The device cookie: a PC enrolled with a certificate voucher carries its token, and office
//! users sign in only from such a PC of their own office when `offices.require_device` is on.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::PageError;
use crate::app::AppState;
use crate::service::device_rule::{self, DeviceCheck};
use crate::store::users::UserRow;

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
/// The rule itself lives in `service::device_rule`, which the API asks too.
pub async fn for_login(
    state: &AppState,
    jar: &CookieJar,
    user: &UserRow,
) -> Result<Result<Option<i64>, ()>, PageError> {
    let pc = jar.get(DEVICE_COOKIE).map(|c| c.value());
    let check =
        device_rule::for_sign_in(&state.store, &state.config, user.role(), user.office_id, pc)
            .await?;
    Ok(match check {
        DeviceCheck::Device(id) => Ok(Some(id)),
        DeviceCheck::NotNeeded => Ok(None),
        DeviceCheck::Refused => Err(()),
    })
}
