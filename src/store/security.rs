//! Failed sign-ins (for throttling) and the log of who read which person's data.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;

pub async fn failures_since(
    c: Conn<'_>,
    key: &str,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(key)
        .bind(since)
        .fetch_one(&mut *c)
        .await)
}

/// Records a failure under each key, and forgets failures older than `forget_before`.
pub async fn record_failure(
    c: Conn<'_>,
    keys: &[String],
    forget_before: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    db!(c, |c| {
        for k in keys {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(k)
                .bind(Utc::now())
                .execute(&mut *c)
                .await?;
        }
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(forget_before)
            .execute(&mut *c)
            .await
            .map(|_| ())
    })
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
    let sql = "INSERT INTO data_reads (at, user_id, role, what, target_kind, target_id)
        VALUES ($1, $2, $3, $4, $5, $6)";
    db!(c, |c| sqlx::query(sql)
        .bind(Utc::now())
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
