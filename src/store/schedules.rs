//! Schedule firings: one row per (schedule, slot), so each fires once across nodes.

use chrono::{DateTime, Utc};

use super::Conn;
use crate::db;

/// Claims `slot` of schedule `name`. True for the one node that gets it.
pub async fn claim(c: Conn<'_>, name: &str, slot: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO schedule_firings (name, slot, claimed_at, runs)
        VALUES ($1, $2, $3, 0) ON CONFLICT (name, slot) DO NOTHING";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(name)
        .bind(slot)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records that the work of a claimed slot ran.
pub async fn finished(c: Conn<'_>, name: &str, slot: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE schedule_firings SET runs = runs + 1, finished_at = $3
        WHERE name = $1 AND slot = $2";
    db!(c, |c| sqlx::query(sql)
        .bind(name)
        .bind(slot)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// How far the run of `name` for `slot` got before it was stopped (the last enrollment id whose
/// reminders were written), if it was.
pub async fn progress(
    c: Conn<'_>,
    name: &str,
    slot: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = "SELECT progress FROM schedule_firings WHERE name = $1 AND slot = $2";
    let row = db!(c, |c| sqlx::query_scalar::<_, Option<i64>>(sql)
        .bind(name)
        .bind(slot)
        .fetch_optional(&mut *c)
        .await)?;
    Ok(row.flatten())
}

/// Records how far the run got (in the transaction that wrote that batch's e-mails).
pub async fn set_progress(
    c: Conn<'_>,
    name: &str,
    slot: DateTime<Utc>,
    last: i64,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE schedule_firings SET progress = $3 WHERE name = $1 AND slot = $2";
    db!(c, |c| sqlx::query(sql)
        .bind(name)
        .bind(slot)
        .bind(last)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// The latest slot of `name` that was claimed, if any.
pub async fn last(c: Conn<'_>, name: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let sql = "SELECT MAX(slot) FROM schedule_firings WHERE name = $1";
    db!(c, |c| sqlx::query_scalar::<_, Option<DateTime<Utc>>>(sql)
        .bind(name)
        .fetch_one(&mut *c)
        .await)
}
