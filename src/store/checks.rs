//! Field checks on received front pages (#20): what the service saw in each field, its crop,
//! and what the person who settled the copy said of it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::status::{CheckedField, FieldVerdict};

/// One field's check as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CheckRow {
    pub page_id: i64,
    #[sqlx(try_from = "String")]
    pub field: CheckedField,
    #[sqlx(try_from = "String")]
    pub verdict: FieldVerdict,
    /// Ink left once the form's own printing is taken away, in mm².
    pub area_mm2: Option<f64>,
    /// The longest stroke's extent, in mm.
    pub longest_mm: Option<f64>,
    #[serde(skip)]
    pub crop_sha256: Option<String>,
    /// What the person who verified or returned the copy said: true, written there.
    pub confirmed: Option<bool>,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl CheckRow {
    /// The person said otherwise than the check (the data for tuning).
    /// (A field the check could not decide is decided by the person, not overridden.)
    pub fn overridden(&self) -> bool {
        matches!(
            (self.confirmed, self.verdict),
            (Some(true), FieldVerdict::Empty) | (Some(false), FieldVerdict::Filled)
        )
    }
}

pub struct NewCheck<'a> {
    pub page_id: i64,
    pub field: CheckedField,
    pub verdict: FieldVerdict,
    pub area_mm2: Option<f64>,
    pub longest_mm: Option<f64>,
    pub crop_sha256: Option<&'a str>,
}

pub async fn insert(c: Conn<'_>, n: &NewCheck<'_>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO page_checks (page_id, field, verdict, area_mm2, longest_mm, crop_sha256)
               VALUES ($1, $2, $3, $4, $5, $6)";
    db!(c, |c| sqlx::query(sql)
        .bind(n.page_id)
        .bind(n.field.as_str())
        .bind(n.verdict.as_str())
        .bind(n.area_mm2)
        .bind(n.longest_mm)
        .bind(n.crop_sha256)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// The page's registration residual and the rules its copy breaks ("" for none).
pub async fn set_page(
    c: Conn<'_>,
    page_id: i64,
    residual_mm: Option<f64>,
    problems: &str,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE fax_pages SET check_residual_mm = $1, check_problems = $2 WHERE id = $3";
    db!(c, |c| sqlx::query(sql)
        .bind(residual_mm)
        .bind(problems)
        .bind(page_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

pub async fn of_page(c: Conn<'_>, page_id: i64) -> Result<Vec<CheckRow>, sqlx::Error> {
    let sql = "SELECT page_id, field, verdict, area_mm2, longest_mm, crop_sha256, confirmed,
                 confirmed_by, confirmed_at
               FROM page_checks WHERE page_id = $1 ORDER BY field";
    db!(c, |c| sqlx::query_as::<_, CheckRow>(sql)
        .bind(page_id)
        .fetch_all(&mut *c)
        .await)
}

/// The crop of one field, as the blob's digest.
pub async fn crop(
    c: Conn<'_>,
    page_id: i64,
    field: CheckedField,
) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT crop_sha256 FROM page_checks WHERE page_id = $1 AND field = $2";
    db!(c, |c| sqlx::query_scalar::<_, Option<String>>(sql)
        .bind(page_id)
        .bind(field.as_str())
        .fetch_optional(&mut *c)
        .await
        .map(Option::flatten))
}

/// Records what the person who settled the copy said of a field.
pub async fn confirm(
    c: Conn<'_>,
    page_id: i64,
    field: CheckedField,
    seen: bool,
    user_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE page_checks SET confirmed = $1, confirmed_by = $2, confirmed_at = $3
               WHERE page_id = $4 AND field = $5";
    db!(c, |c| sqlx::query(sql)
        .bind(seen)
        .bind(user_id)
        .bind(now)
        .bind(page_id)
        .bind(field.as_str())
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// The checked front page of the enrollment's current copy, if one was received and checked,
/// with the rules it breaks.
pub async fn current_front(
    c: Conn<'_>,
    enrollment_id: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let sql = "SELECT p.id, p.check_problems FROM fax_pages p JOIN enrollments e ON e.id = p.enrollment_id
               WHERE p.enrollment_id = $1 AND p.is_primary AND p.form_page = 1
                 AND p.copy_round = e.copy_round AND p.check_problems IS NOT NULL
               ORDER BY p.id DESC LIMIT 1";
    db!(c, |c| sqlx::query_as::<_, (i64, String)>(sql)
        .bind(enrollment_id)
        .fetch_optional(&mut *c)
        .await)
}

/// A copy waiting for the centre's check whose front page breaks a rule.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Flagged {
    pub page_id: i64,
    pub enrollment_code: String,
    pub subject_name: String,
    pub problems: String,
    pub created_at: DateTime<Utc>,
}

/// Copies received and not yet verified or returned whose front page breaks a rule, oldest
/// first (the inbox's 要確認).
pub async fn flagged(c: Conn<'_>, limit: i64) -> Result<Vec<Flagged>, sqlx::Error> {
    let sql = "SELECT p.id AS page_id, e.code AS enrollment_code, s.name AS subject_name,
                 p.check_problems AS problems, p.created_at
               FROM fax_pages p JOIN enrollments e ON e.id = p.enrollment_id
               JOIN subjects s ON s.id = e.subject_id
               WHERE e.state = 'copy_received' -- State::CopyReceived
                 AND p.is_primary AND p.copy_round = e.copy_round AND p.check_problems <> ''
               ORDER BY p.created_at, p.id LIMIT $1";
    db!(c, |c| sqlx::query_as::<_, Flagged>(sql)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}

/// A field where the person who settled the copy said otherwise than the check.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Overridden {
    pub page_id: i64,
    pub enrollment_code: Option<String>,
    #[sqlx(try_from = "String")]
    pub field: CheckedField,
    #[sqlx(try_from = "String")]
    pub verdict: FieldVerdict,
    pub confirmed: bool,
    pub confirmed_by: Option<String>,
    pub confirmed_at: DateTime<Utc>,
}

/// The fields people overrode, the latest first (for 処理済; the data for tuning the checks).
pub async fn overridden(c: Conn<'_>, limit: i64) -> Result<Vec<Overridden>, sqlx::Error> {
    let sql = "SELECT k.page_id, e.code AS enrollment_code, k.field, k.verdict, k.confirmed,
            u.name AS confirmed_by, k.confirmed_at
        FROM page_checks k JOIN fax_pages p ON p.id = k.page_id
        LEFT JOIN enrollments e ON e.id = p.enrollment_id
        LEFT JOIN users u ON u.id = k.confirmed_by
        WHERE k.confirmed_at IS NOT NULL
          AND ((k.confirmed AND k.verdict = 'empty') OR (NOT k.confirmed AND k.verdict = 'filled'))
        ORDER BY k.confirmed_at DESC, k.page_id DESC LIMIT $1";
    db!(c, |c| sqlx::query_as::<_, Overridden>(sql)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}
