//! 報告義務 (#21): the reports and every step of their handling.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::incident::NewIncident;
use crate::domain::status::{IncidentKind, IncidentState};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Incident {
    pub id: i64,
    /// The reporter's office (absent for the centre's and the city's own reports).
    pub office_id: Option<i64>,
    pub office_name: Option<String>,
    pub reporter_id: i64,
    pub reporter_name: String,
    #[sqlx(try_from = "String")]
    pub kind: IncidentKind,
    pub occurred_at: DateTime<Utc>,
    pub what: String,
    pub done_so_far: String,
    /// The devices or logins involved, as the reporter named them.
    pub involved: String,
    #[sqlx(try_from = "String")]
    pub state: IncidentState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! select {
    () => {
        "SELECT i.id, i.office_id, o.name AS office_name, i.reporter_id,
            u.name AS reporter_name, i.kind, i.occurred_at, i.what, i.done_so_far, i.involved,
            i.state, i.created_at, i.updated_at
        FROM incidents i JOIN users u ON u.id = i.reporter_id
        LEFT JOIN offices o ON o.id = i.office_id "
    };
}

pub async fn insert(
    c: Conn<'_>,
    office_id: Option<i64>,
    reporter_id: i64,
    n: &NewIncident,
) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO incidents (office_id, reporter_id, kind, occurred_at, what,
            done_so_far, involved, state, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $8) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(office_id)
        .bind(reporter_id)
        .bind(n.kind.as_str())
        .bind(n.occurred_at)
        .bind(&n.what)
        .bind(&n.done_so_far)
        .bind(&n.involved)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<Incident>, sqlx::Error> {
    let sql = concat!(select!(), "WHERE i.id = $1");
    db!(c, |c| sqlx::query_as::<_, Incident>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// Whose reports a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// The city: every report.
    All,
    /// An office administrator: their office's.
    Office(i64),
    /// Anyone else: their own.
    Reporter(i64),
}

/// Reports, newest first; `open` only those not 完了.
pub async fn list(
    c: Conn<'_>,
    scope: Scope,
    open: bool,
    limit: i64,
) -> Result<Vec<Incident>, sqlx::Error> {
    let (office, reporter) = match scope {
        Scope::All => (None, None),
        Scope::Office(o) => (Some(o), None),
        Scope::Reporter(r) => (None, Some(r)),
    };
    let sql = concat!(
        select!(),
        "WHERE ($1 IS NULL OR i.office_id = $1) AND ($2 IS NULL OR i.reporter_id = $2)
           AND (NOT $3 OR i.state <> 'done')
         ORDER BY i.created_at DESC, i.id DESC LIMIT $4"
    );
    db!(c, |c| sqlx::query_as::<_, Incident>(sql)
        .bind(office)
        .bind(reporter)
        .bind(open)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}

/// Moves a report to `to` if it is still `from` (false when someone moved it meanwhile).
pub async fn set_state(
    c: Conn<'_>,
    id: i64,
    from: IncidentState,
    to: IncidentState,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE incidents SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2";
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected() == 1))
}

/// One step of a report's handling.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct IncidentEvent {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub note: String,
    /// suspend_user or revoke_device, taken from the report.
    pub action: Option<String>,
    pub target_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// What a new step records.
#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    pub actor_id: Option<i64>,
    pub from_state: Option<IncidentState>,
    pub to_state: Option<IncidentState>,
    pub note: &'a str,
    pub action: Option<&'a str>,
    pub target_id: Option<i64>,
}

pub async fn add_event(c: Conn<'_>, incident: i64, e: &NewEvent<'_>) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO incident_events (incident_id, actor_id, from_state, to_state, note,
            action, target_id, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    db!(c, |c| sqlx::query(sql)
        .bind(incident)
        .bind(e.actor_id)
        .bind(e.from_state.map(|s| s.as_str()))
        .bind(e.to_state.map(|s| s.as_str()))
        .bind(e.note)
        .bind(e.action)
        .bind(e.target_id)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

pub async fn events(c: Conn<'_>, incident: i64) -> Result<Vec<IncidentEvent>, sqlx::Error> {
    let sql = "SELECT e.id, e.actor_id, u.name AS actor_name, e.from_state, e.to_state, e.note,
            e.action, e.target_id, e.created_at
        FROM incident_events e LEFT JOIN users u ON u.id = e.actor_id
        WHERE e.incident_id = $1 ORDER BY e.id";
    db!(c, |c| sqlx::query_as::<_, IncidentEvent>(sql)
        .bind(incident)
        .fetch_all(&mut *c)
        .await)
}

/// Office administrators of `office` with an address, and the office's own administrator
/// address: who is told of a report from the office.
pub async fn office_addresses(
    c: Conn<'_>,
    office: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = "SELECT email, name FROM users WHERE role = 'office_admin' AND office_id = $1
            AND email IS NOT NULL AND NOT suspended AND NOT disabled
        UNION SELECT admin_email, admin_name FROM offices WHERE id = $1 AND admin_email <> ''
        ORDER BY 1";
    db!(c, |c| sqlx::query_as::<_, (String, String)>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}
