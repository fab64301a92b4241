//! The enrollment list: filtered, searched and paged in the database, and the dashboard's
//! counts. Both serve 100,000 enrollments in milliseconds (indexes in the `web` migration).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::deadline::Cutoffs;
use crate::domain::enrollment::State;
use crate::domain::search::SearchTerm;

/// An enrollment as lists show it: with the subject's name and kana.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ListItem {
    pub id: i64,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub state: State,
    pub subject_name: String,
    pub subject_kana: String,
    pub obtainer_office_id: i64,
    pub office_name: String,
    /// When it entered its present state.
    pub updated_at: DateTime<Utc>,
    /// Days past its deadline, when overdue (filled in by the service).
    #[sqlx(skip)]
    pub overdue_days: Option<i64>,
}

/// What the list shows. `office` limits it to enrollments that office obtains consent for or
/// is on the team of.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub office: Option<i64>,
    pub state: Option<&'static str>,
    pub search: Option<SearchTerm>,
    /// Only overdue enrollments, by these cutoffs.
    pub overdue: Option<Cutoffs>,
    pub limit: i64,
    pub offset: i64,
}

// What the list's filters ask of an enrollment `e`: a state, a search (names and kana compared
// without spaces, see `SearchTerm`; the subject looked at through EXISTS), overdue only.
macro_rules! filters {
    () => {
        " AND ($1 IS NULL OR e.state = $1)
          AND ($2 IS NULL OR e.code = $4 OR EXISTS (SELECT 1 FROM subjects s
               WHERE s.id = e.subject_id
                 AND (REPLACE(REPLACE(s.name, ' ', ''), '　', '') LIKE $2
                      OR REPLACE(REPLACE(s.kana, ' ', ''), '　', '') LIKE $3)))
          AND (NOT $5
               OR (e.state IN ('form_issued', 'consent_signed') AND e.updated_at <= $6)
               OR (e.state = 'returned' AND e.updated_at <= $7)
               OR (e.state = 'copy_received' AND e.updated_at <= $8)
               OR (e.state = 'team_registered' AND e.updated_at <= $9))"
    };
}

macro_rules! row_of {
    () => {
        "SELECT e.id, e.code, e.state, e.subject_id, e.obtainer_office_id, e.updated_at
         FROM enrollments e WHERE "
    };
}

