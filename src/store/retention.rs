//! Retiring old data (#22): which ended enrollments are due, the city's holds, and the
//! erasure itself — personal fields, page images, printed PDFs and raw messages that concern
//! only that enrollment. Codes, states, dates and actors stay.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;

/// An ended enrollment, as the city's list of coming erasures shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Ended {
    pub id: i64,
    pub code: String,
    pub state: String,
    /// When it ended.
    pub updated_at: DateTime<Utc>,
    pub retention_hold: Option<String>,
    pub retention_hold_at: Option<DateTime<Utc>>,
}

/// Ended enrollments not yet erased that ended at or before `ended_by`, oldest first; with
/// `held` false, only those the city does not hold back.
pub async fn ended_by(
    c: Conn<'_>,
    ended_by: DateTime<Utc>,
    held: bool,
    limit: i64,
) -> Result<Vec<Ended>, sqlx::Error> {
    let sql = "SELECT id, code, state, updated_at, retention_hold, retention_hold_at
        FROM enrollments
        WHERE state IN ('withdrawn', 'closed') AND erased_at IS NULL AND updated_at <= $1
          AND ($2 OR retention_hold IS NULL)
        ORDER BY updated_at, id LIMIT $3";
    db!(c, |c| sqlx::query_as::<_, Ended>(sql)
        .bind(ended_by)
        .bind(held)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}

/// Holds (with a reason) or lets go (None). False if it was erased already.
pub async fn set_hold(
    c: Conn<'_>,
    id: i64,
    reason: Option<&str>,
    by: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE enrollments SET retention_hold = $1,
            retention_hold_at = CASE WHEN $1 IS NULL THEN NULL ELSE $2 END,
            retention_hold_by = CASE WHEN $1 IS NULL THEN NULL ELSE $3 END
        WHERE id = $4 AND erased_at IS NULL";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(reason)
        .bind(now)
        .bind(by)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// What one erasure removed, for its record.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Erased {
    pub subject: bool,
    pub journal_entries: u64,
    pub team_members: u64,
    pub printed_forms: u64,
    pub pages: u64,
    pub page_crops: u64,
    pub documents: u64,
    pub raw_messages: u64,
    pub mails: u64,
}

async fn run(c: Conn<'_>, sql: &'static str, id: i64) -> Result<u64, sqlx::Error> {
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))
}

/// A blob no longer holding anything: kept as a row (rows still name it), emptied.
macro_rules! empty_blobs {
    ($which:expr) => {
        concat!(
            "UPDATE blobs SET data = $2, size = 0 WHERE sha256 IN (",
            $which,
            ") AND size > 0"
        )
    };
}

async fn empty(c: Conn<'_>, sql: &'static str, id: i64) -> Result<u64, sqlx::Error> {
    let nothing: Vec<u8> = Vec::new();
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(&nothing)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))
}

// The FAX messages that are this enrollment's alone: some page was matched to it, and none to
// another enrollment.
macro_rules! only_ours {
    () => {
        "SELECT m.id FROM fax_messages m
        WHERE EXISTS (SELECT 1 FROM fax_documents d2 JOIN fax_pages p ON p.document_id = d2.id
                      WHERE d2.message_id = m.id AND p.enrollment_id = $1)
          AND NOT EXISTS (SELECT 1 FROM fax_documents d2 JOIN fax_pages p ON p.document_id = d2.id
                          WHERE d2.message_id = m.id AND p.enrollment_id IS NOT NULL
                            AND p.enrollment_id <> $1)"
    };
}

/// Erases enrollment `id`'s personal data in the caller's transaction.
pub async fn erase(mut c: Conn<'_>, id: i64) -> Result<Erased, sqlx::Error> {
    let now = c.now;
    let mut e = Erased {
        subject: run(
            c.reborrow(),
            "UPDATE subjects SET name = '（消去済み）', kana = '', birth_date = '1900-01-01',
                sex = 'unspecified', address = '', phone = '', insurance_number = NULL
            WHERE id = (SELECT subject_id FROM enrollments WHERE id = $1)",
            id,
        )
        .await?
            == 1,
        journal_entries: run(
            c.reborrow(),
            "DELETE FROM subject_changes WHERE enrollment_id = $1",
            id,
        )
        .await?,
        team_members: run(
            c.reborrow(),
            "UPDATE team_members SET name = '（消去済み）', phone = '' WHERE enrollment_id = $1",
            id,
        )
        .await?,
        ..Erased::default()
    };
    run(
        c.reborrow(),
        "UPDATE team_changes SET member = '{}', replacement = NULL WHERE enrollment_id = $1",
        id,
    )
    .await?;
    e.printed_forms = empty(
        c.reborrow(),
        empty_blobs!("SELECT blob_sha256 FROM issued_forms WHERE enrollment_id = $1"),
        id,
    )
    .await?;
    e.pages = empty(
        c.reborrow(),
        empty_blobs!(
            "SELECT image_sha256 FROM fax_pages WHERE enrollment_id = $1
        UNION SELECT thumb_sha256 FROM fax_pages WHERE enrollment_id = $1"
        ),
        id,
    )
    .await?;
    e.page_crops = empty(
        c.reborrow(),
        empty_blobs!(
            "SELECT k.crop_sha256 FROM page_checks k
        JOIN fax_pages p ON p.id = k.page_id WHERE p.enrollment_id = $1"
        ),
        id,
    )
    .await?;
    run(
        c.reborrow(),
        "UPDATE fax_pages SET ocr_text = NULL, ocr_index = NULL WHERE enrollment_id = $1",
        id,
    )
    .await?;
    let documents = empty_blobs!(concat!(
        "SELECT blob_sha256 FROM fax_documents WHERE message_id IN (",
        only_ours!(),
        ")"
    ));
    e.documents = empty(c.reborrow(), documents, id).await?;
    let raw = empty_blobs!(concat!(
        "SELECT raw_sha256 FROM fax_messages WHERE id IN (",
        only_ours!(),
        ")"
    ));
    e.raw_messages = empty(c.reborrow(), raw, id).await?;
    e.mails = run(
        c.reborrow(),
        "UPDATE outbox SET body_text = '（消去済み）'
        WHERE target_kind = 'enrollment' AND target_id = $1 AND status = 'sent'",
        id,
    )
    .await?;
    let sql = "UPDATE enrollments SET erased_at = $1 WHERE id = $2 AND erased_at IS NULL";
    db!(c, |c| sqlx::query(sql)
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    Ok(e)
}
