//! Batch printing: choose many enrollments, get one PDF, rendered by a job with progress.

use futures::StreamExt;

use crate::context::Context;
use crate::domain::{Actor, FieldError, Role};
use consentflow_workers::form;

use crate::error::{internal, AppError, AppResult};
use crate::queue::PrintBatchJob;
use crate::service::enrollments::may_see;
use crate::service::forms;
use crate::store::enrollments;
use crate::store::forms::{self as form_rows, IssuedForm, PrintBatch};
use crate::store::{blobs, users};

pub const MAX_BATCH: usize = 200;

/// How often a print batch's progress is written while it prints.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

pub async fn create(
    app: &Context,
    actor: &Actor,
    ids: &[i64],
    blank: bool,
) -> AppResult<PrintBatch> {
    let user = actor.user_id().ok_or(AppError::Unauthorized)?;
    if ids.is_empty() {
        return Err(FieldError::new("enrollment_ids", "印刷する登録を選んでください。").into());
    }
    if ids.len() > MAX_BATCH {
        return Err(FieldError::new(
            "enrollment_ids",
            format!(
                "一度に印刷できるのは{MAX_BATCH}件までです（{}件選択）。",
                ids.len()
            ),
        )
        .into());
    }
    let mut unique = Vec::new();
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    let mut c = app.store.acquire().await?;
    for id in &unique {
        let visible = enrollments::get(c.conn(), *id).await?.is_some()
            && may_see(c.conn(), actor, *id).await?;
        if !visible {
            return Err(
                FieldError::new("enrollment_ids", format!("登録 {id} は見つかりません。")).into(),
            );
        }
    }
    drop(c);
    let mut tx = app.store.begin().await?;
    let batch = form_rows::insert_batch(tx.conn(), user, &unique, blank).await?;
    tx.commit().await?;
    // After the commit, so the job always finds its row. A crash in between leaves a queued
    // batch that the page shows as waiting; printing it again is one click.
    app.queue
        .print_batch(PrintBatchJob { batch_id: batch.id })
        .await?;
    Ok(batch)
}

/// A batch, to the user who asked for it (and to the centre and the city).
pub async fn get(app: &Context, actor: &Actor, id: i64) -> AppResult<PrintBatch> {
    let mut c = app.store.acquire().await?;
    let b = form_rows::batch(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = Some(b.requested_by) == actor.user_id()
        || matches!(actor.role(), Some(Role::Centre | Role::CityAdmin));
    if !allowed {
        return Err(AppError::NotFound);
    }
    Ok(b)
}

/// A finished batch's joined PDF.
pub async fn pdf(app: &Context, actor: &Actor, id: i64) -> AppResult<(PrintBatch, Vec<u8>)> {
    let b = get(app, actor, id).await?;
    let sha = b.blob_sha256.clone().ok_or(AppError::NotFound)?;
    let mut c = app.store.acquire().await?;
    let (_, data) = crate::store::blobs::get(c.conn(), &sha)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    // Up to 200 people's forms: one read logged for each, before the PDF goes out.
    if !b.blank {
        let ids: Vec<i64> = serde_json::from_str(&b.enrollment_ids)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("batch {}: {e}", b.id)))?;
        for id in ids {
            super::reads::record(&app.store, actor, "consent_form_batch", ("enrollment", id))
                .await?;
        }
    }
    Ok((b, data))
}

/// Each enrollment's form as it is issued (or fetched), in order.
type Issued = tokio::sync::mpsc::UnboundedReceiver<(i64, AppResult<(IssuedForm, Vec<u8>)>)>;

/// Issues (or fetches) each form, two at a time (one is drawn on a blocking thread while the
/// other is stored), on a task of its own: a form's transaction never waits on the caller,
/// who writes the batch's progress meanwhile. Dropping the handle stops it.
fn issue_all(
    app: &Context,
    actor: Actor,
    ids: Vec<i64>,
    blank: bool,
) -> (Issued, tokio_util::task::AbortOnDropHandle<()>) {
    let (send, recv) = tokio::sync::mpsc::unbounded_channel();
    let app = app.clone();
    let task = tokio::spawn(async move {
        let (app, actor) = (&app, &actor);
        let mut issued = futures::stream::iter(ids)
            .map(|id| async move { (id, forms::issue_or_fetch(app, actor, id, blank).await) })
            .buffered(2);
        while let Some(r) = issued.next().await {
            if send.send(r).is_err() {
                break;
            }
        }
    });
    (recv, tokio_util::task::AbortOnDropHandle::new(task))
}

/// Prints each enrollment as the user who asked (so the same rules apply as for one form),
/// records progress, and stores the joined PDF. One enrollment that cannot be printed is listed
/// with its reason; the rest still print.
pub async fn print(app: &Context, batch_id: i64) -> AppResult<()> {
    let mut c = app.store.acquire().await?;
    let batch = form_rows::batch(c.conn(), batch_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if batch.status.finished() {
        return Ok(()); // a retry after the work was finished
    }
    let user = users::get(c.conn(), batch.requested_by)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    let actor = Actor::User {
        id: user.id,
        role: user.role(),
        office_id: user.office_id,
    };
    let ids: Vec<i64> = serde_json::from_str(&batch.enrollment_ids).map_err(internal)?;
    let mut pdfs = Vec::new();
    let mut problems = Vec::new();
    let (mut issued, _issuing) = issue_all(app, actor.clone(), ids.clone(), batch.blank);
    let (mut done, mut reported) = (0, std::time::Instant::now());
    while let Some((id, result)) = issued.recv().await {
        match result {
            Ok((_, pdf)) => pdfs.push(pdf),
            Err(e) => {
                let mut c = app.store.acquire().await?;
                let code = enrollments::get(c.conn(), id)
                    .await?
                    .map(|e| e.code)
                    .unwrap_or_else(|| id.to_string());
                problems.push(format!("登録コード {code}: {}", e.message_ja()));
            }
        }
        done += 1;
        // The progress bar moves four times a second, not one transaction a form.
        if done == ids.len() || reported.elapsed() >= PROGRESS_EVERY {
            let mut tx = app.store.begin().await?;
            form_rows::batch_progress(tx.conn(), batch.id, done as i64).await?;
            tx.commit().await?;
            reported = std::time::Instant::now();
        }
        app.go_on()?;
    }
    drop(issued);
    let merged = if pdfs.is_empty() {
        None
    } else {
        let merged = tokio::task::spawn_blocking(move || form::batch::merge(&pdfs))
            .await
            .map_err(internal)?;
        let (bytes, joined) = merged.map_err(internal)?;
        if let form::batch::Joined::PageByPage(why) = joined {
            tracing::warn!(batch_id, %why, "batch joined page by page, each form with its font");
        }
        Some(bytes)
    };
    let error = (!problems.is_empty()).then(|| problems.join("\n"));
    let mut tx = app.store.begin().await?;
    let sha = match &merged {
        Some(bytes) => Some(blobs::put(tx.conn(), "application/pdf", bytes).await?),
        None => None,
    };
    form_rows::batch_finish(tx.conn(), batch.id, sha.as_deref(), error.as_deref()).await?;
    tx.commit().await?;
    tracing::info!(
        printed = ids.len() - problems.len(),
        refused = problems.len(),
        "print batch finished"
    );
    Ok(())
}
