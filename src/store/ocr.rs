//! What OCR read on pages without a code of ours (#20): the text kept with the page, the
//! centre's search over it, and the people waiting for a copy whom a page may name.

use chrono::NaiveDate;

use super::Conn;
use crate::db;
use crate::domain::enrollment::State;
use crate::domain::status::OcrStatus;

/// OCR's outcome on a page, as stored.
#[derive(Debug, Clone)]
pub struct PageOcr {
    pub status: OcrStatus,
    pub text: Option<String>,
    pub ms: Option<i64>,
}

/// Records what OCR came to on a page (in the message's transaction). `index` is the text
/// squashed for search.
pub async fn set(
    c: Conn<'_>,
    page_id: i64,
    ocr: &PageOcr,
    index: Option<&str>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE fax_pages SET ocr_status = $2, ocr_text = $3, ocr_index = $4, ocr_ms = $5
        WHERE id = $1";
    db!(c, |c| sqlx::query(sql)
        .bind(page_id)
        .bind(ocr.status.as_str())
        .bind(ocr.text.as_deref())
        .bind(index)
        .bind(ocr.ms)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// OCR's outcome on a page; `None` when the page was not read (it carried a code).
pub async fn of_page(c: Conn<'_>, page_id: i64) -> Result<Option<PageOcr>, sqlx::Error> {
    let sql = "SELECT ocr_status, ocr_text, ocr_ms FROM fax_pages WHERE id = $1";
    let row = db!(c, |c| sqlx::query_as::<
        _,
        (Option<String>, Option<String>, Option<i64>),
    >(sql)
    .bind(page_id)
    .fetch_optional(&mut *c)
    .await)?;
    Ok(row.and_then(|(status, text, ms)| {
        let status = OcrStatus::parse(status.as_deref()?)?;
        Some(PageOcr { status, text, ms })
    }))
}

/// A person waiting for a copy (or for an addition's form), with what OCR's fields are
/// compared with.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WaitingPerson {
    pub id: i64,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub state: State,
    pub subject_name: String,
    pub subject_kana: String,
    pub birth_date: NaiveDate,
    pub phone: String,
    pub office_name: String,
    /// The open addition the person's team waits on (`None` when waiting for a copy).
    pub addition_id: Option<i64>,
}

/// What narrows the people waiting before they are scored: any one of these agreeing brings a
/// person in, so one misread field loses no one.
#[derive(Debug, Default, Clone)]
pub struct Narrow {
    pub birth_date: Option<NaiveDate>,
    /// LIKE patterns over the kana without spaces: its first and its last two characters.
    pub kana_head: Option<String>,
    pub kana_tail: Option<String>,
    /// LIKE pattern over the name without spaces: its first character.
    pub name_head: Option<String>,
    /// Digits only.
    pub phone: Option<String>,
}

/// People most scored against a page: the rest wait for a search.
pub const WAITING_LIMIT: i64 = 2000;

/// What a page is taken to be, so whom it may belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaited {
    /// A copy of 別紙1: people waiting for one.
    Copy,
    /// A 支援チームメンバー追加同意書: people whose team has an addition open.
    Addition,
}

macro_rules! waiting {
    ($who:literal) => {
        concat!(
            "SELECT e.id, e.code, e.state, s.name AS subject_name, s.kana AS subject_kana,
                s.birth_date, s.phone, o.name AS office_name,
                (SELECT a.id FROM team_additions a
                 WHERE a.enrollment_id = e.id AND a.state = 'open') AS addition_id
            FROM enrollments e JOIN subjects s ON s.id = e.subject_id
            JOIN offices o ON o.id = e.obtainer_office_id
            WHERE ",
            $who,
            " AND (s.birth_date = $1
                OR REPLACE(REPLACE(s.kana, ' ', ''), '　', '') LIKE $2
                OR REPLACE(REPLACE(s.kana, ' ', ''), '　', '') LIKE $3
                OR REPLACE(REPLACE(s.name, ' ', ''), '　', '') LIKE $4
                OR REPLACE(REPLACE(REPLACE(s.phone, '-', ''), ' ', ''), '(', '') = $5)
            ORDER BY e.updated_at DESC, e.id DESC LIMIT $6"
        )
    };
}

/// People waiting for what `awaited` names whom `n` lets in, the latest first.
pub async fn waiting_people(
    c: Conn<'_>,
    n: &Narrow,
    awaited: Awaited,
) -> Result<Vec<WaitingPerson>, sqlx::Error> {
    let sql = match awaited {
        // State::awaits_copy
        Awaited::Copy => waiting!("e.state IN ('form_issued', 'consent_signed', 'returned')"),
        Awaited::Addition => waiting!(
            "EXISTS (SELECT 1 FROM team_additions t
                WHERE t.enrollment_id = e.id AND t.state = 'open')"
        ),
    };
    db!(c, |c| sqlx::query_as::<_, WaitingPerson>(sql)
        .bind(n.birth_date)
        .bind(n.kana_head.as_deref())
        .bind(n.kana_tail.as_deref())
        .bind(n.name_head.as_deref())
        .bind(n.phone.as_deref())
        .bind(WAITING_LIMIT)
        .fetch_all(&mut *c)
        .await)
}
