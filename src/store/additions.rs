//! Members waiting to join an active team (#22): the addition, its form's pages, and the join.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::enrollments::TeamMemberRow;
use super::Conn;
use crate::db;
use crate::domain::status::RequestState;

/// An addition: who is to join, and where it stands (open = 追加待ち).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Addition {
    pub id: i64,
    pub enrollment_id: i64,
    /// The members as listed: [{office_id, user_id, profession, name, phone}].
    #[serde(serialize_with = "as_json")]
    #[schema(value_type = Vec<Object>)]
    pub members: String,
    pub form_version: i64,
    #[sqlx(try_from = "String")]
    pub state: RequestState,
    pub asked_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Pages of its signed form received (matched by their code).
    #[sqlx(default)]
    pub pages_received: i64,
    /// What the field checks saw on the newest front page received (filled, empty, undecided).
    #[sqlx(default)]
    pub signature_check: Option<String>,
    #[sqlx(default)]
    pub date_check: Option<String>,
}

fn as_json<S: serde::Serializer>(members: &str, s: S) -> Result<S::Ok, S::Error> {
    let v: serde_json::Value = serde_json::from_str(members).unwrap_or_default();
    serde::Serialize::serialize(&v, s)
}

/// A check's verdict in words: 記入あり, 空欄, 判定できません.
fn verdict_ja(v: &Option<String>) -> &'static str {
    match v
        .as_deref()
        .and_then(crate::domain::status::FieldVerdict::parse)
    {
        Some(crate::domain::status::FieldVerdict::Filled) => "記入あり",
        Some(crate::domain::status::FieldVerdict::Empty) => "空欄",
        Some(crate::domain::status::FieldVerdict::Undecided) => "判定できません",
        None => "未確認",
    }
}

impl Addition {
    /// 自動確認：本人署名 記入あり／同意日 空欄
    pub fn checks_ja(&self) -> Option<String> {
        (self.signature_check.is_some() || self.date_check.is_some()).then(|| {
            format!(
                "自動確認：本人署名 {}／同意日 {}",
                verdict_ja(&self.signature_check),
                verdict_ja(&self.date_check)
            )
        })
    }

    /// The members as listed.
    pub fn members(&self) -> Vec<TeamMemberRow> {
        serde_json::from_str(&self.members).unwrap_or_default()
    }
}

macro_rules! additions {
    ($where:literal) => {
        concat!(
            "SELECT a.id, a.enrollment_id, a.members, a.form_version, a.state, a.asked_at,
                a.answered_at,
                (SELECT COUNT(*) FROM fax_pages p WHERE p.addition_id = a.id AND p.outcome = 'matched')
                    AS pages_received,
                (SELECT k.verdict FROM page_checks k JOIN fax_pages p ON p.id = k.page_id
                 WHERE p.addition_id = a.id AND p.form_page = 1 AND k.field = 'signature'
                 ORDER BY p.id DESC LIMIT 1) AS signature_check,
                (SELECT k.verdict FROM page_checks k JOIN fax_pages p ON p.id = k.page_id
                 WHERE p.addition_id = a.id AND p.form_page = 1 AND k.field = 'consent_date'
                 ORDER BY p.id DESC LIMIT 1) AS date_check
            FROM team_additions a ",
            $where
        )
    };
}

pub async fn insert(
    c: Conn<'_>,
    enrollment: i64,
    members: &[TeamMemberRow],
    form_version: i64,
    by: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let json = serde_json::to_string(members).unwrap_or_else(|_| "[]".into());
    let sql = "INSERT INTO team_additions (enrollment_id, members, form_version, state, asked_by,
            asked_at)
        VALUES ($1, $2, $3, 'open', $4, $5) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(enrollment)
        .bind(&json)
        .bind(form_version)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<Addition>, sqlx::Error> {
    db!(c, |c| sqlx::query_as::<_, Addition>(additions!(
        "WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *c)
    .await)
}

/// An enrollment's additions, oldest first.
pub async fn of_enrollment(c: Conn<'_>, enrollment: i64) -> Result<Vec<Addition>, sqlx::Error> {
    let sql = additions!("WHERE a.enrollment_id = $1 ORDER BY a.id");
    db!(c, |c| sqlx::query_as::<_, Addition>(sql)
        .bind(enrollment)
        .fetch_all(&mut *c)
        .await)
}

/// The open addition of the enrollment with `code`, for a page of its form.
pub async fn open_by_code(c: Conn<'_>, code: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let sql = "SELECT a.id, a.enrollment_id FROM team_additions a
        JOIN enrollments e ON e.id = a.enrollment_id WHERE e.code = $1 AND a.state = 'open'";
    db!(c, |c| sqlx::query_as::<_, (i64, i64)>(sql)
        .bind(code)
        .fetch_optional(&mut *c)
        .await)
}

/// The pages of the addition's form received (matched), by their number on the form.
pub async fn received_pages(c: Conn<'_>, addition: i64) -> Result<Vec<i64>, sqlx::Error> {
    let sql = "SELECT DISTINCT form_page FROM fax_pages
        WHERE addition_id = $1 AND outcome = 'matched' AND form_page IS NOT NULL
        ORDER BY form_page";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(addition)
        .fetch_all(&mut *c)
        .await)
}

/// Answers the addition: false if it was answered already.
pub async fn answer(
    c: Conn<'_>,
    id: i64,
    state: RequestState,
    by: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE team_additions SET state = $1, answered_by = $2, answered_at = $3
        WHERE id = $4 AND state = 'open'";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(state.as_str())
        .bind(by)
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The next free position on the team.
pub async fn next_position(c: Conn<'_>, enrollment: i64) -> Result<i64, sqlx::Error> {
    let sql = "SELECT CAST(COALESCE(MAX(position), -1) + 1 AS BIGINT) FROM team_members
        WHERE enrollment_id = $1";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(enrollment)
        .fetch_one(&mut *c)
        .await)
}

/// Open additions asked at or before `before` whose form has not come back at all.
pub async fn overdue(c: Conn<'_>, before: DateTime<Utc>) -> Result<Vec<Addition>, sqlx::Error> {
    let sql = additions!(
        "WHERE a.state = 'open' AND a.asked_at <= $1
           AND NOT EXISTS (SELECT 1 FROM fax_pages p WHERE p.addition_id = a.id
                           AND p.outcome = 'matched')
         ORDER BY a.id"
    );
    db!(c, |c| sqlx::query_as::<_, Addition>(sql)
        .bind(before)
        .fetch_all(&mut *c)
        .await)
}
