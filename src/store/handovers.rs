//! Requests to hand over after registration (#22): a new obtainer office, a login moving to
//! another office, an office closing. Answered once: every answer is a compare-and-set on
//! `state = 'open'`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::status::RequestState;

/// The three kinds of request, each its own table of the same shape for `state`.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Obtainer,
    Transfer,
    Closure,
}

macro_rules! answer_sql {
    ($table:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " SET state = $1, answered_by = $2, answered_at = $3, note = $4
             WHERE id = $5 AND state = 'open'"
        )
    };
}

impl Kind {
    fn answer_sql(self) -> &'static str {
        match self {
            Kind::Obtainer => answer_sql!("obtainer_changes"),
            Kind::Transfer => answer_sql!("staff_transfers"),
            Kind::Closure => answer_sql!("office_closures"),
        }
    }
}

/// Answers request `id`: false if it was answered already (or is not there).
pub async fn answer(
    c: Conn<'_>,
    kind: Kind,
    id: i64,
    state: RequestState,
    by: Option<i64>,
    note: &str,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = kind.answer_sql();
    let n = db!(c, |c| sqlx::query(sql)
        .bind(state.as_str())
        .bind(by)
        .bind(now)
        .bind(note)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A proposed (or made) change of an enrollment's obtainer.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ObtainerChange {
    pub id: i64,
    pub enrollment_id: i64,
    pub code: String,
    /// The first kana of the person's name, as e-mails name them.
    pub initial: String,
    pub from_office_id: i64,
    pub from_office: String,
    pub from_user_id: i64,
    pub to_office_id: i64,
    pub to_office: String,
    pub to_user_id: Option<i64>,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub state: RequestState,
    pub asked_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub note: String,
}

macro_rules! obtainer {
    () => {
        "SELECT c.id, c.enrollment_id, e.code, SUBSTR(s.kana, 1, 1) AS initial, c.from_office_id,
        f.name AS from_office, c.from_user_id, c.to_office_id, t.name AS to_office, c.to_user_id,
        c.reason, c.state, c.asked_at, c.answered_at, c.note
    FROM obtainer_changes c JOIN enrollments e ON e.id = c.enrollment_id
    JOIN subjects s ON s.id = e.subject_id
    JOIN offices f ON f.id = c.from_office_id JOIN offices t ON t.id = c.to_office_id "
    };
}

pub struct NewObtainerChange<'a> {
    pub enrollment_id: i64,
    pub from_office_id: i64,
    pub from_user_id: i64,
    pub to_office_id: i64,
    pub to_user_id: Option<i64>,
    pub reason: &'a str,
    pub state: RequestState,
    pub by: Option<i64>,
}

/// Records a change (a unique violation when another is open for the enrollment already).
pub async fn insert_obtainer(c: Conn<'_>, n: &NewObtainerChange<'_>) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let answered = (n.state != RequestState::Open).then_some(now);
    let sql = "INSERT INTO obtainer_changes (enrollment_id, from_office_id, from_user_id,
            to_office_id, to_user_id, reason, state, asked_by, asked_at, answered_by, answered_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(n.enrollment_id)
        .bind(n.from_office_id)
        .bind(n.from_user_id)
        .bind(n.to_office_id)
        .bind(n.to_user_id)
        .bind(n.reason)
        .bind(n.state.as_str())
        .bind(n.by)
        .bind(now)
        .bind(answered.and(n.by))
        .bind(answered)
        .fetch_one(&mut *c)
        .await)
}

pub async fn obtainer_change(c: Conn<'_>, id: i64) -> Result<Option<ObtainerChange>, sqlx::Error> {
    let sql = concat!(obtainer!(), " WHERE c.id = $1");
    db!(c, |c| sqlx::query_as::<_, ObtainerChange>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// An enrollment's changes of obtainer, oldest first.
pub async fn obtainer_changes_of(
    c: Conn<'_>,
    enrollment: i64,
) -> Result<Vec<ObtainerChange>, sqlx::Error> {
    let sql = concat!(obtainer!(), " WHERE c.enrollment_id = $1 ORDER BY c.id");
    db!(c, |c| sqlx::query_as::<_, ObtainerChange>(sql)
        .bind(enrollment)
        .fetch_all(&mut *c)
        .await)
}

/// Open proposals an office gave or received (all of them for `None`: the centre).
pub async fn open_obtainer_changes(
    c: Conn<'_>,
    office: Option<i64>,
) -> Result<Vec<ObtainerChange>, sqlx::Error> {
    let sql = concat!(
        obtainer!(),
        " WHERE c.state = 'open'
           AND ($1 IS NULL OR c.to_office_id = $1 OR c.from_office_id = $1) ORDER BY c.id"
    );
    db!(c, |c| sqlx::query_as::<_, ObtainerChange>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// The new care manager the accepting office named.
pub async fn chosen_user(c: Conn<'_>, change: i64, user: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE obtainer_changes SET to_user_id = $1 WHERE id = $2";
    db!(c, |c| sqlx::query(sql)
        .bind(user)
        .bind(change)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// Moves the enrollment to its new obtainer, if nobody changed it since `revision`.
pub async fn set_obtainer(
    c: Conn<'_>,
    enrollment: i64,
    revision: i64,
    office: i64,
    user: i64,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE enrollments SET obtainer_office_id = $1, obtainer_user_id = $2,
            revision = revision + 1, updated_at = $3
        WHERE id = $4 AND revision = $5";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(office)
        .bind(user)
        .bind(now)
        .bind(enrollment)
        .bind(revision)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

#[path = "handovers_offices.rs"]
mod offices;
pub use offices::*;
