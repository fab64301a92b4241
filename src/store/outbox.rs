//! The outbox: e-mails written with the event that causes them, sent by a job.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::status::MailStatus;

/// An e-mail to write (see `outbox::Mail`).
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub key: &'a str,
    pub message_id: &'a str,
    pub template: &'a str,
    pub to_address: &'a str,
    pub to_name: Option<&'a str>,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub target_kind: Option<&'a str>,
    pub target_id: Option<i64>,
    /// A sealed secret (see `outbox::seal`).
    pub sealed: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OutboxRow {
    pub id: i64,
    pub idempotency_key: String,
    pub message_id: String,
    pub template: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub target_kind: Option<String>,
    pub target_id: Option<i64>,
    /// pending, sent or failed
    #[sqlx(try_from = "String")]
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// A sealed secret awaiting sending; never shown.
    #[serde(skip)]
    pub sealed: Option<String>,
}

macro_rules! columns {
    () => {
        "id, idempotency_key, message_id, template, to_address, to_name, subject, body_text,
         target_kind, target_id, status, attempts, next_attempt_at, last_error, created_at, sent_at,
         sealed"
    };
}

/// Writes the e-mail unless one with the same key exists. Returns its id when written.
pub async fn insert(c: Conn<'_>, m: &NewMail<'_>) -> Result<Option<i64>, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO outbox (idempotency_key, message_id, template, to_address, to_name,
            subject, body_text, target_kind, target_id, status, attempts, next_attempt_at, created_at,
            sealed)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $10, $11)
        ON CONFLICT (idempotency_key) DO NOTHING RETURNING id";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(m.key)
        .bind(m.message_id)
        .bind(m.template)
        .bind(m.to_address)
        .bind(m.to_name)
        .bind(m.subject)
        .bind(m.body_text)
        .bind(m.target_kind)
        .bind(m.target_id)
        .bind(now)
        .bind(m.sealed)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<OutboxRow>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM outbox WHERE id = $1");
    db!(c, |c| sqlx::query_as::<_, OutboxRow>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// Takes a due e-mail for sending until `until`. False when it is not due, already sent, or
/// another worker has it.
pub async fn claim(c: Conn<'_>, id: i64, until: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let now = c.now;
    // The job that claims the row is the one that was waiting: none waits now.
    let sql = "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1, queued_at = NULL
        WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $3
          AND (claimed_until IS NULL OR claimed_until < $3)";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(until)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn mark_sent(c: Conn<'_>, id: i64) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE outbox SET status = 'sent', sent_at = $2, claimed_until = NULL,
        last_error = NULL, sealed = NULL WHERE id = $1";
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// A failed attempt: tried again at `retry_at`, or given up (`None`).
pub async fn mark_failed(
    c: Conn<'_>,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    // Given up: the sealed secret goes too (a new voucher will be issued).
    let sql = "UPDATE outbox SET status = $2, last_error = $3, claimed_until = NULL,
        next_attempt_at = COALESCE($4, next_attempt_at),
        sealed = CASE WHEN $2 = 'failed' THEN NULL ELSE sealed END WHERE id = $1";
    let status = if retry_at.is_some() {
        MailStatus::Pending
    } else {
        MailStatus::Failed
    };
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(status.as_str())
        .bind(error)
        .bind(retry_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// E-mails due for sending that no worker holds and no job queued since `queued_before` waits
/// for.
pub async fn due(
    c: Conn<'_>,
    limit: i64,
    queued_before: DateTime<Utc>,
) -> Result<Vec<i64>, sqlx::Error> {
    let now = c.now;
    let sql = "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
        AND (claimed_until IS NULL OR claimed_until < $1)
        AND (queued_at IS NULL OR queued_at < $3) ORDER BY next_attempt_at, id LIMIT $2";
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(now)
        .bind(limit)
        .bind(queued_before)
        .fetch_all(&mut *c)
        .await)
}

/// Notes that send jobs were queued for `ids`.
pub async fn mark_queued(c: Conn<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
    let now = c.now;
    db!(c, |c| {
        for id in ids {
            sqlx::query("UPDATE outbox SET queued_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *c)
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    })
}

/// The newest e-mails, optionally of one status or about one target.
pub async fn list(
    c: Conn<'_>,
    status: Option<&str>,
    target: Option<(&str, i64)>,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM outbox WHERE ($1 IS NULL OR status = $1)
          AND ($2 IS NULL OR (target_kind = $2 AND target_id = $3))
        ORDER BY created_at DESC, id DESC LIMIT $4"
    );
    db!(c, |c| sqlx::query_as::<_, OutboxRow>(sql)
        .bind(status)
        .bind(target.map(|t| t.0))
        .bind(target.map(|t| t.1))
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}
