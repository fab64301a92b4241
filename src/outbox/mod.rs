//! Outbound e-mail through an outbox. An e-mail is a row written in the same transaction as
//! the event that causes it (`enqueue`); a job sends it (`send`). A transient SMTP failure is
//! retried with growing pauses for `retry_hours`, a permanent one is marked failed with the
//! server's reply. The Message-ID is fixed when the row is written, so a resend after a crash
//! is recognisable as the same message.

pub mod handover;
pub mod incidents;
pub mod notify;
pub mod offices;
pub mod reminders;
pub mod seal;
pub mod team;
pub mod templates;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::error::{internal, AppError, AppResult};
use crate::store::outbox::{self as outbox_rows, NewMail};
use crate::store::Conn;

/// An e-mail to send, rendered from a template.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Unique per e-mail that should exist once (e.g. `resend:<enrollment>:<audit id>`):
    /// writing the same key twice writes one e-mail.
    pub key: String,
    pub template: &'static str,
    pub to_address: String,
    pub to_name: Option<String>,
    /// What it is about, for the screens: ("enrollment", id), ("office", id).
    pub target: Option<(&'static str, i64)>,
    pub vars: Vec<(&'static str, String)>,
    /// A secret variable (a voucher's password): stored sealed, put in only when sent.
    pub sealed: Option<(&'static str, String)>,
}

/// The Message-ID of the e-mail with `key`: the same on every attempt and on every node.
pub fn message_id(key: &str, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty())
        .unwrap_or("consentflow.invalid");
    let hash = hex::encode(&Sha256::digest(key.as_bytes())[..16]);
    format!("<{hash}@{domain}>")
}

/// Writes `mail` inside the caller's transaction. Returns the row id, or None when an e-mail
/// with the same key was written before.
pub async fn enqueue(c: Conn<'_>, app: &Context, mail: &Mail) -> AppResult<Option<i64>> {
    let cfg = &app.config.mail;
    let mut vars: Vec<(&str, &str)> = mail.vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.push(("centre_phone", &app.config.centre.phone));
    vars.push(("city", &app.config.city));
    if let Some((name, _)) = &mail.sealed {
        vars.push((name, seal::MARK));
    }
    let sealed = mail
        .sealed
        .as_ref()
        .map(|(_, secret)| seal::seal(&app.keys.session_key, secret));
    let r =
        templates::render(cfg.templates_dir.as_deref(), mail.template, &vars).map_err(internal)?;
    let id = message_id(&mail.key, &cfg.from);
    let row = NewMail {
        key: &mail.key,
        message_id: &id,
        template: mail.template,
        to_address: &mail.to_address,
        to_name: mail.to_name.as_deref(),
        subject: &r.subject,
        body_text: &r.body,
        target_kind: mail.target.map(|t| t.0),
        target_id: mail.target.map(|t| t.1),
        sealed: sealed.as_deref(),
    };
    Ok(outbox_rows::insert(c, &row).await?)
}

/// Writes several e-mails inside the caller's transaction; returns the ids newly written.
pub async fn enqueue_all(mut c: Conn<'_>, app: &Context, mails: &[Mail]) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    for m in mails {
        ids.extend(enqueue(c.reborrow(), app, m).await?);
    }
    Ok(ids)
}

