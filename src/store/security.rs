//! Failed sign-ins (for throttling) and the log of who read which person's data.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;

/// One key's limit: at most `max` failures since `since`.
pub struct Limit<'a> {
    pub key: &'a str,
    pub max: i64,
}

/// Counts an attempt under every key before its password is checked, as one step: the keys
/// are locked (PostgreSQL: an advisory lock per key; SQLite: the write lock the transaction
/// holds), the failures since `since` counted, and, when every key is under its limit, a row
/// marked `attempt` added under each. False (and nothing added) when a key is at its limit.
/// Call inside a write transaction.
pub async fn reserve_attempt(
    mut c: Conn<'_>,
    limits: &[Limit<'_>],
    since: DateTime<Utc>,
    attempt: &str,
) -> Result<bool, sqlx::Error> {
    if let super::Db::Postgres(pg) = &mut c.db {
        let mut keys: Vec<&str> = limits.iter().map(|l| l.key).collect();
        keys.sort_unstable();
        for k in keys {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(k)
                .execute(&mut **pg)
                .await?;
        }
    }
    for l in limits {
        let sql = "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2";
        let n = db!(c.reborrow(), |c| sqlx::query_scalar::<_, i64>(sql)
            .bind(l.key)
            .bind(since)
            .fetch_one(&mut *c)
            .await)?;
        if n >= l.max {
            return Ok(false);
        }
    }
    let now = c.now;
    for l in limits {
        let sql = "INSERT INTO login_failures (key, at, attempt) VALUES ($1, $2, $3)";
        db!(c.reborrow(), |c| sqlx::query(sql)
            .bind(l.key)
            .bind(now)
            .bind(attempt)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
    }
    Ok(true)
}

/// Drops an attempt's rows (it succeeded, or failed for another reason than the password).
pub async fn drop_attempt(c: Conn<'_>, attempt: &str) -> Result<(), sqlx::Error> {
    db!(c, |c| sqlx::query(
        "DELETE FROM login_failures WHERE attempt = $1"
    )
    .bind(attempt)
    .execute(&mut *c)
    .await
    .map(|_| ()))
}

/// Forgets failures older than `before`.
pub async fn forget(c: Conn<'_>, before: DateTime<Utc>) -> Result<(), sqlx::Error> {
    db!(c, |c| sqlx::query(
        "DELETE FROM login_failures WHERE at < $1"
    )
    .bind(before)
    .execute(&mut *c)
    .await
    .map(|_| ()))
}

/// A successful sign-in clears the login's failures (not the address's).
pub async fn clear(c: Conn<'_>, key: &str) -> Result<(), sqlx::Error> {
    db!(c, |c| sqlx::query(
        "DELETE FROM login_failures WHERE key = $1"
    )
    .bind(key)
    .execute(&mut *c)
    .await
    .map(|_| ()))
}

pub struct Read<'a> {
    pub user_id: Option<i64>,
    pub role: &'a str,
    pub what: &'a str,
    pub target: (&'a str, i64),
}

pub async fn record_read(c: Conn<'_>, r: &Read<'_>) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO data_reads (at, user_id, role, what, target_kind, target_id)
        VALUES ($1, $2, $3, $4, $5, $6)";
    db!(c, |c| sqlx::query(sql)
        .bind(now)
        .bind(r.user_id)
        .bind(r.role)
        .bind(r.what)
        .bind(r.target.0)
        .bind(r.target.1)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// A read as the city's screen shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReadRow {
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub login: Option<String>,
    pub user_name: Option<String>,
    pub role: String,
    pub what: String,
    pub target_kind: String,
    pub target_id: i64,
}

/// The reads of one target, or by one user, newest first.
pub async fn reads(
    c: Conn<'_>,
    target: Option<(&str, i64)>,
    user: Option<i64>,
    limit: i64,
) -> Result<Vec<ReadRow>, sqlx::Error> {
    let sql = "SELECT r.at, r.user_id, u.login, u.name AS user_name, r.role, r.what, r.target_kind,
            r.target_id
        FROM data_reads r LEFT JOIN users u ON u.id = r.user_id
        WHERE ($1 IS NULL OR (r.target_kind = $1 AND r.target_id = $2))
          AND ($3 IS NULL OR r.user_id = $3)
        ORDER BY r.at DESC, r.id DESC LIMIT $4";
    db!(c, |c| sqlx::query_as::<_, ReadRow>(sql)
        .bind(target.map(|t| t.0))
        .bind(target.map(|t| t.1))
        .bind(user)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}
