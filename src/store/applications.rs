//! ① 事業所登録申請: applications from the public page, and the city's decisions.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::office::NewApplication;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub admin_name: String,
    pub admin_email: String,
    /// pending, approved or rejected
    pub status: String,
    pub reason: Option<String>,
    pub office_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

macro_rules! columns {
    () => {
        "id, kind, name, address, phone, fax, admin_name, admin_email, status, reason, office_id,
         created_at, decided_at"
    };
}

pub async fn insert(
    c: Conn<'_>,
    a: &NewApplication,
    client_key: &str,
) -> Result<Application, sqlx::Error> {
    let now = c.now;
    let o = &a.office;
    let sql = concat!(
        "INSERT INTO office_applications (kind, name, address, phone, fax, admin_name,
            admin_email, status, client_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) RETURNING ",
        columns!()
    );
    db!(c, |c| sqlx::query_as::<_, Application>(sql)
        .bind(o.kind.as_str())
        .bind(&o.name)
        .bind(&o.address)
        .bind(o.phone.as_str())
        .bind(o.fax.as_str())
        .bind(&a.admin_name)
        .bind(o.admin_email.as_str())
        .bind(client_key)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

/// Applications sent from `client_key` since `since` (the rate limit).
pub async fn count_from(
    c: Conn<'_>,
    client_key: &str,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM office_applications WHERE client_key = $1 AND created_at >= $2";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(client_key)
        .bind(since)
        .fetch_one(&mut *c)
        .await)
}

/// A pending application for the same office (name and phone), if any.
pub async fn pending_for(c: Conn<'_>, name: &str, phone: &str) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM office_applications
        WHERE status = 'pending' AND name = $1 AND phone = $2";
    let n = db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(name)
        .bind(phone)
        .fetch_one(&mut *c)
        .await)?;
    Ok(n > 0)
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<Application>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM office_applications WHERE id = $1"
    );
    db!(c, |c| sqlx::query_as::<_, Application>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// Pending applications first (oldest first), then the last decided ones.
pub async fn list(c: Conn<'_>, limit: i64) -> Result<Vec<Application>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM office_applications
        ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END,
          CASE WHEN status = 'pending' THEN created_at END,
          decided_at DESC, id DESC LIMIT $1"
    );
    db!(c, |c| sqlx::query_as::<_, Application>(sql)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}

/// Records the city's decision on a pending application. False when it was decided already
/// (two city staff at once: the first wins).
pub async fn decide(
    c: Conn<'_>,
    id: i64,
    status: &str,
    reason: Option<&str>,
    office_id: Option<i64>,
    by: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE office_applications SET status = $2, reason = $3, office_id = $4,
        decided_at = $5, decided_by = $6 WHERE id = $1 AND status = 'pending'";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(status)
        .bind(reason)
        .bind(office_id)
        .bind(now)
        .bind(by)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
