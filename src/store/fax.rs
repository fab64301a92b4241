//! FAX intake rows: messages (a raw e-mail or a bare file), their documents, and their pages
//! with each page's outcome.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::status::{MessageStatus, PageOutcome};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MessageRow {
    pub id: i64,
    /// imap, upload, folder or cli
    pub source: String,
    /// mail (an e-mail) or file (a bare PDF, TIFF or image)
    pub kind: String,
    pub raw_sha256: String,
    pub message_id: Option<String>,
    pub file_name: Option<String>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The sending FAX number, where the gateway wrote it in the subject or body.
    pub fax_number: Option<String>,
    /// stored (waiting to be read), processed or failed
    #[sqlx(try_from = "String")]
    pub status: MessageStatus,
    pub error: Option<String>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

macro_rules! message_columns {
    () => {
        "id, source, kind, raw_sha256, message_id, file_name, sender, subject, sent_at, \
         fax_number, status, error, received_at, processed_at"
    };
}
pub(crate) use message_columns;

/// A message to store. Header fields are filled in when the message is read.
#[derive(Debug, Default)]
pub struct NewMessage<'a> {
    pub source: &'a str,
    pub kind: &'a str,
    pub raw_sha256: &'a str,
    pub body_sha256: &'a str,
    pub message_id: Option<&'a str>,
    pub file_name: Option<&'a str>,
    pub imap: Option<(&'a str, i64, i64)>,
    /// Whether the server still needs flagging or moving after the commit.
    pub imap_pending: bool,
    pub uploaded_by: Option<i64>,
}

/// Stores a message row; `None` when the same raw bytes are already stored.
pub async fn insert_message(c: Conn<'_>, m: &NewMessage<'_>) -> Result<Option<i64>, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO fax_messages (source, kind, raw_sha256, message_id, file_name, status,
                 imap_mailbox, imap_uidvalidity, imap_uid, imap_done, uploaded_by, received_at,
                 body_sha256)
               VALUES ($1, $2, $3, $4, $5, 'stored', $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (raw_sha256) DO NOTHING RETURNING id";
    let (mailbox, validity, uid) = match m.imap {
        Some((b, v, u)) => (Some(b), Some(v), Some(u)),
        None => (None, None, None),
    };
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(m.source)
        .bind(m.kind)
        .bind(m.raw_sha256)
        .bind(m.message_id)
        .bind(m.file_name)
        .bind(mailbox)
        .bind(validity)
        .bind(uid)
        .bind(!m.imap_pending)
        .bind(m.uploaded_by)
        .bind(now)
        .bind(m.body_sha256)
        .fetch_optional(&mut *c)
        .await)
}

/// The message already stored with these raw bytes, or with this Message-ID and body.
pub async fn existing(
    c: Conn<'_>,
    raw_sha256: &str,
    message_id: Option<&str>,
    body_sha256: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = "SELECT id FROM fax_messages WHERE raw_sha256 = $1
               OR (message_id = $2 AND body_sha256 = $3) ORDER BY id LIMIT 1";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(raw_sha256)
        .bind(message_id)
        .bind(body_sha256)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn message(c: Conn<'_>, id: i64) -> Result<Option<MessageRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        message_columns!(),
        " FROM fax_messages WHERE id = $1"
    );
    db!(c, |c| sqlx::query_as::<_, MessageRow>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// The sender context read from the message's headers (the document engine reads it).
pub use consentflow_workers::mail::Context;

/// Ends a message: `processed` with its context, or `failed` with the reason.
pub async fn finish_message(
    c: Conn<'_>,
    id: i64,
    ctx: &Context,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE fax_messages SET status = $1, error = $2,
                 message_id = COALESCE(message_id, $3), sender = $4, subject = $5, sent_at = $6,
                 fax_number = $7, processed_at = $8
               WHERE id = $9 AND status = 'stored'";
    db!(c, |c| sqlx::query(sql)
        .bind(if error.is_some() {
            MessageStatus::Failed.as_str()
        } else {
            MessageStatus::Processed.as_str()
        })
        .bind(error)
        .bind(ctx.message_id.as_deref())
        .bind(ctx.sender.as_deref())
        .bind(ctx.subject.as_deref())
        .bind(ctx.sent_at)
        .bind(ctx.fax_number.as_deref())
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// Messages still waiting to be read (after a crash, or queued while no worker ran).
pub async fn stored_ids(c: Conn<'_>) -> Result<Vec<i64>, sqlx::Error> {
    let sql = "SELECT id FROM fax_messages WHERE status = 'stored' ORDER BY id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_all(&mut *c)
        .await)
}

pub struct NewDocument<'a> {
    pub message_id: i64,
    pub seq: i64,
    pub file_name: Option<&'a str>,
    pub media_type: Option<&'a str>,
    pub blob_sha256: Option<&'a str>,
    pub status: &'a str,
    pub reason: Option<&'a str>,
    /// The reader's own words (English) when the document could not be read.
    pub detail: Option<&'a str>,
    pub pages: i64,
}

pub async fn insert_document(c: Conn<'_>, d: &NewDocument<'_>) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO fax_documents (message_id, seq, file_name, media_type, blob_sha256,
                 status, reason, pages, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(d.message_id)
        .bind(d.seq)
        .bind(d.file_name)
        .bind(d.media_type)
        .bind(d.blob_sha256)
        .bind(d.status)
        .bind(d.reason)
        .bind(d.pages)
        .bind(d.detail)
        .fetch_one(&mut *c)
        .await)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DocumentRow {
    pub id: i64,
    pub message_id: i64,
    pub seq: i64,
    pub file_name: Option<String>,
    pub media_type: Option<String>,
    /// read, failed or skipped (not a document)
    pub status: String,
    /// Why, in Japanese, for the centre's staff.
    pub reason: Option<String>,
    /// What the reader said, in English, when the document could not be read.
    pub detail: Option<String>,
    pub pages: i64,
}

pub async fn documents(c: Conn<'_>, message_id: i64) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let sql = "SELECT id, message_id, seq, file_name, media_type, status, reason, detail, pages
               FROM fax_documents WHERE message_id = $1 ORDER BY seq";
    db!(c, |c| sqlx::query_as::<_, DocumentRow>(sql)
        .bind(message_id)
        .fetch_all(&mut *c)
        .await)
}

#[derive(Debug, Clone, Default)]
pub struct NewPage<'a> {
    pub document_id: i64,
    pub number: i64,
    pub outcome: PageOutcome,
    pub reason: &'a str,
    /// The reader's own words (English) when a page could not be read.
    pub detail: Option<&'a str>,
    pub enrollment_id: Option<i64>,
    pub copy_round: Option<i64>,
    pub form_page: Option<i64>,
    pub form_pages: Option<i64>,
    pub form_version: Option<i64>,
    pub payload: Option<&'a str>,
    pub is_primary: bool,
    pub content_sha256: Option<&'a str>,
    pub image_sha256: Option<&'a str>,
    pub thumb_sha256: Option<&'a str>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub stage: Option<&'a str>,
    pub scan_ms: Option<i64>,
    /// A page of a 支援チームメンバー追加同意書: the addition it belongs to (#22).
    pub addition_id: Option<i64>,
}

pub async fn insert_page(c: Conn<'_>, p: &NewPage<'_>) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO fax_pages (document_id, number, outcome, reason, enrollment_id,
                 copy_round, form_page, form_pages, form_version, payload, is_primary,
                 content_sha256, image_sha256, thumb_sha256, width, height, stage, scan_ms,
                 created_at, detail, addition_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 $17, $18, $19, $20, $21) RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(p.document_id)
        .bind(p.number)
        .bind(p.outcome.as_str())
        .bind(p.reason)
        .bind(p.enrollment_id)
        .bind(p.copy_round)
        .bind(p.form_page)
        .bind(p.form_pages)
        .bind(p.form_version)
        .bind(p.payload)
        .bind(p.is_primary)
        .bind(p.content_sha256)
        .bind(p.image_sha256)
        .bind(p.thumb_sha256)
        .bind(p.width)
        .bind(p.height)
        .bind(p.stage)
        .bind(p.scan_ms)
        .bind(now)
        .bind(p.detail)
        .bind(p.addition_id)
        .fetch_one(&mut *c)
        .await)
}

