//! Reading the intake back: messages and pages by status and time, for the API and the
//! centre's screens.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::fax::MessageRow;
use super::Conn;
use crate::db;
use crate::domain::enrollment::State;
use crate::domain::search::SearchTerm;
use crate::domain::status::PageOutcome;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PageRow {
    pub id: i64,
    pub document_id: i64,
    pub message_id: i64,
    /// Position in its document, from 1.
    pub number: i64,
    /// matched, unreadable, invalid, duplicate, superseded, or discarded (settled by hand as
    /// not a form)
    #[sqlx(try_from = "String")]
    pub outcome: PageOutcome,
    /// Why, in Japanese, for the centre's staff.
    pub reason: String,
    /// What the reader said, in English, when the page could not be read.
    pub detail: Option<String>,
    pub enrollment_id: Option<i64>,
    pub enrollment_code: Option<String>,
    pub copy_round: Option<i64>,
    /// Page n of m of the form, from its code.
    pub form_page: Option<i64>,
    pub form_pages: Option<i64>,
    pub form_version: Option<i64>,
    pub is_primary: bool,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The reader's stage that found the code (bands, half, page, despeckled…).
    pub stage: Option<String>,
    pub scan_ms: Option<i64>,
    pub sender: Option<String>,
    pub fax_number: Option<String>,
    /// How the message came in: imap, upload, folder or cli.
    pub source: String,
    pub file_name: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The rules the copy's front page breaks by the field checks, one Japanese line each (""
    /// when none; absent when the page was not checked).
    pub check_problems: Option<String>,
}

macro_rules! page_select {
    () => {
        "SELECT p.id, p.document_id, d.message_id, p.number, p.outcome, p.reason, p.detail,
    p.enrollment_id, e.code AS enrollment_code, p.copy_round, p.form_page, p.form_pages,
    p.form_version, p.is_primary, p.width, p.height, p.stage, p.scan_ms, m.sender, m.fax_number,
    m.source, m.file_name, p.resolved_at, p.created_at, p.check_problems
    FROM fax_pages p JOIN fax_documents d ON d.id = p.document_id
    JOIN fax_messages m ON m.id = d.message_id
    LEFT JOIN enrollments e ON e.id = p.enrollment_id "
    };
}

/// Filters shared by the lists. Absent fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// With `until`: also the pages at exactly `until` with a smaller id (paging by
    /// (time, id), so pages stored in the same instant are neither skipped nor repeated).
    pub before_id: Option<i64>,
    /// A LIKE pattern over the text OCR read, squashed (pages only; see
    /// `service::ocr::text_pattern`).
    pub text: Option<String>,
    pub limit: i64,
}

pub async fn messages(c: Conn<'_>, f: &Filter) -> Result<Vec<MessageRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        super::fax::message_columns!(),
        " FROM fax_messages WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR received_at >= $2)
          AND ($3 IS NULL OR received_at < $3)
        ORDER BY received_at DESC, id DESC LIMIT $4"
    );
    db!(c, |c| sqlx::query_as::<_, MessageRow>(sql)
        .bind(f.status.as_deref())
        .bind(f.since)
        .bind(f.until)
        .bind(f.limit)
        .fetch_all(&mut *c)
        .await)
}

pub async fn pages(c: Conn<'_>, f: &Filter) -> Result<Vec<PageRow>, sqlx::Error> {
    let sql = concat!(
        page_select!(),
        "WHERE ($1 IS NULL OR p.outcome = $1) AND ($2 IS NULL OR p.created_at >= $2)
           AND ($3 IS NULL OR p.created_at < $3 OR (p.created_at = $3 AND p.id < $5))
           AND ($6 IS NULL OR p.ocr_index LIKE $6)
         ORDER BY p.created_at DESC, p.id DESC LIMIT $4"
    );
    db!(c, |c| sqlx::query_as::<_, PageRow>(sql)
        .bind(f.status.as_deref())
        .bind(f.since)
        .bind(f.until)
        .bind(f.limit)
        .bind(f.before_id.unwrap_or(0))
        .bind(f.text.as_deref())
        .fetch_all(&mut *c)
        .await)
}

