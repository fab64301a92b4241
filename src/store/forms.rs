//! Issued consent forms and print batches.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::status::BatchStatus;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct IssuedForm {
    pub id: i64,
    pub enrollment_id: i64,
    pub form_kind: String,
    pub form_version: i64,
    pub blank: bool,
    pub template_sha256: String,
    pub blob_sha256: String,
    pub pages: i64,
    /// JSON array: the QR payload of each page.
    pub payloads: String,
    pub issued_at: DateTime<Utc>,
    pub superseded_at: Option<DateTime<Utc>>,
}

macro_rules! columns {
    () => {
        "id, enrollment_id, form_kind, form_version, blank, template_sha256, blob_sha256, pages, \
         payloads, issued_at, superseded_at"
    };
}

pub struct NewIssued<'a> {
    pub enrollment_id: i64,
    pub version: i64,
    pub blank: bool,
    pub template_sha256: &'a str,
    pub blob_sha256: &'a str,
    pub pages: i64,
    pub payloads: &'a str,
    pub issued_by: Option<i64>,
}

pub async fn insert(c: Conn<'_>, f: &NewIssued<'_>) -> Result<IssuedForm, sqlx::Error> {
    let now = c.now;
    let sql = concat!(
        "INSERT INTO issued_forms (enrollment_id, form_kind, form_version, blank, template_sha256,
         blob_sha256, pages, payloads, issued_by, issued_at)
         VALUES ($1, 'bessi1', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
        columns!()
    );
    db!(c, |c| sqlx::query_as::<_, IssuedForm>(sql)
        .bind(f.enrollment_id)
        .bind(f.version)
        .bind(f.blank)
        .bind(f.template_sha256)
        .bind(f.blob_sha256)
        .bind(f.pages)
        .bind(f.payloads)
        .bind(f.issued_by)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

/// Marks every form of the enrollment older than `version` superseded. Their codes still
/// resolve to the enrollment, flagged.
pub async fn supersede_older(
    c: Conn<'_>,
    enrollment_id: i64,
    version: i64,
) -> Result<u64, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE issued_forms SET superseded_at = $1
               WHERE enrollment_id = $2 AND form_version < $3 AND superseded_at IS NULL";
    db!(c, |c| sqlx::query(sql)
        .bind(now)
        .bind(enrollment_id)
        .bind(version)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))
}

/// The newest form of a variant, superseded or not.
pub async fn newest(
    c: Conn<'_>,
    enrollment_id: i64,
    blank: bool,
) -> Result<Option<IssuedForm>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM issued_forms WHERE enrollment_id = $1 AND blank = $2 ORDER BY form_version DESC LIMIT 1"
    );
    db!(c, |c| sqlx::query_as::<_, IssuedForm>(sql)
        .bind(enrollment_id)
        .bind(blank)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn all_for(c: Conn<'_>, enrollment_id: i64) -> Result<Vec<IssuedForm>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM issued_forms WHERE enrollment_id = $1 ORDER BY id"
    );
    db!(c, |c| sqlx::query_as::<_, IssuedForm>(sql)
        .bind(enrollment_id)
        .fetch_all(&mut *c)
        .await)
}

