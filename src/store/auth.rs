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
    let sql =
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, device_id)
               VALUES ($1, $2, $3, $4, $5, $6)";
    db!(c, |c| sqlx::query(sql)
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(Utc::now())
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

/// Ends every session of a user (suspension): their next request finds none.
pub async fn delete_sessions_of(c: Conn<'_>, user_id: i64) -> Result<u64, sqlx::Error> {
    db!(c, |c| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))
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
    let sql = "INSERT INTO api_tokens (token_hash, user_id, label, created_at, revoked, device_id,
            operator)
               VALUES ($1, $2, $3, $4, FALSE, $5, $6)";
    db!(c, |c| sqlx::query(sql)
        .bind(t.hash)
        .bind(t.user_id)
        .bind(t.label)
        .bind(Utc::now())
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

/// The live (not revoked) API token with this hash.
pub async fn api_token(c: Conn<'_>, hash: &str) -> Result<Option<ApiToken>, sqlx::Error> {
    let sql = "SELECT user_id, device_id, operator FROM api_tokens
        WHERE token_hash = $1 AND revoked = FALSE";
    db!(c, |c| sqlx::query_as::<_, ApiToken>(sql)
        .bind(hash)
        .fetch_optional(&mut *c)
        .await)
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
    let sql = "SELECT user_id FROM login_links
               WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(hash)
        .bind(Utc::now())
        .fetch_optional(&mut *c)
        .await)
}

/// Marks the link used. False if it was already used (a race between two tabs).
pub async fn use_login_link(c: Conn<'_>, hash: &str) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE login_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL";
    let r = db!(c, |c| sqlx::query(sql)
        .bind(Utc::now())
        .bind(hash)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(r == 1)
}