/// How long queueing the send jobs may take before the e-mails are left to the dispatcher.
const KICK_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Queues the send jobs of e-mails just committed. Losing this (a crash) only delays them to
/// the next dispatch. While the process stops, nothing is queued: the mail worker has stopped
/// taking jobs, and a push to its queue could wait for it (apalis flushes through the worker's
/// own buffer), holding up the job that wrote the e-mails past the shutdown's grace.
pub async fn kick(app: &Context, ids: Vec<i64>) {
    if ids.is_empty() {
        return;
    }
    if app.stopping.is_cancelled() {
        tracing::info!(
            n = ids.len(),
            "e-mails left to the dispatcher: shutting down"
        );
        return;
    }
    let pushed = tokio::time::timeout(KICK_WITHIN, app.queue.send_mails(ids.clone()))
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within {KICK_WITHIN:?}")));
    match pushed {
        Ok(()) => {
            if let Err(e) = queued(app, &ids).await {
                tracing::warn!(error = %e, "could not note queued e-mails");
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not queue e-mails; the dispatcher will"),
    }
}

async fn queued(app: &Context, ids: &[i64]) -> AppResult<()> {
    let mut c = app.store.acquire().await?;
    outbox_rows::mark_queued(c.conn(), ids).await?;
    Ok(())
}

/// Pause before attempt `n + 1` after `n` failed: `first`, twice that, four times … (1, 2, 4 …
/// minutes by default), at most an hour.
pub fn backoff(attempts: i64, first_seconds: i64) -> chrono::Duration {
    let factor = 1i64 << attempts.clamp(1, 7).saturating_sub(1);
    chrono::Duration::seconds((first_seconds.max(1) * factor).min(3600))
}

/// What one send attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Sent,
    /// Not due, already sent, or another worker has it.
    Skipped,
    Retry(DateTime<Utc>),
    Failed,
}

/// Sends e-mail `id` if it is due and no one else is sending it.
#[tracing::instrument(skip(app))]
pub async fn send(app: &Context, id: i64) -> AppResult<Sent> {
    let mut c = app.store.acquire().await?;
    let until = c.conn().now + chrono::Duration::seconds(app.config.mail.claim_seconds.max(1));
    if !outbox_rows::claim(c.conn(), id, until).await? {
        return Ok(Sent::Skipped);
    }
    let mut row = outbox_rows::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(sealed) = row.sealed.take() {
        let Some(secret) = seal::open(&app.keys.session_key, &sealed) else {
            // Sealed under another key (it was rotated): this e-mail can never be sent.
            let why = "封印された部分を開けません（鍵が変わりました）。再発行してください。";
            outbox_rows::mark_failed(c.conn(), id, why, None).await?;
            return Ok(Sent::Failed);
        };
        row.body_text = row.body_text.replacen(seal::MARK, &secret, 1);
    }
    drop(c);
    let result = app.mailer.send(&app.config.mail, &row).await;
    let mut c = app.store.acquire().await?;
    match result {
        Ok(()) => {
            outbox_rows::mark_sent(c.conn(), id).await?;
            tracing::info!(template = %row.template, "e-mail sent");
            Ok(Sent::Sent)
        }
        Err(e) => {
            let give_up = row.created_at + chrono::Duration::hours(app.config.mail.retry_hours);
            let retry_at =
                c.conn().now + backoff(row.attempts, app.config.mail.retry_first_seconds);
            let retry = e.is_transient() && retry_at < give_up;
            tracing::warn!(error = %e, transient = e.is_transient(), attempts = row.attempts, "e-mail not sent");
            outbox_rows::mark_failed(c.conn(), id, &e.to_string(), retry.then_some(retry_at))
                .await?;
            Ok(if retry {
                Sent::Retry(retry_at)
            } else {
                Sent::Failed
            })
        }
    }
}

/// E-mails queued at a time by [`dispatch`].
const DISPATCH_BATCH: usize = 200;

/// Queues a send job for every e-mail due: new ones whose kick was lost, and retries. All of
/// them, a batch at a time (it took 200 every `mail.dispatch_seconds`: thousands left without
/// a job waited hours), until the process stops.
pub async fn dispatch(app: &Context) -> AppResult<usize> {
    let requeue = chrono::Duration::seconds(app.config.mail.requeue_seconds.max(1));
    let mut total = 0;
    loop {
        let mut c = app.store.acquire().await?;
        let since = c.conn().now - requeue;
        let ids = outbox_rows::due(c.conn(), DISPATCH_BATCH as i64, since).await?;
        drop(c);
        let n = ids.len();
        if n > 0 {
            app.queue
                .send_mails(ids.clone())
                .await
                .map_err(AppError::Internal)?;
            queued(app, &ids).await?;
        }
        total += n;
        if n < DISPATCH_BATCH || app.go_on().is_err() {
            return Ok(total);
        }
    }
}

/// Runs `dispatch` every `mail.dispatch_seconds`, for ever (the job runner supervises it).
pub async fn dispatch_loop(app: Context) {
    let every = std::time::Duration::from_secs(app.config.mail.dispatch_seconds.max(1));
    loop {
        if let Err(e) = dispatch(&app).await {
            tracing::warn!(error = %e, "outbox dispatch failed");
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_stable_and_in_the_senders_domain() {
        let a = message_id("resend:1:2", "電子@連絡帳 <noreply@city.example.jp>");
        assert_eq!(
            a,
            message_id("resend:1:2", "電子@連絡帳 <noreply@city.example.jp>")
        );
        assert!(
            a.ends_with("@city.example.jp>") && a.starts_with('<'),
            "{a}"
        );
        assert_ne!(a, message_id("resend:1:3", "noreply@city.example.jp"));
    }

    #[test]
    fn backoff_grows_to_an_hour() {
        let m = |n| backoff(n, 60).num_minutes();
        assert_eq!((m(1), m(2), m(3), m(7), m(30)), (1, 2, 4, 60, 60));
    }
}