/// What a page's code resolves to: the enrollment, and whether that form was superseded.
pub async fn by_code(
    c: Conn<'_>,
    code: &str,
    version: i64,
) -> Result<Vec<(i64, Option<DateTime<Utc>>)>, sqlx::Error> {
    let sql = "SELECT f.enrollment_id, f.superseded_at FROM issued_forms f
               JOIN enrollments e ON e.id = f.enrollment_id
               WHERE e.code = $1 AND f.form_version = $2 ORDER BY f.id";
    db!(c, |c| sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
        sql
    )
    .bind(code)
    .bind(version)
    .fetch_all(&mut *c)
    .await)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PrintBatch {
    pub id: i64,
    pub requested_by: i64,
    /// JSON array of enrollment ids, in print order.
    pub enrollment_ids: String,
    pub blank: bool,
    pub total: i64,
    pub done: i64,
    /// queued, running, done or failed
    #[sqlx(try_from = "String")]
    pub status: BatchStatus,
    /// What could not be printed, one line per enrollment, in Japanese.
    pub error: Option<String>,
    pub blob_sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

macro_rules! batch_columns {
    () => {
        "id, requested_by, enrollment_ids, blank, total, done, status, error, blob_sha256, \
         created_at, finished_at"
    };
}

pub async fn insert_batch(
    c: Conn<'_>,
    user: i64,
    ids: &[i64],
    blank: bool,
) -> Result<PrintBatch, sqlx::Error> {
    let now = c.now;
    let sql = concat!(
        "INSERT INTO print_batches (requested_by, enrollment_ids, blank, total, done, status, created_at)
         VALUES ($1, $2, $3, $4, 0, 'queued', $5) RETURNING ",
        batch_columns!()
    );
    let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    db!(c, |c| sqlx::query_as::<_, PrintBatch>(sql)
        .bind(user)
        .bind(&json)
        .bind(blank)
        .bind(ids.len() as i64)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn batch(c: Conn<'_>, id: i64) -> Result<Option<PrintBatch>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        batch_columns!(),
        " FROM print_batches WHERE id = $1"
    );
    db!(c, |c| sqlx::query_as::<_, PrintBatch>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn batch_progress(c: Conn<'_>, id: i64, done: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE print_batches SET done = $1, status = 'running' WHERE id = $2";
    db!(c, |c| sqlx::query(sql)
        .bind(done)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn batch_finish(
    c: Conn<'_>,
    id: i64,
    blob: Option<&str>,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = c.now;
    let status = if blob.is_some() {
        BatchStatus::Done
    } else {
        BatchStatus::Failed
    };
    let sql =
        "UPDATE print_batches SET status = $1, blob_sha256 = $2, error = $3, finished_at = $4,
               done = total WHERE id = $5";
    db!(c, |c| sqlx::query(sql)
        .bind(status.as_str())
        .bind(blob)
        .bind(error)
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The team as a form prints it, in order: office name, profession, name, phone (one query,
/// where looking up each member's office was one more round trip a member).
pub async fn team_printed(
    c: Conn<'_>,
    enrollment_id: i64,
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    let sql = "SELECT COALESCE(o.name, ''), t.profession, t.name, t.phone
               FROM team_members t LEFT JOIN offices o ON o.id = t.office_id
               WHERE t.enrollment_id = $1 ORDER BY t.position";
    db!(c, |c| {
        sqlx::query_as::<_, (String, String, String, String)>(sql)
            .bind(enrollment_id)
            .fetch_all(&mut *c)
            .await
    })
}

/// The person and the obtainer as a form prints them, in one query: the subject's row, the
/// obtainer's name and office name ('' for one not found).
pub async fn people_printed(
    c: Conn<'_>,
    subject_id: i64,
    user_id: i64,
    office_id: i64,
) -> Result<PeoplePrinted, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        super::enrollments::subject_columns!(),
        ", COALESCE((SELECT name FROM users WHERE id = $2), '') AS obtainer_name,
           COALESCE((SELECT name FROM offices WHERE id = $3), '') AS obtainer_office
         FROM subjects WHERE id = $1"
    );
    db!(c, |c| sqlx::query_as::<_, PeoplePrinted>(sql)
        .bind(subject_id)
        .bind(user_id)
        .bind(office_id)
        .fetch_one(&mut *c)
        .await)
}

/// What [`people_printed`] reads.
#[derive(sqlx::FromRow)]
pub struct PeoplePrinted {
    #[sqlx(flatten)]
    pub subject: super::enrollments::SubjectRow,
    pub obtainer_name: String,
    pub obtainer_office: String,
}
