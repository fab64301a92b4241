//! The database half of processing a message: documents and pages stored, each page given its
//! outcome, and enrollments whose copy is complete moved to `copy_received`, all in one
//! transaction. A crash before the commit leaves the message `stored`, to be read again; after
//! it, the message is `processed` and a second run does nothing. So each page is processed once.

use std::collections::BTreeSet;

use consentflow_workers::fax::PageReport;

use super::by_text::{self, Reading, Readings};
use super::checks::{Checked, Checks};
use super::outcome;
use super::read::{read_message, ReadDocument};
use crate::context::Context;
use crate::domain::status::{MessageStatus, PageOutcome};
use crate::domain::Actor;
use crate::error::{internal, missing, AppError, AppResult};
use crate::service::copies::{complete_copy, received_mail};
use crate::store::fax::{self, NewDocument, NewPage};
use crate::store::{blobs, Conn};

/// What processing a message came to, for the CLI and the logs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub message_id: i64,
    pub status: MessageStatus,
    pub pages: Vec<(i64, PageOutcome)>,
    pub completed: Vec<i64>,
}

impl Summary {
    fn new(message_id: i64, status: MessageStatus) -> Summary {
        Summary {
            message_id,
            status,
            pages: Vec::new(),
            completed: Vec::new(),
        }
    }
}

/// Reads and stores one stored message. Does nothing for a message already processed.
#[tracing::instrument(skip(app))]
pub async fn process_message(app: &Context, id: i64) -> AppResult<Summary> {
    let mut c = app.store.acquire().await?;
    let msg = fax::message(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if msg.status != MessageStatus::Stored {
        return Ok(Summary::new(id, msg.status));
    }
    let (_, raw) = blobs::get(c.conn(), &msg.raw_sha256)
        .await?
        .ok_or_else(|| missing(format!("raw message {id}")))?;
    drop(c);
    let limits = app.config.intake.limits();
    let keys = app.keys.clone();
    let (kind, name) = (msg.kind.clone(), msg.file_name.clone());
    // Reading is CPU work: a bounded number at once, on the blocking pool.
    let permit = app.cpu.clone().acquire_owned().await;
    let read = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        // Forms printed under a retired key still verify.
        read_message(&kind, name, raw, &limits, &|k| keys.qr_key_for(k))
    })
    .await
    .map_err(internal)?;
    // Front pages of our form checked for signature and date, before the transaction.
    let checks = super::checks::run(app, &read).await;
    // Pages without a code of ours read by OCR, each within its budget.
    let readings = by_text::run(app, &read).await;

    let mut tx = app.store.begin().await?;
    let status = if read.error.is_some() {
        MessageStatus::Failed
    } else {
        MessageStatus::Processed
    };
    let mut summary = Summary::new(id, status);
    let mut touched = BTreeSet::new();
    for (seq, doc) in read.documents.iter().enumerate() {
        let at = DocAt {
            message_id: id,
            seq,
            checks: &checks,
            readings: &readings,
        };
        store_document(tx.conn(), &at, doc, &mut touched, &mut summary).await?;
    }
    let mut mails = Vec::new();
    for enrollment_id in touched {
        if complete_copy(tx.conn(), enrollment_id, &Actor::System).await? {
            summary.completed.push(enrollment_id);
            mails.extend(received_mail(tx.conn(), app, enrollment_id).await?);
        }
    }
    fax::finish_message(tx.conn(), id, &read.context, read.error.as_deref()).await?;
    super::failpoint("process-before-commit");
    tx.commit().await?;
    crate::outbox::kick(app, mails).await;
    metrics::counter!("intake_messages_total", "status" => summary.status.as_str()).increment(1);
    for (_, outcome) in &summary.pages {
        metrics::counter!("intake_pages_total", "outcome" => outcome.as_str()).increment(1);
    }
    tracing::info!(
        pages = summary.pages.len(),
        completed = summary.completed.len(),
        status = %summary.status,
        "message processed"
    );
    Ok(summary)
}

/// Where a document sits in its message, and the message's field checks and OCR readings.
struct DocAt<'a> {
    message_id: i64,
    seq: usize,
    checks: &'a Checks,
    readings: &'a Readings,
}