pub async fn pages_of_message(c: Conn<'_>, message_id: i64) -> Result<Vec<PageRow>, sqlx::Error> {
    let sql = concat!(
        page_select!(),
        "WHERE d.message_id = $1 ORDER BY d.seq, p.number"
    );
    db!(c, |c| sqlx::query_as::<_, PageRow>(sql)
        .bind(message_id)
        .fetch_all(&mut *c)
        .await)
}

pub async fn pages_of_enrollment(
    c: Conn<'_>,
    enrollment_id: i64,
) -> Result<Vec<PageRow>, sqlx::Error> {
    let sql = concat!(page_select!(), "WHERE p.enrollment_id = $1 ORDER BY p.id");
    db!(c, |c| sqlx::query_as::<_, PageRow>(sql)
        .bind(enrollment_id)
        .fetch_all(&mut *c)
        .await)
}

pub async fn page(c: Conn<'_>, id: i64) -> Result<Option<PageRow>, sqlx::Error> {
    let sql = concat!(page_select!(), "WHERE p.id = $1");
    db!(c, |c| sqlx::query_as::<_, PageRow>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// The stored image of a page: the full page or its thumbnail.
pub async fn page_image(c: Conn<'_>, id: i64, thumb: bool) -> Result<Option<String>, sqlx::Error> {
    let sql = if thumb {
        "SELECT thumb_sha256 FROM fax_pages WHERE id = $1"
    } else {
        "SELECT image_sha256 FROM fax_pages WHERE id = $1"
    };
    db!(c, |c| sqlx::query_scalar::<_, Option<String>>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
    .map(Option::flatten)
}

/// The text of the code read on a page, if any.
pub async fn page_payload(c: Conn<'_>, id: i64) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT payload FROM fax_pages WHERE id = $1";
    db!(c, |c| sqlx::query_scalar::<_, Option<String>>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
    .map(Option::flatten)
}

/// Pages waiting for the centre: unreadable or invalid, not yet settled.
pub async fn waiting(c: Conn<'_>) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM fax_pages WHERE outcome IN ('unreadable', 'invalid')";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut *c)
        .await)
}

/// An enrollment an unmatched page may belong to.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Candidate {
    pub id: i64,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub state: State,
    pub subject_name: String,
    pub subject_kana: String,
    pub birth_date: chrono::NaiveDate,
    /// The obtainer's office.
    pub office_name: String,
    /// The open addition (追加待ち) the person's team waits on: the page is then offered as a
    /// page of its 支援チームメンバー追加同意書, not of a 別紙1 copy.
    pub addition_id: Option<i64>,
    /// For a candidate found by what OCR read on the page: how well it agrees, 0 to 1.
    #[sqlx(skip)]
    pub score: Option<f64>,
    /// …and the fields that agreed (氏名, フリガナ, 生年月日, 電話番号).
    #[sqlx(skip)]
    pub agreed: Vec<String>,
}

/// Enrollments waiting for a copy (or with an addition waiting for its form) that a page may
/// belong to: the codes read off the page (a
/// damaged QR code, or two forms' codes on one page), the obtainer's office FAX number (digits
/// only), or a search by name, カナ or code.
pub async fn candidates(
    c: Conn<'_>,
    codes: (Option<&str>, Option<&str>),
    fax_digits: Option<&str>,
    search: Option<&SearchTerm>,
) -> Result<Vec<Candidate>, sqlx::Error> {
    let sql = "SELECT e.id, e.code, e.state, s.name AS subject_name, s.kana AS subject_kana,
            s.birth_date, o.name AS office_name,
            (SELECT a.id FROM team_additions a
             WHERE a.enrollment_id = e.id AND a.state = 'open') AS addition_id
        FROM enrollments e JOIN subjects s ON s.id = e.subject_id
        JOIN offices o ON o.id = e.obtainer_office_id
        WHERE (e.state IN ('form_issued', 'consent_signed', 'returned') -- State::awaits_copy
            OR EXISTS (SELECT 1 FROM team_additions t
                WHERE t.enrollment_id = e.id AND t.state = 'open'))
          AND (
            e.code = $1 OR e.code = $6
            OR REPLACE(REPLACE(REPLACE(o.fax, '-', ''), ' ', ''), '(', '') = $2
            OR REPLACE(REPLACE(s.name, ' ', ''), '　', '') LIKE $3
            OR REPLACE(REPLACE(s.kana, ' ', ''), '　', '') LIKE $4 OR e.code = $5)
        ORDER BY e.updated_at DESC, e.id DESC LIMIT 50";
    db!(c, |c| sqlx::query_as::<_, Candidate>(sql)
        .bind(codes.0)
        .bind(fax_digits)
        .bind(search.map(|s| s.name_like.as_str()))
        .bind(search.map(|s| s.kana_like.as_str()))
        .bind(search.and_then(|s| s.code.as_deref()))
        .bind(codes.1)
        .fetch_all(&mut *c)
        .await)
}

/// The oldest page still waiting for a person, other than `not`: the next one to reconcile.
pub async fn next_waiting(c: Conn<'_>, not: i64) -> Result<Option<i64>, sqlx::Error> {
    let sql = "SELECT p.id FROM fax_pages p
        WHERE p.outcome IN ('unreadable', 'invalid') AND p.id <> $1
        ORDER BY p.created_at, p.id LIMIT 1";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(not)
        .fetch_optional(&mut *c)
        .await)
}

/// Copies of the current round missing a page: some pages matched, the last more than
/// `before`, and the enrollment still waiting for the copy. (enrollment, round, pages, of).
pub async fn incomplete_copies(
    c: Conn<'_>,
    before: DateTime<Utc>,
) -> Result<Vec<(i64, i64, i64, i64)>, sqlx::Error> {
    let sql = "SELECT e.id, e.copy_round, COUNT(DISTINCT p.form_page), MAX(p.form_pages)
        FROM enrollments e JOIN fax_pages p ON p.enrollment_id = e.id AND p.copy_round = e.copy_round
        WHERE e.state IN ('form_issued', 'consent_signed', 'returned') -- State::awaits_copy
          AND p.outcome = 'matched'
        GROUP BY e.id, e.copy_round
        HAVING COUNT(DISTINCT p.form_page) < MAX(p.form_pages) AND MAX(p.created_at) < $1";
    db!(c, |c| sqlx::query_as::<_, (i64, i64, i64, i64)>(sql)
        .bind(before)
        .fetch_all(&mut *c)
        .await)
}

/// A page a person settled: assigned by hand, or set aside as not a form.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResolvedRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub outcome: PageOutcome,
    pub reason: String,
    pub enrollment_code: Option<String>,
    pub form_page: Option<i64>,
    pub resolved_at: DateTime<Utc>,
    pub resolved_by: Option<String>,
}

/// The pages people settled, the latest first.
pub async fn resolved(c: Conn<'_>, limit: i64) -> Result<Vec<ResolvedRow>, sqlx::Error> {
    let sql = "SELECT p.id, p.outcome, p.reason, e.code AS enrollment_code, p.form_page,
            p.resolved_at, u.name AS resolved_by
        FROM fax_pages p LEFT JOIN enrollments e ON e.id = p.enrollment_id
        LEFT JOIN users u ON u.id = p.resolved_by
        WHERE p.resolved_by IS NOT NULL AND p.resolved_at IS NOT NULL
        ORDER BY p.resolved_at DESC, p.id DESC LIMIT $1";
    db!(c, |c| sqlx::query_as::<_, ResolvedRow>(sql)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}
