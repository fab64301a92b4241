//! Subjects, enrollments and their teams.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::enrollment::{Command, Decision, Signer, State};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EnrollmentRow {
    pub id: i64,
    pub code: String,
    pub subject_id: i64,
    pub obtainer_user_id: i64,
    pub obtainer_office_id: i64,
    #[sqlx(try_from = "String")]
    pub state: State,
    pub form_version: Option<i64>,
    pub consent_date: Option<NaiveDate>,
    pub signer: Option<String>,
    pub proxy_relationship: Option<String>,
    pub revision: i64,
    /// How many times the copy was returned: a resent copy must come back whole.
    pub copy_round: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When its personal data was erased (`retention.years` after it ended).
    #[sqlx(default)]
    pub erased_at: Option<DateTime<Utc>>,
    /// Why the city holds it back from erasure.
    #[sqlx(default)]
    pub retention_hold: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SubjectRow {
    pub id: i64,
    pub name: String,
    pub kana: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub address: String,
    pub phone: String,
    pub insurance_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TeamMemberRow {
    /// The row (0 before it is stored).
    #[sqlx(default)]
    #[serde(default)]
    pub id: i64,
    pub office_id: i64,
    pub user_id: Option<i64>,
    pub profession: String,
    pub name: String,
    pub phone: String,
}

macro_rules! columns {
    () => {
        "id, code, subject_id, obtainer_user_id, obtainer_office_id, state, form_version, consent_date, signer, proxy_relationship, revision, copy_round, created_at, updated_at, erased_at, retention_hold"
    };
}

pub async fn insert_subject(
    c: Conn<'_>,
    s: &crate::domain::person::NewSubject,
) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO subjects
        (name, kana, birth_date, sex, address, phone, insurance_number, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(s.name.as_str())
        .bind(s.kana.as_str())
        .bind(s.birth_date)
        .bind(s.sex.as_str())
        .bind(&s.address)
        .bind(s.phone.as_str())
        .bind(s.insurance_number.as_ref().map(|n| n.as_str()))
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn insert(
    c: Conn<'_>,
    code: &str,
    subject_id: i64,
    obtainer_user_id: i64,
    obtainer_office_id: i64,
) -> Result<EnrollmentRow, sqlx::Error> {
    let now = c.now;
    let sql = concat!(
        "INSERT INTO enrollments (code, subject_id, obtainer_user_id, obtainer_office_id, state,
         revision, created_at, updated_at) VALUES ($1, $2, $3, $4, 'draft', 0, $5, $5)
         RETURNING ",
        columns!(),
        ""
    );
    db!(c, |c| sqlx::query_as::<_, EnrollmentRow>(sql)
        .bind(code)
        .bind(subject_id)
        .bind(obtainer_user_id)
        .bind(obtainer_office_id)
        .bind(now)
        .fetch_one(&mut *c)
        .await)
}

pub async fn insert_member(
    c: Conn<'_>,
    enrollment_id: i64,
    position: i64,
    m: &TeamMemberRow,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO team_members
        (enrollment_id, office_id, user_id, profession, name, phone, position)
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    db!(c, |c| sqlx::query(sql)
        .bind(enrollment_id)
        .bind(m.office_id)
        .bind(m.user_id)
        .bind(&m.profession)
        .bind(&m.name)
        .bind(&m.phone)
        .bind(position)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<EnrollmentRow>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM enrollments WHERE id = $1");
    db!(c, |c| sqlx::query_as::<_, EnrollmentRow>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// The enrollment with this code (codes are stored normalised).
pub async fn by_code(c: Conn<'_>, code: &str) -> Result<Option<EnrollmentRow>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM enrollments WHERE code = $1");
    db!(c, |c| sqlx::query_as::<_, EnrollmentRow>(sql)
        .bind(code)
        .fetch_optional(&mut *c)
        .await)
}

/// The enrollment a code names (codes are stored normalised).
pub async fn id_by_code(c: Conn<'_>, code: &str) -> Result<Option<i64>, sqlx::Error> {
    let sql = "SELECT id FROM enrollments WHERE code = $1";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(code)
        .fetch_optional(&mut *c)
        .await)
}

/// A [`SubjectRow`]'s columns, for queries that read one with more.
macro_rules! subject_columns {
    () => {
        "id, name, kana, birth_date, sex, address, phone, insurance_number"
    };
}
pub(crate) use subject_columns;

pub async fn subject(c: Conn<'_>, id: i64) -> Result<SubjectRow, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        subject_columns!(),
        " FROM subjects WHERE id = $1"
    );
    db!(c, |c| sqlx::query_as::<_, SubjectRow>(sql)
        .bind(id)
        .fetch_one(&mut *c)
        .await)
}

pub async fn team(c: Conn<'_>, enrollment_id: i64) -> Result<Vec<TeamMemberRow>, sqlx::Error> {
    let sql = "SELECT id, office_id, user_id, profession, name, phone FROM team_members
               WHERE enrollment_id = $1 ORDER BY position";
    db!(c, |c| sqlx::query_as::<_, TeamMemberRow>(sql)
        .bind(enrollment_id)
        .fetch_all(&mut *c)
        .await)
}

/// Whether `office` is the obtainer's office or on the team of the enrollment.
pub async fn office_involved(c: Conn<'_>, id: i64, office: i64) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM enrollments e WHERE e.id = $1 AND (e.obtainer_office_id = $2
               OR EXISTS (SELECT 1 FROM team_members t WHERE t.enrollment_id = e.id AND t.office_id = $2))";
    let n = db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .bind(office)
        .fetch_one(&mut *c)
        .await)?;
    Ok(n > 0)
}

/// Takes the enrollment's row lock until the transaction ends (PostgreSQL; SQLite's writer
/// already holds the whole database). Changes nothing.
pub async fn lock(c: Conn<'_>, id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE enrollments SET copy_round = copy_round WHERE id = $1";
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// Applies a decision of the state machine. The row changes only if nobody changed it since it
/// was read (`revision`); otherwise returns false and the caller reports a conflict.
pub async fn apply(c: Conn<'_>, id: i64, revision: i64, d: &Decision) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let (version, consent_date, signer, relationship): (
        Option<i64>,
        Option<NaiveDate>,
        Option<&str>,
        Option<&str>,
    ) = match d.command() {
        Command::IssueForm { version } => (Some(i64::from(*version)), None, None, None),
        Command::RecordConsent { date, signer } => match signer {
            Signer::Subject => (None, Some(*date), Some("subject"), None),
            Signer::Proxy { relationship } => (
                None,
                Some(*date),
                Some("proxy"),
                Some(relationship.as_str()),
            ),
        },
        _ => (None, None, None, None),
    };
    let sql = "UPDATE enrollments SET state = $1,
            form_version = COALESCE($2, form_version),
            consent_date = COALESCE($3, consent_date),
            signer = COALESCE($4, signer),
            proxy_relationship = COALESCE($5, proxy_relationship),
            revision = revision + 1, updated_at = $6, copy_round = copy_round + $10
        WHERE id = $7 AND revision = $8 AND state = $9";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(d.to().as_str())
        .bind(version)
        .bind(consent_date)
        .bind(signer)
        .bind(relationship)
        .bind(now)
        .bind(id)
        .bind(revision)
        .bind(d.from().as_str())
        .bind(i64::from(matches!(d.command(), Command::ReturnCopy { .. })))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
