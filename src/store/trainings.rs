//! Security trainings recorded by offices.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Training {
    pub id: i64,
    pub office_id: i64,
    pub held_on: NaiveDate,
    pub topic: String,
    pub attendees: i64,
    pub attachment_name: Option<String>,
    #[serde(skip)]
    pub attachment_sha: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub struct NewTraining<'a> {
    pub office_id: i64,
    pub held_on: NaiveDate,
    pub topic: &'a str,
    pub attendees: i64,
    pub attachment: Option<(&'a str, &'a str)>,
    pub recorded_by: Option<i64>,
}

pub async fn insert(c: Conn<'_>, t: &NewTraining<'_>) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO trainings (office_id, held_on, topic, attendees, attachment_name,
            attachment_sha, recorded_by, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(t.office_id)
        .bind(t.held_on)
        .bind(t.topic)
        .bind(t.attendees)
        .bind(t.attachment.map(|a| a.0))
        .bind(t.attachment.map(|a| a.1))
        .bind(t.recorded_by)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn of_office(c: Conn<'_>, office: i64) -> Result<Vec<Training>, sqlx::Error> {
    let sql = "SELECT id, office_id, held_on, topic, attendees, attachment_name, attachment_sha,
            created_at
        FROM trainings WHERE office_id = $1 ORDER BY held_on DESC, id DESC";
    db!(c, |c| sqlx::query_as::<_, Training>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<Training>, sqlx::Error> {
    let sql = "SELECT id, office_id, held_on, topic, attendees, attachment_name, attachment_sha,
            created_at
        FROM trainings WHERE id = $1";
    db!(c, |c| sqlx::query_as::<_, Training>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// Every office with its last training, for the compliance page and the reminders.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfficeTraining {
    pub office_id: i64,
    pub name: String,
    pub kind: String,
    pub admin_email: String,
    pub admin_name: String,
    pub created_at: DateTime<Utc>,
    pub last: Option<NaiveDate>,
}

pub async fn by_office(c: Conn<'_>) -> Result<Vec<OfficeTraining>, sqlx::Error> {
    let sql = "SELECT o.id AS office_id, o.name, o.kind, o.admin_email, o.admin_name, o.created_at,
            (SELECT MAX(t.held_on) FROM trainings t WHERE t.office_id = o.id) AS last
        FROM offices o WHERE o.closed_at IS NULL ORDER BY o.id";
    db!(c, |c| sqlx::query_as::<_, OfficeTraining>(sql)
        .fetch_all(&mut *c)
        .await)
}
