//! The field checks of a message's front pages (#20), made after reading and before the
//! message's transaction, so a page and its checks are stored together. Each received first
//! page of our 別紙1 is compared with what its form version prints in the checked fields;
//! whatever cannot be checked (a version not known here, a page image that will not decode) is
//! simply not checked, and a person looks as before. Checking never fails the message.

use std::collections::HashMap;
use std::time::Instant;

use consentflow_workers::check::{self, FrontCheck, Verdict};
use consentflow_workers::fax::{Found, PageScan};
use consentflow_workers::form::marks::Field;
use consentflow_workers::mail::read::ReadMessage;
use consentflow_workers::FormKind;

use crate::context::Context;
use crate::domain::status::{CheckedField, FieldVerdict};
use crate::error::{internal, AppResult};
use crate::store::checks::{self, NewCheck};
use crate::store::{blobs, Conn};

/// One field as checked, its crop as PNG.
pub(super) struct CheckedInk {
    pub field: CheckedField,
    pub verdict: FieldVerdict,
    pub area_mm2: Option<f64>,
    pub longest_mm: Option<f64>,
    pub crop_png: Option<Vec<u8>>,
}

/// A front page's checks, ready to store.
pub(super) struct Checked {
    pub residual_mm: Option<f64>,
    pub problems: Vec<&'static str>,
    pub fields: Vec<CheckedInk>,
}

/// Pages are keyed by (document's position in the message, page number).
pub(super) type Checks = HashMap<(usize, u32), Checked>;

/// The page's one code of ours when it is a first page of 別紙1 or of a 支援チームメンバー追加
/// 同意書: its payload, and the code as read (its text and sightings).
fn front_code(scan: &PageScan) -> Option<(&consentflow_workers::Payload, &Found)> {
    let kind = match super::outcome::codes_on(scan).len() {
        1 => FormKind::Bessi1,
        0 => {
            let mut codes: Vec<String> = scan
                .verified()
                .filter(|p| p.kind == FormKind::MemberAddition)
                .map(|p| p.code.to_string())
                .collect();
            codes.dedup();
            if codes.len() != 1 {
                return None;
            }
            FormKind::MemberAddition
        }
        _ => return None,
    };
    scan.found.iter().find_map(|f| match &f.verdict {
        Ok(p) if p.kind == kind && p.page == 1 => Some((p, f)),
        _ => None,
    })
}

/// Checks every front page of `read`.
#[tracing::instrument(skip_all)]
pub(super) async fn run(app: &Context, read: &ReadMessage) -> Checks {
    let mut out = Checks::new();
    for (d, doc) in read.documents.iter().enumerate() {
        for report in &doc.pages {
            let Ok(page) = &report.outcome else { continue };
            let Some((payload, found)) = front_code(&page.scan) else {
                continue;
            };
            let job = Job {
                kind: payload.kind,
                version: payload.version,
                text: found.text.clone(),
                sightings: found.sightings.clone(),
                png: page.image_png.clone(),
            };
            match one(app, job).await {
                Ok(Some(c)) => {
                    out.insert((d, report.number), c);
                }
                Ok(None) => {}
                // A person looks, as before: never a reason to lose the message.
                Err(e) => tracing::warn!(error = %e, "field check failed"),
            }
        }
    }
    out
}

struct Job {
    kind: FormKind,
    version: u16,
    text: String,
    sightings: Vec<Vec<(f32, f32)>>,
    png: Vec<u8>,
}

async fn one(app: &Context, job: Job) -> AppResult<Option<Checked>> {
    let Some(entry) = app.forms.get_of(job.kind, job.version).cloned() else {
        return Ok(None);
    };
    let permit = app.cpu.clone().acquire_owned().await;
    let started = Instant::now();
    let checked = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        // The form's printed matter is rendered at its version's first check, then kept.
        let printed = entry.printed();
        check::received_front(
            &job.png,
            &job.sightings,
            &job.text,
            &entry.template,
            printed,
        )
        .map(|c| stored(&c))
    })
    .await
    .map_err(internal)?;
    metrics::histogram!("intake_check_seconds").record(started.elapsed().as_secs_f64());
    match checked {
        Ok(c) => Ok(Some(c)),
        Err(e) => {
            tracing::warn!(error = %e, "page image not checked");
            Ok(None)
        }
    }
}

fn field_of(f: Field) -> CheckedField {
    match f {
        Field::ConsentDate => CheckedField::ConsentDate,
        Field::Signature => CheckedField::Signature,
        Field::ProxySignature => CheckedField::ProxySignature,
        Field::Relationship => CheckedField::Relationship,
    }
}

fn stored(c: &FrontCheck) -> Checked {
    Checked {
        residual_mm: c.registration.map(|r| r.residual_mm()),
        problems: c.problems(),
        fields: c
            .fields
            .iter()
            .map(|f| CheckedInk {
                field: field_of(f.field),
                verdict: match f.verdict {
                    Verdict::Filled => FieldVerdict::Filled,
                    Verdict::Empty => FieldVerdict::Empty,
                    Verdict::Undecided => FieldVerdict::Undecided,
                },
                area_mm2: f.ink.as_ref().map(|i| i.area_mm2),
                longest_mm: f.ink.as_ref().map(|i| i.longest_mm),
                crop_png: f.crop.as_ref().map(|g| g.to_png()),
            })
            .collect(),
    }
}

/// Stores a page's checks (in the message's transaction).
pub(super) async fn store(mut c: Conn<'_>, page_id: i64, checked: &Checked) -> AppResult<()> {
    for f in &checked.fields {
        let crop = match &f.crop_png {
            Some(png) => Some(blobs::put(c.reborrow(), "image/png", png).await?),
            None => None,
        };
        checks::insert(
            c.reborrow(),
            &NewCheck {
                page_id,
                field: f.field,
                verdict: f.verdict,
                area_mm2: f.area_mm2,
                longest_mm: f.longest_mm,
                crop_sha256: crop.as_deref(),
            },
        )
        .await?;
    }
    for f in &checked.fields {
        metrics::counter!("intake_field_checks_total", "verdict" => f.verdict.as_str())
            .increment(1);
    }
    checks::set_page(
        c,
        page_id,
        checked.residual_mm,
        &checked.problems.join("\n"),
    )
    .await?;
    Ok(())
}