async fn store_document(
    mut c: Conn<'_>,
    at: &DocAt<'_>,
    doc: &ReadDocument,
    touched: &mut BTreeSet<i64>,
    summary: &mut Summary,
) -> AppResult<()> {
    let sha = blobs::put(c.reborrow(), &doc.media_type, &doc.bytes).await?;
    let document_id = fax::insert_document(
        c.reborrow(),
        &NewDocument {
            message_id: at.message_id,
            seq: at.seq as i64,
            file_name: doc.file_name.as_deref(),
            media_type: Some(&doc.media_type),
            blob_sha256: Some(&sha),
            status: doc.status,
            reason: doc.reason.as_deref(),
            detail: doc.detail.as_deref(),
            pages: doc.pages.len() as i64,
        },
    )
    .await?;
    for page in &doc.pages {
        let key = (at.seq, page.number);
        let (checked, reading) = (at.checks.get(&key), at.readings.get(&key));
        let (page_id, outcome, enrollment) =
            store_page(c.reborrow(), document_id, page, checked, reading).await?;
        if let Some(e) = enrollment {
            touched.insert(e);
        }
        summary.pages.push((page_id, outcome));
    }
    Ok(())
}

async fn store_page(
    mut c: Conn<'_>,
    document_id: i64,
    report: &PageReport,
    checked: Option<&Checked>,
    reading: Option<&Reading>,
) -> AppResult<(i64, PageOutcome, Option<i64>)> {
    let mut row = NewPage {
        document_id,
        number: i64::from(report.number),
        ..NewPage::default()
    };
    let page = match &report.outcome {
        Err(e) => {
            // Japanese for the centre; the reader's own words beside it for the API.
            let reason = format!("ページを読み取れません（{}）", outcome::page_error_ja(e));
            let detail = e.to_string();
            row.outcome = PageOutcome::Unreadable;
            row.reason = &reason;
            row.detail = Some(&detail);
            let id = fax::insert_page(c, &row).await?;
            return Ok((id, PageOutcome::Unreadable, None));
        }
        Ok(page) => page,
    };
    // The image blob is content-addressed: its digest is the page's content hash.
    let image = blobs::put(c.reborrow(), "image/png", &page.image_png).await?;
    let content = image.clone();
    let thumb = blobs::put(c.reborrow(), "image/png", &page.thumb_png).await?;
    row.content_sha256 = Some(&content);
    row.image_sha256 = Some(&image);
    row.thumb_sha256 = Some(&thumb);
    row.width = Some(i64::from(page.width));
    row.height = Some(i64::from(page.height));
    row.stage = page.scan.stage;
    row.scan_ms = Some(page.scan.elapsed.as_millis() as i64);
    // Two forms' codes on one page: keep every code read, so the centre is offered each.
    let text = if outcome::codes_on(&page.scan).len() > 1 {
        let all: Vec<&str> = page.scan.found.iter().map(|f| f.text.as_str()).collect();
        Some(all.join("\n"))
    } else {
        page.scan.found.first().map(|f| f.text.clone())
    };
    row.payload = text.as_deref();
    let (mut outcome, mut reason, mut enrollment) =
        outcome::decide_page(c.reborrow(), page, &content, &mut row).await?;
    // A page with no code at all: matched by what it says, when that leaves no doubt.
    let mut by_text = None;
    if let Some(r) = reading.filter(|_| outcome.needs_a_person() && page.scan.found.is_empty()) {
        if let Some((o, why, e, agreed)) = by_text::decide(c.reborrow(), r, &mut row).await? {
            (outcome, reason, enrollment) = (o, why, Some(e));
            by_text = Some((e, agreed));
        }
    }
    row.outcome = outcome;
    row.reason = &reason;
    let id = fax::insert_page(c.reborrow(), &row).await?;
    if let Some(r) = reading {
        by_text::store(c.reborrow(), id, r).await?;
    }
    if let Some((e, agreed)) = by_text {
        by_text::audit_assigned(c.reborrow(), id, e, &agreed).await?;
    }
    // The checks of the copy's front page (a duplicate's or an old version's are not kept).
    if let (PageOutcome::Matched, Some(checked)) = (outcome, checked) {
        super::checks::store(c, id, checked).await?;
    }
    Ok((id, outcome, enrollment))
}
