//! Pages without a code of ours, read by OCR in the reading job (#20, part 2), after reading and
//! before the message's transaction, within `intake.ocr_seconds` a page; and, in the
//! transaction, a page assigned by what it says when its best candidate is far ahead
//! (`ocr::score::decisive`). Otherwise the page waits for a person with its candidates ranked.
//! OCR never fails a message: a machine without Tesseract, or a page past its budget, says so on
//! the page and is matched by hand as before.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use consentflow_workers::fax::PageScan;
use consentflow_workers::mail::read::ReadMessage;
use consentflow_workers::ocr::{self, Engine, OcrError, OcrFields};
use serde_json::json;

use crate::context::Context;
use crate::domain::status::{OcrStatus, PageOutcome};
use crate::domain::Actor;
use crate::error::AppResult;
use crate::service::ocr::{index_of, ranked};
use crate::service::reconcile::current_form;
use crate::store::audit::{self, Event};
use crate::store::fax::{self, NewPage};
use crate::store::ocr::{self as store, PageOcr};
use crate::store::{enrollments, Conn};

/// What OCR came to on one page.
pub(super) struct Reading {
    pub ocr: PageOcr,
    pub fields: OcrFields,
}

/// Pages are keyed by (document's position in the message, page number).
pub(super) type Readings = HashMap<(usize, u32), Reading>;

/// OCR reads only pages with no verified code of ours.
fn wanted(scan: &PageScan) -> bool {
    scan.verified().next().is_none()
}

/// Whether `engine` is installed, asked once a process (installing Tesseract needs a restart).
fn installed(engine: &Engine) -> bool {
    static SEEN: OnceLock<Mutex<Vec<(Engine, bool)>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| Mutex::new(Vec::new()));
    if let Some((_, ok)) = seen
        .lock()
        .map(|s| s.iter().find(|(e, _)| e == engine).cloned())
        .ok()
        .flatten()
    {
        return ok;
    }
    let ok = engine.available();
    if let Ok(mut s) = seen.lock() {
        s.push((engine.clone(), ok));
    }
    if !ok {
        tracing::warn!(
            "OCR is not installed (tesseract with jpn): pages without codes are matched by hand"
        );
    }
    ok
}

fn without(status: OcrStatus) -> Reading {
    Reading {
        ocr: PageOcr {
            status,
            text: None,
            ms: None,
        },
        fields: OcrFields::default(),
    }
}

/// Reads every page of `read` that has no code of ours.
#[tracing::instrument(skip_all)]
pub(super) async fn run(app: &Context, read: &ReadMessage) -> Readings {
    let mut out = Readings::new();
    let setting = app.config.intake.ocr();
    let engine = match &setting {
        Some((engine, _)) => {
            let e = engine.clone();
            let ok = tokio::task::spawn_blocking(move || installed(&e))
                .await
                .unwrap_or(false);
            ok.then_some(engine)
        }
        None => None,
    };
    for (d, doc) in read.documents.iter().enumerate() {
        for report in &doc.pages {
            let Ok(page) = &report.outcome else { continue };
            if !wanted(&page.scan) {
                continue;
            }
            let reading = match (&setting, engine) {
                (None, _) => without(OcrStatus::Off),
                (Some(_), None) => without(OcrStatus::NotInstalled),
                (Some((_, budget)), Some(engine)) => {
                    one(app, engine.clone(), *budget, page.image_png.clone()).await
                }
            };
            metrics::counter!("intake_ocr_pages_total", "status" => reading.ocr.status.as_str())
                .increment(1);
            out.insert((d, report.number), reading);
        }
    }
    out
}

