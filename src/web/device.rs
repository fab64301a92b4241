//! The device cookie: a PC enrolled with a certificate voucher carries its token, and office
//! users sign in only from such a PC of their own office when `offices.require_device` is on.

use axum_extra::extract::cookie::CookieJar;

use super::PageError;
use crate::http::AppState;
use crate::service::device_rule::{self, DeviceCheck};
use crate::store::users::UserRow;

use crate::http::session::DEVICE_COOKIE;

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
