//! What waits for someone, counted with its oldest: the home page's 要対応 lists.

use chrono::{DateTime, Utc};

use super::Conn;
use crate::db;

/// How many wait in one place, and since when the oldest has.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Waiting {
    pub what: String,
    pub count: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// An office's enrollments waiting for it (by state): to print, to send, returned, to register.
pub async fn office_enrollments(c: Conn<'_>, office: i64) -> Result<Vec<Waiting>, sqlx::Error> {
    let sql = "SELECT state AS what, COUNT(*) AS count, MIN(updated_at) AS oldest
        FROM enrollments WHERE obtainer_office_id = $1
          AND state IN ('draft', 'form_issued', 'consent_signed', 'returned', 'verified')
        GROUP BY state";
    db!(c, |c| sqlx::query_as::<_, Waiting>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// How far the centre's counts go: beyond it the home page says 「1000件以上」 (#23: counting
/// every waiting enrollment of a city on each view cost 100 ms at 1,000,000).
pub const COUNT_CAP: i64 = 1000;

/// Enrollments waiting for the centre (by state): copies to verify, teams to activate. Each
/// count stops at `COUNT_CAP`; the oldest is one index lookup.
pub async fn centre_enrollments(c: Conn<'_>) -> Result<Vec<Waiting>, sqlx::Error> {
    let sql = "SELECT what, count, oldest FROM (
          SELECT 'copy_received' AS what,
              (SELECT COUNT(*) FROM (SELECT 1 FROM enrollments WHERE state = 'copy_received'
                  LIMIT 1000) x) AS count,
              (SELECT MIN(updated_at) FROM enrollments WHERE state = 'copy_received') AS oldest
          UNION ALL
          SELECT 'team_registered',
              (SELECT COUNT(*) FROM (SELECT 1 FROM enrollments WHERE state = 'team_registered'
                  LIMIT 1000) y),
              (SELECT MIN(updated_at) FROM enrollments WHERE state = 'team_registered')
        ) w WHERE count > 0";
    db!(c, |c| sqlx::query_as::<_, Waiting>(sql)
        .fetch_all(&mut *c)
        .await)
}

/// One count with its oldest, for `sql` of the shape `SELECT 'what', COUNT(*), MIN(…) …`
/// with `$1` bound to `id`, or with no parameter.
async fn one(c: Conn<'_>, sql: &'static str, id: Option<i64>) -> Result<Waiting, sqlx::Error> {
    db!(c, |c| {
        let q = sqlx::query_as::<_, Waiting>(sql);
        match id {
            Some(id) => q.bind(id).fetch_one(&mut *c).await,
            None => q.fetch_one(&mut *c).await,
        }
    })
}

/// FAX pages no code matched: the centre's to reconcile.
pub async fn pages_to_reconcile(c: Conn<'_>) -> Result<Waiting, sqlx::Error> {
    let sql = "SELECT 'pages' AS what, COUNT(*) AS count, MIN(created_at) AS oldest
        FROM fax_pages WHERE outcome IN ('unreadable', 'invalid')";
    one(c, sql, None).await
}

/// Applications from the public page the city has not decided.
pub async fn applications(c: Conn<'_>) -> Result<Waiting, sqlx::Error> {
    let sql = "SELECT 'applications' AS what, COUNT(*) AS count, MIN(created_at) AS oldest
        FROM office_applications WHERE status = 'pending'";
    one(c, sql, None).await
}

/// 報告義務 reports not yet 完了 (of one office, or all for the city).
pub async fn incidents(c: Conn<'_>, office: Option<i64>) -> Result<Waiting, sqlx::Error> {
    let sql = "SELECT 'incidents' AS what, COUNT(*) AS count, MIN(created_at) AS oldest
        FROM incidents WHERE state <> 'done' AND ($1 IS NULL OR office_id = $1)";
    db!(c, |c| sqlx::query_as::<_, Waiting>(sql)
        .bind(office)
        .fetch_one(&mut *c)
        .await)
}

/// Requests for another PC not yet decided (of one office, or all for the city).
pub async fn device_requests(c: Conn<'_>, office: Option<i64>) -> Result<Waiting, sqlx::Error> {
    match office {
        Some(_) => {
            let sql =
                "SELECT 'device_requests' AS what, COUNT(*) AS count, MIN(created_at) AS oldest
                FROM device_requests WHERE status = 'pending' AND office_id = $1";
            one(c, sql, office).await
        }
        None => {
            let sql =
                "SELECT 'device_requests' AS what, COUNT(*) AS count, MIN(created_at) AS oldest
                FROM device_requests WHERE status = 'pending'";
            one(c, sql, None).await
        }
    }
}

/// An office's staff who have not replaced their first password (not yet signed in).
pub async fn first_logins(c: Conn<'_>, office: i64) -> Result<Waiting, sqlx::Error> {
    let sql = "SELECT 'first_logins' AS what, COUNT(*) AS count, MIN(created_at) AS oldest
        FROM users WHERE office_id = $1 AND must_change_password AND NOT disabled";
    one(c, sql, Some(office)).await
}

/// Handover requests waiting for an answer: new obtainers asked of an office (any office user
/// answers), transfers into it (its administrator), closures (the city, `None`).
pub async fn handovers(
    c: Conn<'_>,
    office: Option<i64>,
    admin: bool,
) -> Result<Waiting, sqlx::Error> {
    let sql = "SELECT 'handovers' AS what, COUNT(*) AS count, MIN(asked_at) AS oldest FROM (
            SELECT asked_at FROM obtainer_changes WHERE state = 'open' AND to_office_id = $1
            UNION ALL
            SELECT asked_at FROM staff_transfers WHERE state = 'open' AND to_office_id = $1 AND $2
            UNION ALL
            SELECT asked_at FROM office_closures WHERE state = 'open' AND $1 IS NULL
        ) w";
    db!(c, |c| sqlx::query_as::<_, Waiting>(sql)
        .bind(office)
        .bind(admin)
        .fetch_one(&mut *c)
        .await)
}
