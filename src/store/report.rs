//! What the council report counts, read in a few queries that both databases answer alike:
//! counts over time ranges in SQL, and rows small enough to reduce in the service (offices,
//! PCs, logins, one period's lead times and FAX pages). States at a moment come from the
//! audit log: an enrollment is in state S at t when it entered S before t and had not left it.

use chrono::{DateTime, NaiveDate, Utc};

use super::Conn;
use crate::db;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfficeRow {
    pub id: i64,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The last training held on or before the day asked for.
    pub last_training: Option<NaiveDate>,
}

/// Every office, with its last training up to `day`.
pub async fn offices(c: Conn<'_>, day: NaiveDate) -> Result<Vec<OfficeRow>, sqlx::Error> {
    let sql = "SELECT o.id, o.kind, o.created_at, o.closed_at,
            (SELECT MAX(t.held_on) FROM trainings t WHERE t.office_id = o.id AND t.held_on <= $1)
                AS last_training
        FROM offices o ORDER BY o.id";
    db!(c, |c| sqlx::query_as::<_, OfficeRow>(sql)
        .bind(day)
        .fetch_all(&mut *c)
        .await)
}

/// An enrolled PC: its office's kind, and when it was enrolled and revoked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn devices(c: Conn<'_>) -> Result<Vec<DeviceRow>, sqlx::Error> {
    let sql = "SELECT o.kind, d.created_at, d.revoked_at
        FROM devices d JOIN offices o ON o.id = d.office_id ORDER BY d.id";
    db!(c, |c| sqlx::query_as::<_, DeviceRow>(sql)
        .fetch_all(&mut *c)
        .await)
}

/// Logins by role that existed before `end` and are not disabled.
pub async fn logins(c: Conn<'_>, end: DateTime<Utc>) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = "SELECT role, COUNT(*) FROM users
        WHERE created_at < $1 AND NOT disabled GROUP BY role ORDER BY role";
    db!(c, |c| sqlx::query_as::<_, (String, i64)>(sql)
        .bind(end)
        .fetch_all(&mut *c)
        .await)
}

/// Enrollments created in [start, end).
pub async fn created(
    c: Conn<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM enrollments WHERE created_at >= $1 AND created_at < $2";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(start)
        .bind(end)
        .fetch_one(&mut *c)
        .await)
}

/// Enrollments that entered each state in [start, end).
pub async fn entered(
    c: Conn<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = "SELECT to_state, COUNT(*) FROM audit_log
        WHERE target_kind = 'enrollment' AND to_state IS NOT NULL AND at >= $1 AND at < $2
        GROUP BY to_state";
    db!(c, |c| sqlx::query_as::<_, (String, i64)>(sql)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *c)
        .await)
}

/// Enrollments that left each state in [start, end).
pub async fn left(
    c: Conn<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = "SELECT from_state, COUNT(*) FROM audit_log
        WHERE target_kind = 'enrollment' AND from_state IS NOT NULL AND to_state IS NOT NULL
          AND at >= $1 AND at < $2
        GROUP BY from_state";
    db!(c, |c| sqlx::query_as::<_, (String, i64)>(sql)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *c)
        .await)
}

/// How many enrollments were in each state just before `t`: entries minus departures.
pub async fn in_state_at(c: Conn<'_>, t: DateTime<Utc>) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = "SELECT s, CAST(SUM(n) AS BIGINT) FROM (
            SELECT to_state AS s, COUNT(*) AS n FROM audit_log
            WHERE target_kind = 'enrollment' AND to_state IS NOT NULL AND at < $1
            GROUP BY to_state
            UNION ALL
            SELECT from_state AS s, -COUNT(*) AS n FROM audit_log
            WHERE target_kind = 'enrollment' AND from_state IS NOT NULL AND to_state IS NOT NULL
              AND at < $1
            GROUP BY from_state) x
        GROUP BY s";
    db!(c, |c| sqlx::query_as::<_, (String, i64)>(sql)
        .bind(t)
        .fetch_all(&mut *c)
        .await)
}

/// One step of an enrollment towards use, for the lead times.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    pub enrollment_id: i64,
    pub consent_date: Option<NaiveDate>,
    pub to_state: String,
    pub at: DateTime<Utc>,
}

/// Every copy_received, verified and active step (at any time) of the enrollments that took
/// one of them in [start, end), oldest first.
pub async fn steps(
    c: Conn<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<StepRow>, sqlx::Error> {
    let sql = "SELECT a.target_id AS enrollment_id, e.consent_date, a.to_state, a.at
        FROM audit_log a JOIN enrollments e ON e.id = a.target_id
        WHERE a.target_kind = 'enrollment'
          AND a.to_state IN ('copy_received', 'verified', 'active')
          AND a.target_id IN (SELECT target_id FROM audit_log
              WHERE target_kind = 'enrollment'
                AND to_state IN ('copy_received', 'verified', 'active')
                AND at >= $1 AND at < $2)
        ORDER BY a.target_id, a.at, a.id";
    db!(c, |c| sqlx::query_as::<_, StepRow>(sql)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *c)
        .await)
}

/// A received page: when its message came and was read, and what became of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PageRow {
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    pub outcome: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub by_hand: bool,
}

/// FAX messages received in [start, end).
pub async fn messages(
    c: Conn<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM fax_messages WHERE received_at >= $1 AND received_at < $2";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(start)
        .bind(end)
        .fetch_one(&mut *c)
        .await)
}

/// The pages of the messages received in [start, end).
pub async fn pages(
    c: Conn<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<PageRow>, sqlx::Error> {
    let sql = "SELECT m.received_at, m.processed_at, p.outcome, p.resolved_at,
            (p.resolved_by IS NOT NULL) AS by_hand
        FROM fax_messages m
        JOIN fax_documents d ON d.message_id = m.id
        JOIN fax_pages p ON p.document_id = d.id
        WHERE m.received_at >= $1 AND m.received_at < $2
        ORDER BY p.id";
    db!(c, |c| sqlx::query_as::<_, PageRow>(sql)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *c)
        .await)
}

/// Incidents reported in [start, end) by kind, and the state each was in at `end`.
pub async fn incidents(
    c: Conn<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let sql = "SELECT kind, state, COUNT(*) FROM (
            SELECT i.kind, COALESCE((SELECT v.to_state FROM incident_events v
                WHERE v.incident_id = i.id AND v.to_state IS NOT NULL AND v.created_at < $2
                ORDER BY v.id DESC LIMIT 1), 'received') AS state
            FROM incidents i WHERE i.created_at >= $1 AND i.created_at < $2) x
        GROUP BY kind, state";
    db!(c, |c| sqlx::query_as::<_, (String, String, i64)>(sql)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *c)
        .await)
}
