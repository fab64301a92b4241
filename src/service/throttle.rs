//! Sign-in throttling: after `PER_LOGIN` failures for one login id, or `PER_ADDRESS` from one
//! address, within `WINDOW_MINUTES`, sign-in is refused until the window has passed. Counted in
//! the database (so across nodes), under hashes of the login id and the address.

use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};

use crate::error::AppResult;
use crate::store::{security, Store};

pub const PER_LOGIN: i64 = 5;
pub const PER_ADDRESS: i64 = 30;
pub const WINDOW_MINUTES: i64 = 15;

fn key(kind: &str, value: &str) -> String {
    hex::encode(Sha256::digest(format!("{kind}:{value}").as_bytes()))
}

pub struct Keys {
    login: String,
    address: String,
}

pub fn keys(login: &str, client: &str) -> Keys {
    Keys {
        login: key("login", &login.trim().to_lowercase()),
        address: key("address", client),
    }
}

/// Whether sign-in is refused for now.
pub async fn blocked(store: &Store, k: &Keys) -> AppResult<bool> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let mut c = store.acquire().await?;
    Ok(
        security::failures_since(c.conn(), &k.login, since).await? >= PER_LOGIN
            || security::failures_since(c.conn(), &k.address, since).await? >= PER_ADDRESS,
    )
}

pub async fn failed(store: &Store, k: &Keys) -> AppResult<()> {
    let mut c = store.acquire().await?;
    let forget = Utc::now() - Duration::days(1);
    security::record_failure(c.conn(), &[k.login.clone(), k.address.clone()], forget).await?;
    Ok(())
}

pub async fn succeeded(store: &Store, k: &Keys) -> AppResult<()> {
    let mut c = store.acquire().await?;
    security::clear(c.conn(), &k.login).await?;
    Ok(())
}
