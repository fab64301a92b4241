//! The council report's reductions: rows read by `store::report` turned into figures, with no
//! database and no clock (the service passes the moments in).

use chrono::{DateTime, NaiveDate, Utc};

use super::report::{Count, FaxFigures, IncidentFigures, LeadTimes, OfficeFigures};
use crate::clock::japan_date;
use crate::domain::office::OfficeKind;
use crate::domain::report::{percent, Spread};
use crate::domain::status::{IncidentKind, IncidentState, PageOutcome};
use crate::domain::training::{Status as TrainingStatus, TrainingRules};
use crate::store::report::{DeviceRow, OfficeRow, PageRow, StepRow};

/// Each lead time's samples: (when the later step was taken, days).
#[derive(Default)]
pub struct Leads {
    consent_to_copy: Vec<(DateTime<Utc>, f64)>,
    copy_to_verified: Vec<(DateTime<Utc>, f64)>,
    verified_to_active: Vec<(DateTime<Utc>, f64)>,
}

impl Leads {
    pub fn spread(&self, keep: impl Fn(&DateTime<Utc>) -> bool) -> LeadTimes {
        let of = |v: &[(DateTime<Utc>, f64)]| {
            let xs: Vec<f64> = v.iter().filter(|(t, _)| keep(t)).map(|x| x.1).collect();
            (!xs.is_empty()).then(|| Spread::of(xs))
        };
        LeadTimes {
            consent_to_copy: of(&self.consent_to_copy),
            copy_to_verified: of(&self.copy_to_verified),
            verified_to_active: of(&self.verified_to_active),
        }
    }
}

fn days(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    ((b - a).num_seconds() as f64 / 86_400.0 * 10.0).round() / 10.0
}

/// From each enrollment's first copy received, first verification and first activation.
pub fn lead_samples(steps: &[StepRow]) -> Leads {
    let mut out = Leads::default();
    for one in steps.chunk_by(|a, b| a.enrollment_id == b.enrollment_id) {
        let first = |s: &str| one.iter().find(|r| r.to_state == s).map(|r| r.at);
        let (copy, verified, active) = (first("copy_received"), first("verified"), first("active"));
        if let (Some(c), Some(d)) = (copy, one[0].consent_date) {
            out.consent_to_copy
                .push((c, (japan_date(c) - d).num_days() as f64));
        }
        if let (Some(c), Some(v)) = (copy, verified) {
            out.copy_to_verified.push((v, days(c, v)));
        }
        if let (Some(v), Some(a)) = (verified, active) {
            out.verified_to_active.push((a, days(v, a)));
        }
    }
    out
}

pub fn is_auto(r: &PageRow) -> bool {
    r.outcome == PageOutcome::Matched.as_str() && !r.by_hand
}

pub fn fax_figures(messages: i64, pages: &[&PageRow]) -> FaxFigures {
    let n = |f: &dyn Fn(&PageRow) -> bool| pages.iter().filter(|r| f(r)).count() as i64;
    let outcome = |r: &PageRow| PageOutcome::parse(&r.outcome);
    let total = pages.len() as i64;
    let auto = n(&is_auto);
    let by_hand = n(&|r| outcome(r) == Some(PageOutcome::Matched) && r.by_hand);
    let discarded = n(&|r| outcome(r) == Some(PageOutcome::Discarded));
    let waiting = n(&|r| outcome(r).is_some_and(PageOutcome::needs_a_person));
    let minutes = |hand: Option<bool>| {
        let xs: Vec<f64> = pages
            .iter()
            .filter(|r| outcome(r) == Some(PageOutcome::Matched))
            .filter(|r| hand.is_none_or(|h| r.by_hand == h))
            .filter_map(|r| {
                let t = if r.by_hand {
                    r.resolved_at
                } else {
                    r.processed_at
                }?;
                Some(((t - r.received_at).num_seconds() as f64 / 6.0).round() / 10.0)
            })
            .collect();
        Spread::of(xs).median
    };
    FaxFigures {
        messages,
        pages: total,
        auto,
        by_hand,
        discarded,
        set_aside: total - auto - by_hand - discarded - waiting,
        waiting,
        auto_share: percent(auto, total),
        by_hand_share: percent(by_hand, total),
        discarded_share: percent(discarded, total),
        median_minutes_auto: minutes(Some(false)),
        median_minutes_by_hand: minutes(Some(true)),
        median_minutes: minutes(None),
    }
}

pub fn office_figures(
    offices: &[OfficeRow],
    devices: &[DeviceRow],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<OfficeFigures> {
    let open_at_end =
        |from: DateTime<Utc>, to: Option<DateTime<Utc>>| from < end && to.is_none_or(|t| t >= end);
    let within = |t: Option<DateTime<Utc>>| t.is_some_and(|t| t >= start && t < end);
    OfficeKind::ALL
        .iter()
        .map(|k| {
            let os: Vec<_> = offices.iter().filter(|o| o.kind == k.as_str()).collect();
            let ds: Vec<_> = devices.iter().filter(|d| d.kind == k.as_str()).collect();
            OfficeFigures {
                kind: k.as_str(),
                label: k.label_ja(),
                registered: os
                    .iter()
                    .filter(|o| open_at_end(o.created_at, o.closed_at))
                    .count() as i64,
                approved: os.iter().filter(|o| within(Some(o.created_at))).count() as i64,
                closed: os.iter().filter(|o| within(o.closed_at)).count() as i64,
                pcs: ds
                    .iter()
                    .filter(|d| open_at_end(d.created_at, d.revoked_at))
                    .count() as i64,
                pcs_new: ds.iter().filter(|d| within(Some(d.created_at))).count() as i64,
            }
        })
        .collect()
}

/// Offices registered at the period's end by their training standing on its last day.
pub fn training(
    rules: &TrainingRules,
    offices: &[OfficeRow],
    end: DateTime<Utc>,
    day: NaiveDate,
) -> Vec<Count> {
    let mut counts = [0i64; 4];
    for o in offices
        .iter()
        .filter(|o| o.created_at < end && o.closed_at.is_none_or(|t| t >= end))
    {
        let due = rules.due(o.last_training, japan_date(o.created_at));
        let s = rules.status(due, day, o.last_training.is_some());
        if let Some(i) = TrainingStatus::ALL.iter().position(|x| *x == s) {
            counts[i] += 1;
        }
    }
    TrainingStatus::ALL
        .iter()
        .zip(counts)
        .map(|(s, count)| Count {
            key: s.as_str(),
            label: s.label_ja(),
            count,
        })
        .collect()
}

pub fn incidents(rows: Vec<(String, String, i64)>) -> Vec<IncidentFigures> {
    IncidentKind::ALL
        .iter()
        .map(|k| {
            let by_state: Vec<i64> = IncidentState::ALL
                .iter()
                .map(|s| {
                    rows.iter()
                        .filter(|(rk, rs, _)| rk == k.as_str() && rs == s.as_str())
                        .map(|x| x.2)
                        .sum()
                })
                .collect();
            IncidentFigures {
                kind: k.as_str(),
                label: k.full_label_ja(),
                total: by_state.iter().sum(),
                by_state,
            }
        })
        .collect()
}