macro_rules! joined {
    ($rows:expr) => {
        concat!(
            "SELECT e.id, e.code, e.state, s.name AS subject_name, s.kana AS subject_kana,
                e.obtainer_office_id, o.name AS office_name, e.updated_at
            FROM (",
            $rows,
            ") e
            JOIN subjects s ON s.id = e.subject_id
            JOIN offices o ON o.id = e.obtainer_office_id
            ORDER BY e.updated_at DESC, e.id DESC"
        )
    };
}

// The page's rows are chosen from `enrollments` alone (filtered, ordered, limited), and only
// those 50 are joined to their subject and office. The centre's walks the `updated_at` index.
const ALL: &str = joined!(concat!(
    row_of!(),
    "1 = 1",
    filters!(),
    " ORDER BY e.updated_at DESC, e.id DESC LIMIT $10 OFFSET $11"
));

// An office's list (#23): the enrollments it obtains, walked in order down the index on
// (obtainer_office_id, updated_at, id), and those whose team it is on, walked down the index on
// team_members (office_id, enrollment_updated_at, enrollment_id) — each membership carries its
// enrollment's updated_at, kept in step by a trigger (migration 22) — each stopped after a page
// ($12 = limit + offset) and the two merged. An office with two people on one team counts that
// team once (its first membership; as NOT EXISTS, which PostgreSQL plans as an anti-join along
// the index walk — a correlated MIN() made it fetch and sort all 500 memberships, 20 ms). Fetching every enrollment of a busy office by key first
// cost 75 ms at 1,000,000.
const OFFICE: &str = joined!(concat!(
    "SELECT e.* FROM (SELECT * FROM (",
    row_of!(),
    "e.obtainer_office_id = $13",
    filters!(),
    " ORDER BY e.updated_at DESC, e.id DESC LIMIT $12) a UNION SELECT * FROM (",
    "SELECT e.id, e.code, e.state, e.subject_id, e.obtainer_office_id, e.updated_at
     FROM team_members t JOIN enrollments e ON e.id = t.enrollment_id
     WHERE t.office_id = $13
       AND NOT EXISTS (SELECT 1 FROM team_members t2 WHERE t2.enrollment_id = t.enrollment_id
                       AND t2.office_id = t.office_id AND t2.id < t.id)",
    filters!(),
    " ORDER BY t.enrollment_updated_at DESC, t.enrollment_id DESC LIMIT $12) b) e",
    " ORDER BY e.updated_at DESC, e.id DESC LIMIT $10 OFFSET $11"
));

// The city's overdue list (期限超過のみ, #23): each waiting state's overdue rows are a range of
// the index on (state, updated_at) — entered the state at or before its cutoff — walked from the
// cutoff down and stopped after a page ($12 = limit + offset), the five merged. Walking the
// whole list down `updated_at` and testing each row passed every recent enrollment first (19,582
// a view at 1,000,000). A stored `due_at` would give the same range, but deadlines are settings
// (`deadlines.*`): a stored date would go stale when the city changes one.
macro_rules! overdue_in {
    ($state:literal, $cut:literal) => {
        concat!(
            "SELECT * FROM (",
            row_of!(),
            "e.state = '",
            $state,
            "' AND e.updated_at <= ",
            $cut,
            filters!(),
            " ORDER BY e.updated_at DESC, e.id DESC LIMIT $12)"
        )
    };
}
const OVERDUE: &str = joined!(concat!(
    "SELECT e.* FROM (",
    overdue_in!("form_issued", "$6"),
    " a UNION ALL ",
    overdue_in!("consent_signed", "$6"),
    " b UNION ALL ",
    overdue_in!("returned", "$7"),
    " c UNION ALL ",
    overdue_in!("copy_received", "$8"),
    " d UNION ALL ",
    overdue_in!("team_registered", "$9"),
    " f) e ORDER BY e.updated_at DESC, e.id DESC LIMIT $10 OFFSET $11"
));

pub async fn list(c: Conn<'_>, f: &ListFilter) -> Result<Vec<ListItem>, sqlx::Error> {
    let now = c.now;
    let s = f.search.as_ref();
    let cut = f.overdue;
    let at = |pick: fn(&Cutoffs) -> DateTime<Utc>| cut.as_ref().map(pick).unwrap_or(now);
    let sql = match (f.office.is_some(), cut.is_some()) {
        (false, false) => ALL,
        (false, true) => OVERDUE,
        (true, _) => OFFICE,
    };
    db!(c, |c| {
        let q = sqlx::query_as::<_, ListItem>(sql)
            .bind(f.state)
            .bind(s.map(|s| s.name_like.as_str()))
            .bind(s.map(|s| s.kana_like.as_str()))
            .bind(s.and_then(|s| s.code.as_deref()))
            .bind(cut.is_some())
            .bind(at(|c| c.copy))
            .bind(at(|c| c.resend))
            .bind(at(|c| c.verify))
            .bind(at(|c| c.activation))
            .bind(f.limit)
            .bind(f.offset);
        let q = match (f.office, cut.is_some()) {
            (Some(o), _) => q.bind(f.limit + f.offset).bind(o),
            (None, true) => q.bind(f.limit + f.offset),
            (None, false) => q,
        };
        q.fetch_all(&mut *c).await
    })
}

/// The dashboard's figures over the whole city, as of one moment (kept for a minute: see
/// `snapshot`).
#[derive(Debug, Clone, Default)]
pub struct CityCounts {
    /// Enrollments per state.
    pub by_state: Vec<(String, i64)>,
    /// Overdue enrollments per state.
    pub overdue: Vec<(String, i64)>,
    /// The first page of the overdue list (one row more than shown).
    pub overdue_rows: Vec<ListItem>,
}

/// How many enrollments are in each state (the dashboard's funnel).
pub async fn by_state(c: Conn<'_>) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = "SELECT state, COUNT(*) FROM enrollments GROUP BY state";
    db!(c, |c| sqlx::query_as::<_, (String, i64)>(sql)
        .fetch_all(&mut *c)
        .await)
}

/// How many enrollments are overdue, per state.
pub async fn overdue_by_state(
    c: Conn<'_>,
    cut: &Cutoffs,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    // One index range count per waiting state (an OR over them scanned every row).
    let sql = "SELECT 'form_issued', COUNT(*) FROM enrollments
            WHERE state = 'form_issued' AND updated_at <= $1
        UNION ALL SELECT 'consent_signed', COUNT(*) FROM enrollments
            WHERE state = 'consent_signed' AND updated_at <= $1
        UNION ALL SELECT 'returned', COUNT(*) FROM enrollments
            WHERE state = 'returned' AND updated_at <= $2
        UNION ALL SELECT 'copy_received', COUNT(*) FROM enrollments
            WHERE state = 'copy_received' AND updated_at <= $3
        UNION ALL SELECT 'team_registered', COUNT(*) FROM enrollments
            WHERE state = 'team_registered' AND updated_at <= $4";
    db!(c, |c| sqlx::query_as::<_, (String, i64)>(sql)
        .bind(cut.copy)
        .bind(cut.resend)
        .bind(cut.verify)
        .bind(cut.activation)
        .fetch_all(&mut *c)
        .await)
}
