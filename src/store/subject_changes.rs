//! ⑥ 情報の更新: the person's details changed in place (only if nobody changed them first), and
//! the journal of every change.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::subject::{Editable, FieldChange};

/// Writes `next` over the subject if it still holds `before`: false when someone else changed it
/// in between (the caller says so rather than losing their change).
pub async fn update(
    c: Conn<'_>,
    subject_id: i64,
    before: &Editable,
    next: &Editable,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE subjects SET name = $2, kana = $3, address = $4, phone = $5,
            insurance_number = $6
        WHERE id = $1 AND name = $7 AND kana = $8 AND address = $9 AND phone = $10
          AND COALESCE(insurance_number, '') = $11";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(subject_id)
        .bind(&next.name)
        .bind(&next.kana)
        .bind(&next.address)
        .bind(&next.phone)
        .bind(&next.insurance_number)
        .bind(&before.name)
        .bind(&before.kana)
        .bind(&before.address)
        .bind(&before.phone)
        .bind(before.insurance_number.as_deref().unwrap_or(""))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn insert(
    c: Conn<'_>,
    enrollment_id: i64,
    subject_id: i64,
    actor_user_id: Option<i64>,
    changes: &[FieldChange],
) -> Result<i64, sqlx::Error> {
    let json = serde_json::to_string(changes).unwrap_or_else(|_| "[]".into());
    let now = c.now;
    let sql = "INSERT INTO subject_changes (enrollment_id, subject_id, actor_user_id, changes, at)
        VALUES ($1, $2, $3, $4, $5) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(enrollment_id)
        .bind(subject_id)
        .bind(actor_user_id)
        .bind(&json)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

/// One journal entry, with the name of who made it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SubjectChange {
    pub id: i64,
    pub actor_name: Option<String>,
    #[serde(skip)]
    pub changes: String,
    pub at: DateTime<Utc>,
}

impl SubjectChange {
    pub fn fields(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.changes).unwrap_or_default()
    }
}

/// The enrollment's journal, oldest first.
pub async fn of_enrollment(
    c: Conn<'_>,
    enrollment_id: i64,
) -> Result<Vec<SubjectChange>, sqlx::Error> {
    let sql = "SELECT s.id, u.name AS actor_name, s.changes, s.at
        FROM subject_changes s LEFT JOIN users u ON u.id = s.actor_user_id
        WHERE s.enrollment_id = $1 ORDER BY s.id";
    db!(c, |c| sqlx::query_as::<_, SubjectChange>(sql)
        .bind(enrollment_id)
        .fetch_all(&mut *c)
        .await)
}
