//! The one home of `offices.require_device`: office users act only from an enrolled, unrevoked
//! PC of their own office. The web sign-in, the API's token request and every API call ask
//! here, so the rule cannot hold on one door and not on another.
//!
//! A PC proves itself with its device token (the `cf_device` cookie set when it was enrolled
//! with a certificate voucher). An API token remembers the PC it was issued from; each call
//! checks that PC is still live, so revoking a PC ends its tokens as it ends its sessions.
//! Tokens an operator makes on the command line are an operator's act and are left alone.

use crate::config::Config;
use crate::domain::Role;
use crate::error::AppResult;
use crate::store::{auth, devices, Conn, Store};

/// Whether a sign-in (or a token request) may go ahead, and from which PC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceCheck {
    /// The centre and the city, or an office user while the rule is off and no PC is known.
    NotNeeded,
    /// A live PC of the user's office.
    Device(i64),
    /// The rule is on and no live PC of the user's office was shown.
    Refused,
}

/// Checks the PC a sign-in comes from, by its device token (if the browser sent one).
pub async fn for_sign_in(
    store: &Store,
    config: &Config,
    role: Role,
    office_id: Option<i64>,
    device_token: Option<&str>,
) -> AppResult<DeviceCheck> {
    if !role.needs_office() {
        return Ok(DeviceCheck::NotNeeded);
    }
    let device = match device_token {
        Some(t) => {
            let mut c = store.acquire().await?;
            devices::by_token(c.conn(), &auth::hash_token(t)).await?
        }
        None => None,
    };
    Ok(match device {
        Some(d) if Some(d.office_id) == office_id => DeviceCheck::Device(d.id),
        _ if config.offices.require_device => DeviceCheck::Refused,
        _ => DeviceCheck::NotNeeded,
    })
}

/// Whether an API token may be used now by a user of `role` and `office_id`: under the rule,
/// an office user's token must have been issued from a PC of their office that is still live,
/// unless an operator made it.
pub async fn token_allowed(
    c: Conn<'_>,
    config: &Config,
    role: Role,
    office_id: Option<i64>,
    token: &auth::ApiToken,
) -> AppResult<bool> {
    if !config.offices.require_device || !role.needs_office() || token.operator {
        return Ok(true);
    }
    let Some(device) = token.device_id else {
        return Ok(false);
    };
    Ok(devices::get(c, device)
        .await?
        .is_some_and(|d| d.revoked_at.is_none() && Some(d.office_id) == office_id))
}