/// One page through OCR, on the CPU pool.
async fn one(app: &Context, engine: Engine, budget: std::time::Duration, png: Vec<u8>) -> Reading {
    let limits = app.config.intake.limits();
    let permit = app.cpu.clone().acquire_owned().await;
    let started = Instant::now();
    let got = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let (gray, _) = consentflow_workers::fax::raster_png(&png, &limits)
            .map_err(|e| OcrError::Failed(e.to_string()))?;
        engine.read_form(&gray, budget)
    })
    .await
    .unwrap_or_else(|e| Err(OcrError::Failed(e.to_string())));
    let ms = Some(started.elapsed().as_millis() as i64);
    metrics::histogram!("intake_ocr_seconds").record(started.elapsed().as_secs_f64());
    match got {
        Ok((text, fields)) => Reading {
            ocr: PageOcr {
                status: OcrStatus::Read,
                text: Some(text),
                ms,
            },
            fields,
        },
        Err(e) => {
            tracing::warn!(error = %e, "OCR gave no text");
            let status = match e {
                OcrError::NotInstalled => OcrStatus::NotInstalled,
                OcrError::TimedOut(_) => OcrStatus::TimedOut,
                OcrError::Failed(_) => OcrStatus::Failed,
            };
            let mut r = without(status);
            r.ocr.ms = ms;
            r
        }
    }
}

/// Stores what OCR came to on a page (in the message's transaction).
pub(super) async fn store(c: Conn<'_>, page_id: i64, r: &Reading) -> AppResult<()> {
    let index = r.ocr.text.as_deref().map(index_of);
    store::set(c, page_id, &r.ocr, index.as_deref()).await?;
    Ok(())
}

/// The enrollment a page without any code belongs to, when what OCR read on it leaves no doubt:
/// the city's 別紙1 by its title, its best candidate decisive, that enrollment's front page not
/// in yet. Fills in the match on `row`; the reason names the fields that agreed.
pub(super) async fn decide(
    mut c: Conn<'_>,
    r: &Reading,
    row: &mut NewPage<'_>,
) -> AppResult<Option<(PageOutcome, String, i64, Vec<&'static str>)>> {
    if !r.fields.is_consent_form {
        return Ok(None);
    }
    let list = ranked(c.reborrow(), &r.fields).await?;
    let scores: Vec<_> = list.iter().map(|(_, r)| r.clone()).collect();
    if !ocr::score::decisive(&scores) {
        return Ok(None);
    }
    let (person, best) = &list[0];
    enrollments::lock(c.reborrow(), person.id).await?;
    let Some(e) = enrollments::get(c.reborrow(), person.id).await? else {
        return Ok(None);
    };
    let Some(form) = current_form(c.reborrow(), e.id).await? else {
        return Ok(None);
    };
    let received = fax::received_pages(c.reborrow(), e.id, e.copy_round).await?;
    if received.contains(&1) || !e.state.awaits_copy() {
        return Ok(None);
    }
    row.enrollment_id = Some(e.id);
    row.copy_round = Some(e.copy_round);
    row.form_page = Some(1);
    row.form_pages = Some(form.pages);
    row.form_version = Some(form.form_version);
    row.is_primary = true;
    let agreed = best.score.agreed.clone();
    let reason = format!(
        "記載内容（OCR）から 1/{}ページ目として照合しました（一致：{}）",
        form.pages,
        agreed.join("・")
    );
    Ok(Some((PageOutcome::Matched, reason, e.id, agreed)))
}

/// The audit event of a page assigned by what it says (after the page's row exists).
pub(super) async fn audit_assigned(
    c: Conn<'_>,
    page_id: i64,
    enrollment_id: i64,
    agreed: &[&'static str],
) -> AppResult<()> {
    audit::append(
        c,
        Event {
            actor: &Actor::System,
            action: "fax_page.assign_by_text",
            target_kind: "fax_page",
            target_id: page_id,
            from_state: None,
            to_state: Some(PageOutcome::Matched.as_str()),
            details: json!({ "enrollment_id": enrollment_id, "page": 1, "agreed": agreed }),
        },
    )
    .await?;
    Ok(())
}
