//! ③ Devices (one per PC), the vouchers that enrol them, and requests for more (追加発行).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Device {
    pub id: i64,
    pub office_id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Clone, sqlx::FromRow)]
pub struct Voucher {
    pub id: i64,
    pub office_id: i64,
    /// initial or additional
    pub kind: String,
    pub request_id: Option<i64>,
    pub password_hash: String,
    pub expires_at: DateTime<Utc>,
    pub failed_attempts: i64,
    pub redeemed_at: Option<DateTime<Utc>>,
}

// The password hash stays out of logs.
impl std::fmt::Debug for Voucher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voucher")
            .field("id", &self.id)
            .field("office_id", &self.office_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeviceRequest {
    pub id: i64,
    pub office_id: i64,
    pub office_name: String,
    pub label: String,
    /// pending, approved or rejected
    pub status: String,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub struct NewVoucher<'a> {
    pub office_id: i64,
    pub kind: &'a str,
    pub request_id: Option<i64>,
    pub number_hash: &'a str,
    pub password_hash: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_voucher(c: Conn<'_>, v: &NewVoucher<'_>) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO vouchers (office_id, kind, request_id, number_hash, password_hash,
            expires_at, failed_attempts, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, 0, $7) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(v.office_id)
        .bind(v.kind)
        .bind(v.request_id)
        .bind(v.number_hash)
        .bind(v.password_hash)
        .bind(v.expires_at)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn voucher_by_number(
    c: Conn<'_>,
    number_hash: &str,
) -> Result<Option<Voucher>, sqlx::Error> {
    let sql = "SELECT id, office_id, kind, request_id, password_hash, expires_at, failed_attempts,
            redeemed_at
        FROM vouchers WHERE number_hash = $1";
    db!(c, |c| sqlx::query_as::<_, Voucher>(sql)
        .bind(number_hash)
        .fetch_optional(&mut *c)
        .await)
}

/// Counts an attempt on a voucher before its password is checked, in one statement, so
/// concurrent guesses meet the same limit as guesses in a row. False when `max` attempts were
/// counted already (locked).
pub async fn count_attempt(c: Conn<'_>, id: i64, max: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE vouchers SET failed_attempts = failed_attempts + 1
        WHERE id = $1 AND failed_attempts < $2";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(max)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Takes back an attempt counted by [`count_attempt`]: the password was right.
pub async fn uncount_attempt(c: Conn<'_>, id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE vouchers SET failed_attempts = failed_attempts - 1
        WHERE id = $1 AND failed_attempts > 0";
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// Marks the voucher used by `device`. False when someone redeemed it in the meantime.
pub async fn redeem(c: Conn<'_>, id: i64, device: i64) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE vouchers SET redeemed_at = $2, device_id = $3
        WHERE id = $1 AND redeemed_at IS NULL";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(now)
        .bind(device)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Vouchers of an office not yet used (for the city's view: issued, expires).
pub async fn open_vouchers(
    c: Conn<'_>,
    office: i64,
) -> Result<Vec<(String, DateTime<Utc>)>, sqlx::Error> {
    let sql = "SELECT kind, expires_at FROM vouchers WHERE office_id = $1 AND redeemed_at IS NULL
        ORDER BY id";
    db!(c, |c| sqlx::query_as::<_, (String, DateTime<Utc>)>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

pub async fn insert_device(
    c: Conn<'_>,
    office: i64,
    label: &str,
    token_hash: &str,
) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO devices (office_id, label, token_hash, created_at)
        VALUES ($1, $2, $3, $4) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(office)
        .bind(label)
        .bind(token_hash)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

/// The live (unrevoked) device a token belongs to.
pub async fn by_token(c: Conn<'_>, token_hash: &str) -> Result<Option<Device>, sqlx::Error> {
    let sql = "SELECT id, office_id, label, created_at, revoked_at FROM devices
        WHERE token_hash = $1 AND revoked_at IS NULL";
    db!(c, |c| sqlx::query_as::<_, Device>(sql)
        .bind(token_hash)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<Device>, sqlx::Error> {
    let sql = "SELECT id, office_id, label, created_at, revoked_at FROM devices WHERE id = $1";
    db!(c, |c| sqlx::query_as::<_, Device>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn of_office(c: Conn<'_>, office: i64) -> Result<Vec<Device>, sqlx::Error> {
    let sql = "SELECT id, office_id, label, created_at, revoked_at FROM devices
        WHERE office_id = $1 ORDER BY id";
    db!(c, |c| sqlx::query_as::<_, Device>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// Revokes a device and ends the sessions opened on it and the API tokens issued from it. False when it was revoked already.
pub async fn revoke(c: Conn<'_>, id: i64, by: Option<i64>) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let n = db!(c, |c| {
        let n = sqlx::query(
            "UPDATE devices SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .bind(by)
        .execute(&mut *c)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM sessions WHERE device_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        sqlx::query("UPDATE api_tokens SET revoked = TRUE WHERE device_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok::<_, sqlx::Error>(n)
    })?;
    Ok(n == 1)
}

pub async fn insert_request(
    c: Conn<'_>,
    office: i64,
    label: &str,
    by: i64,
) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO device_requests (office_id, label, requested_by, status, created_at)
        VALUES ($1, $2, $3, 'pending', $4) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(office)
        .bind(label)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

macro_rules! request_columns {
    () => {
        "SELECT r.id, r.office_id, o.name AS office_name, r.label, r.status, r.reason, r.created_at
         FROM device_requests r JOIN offices o ON o.id = r.office_id"
    };
}

pub async fn request(c: Conn<'_>, id: i64) -> Result<Option<DeviceRequest>, sqlx::Error> {
    let sql = concat!(request_columns!(), " WHERE r.id = $1");
    db!(c, |c| sqlx::query_as::<_, DeviceRequest>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// Requests, pending first; one office's with `office`.
pub async fn requests(
    c: Conn<'_>,
    office: Option<i64>,
    limit: i64,
) -> Result<Vec<DeviceRequest>, sqlx::Error> {
    let sql = concat!(
        request_columns!(),
        " WHERE ($1 IS NULL OR r.office_id = $1)
        ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END, r.id DESC LIMIT $2"
    );
    db!(c, |c| sqlx::query_as::<_, DeviceRequest>(sql)
        .bind(office)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}

/// The city's decision on a pending request. False when decided already.
pub async fn decide_request(
    c: Conn<'_>,
    id: i64,
    status: &str,
    reason: Option<&str>,
    by: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql =
        "UPDATE device_requests SET status = $2, reason = $3, decided_at = $4, decided_by = $5
        WHERE id = $1 AND status = 'pending'";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(status)
        .bind(reason)
        .bind(now)
        .bind(by)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Unused vouchers expiring within (now, until]: (voucher, office).
pub async fn expiring(
    c: Conn<'_>,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(i64, i64, DateTime<Utc>)>, sqlx::Error> {
    let sql = "SELECT id, office_id, expires_at FROM vouchers
        WHERE redeemed_at IS NULL AND expires_at > $1 AND expires_at <= $2
          AND office_id NOT IN (SELECT id FROM offices WHERE closed_at IS NOT NULL)
        ORDER BY id";
    db!(c, |c| sqlx::query_as::<_, (i64, i64, DateTime<Utc>)>(sql)
        .bind(now)
        .bind(until)
        .fetch_all(&mut *c)
        .await)
}