/// The form pages of this enrollment's copy round that are in (primary pages).
pub async fn received_pages(
    c: Conn<'_>,
    enrollment_id: i64,
    round: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = "SELECT form_page FROM fax_pages
               WHERE enrollment_id = $1 AND copy_round = $2 AND is_primary ORDER BY form_page";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(enrollment_id)
        .bind(round)
        .fetch_all(&mut *c)
        .await)
}

/// How many pages the copy of this round has, from the codes of its pages.
pub async fn form_pages(
    c: Conn<'_>,
    enrollment_id: i64,
    round: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = "SELECT MAX(form_pages) FROM fax_pages
               WHERE enrollment_id = $1 AND copy_round = $2 AND is_primary";
    db!(c, |c| sqlx::query_scalar::<_, Option<i64>>(sql)
        .bind(enrollment_id)
        .bind(round)
        .fetch_one(&mut *c)
        .await)
}

/// The first page stored with the same content (the same FAX sent or uploaded twice).
pub async fn same_content(c: Conn<'_>, sha256: &str) -> Result<Option<i64>, sqlx::Error> {
    let sql = "SELECT id FROM fax_pages WHERE content_sha256 = $1 ORDER BY id LIMIT 1";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(sha256)
        .fetch_optional(&mut *c)
        .await)
}

/// Settles an unmatched page by hand: matched to an enrollment's page. Only a page still
/// unmatched and unsettled changes; returns whether it did.
pub async fn assign(
    c: Conn<'_>,
    page_id: i64,
    m: &NewPage<'_>,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE fax_pages SET outcome = $1, reason = $2, enrollment_id = $3, copy_round = $4,
                 form_page = $5, form_pages = $6, form_version = $7, is_primary = $8,
                 resolved_by = $9, resolved_at = $10, addition_id = $12
               WHERE id = $11 AND outcome IN ('unreadable', 'invalid') AND resolved_at IS NULL";
    db!(c, |c| sqlx::query(sql)
        .bind(m.outcome.as_str())
        .bind(m.reason)
        .bind(m.enrollment_id)
        .bind(m.copy_round)
        .bind(m.form_page)
        .bind(m.form_pages)
        .bind(m.form_version)
        .bind(m.is_primary)
        .bind(user_id)
        .bind(now)
        .bind(page_id)
        .bind(m.addition_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected() == 1))
}

/// Settles an unmatched page as not a form (a cover sheet, an advertisement), with the reason.
pub async fn discard(
    c: Conn<'_>,
    page_id: i64,
    reason: &str,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE fax_pages SET outcome = 'discarded', reason = $1, resolved_by = $2,
                 resolved_at = $3
               WHERE id = $4 AND outcome IN ('unreadable', 'invalid') AND resolved_at IS NULL";
    db!(c, |c| sqlx::query(sql)
        .bind(reason)
        .bind(user_id)
        .bind(now)
        .bind(page_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected() == 1))
}
