//! Staff transfers and office closures: the requests, and what carrying them out changes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::super::Conn;
use crate::db;
use crate::domain::status::RequestState;

/// A login moving from one office to another.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Transfer {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub from_office_id: i64,
    pub from_office: String,
    pub to_office_id: i64,
    pub to_office: String,
    #[sqlx(try_from = "String")]
    pub state: RequestState,
    pub asked_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub note: String,
}

macro_rules! transfer_sql {
    () => {
        "SELECT t.id, t.user_id, u.name AS user_name, t.from_office_id,
        f.name AS from_office, t.to_office_id, o.name AS to_office, t.state, t.asked_at,
        t.answered_at, t.note
    FROM staff_transfers t JOIN users u ON u.id = t.user_id
    JOIN offices f ON f.id = t.from_office_id JOIN offices o ON o.id = t.to_office_id "
    };
}

pub async fn insert_transfer(
    c: Conn<'_>,
    user: i64,
    from: i64,
    to: i64,
    state: RequestState,
    by: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let answered = (state != RequestState::Open).then_some(now);
    let sql = "INSERT INTO staff_transfers (user_id, from_office_id, to_office_id, state,
            asked_by, asked_at, answered_by, answered_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(user)
        .bind(from)
        .bind(to)
        .bind(state.as_str())
        .bind(by)
        .bind(now)
        .bind(answered.and(by))
        .bind(answered)
        .fetch_one(&mut *c)
        .await)
}

pub async fn transfer(c: Conn<'_>, id: i64) -> Result<Option<Transfer>, sqlx::Error> {
    let sql = concat!(transfer_sql!(), " WHERE t.id = $1");
    db!(c, |c| sqlx::query_as::<_, Transfer>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// Transfers of an office's people, in or out, open ones first, newest first.
pub async fn transfers_of(c: Conn<'_>, office: i64) -> Result<Vec<Transfer>, sqlx::Error> {
    let sql = concat!(
        transfer_sql!(),
        " WHERE t.from_office_id = $1 OR t.to_office_id = $1
         ORDER BY CASE WHEN t.state = 'open' THEN 0 ELSE 1 END, t.id DESC LIMIT 50"
    );
    db!(c, |c| sqlx::query_as::<_, Transfer>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// Moves a login to `office`: false if it is not of `from` any more.
pub async fn move_user(
    c: Conn<'_>,
    user: i64,
    from: i64,
    office: i64,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE users SET office_id = $1 WHERE id = $2 AND office_id = $3";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(office)
        .bind(user)
        .bind(from)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Work an office is left with by people who moved away: a team membership in the name of a
/// login now of another office, or an enrollment whose care manager is one.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LeftBehind {
    pub code: String,
    /// The member row, or None for the obtainer.
    pub member_id: Option<i64>,
    pub user_id: i64,
    pub user_name: String,
}

pub async fn left_behind(c: Conn<'_>, office: i64) -> Result<Vec<LeftBehind>, sqlx::Error> {
    let sql = "SELECT e.code, t.id AS member_id, u.id AS user_id, u.name AS user_name
        FROM team_members t JOIN enrollments e ON e.id = t.enrollment_id
        JOIN users u ON u.id = t.user_id
        WHERE t.office_id = $1 AND u.office_id <> $1 AND e.state NOT IN ('withdrawn', 'closed')
        UNION ALL
        SELECT e.code, NULL AS member_id, u.id AS user_id, u.name AS user_name
        FROM enrollments e JOIN users u ON u.id = e.obtainer_user_id
        WHERE e.obtainer_office_id = $1 AND u.office_id <> $1
          AND e.state NOT IN ('withdrawn', 'closed')
        ORDER BY 1, 2 LIMIT 500";
    db!(c, |c| sqlx::query_as::<_, LeftBehind>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// An office's request to close.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Closure {
    pub id: i64,
    pub office_id: i64,
    pub office: String,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub state: RequestState,
    pub asked_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub note: String,
}

macro_rules! closure_sql {
    () => {
        "SELECT c.id, c.office_id, o.name AS office, c.reason, c.state, c.asked_at,
        c.answered_at, c.note
    FROM office_closures c JOIN offices o ON o.id = c.office_id "
    };
}

pub async fn insert_closure(
    c: Conn<'_>,
    office: i64,
    reason: &str,
    by: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO office_closures (office_id, reason, state, asked_by, asked_at)
        VALUES ($1, $2, 'open', $3, $4) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(office)
        .bind(reason)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn closure(c: Conn<'_>, id: i64) -> Result<Option<Closure>, sqlx::Error> {
    let sql = concat!(closure_sql!(), " WHERE c.id = $1");
    db!(c, |c| sqlx::query_as::<_, Closure>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// An office's requests to close, newest first (None: every open one, for the city).
pub async fn closures(c: Conn<'_>, office: Option<i64>) -> Result<Vec<Closure>, sqlx::Error> {
    let sql = concat!(
        closure_sql!(),
        " WHERE ($1 IS NULL AND c.state = 'open') OR c.office_id = $1
         ORDER BY c.id DESC LIMIT 50"
    );
    db!(c, |c| sqlx::query_as::<_, Closure>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// An enrollment the office still obtains consent for.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Obtaining {
    pub id: i64,
    pub code: String,
    pub state: String,
    /// Whether a new obtainer office was asked and has not answered yet.
    pub asked: bool,
}

pub async fn obtaining(c: Conn<'_>, office: i64) -> Result<Vec<Obtaining>, sqlx::Error> {
    let sql = "SELECT e.id, e.code, e.state,
            EXISTS (SELECT 1 FROM obtainer_changes c
                    WHERE c.enrollment_id = e.id AND c.state = 'open') AS asked
        FROM enrollments e
        WHERE e.obtainer_office_id = $1 AND e.state NOT IN ('withdrawn', 'closed')
        ORDER BY e.id";
    db!(c, |c| sqlx::query_as::<_, Obtaining>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// Closes the office: false if it was closed already.
pub async fn close_office(c: Conn<'_>, office: i64) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE offices SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(now)
        .bind(office)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Disables every login of the office still enabled; returns their ids.
pub async fn disable_staff(c: Conn<'_>, office: i64) -> Result<Vec<i64>, sqlx::Error> {
    let sql = "UPDATE users SET disabled = TRUE WHERE office_id = $1 AND disabled = FALSE
        RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// Ends every voucher of the office not yet used: a closed office enrols no PC.
pub async fn expire_vouchers(c: Conn<'_>, office: i64) -> Result<u64, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE vouchers SET expires_at = $1
        WHERE office_id = $2 AND redeemed_at IS NULL AND expires_at > $1";
    db!(c, |c| sqlx::query(sql)
        .bind(now)
        .bind(office)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))
}
