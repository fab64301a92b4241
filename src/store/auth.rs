//! Sessions, API tokens and one-time login links. Only SHA-256 hashes of the random values are
//! stored, so a copy of the database lets nobody sign in.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Conn;
use crate::db;

/// A fresh random token (32 bytes, hex) and its hash for storage.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn create_session(
    c: Conn<'_>,
    id_hash: &str,
    user_id: i64,
    csrf: &str,
    expires_at: DateTime<Utc>,
    device: Option<i64>,
) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql =
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, device_id)
               VALUES ($1, $2, $3, $4, $5, $6)";
    db!(c, |c| sqlx::query(sql)
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .bind(device)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A session with its user, in one round trip (every page asks this first).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub name: String,
    pub role: String,
    pub office_id: Option<i64>,
    pub suspended: bool,
    pub disabled: bool,
    pub must_change_password: bool,
}

pub async fn session_user(c: Conn<'_>, id_hash: &str) -> Result<Option<SessionUser>, sqlx::Error> {
    let sql = "SELECT s.user_id, s.csrf_token, s.expires_at, u.name, u.role, u.office_id,
            u.suspended, u.disabled, u.must_change_password
        FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1";
    db!(c, |c| sqlx::query_as::<_, SessionUser>(sql)
        .bind(id_hash)
        .fetch_optional(&mut *c)
        .await)
}

/// Ends every session of a user but `keep` (the one changing its password), and revokes every
/// API token of theirs: after a password change, a disable or a suspension nothing opened
/// before still works, and lifting a suspension brings none of it back. Returns the sessions
/// ended and the tokens revoked.
pub async fn end_access(
    mut c: Conn<'_>,
    user_id: i64,
    keep: Option<&str>,
) -> Result<(u64, u64), sqlx::Error> {
    let sessions = db!(c.reborrow(), |c| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)"
    )
    .bind(user_id)
    .bind(keep)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    let tokens = db!(c, |c| sqlx::query(
        "UPDATE api_tokens SET revoked = TRUE WHERE user_id = $1 AND revoked = FALSE"
    )
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok((sessions, tokens))
}

/// One of a user's own sessions, as their account page lists it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SessionRow {
    /// The stored hash: names the session without being usable to sign in.
    pub id_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub device_id: Option<i64>,
}

pub async fn sessions_of(c: Conn<'_>, user_id: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    let now = c.now;
    let sql = "SELECT id_hash, created_at, expires_at, device_id FROM sessions
        WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC";
    db!(c, |c| sqlx::query_as::<_, SessionRow>(sql)
        .bind(user_id)
        .bind(now)
        .fetch_all(&mut *c)
        .await)
}

/// Ends one of a user's sessions. False when it is not theirs (or gone).
pub async fn end_session_of(c: Conn<'_>, user_id: i64, id_hash: &str) -> Result<bool, sqlx::Error> {
    let n = db!(c, |c| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2"
    )
    .bind(user_id)
    .bind(id_hash)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// One of a user's live API tokens (never the token itself: only its hash is kept).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TokenRow {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    /// The enrolled PC it was issued from, if any.
    pub device_id: Option<i64>,
    /// Made by an operator on the command line.
    pub operator: bool,
}

pub async fn tokens_of(c: Conn<'_>, user_id: i64) -> Result<Vec<TokenRow>, sqlx::Error> {
    let sql = "SELECT id, label, created_at, device_id, operator FROM api_tokens
        WHERE user_id = $1 AND revoked = FALSE ORDER BY id DESC";
    db!(c, |c| sqlx::query_as::<_, TokenRow>(sql)
        .bind(user_id)
        .fetch_all(&mut *c)
        .await)
}

/// Revokes one of a user's tokens. False when it is not theirs (or already revoked).
pub async fn revoke_token_of(c: Conn<'_>, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let n = db!(c, |c| {
        sqlx::query(
        "UPDATE api_tokens SET revoked = TRUE WHERE id = $1 AND user_id = $2 AND revoked = FALSE"
    )
    .bind(id)
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn delete_session(c: Conn<'_>, id_hash: &str) -> Result<(), sqlx::Error> {
    db!(c, |c| sqlx::query(
        "DELETE FROM sessions WHERE id_hash = $1"
    )
    .bind(id_hash)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A new API token: who, what for, the PC it was issued from, and whether an operator made it.
pub struct NewApiToken<'a> {
    pub hash: &'a str,
    pub user_id: i64,
    pub label: &'a str,
    pub device_id: Option<i64>,
    pub operator: bool,
}

pub async fn create_api_token(c: Conn<'_>, t: &NewApiToken<'_>) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO api_tokens (token_hash, user_id, label, created_at, revoked, device_id,
            operator)
               VALUES ($1, $2, $3, $4, FALSE, $5, $6)";
    db!(c, |c| sqlx::query(sql)
        .bind(t.hash)
        .bind(t.user_id)
        .bind(t.label)
        .bind(now)
        .bind(t.device_id)
        .bind(t.operator)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A live (not revoked) API token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiToken {
    pub user_id: i64,
    pub device_id: Option<i64>,
    pub operator: bool,
}

/// The live (not revoked) API token with this hash, and its user: one query, as every API
/// request asks it.
pub async fn api_token(
    c: Conn<'_>,
    hash: &str,
) -> Result<Option<(ApiToken, super::users::UserRow)>, sqlx::Error> {
    let sql = concat!(
        "SELECT t.device_id AS token_device_id, t.operator AS token_operator, ",
        super::users::user_columns!(),
        " FROM (SELECT user_id, device_id, operator FROM api_tokens
           WHERE token_hash = $1 AND revoked = FALSE) t
         JOIN users ON users.id = t.user_id"
    );
    let row = db!(c, |c| sqlx::query_as::<_, TokenUser>(sql)
        .bind(hash)
        .fetch_optional(&mut *c)
        .await)?;
    Ok(row.map(|r| {
        let token = ApiToken {
            user_id: r.user.id,
            device_id: r.token_device_id,
            operator: r.token_operator,
        };
        (token, r.user)
    }))
}

#[derive(sqlx::FromRow)]
struct TokenUser {
    token_device_id: Option<i64>,
    token_operator: bool,
    #[sqlx(flatten)]
    user: super::users::UserRow,
}

pub async fn create_login_link(
    c: Conn<'_>,
    hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO login_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)";
    db!(c, |c| sqlx::query(sql)
        .bind(hash)
        .bind(user_id)
        .bind(expires_at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The user of an unused, unexpired login link.
pub async fn login_link_user(c: Conn<'_>, hash: &str) -> Result<Option<i64>, sqlx::Error> {
    let now = c.now;
    let sql = "SELECT user_id FROM login_links
               WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(hash)
        .bind(now)
        .fetch_optional(&mut *c)
        .await)
}

/// Marks the link used. False if it was already used (a race between two tabs).
pub async fn use_login_link(c: Conn<'_>, hash: &str) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE login_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL";
    let r = db!(c, |c| sqlx::query(sql)
        .bind(now)
        .bind(hash)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(r == 1)
}
