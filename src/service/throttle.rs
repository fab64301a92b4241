//! Sign-in throttling: after `PER_LOGIN` failures for one login id, or `PER_ADDRESS` from one
//! address, within `WINDOW_MINUTES`, sign-in is refused until the window has passed. Counted in
//! the database (so across nodes), under hashes of the login id and the address.

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::error::AppResult;
use crate::store::security::{self, Limit};
use crate::store::Store;

pub const PER_LOGIN: i64 = 5;
pub const PER_ADDRESS: i64 = 30;
pub const WINDOW_MINUTES: i64 = 15;

fn key(kind: &str, value: &str) -> String {
    hex::encode(Sha256::digest(format!("{kind}:{value}").as_bytes()))
}

/// Where a sign-in attempt is counted: under its login and under its address (hashed).
pub struct Counters {
    login: String,
    address: String,
}

impl Counters {
    /// The first characters of the login's hash, for a log line: enough to follow one login's
    /// failures, nothing to read a name from.
    pub fn login_hint(&self) -> &str {
        &self.login[..12]
    }
}

pub fn counters(login: &str, client: &str) -> Counters {
    Counters {
        login: key("login", &login.trim().to_lowercase()),
        address: key("address", client),
    }
}

/// A sign-in attempt, counted as a failure before the password is checked, so forty guesses
/// at once meet the same limit as forty in a row. It stays a failure unless [`succeeded`] or
/// [`not_a_guess`] drops it.
pub struct Attempt {
    mark: String,
}

/// Counts an attempt, or `None` when sign-in is refused for now (a limit reached).
pub async fn begin(store: &Store, k: &Counters) -> AppResult<Option<Attempt>> {
    let (mark, _) = crate::store::auth::new_token();
    let limits = [
        Limit {
            key: &k.login,
            max: PER_LOGIN,
        },
        Limit {
            key: &k.address,
            max: PER_ADDRESS,
        },
    ];
    let mut tx = store.begin().await?;
    let now = tx.conn().now;
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let counted = security::reserve_attempt(tx.conn(), &limits, since, &mark).await?;
    if counted {
        security::forget(tx.conn(), now - Duration::days(1)).await?;
    }
    tx.commit().await?;
    Ok(counted.then_some(Attempt { mark }))
}

/// The right password: the attempt is not a failure, and the login's failures are forgotten.
pub async fn succeeded(store: &Store, k: &Counters, a: Attempt) -> AppResult<()> {
    let mut tx = store.begin().await?;
    security::drop_attempt(tx.conn(), &a.mark).await?;
    security::clear(tx.conn(), &k.login).await?;
    tx.commit().await?;
    Ok(())
}

/// The right password for a suspended or disabled login: not a guess, so not counted.
pub async fn not_a_guess(store: &Store, a: Attempt) -> AppResult<()> {
    let mut c = store.acquire().await?;
    security::drop_attempt(c.conn(), &a.mark).await?;
    Ok(())
}
