//! Team members taken off a team after registration, and the record of it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::enrollments::TeamMemberRow;
use super::Conn;
use crate::db;

/// Member row `member` of enrollment `enrollment_id`, if it is on the team.
pub async fn member(
    c: Conn<'_>,
    enrollment_id: i64,
    member: i64,
) -> Result<Option<TeamMemberRow>, sqlx::Error> {
    let sql = "SELECT id, office_id, user_id, profession, name, phone FROM team_members
        WHERE enrollment_id = $1 AND id = $2";
    db!(c, |c| sqlx::query_as::<_, TeamMemberRow>(sql)
        .bind(enrollment_id)
        .bind(member)
        .fetch_optional(&mut *c)
        .await)
}

/// Takes the row off the team: false if it was gone already (someone else removed it).
pub async fn delete_member(
    c: Conn<'_>,
    enrollment_id: i64,
    member: i64,
) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM team_members WHERE enrollment_id = $1 AND id = $2";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(enrollment_id)
        .bind(member)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Puts another person of the same office in member row `member`'s place.
pub async fn replace_member(
    c: Conn<'_>,
    enrollment_id: i64,
    member: i64,
    after: &TeamMemberRow,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE team_members SET user_id = $1, name = $2, phone = $3
        WHERE enrollment_id = $4 AND id = $5";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(after.user_id)
        .bind(&after.name)
        .bind(&after.phone)
        .bind(enrollment_id)
        .bind(member)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records a replacement: the member as they were and as they became.
pub async fn record_replacement(
    c: Conn<'_>,
    enrollment_id: i64,
    (before, after): (&TeamMemberRow, &TeamMemberRow),
    reason: &str,
    actor_user_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let member = serde_json::to_string(before).unwrap_or_else(|_| "{}".into());
    let replacement = serde_json::to_string(after).unwrap_or_else(|_| "{}".into());
    let now = c.now;
    let sql = "INSERT INTO team_changes (enrollment_id, kind, office_id, member, replacement,
            reason, actor_user_id, at)
        VALUES ($1, 'replaced', $2, $3, $4, $5, $6, $7) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(enrollment_id)
        .bind(before.office_id)
        .bind(&member)
        .bind(&replacement)
        .bind(reason)
        .bind(actor_user_id)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn record_removal(
    c: Conn<'_>,
    enrollment_id: i64,
    m: &TeamMemberRow,
    reason: &str,
    actor_user_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let member = serde_json::to_string(m).unwrap_or_else(|_| "{}".into());
    let now = c.now;
    let sql = "INSERT INTO team_changes (enrollment_id, kind, office_id, member, reason,
            actor_user_id, at)
        VALUES ($1, 'removed', $2, $3, $4, $5, $6) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(enrollment_id)
        .bind(m.office_id)
        .bind(&member)
        .bind(reason)
        .bind(actor_user_id)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

/// One change, as the timeline shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TeamChange {
    pub id: i64,
    pub kind: String,
    pub office_name: String,
    #[serde(skip)]
    pub member: String,
    /// Who took the member's place (`replaced`), as JSON like `member`.
    #[serde(skip)]
    pub replacement: Option<String>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl TeamChange {
    /// 訪問看護師 港 看護; for a replacement 訪問看護師 港 看護 → 浜 看護
    pub fn who(&self) -> String {
        let field = |json: &str, k: &str| {
            let m: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
            m.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string()
        };
        let was = format!(
            "{} {}",
            field(&self.member, "profession"),
            field(&self.member, "name")
        );
        match &self.replacement {
            Some(r) => format!("{} → {}", was.trim(), field(r, "name")),
            None => was.trim().to_string(),
        }
    }
}

pub async fn of_enrollment(
    c: Conn<'_>,
    enrollment_id: i64,
) -> Result<Vec<TeamChange>, sqlx::Error> {
    let sql = "SELECT t.id, t.kind, o.name AS office_name, t.member, t.replacement, t.reason, t.at
        FROM team_changes t JOIN offices o ON o.id = t.office_id
        WHERE t.enrollment_id = $1 ORDER BY t.id";
    db!(c, |c| sqlx::query_as::<_, TeamChange>(sql)
        .bind(enrollment_id)
        .fetch_all(&mut *c)
        .await)
}
