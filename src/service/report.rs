//! 運営状況の報告: the figures the city reports to the council for a period — offices, PCs and
//! logins; enrollments and their funnel; lead times; FAX intake; training; incidents — read
//! as of the period's end. [`document`](super::report_doc) lays the same figures out for the
//! screen, the PDF and the CSV.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::report_counts::{
    fax_figures, incidents, is_auto, lead_samples, office_figures, training, Leads,
};
use crate::clock::japan_date;
use crate::context::Context;
use crate::domain::enrollment::State;
use crate::domain::report::{percent, Month, Period, Spread};
use crate::domain::{Actor, Role};
use crate::error::{AppError, AppResult};
use crate::store::report::{self as rows, PageRow};
use crate::store::Conn;

/// Charts show at least this many months (a month's report shows the half-year to it).
pub const TREND_MONTHS: usize = 6;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfficeFigures {
    pub kind: &'static str,
    pub label: &'static str,
    /// Registered at the period's end (not closed).
    pub registered: i64,
    /// Registered (approved) during the period.
    pub approved: i64,
    pub closed: i64,
    /// PCs enrolled at the period's end, and newly in it.
    pub pcs: i64,
    pub pcs_new: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrollmentFigures {
    pub new: i64,
    pub activated: i64,
    pub withdrawn: i64,
    pub closed: i64,
    pub active_at_end: i64,
}

/// Days between steps, for the enrollments that took the later step in the month.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct LeadTimes {
    pub consent_to_copy: Option<Spread>,
    pub copy_to_verified: Option<Spread>,
    pub verified_to_active: Option<Spread>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthFigures {
    /// 2026-11
    pub month: String,
    pub label: String,
    /// Outside the period: shown for the trend only.
    pub in_period: bool,
    pub new: i64,
    pub active_at_end: i64,
    pub lead: LeadTimes,
    pub pages: i64,
    pub auto_share: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct FaxFigures {
    pub messages: i64,
    pub pages: i64,
    pub auto: i64,
    pub by_hand: i64,
    pub discarded: i64,
    /// Duplicates and pages of an older form version.
    pub set_aside: i64,
    /// Still waiting for the centre.
    pub waiting: i64,
    pub auto_share: Option<f64>,
    pub by_hand_share: Option<f64>,
    pub discarded_share: Option<f64>,
    /// Median minutes from arrival to match: automatic, by hand, all.
    pub median_minutes_auto: Option<f64>,
    pub median_minutes_by_hand: Option<f64>,
    pub median_minutes: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentFigures {
    pub kind: &'static str,
    pub label: String,
    /// By state at the period's end: received, in_progress, done.
    pub by_state: Vec<i64>,
    pub total: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OperationsReport {
    pub period: Period,
    pub label: String,
    /// When the period is not over yet: the moment its figures were read.
    pub as_of: Option<DateTime<Utc>>,
    pub offices: Vec<OfficeFigures>,
    pub logins: Vec<Count>,
    pub enrollments: EnrollmentFigures,
    pub funnel: Vec<Count>,
    pub lead: LeadTimes,
    pub months: Vec<MonthFigures>,
    pub fax: FaxFigures,
    pub training: Vec<Count>,
    pub incidents: Vec<IncidentFigures>,
}

/// The city's report; nobody else's (the centre works the cases, the city reports on them).
pub async fn operations(
    app: &Context,
    actor: &Actor,
    period: Period,
) -> AppResult<OperationsReport> {
    if actor.role() != Some(Role::CityAdmin) && actor != &Actor::System {
        return Err(AppError::Forbidden(
            "the council report is the city's".into(),
        ));
    }
    let (start, end) = (period.start(), period.end());
    let now = app.clock.now();
    let mut c = app.store.acquire().await?;
    let mut c = c.conn();
    let day = japan_date(now.min(end - chrono::Duration::seconds(1)));
    let offices = rows::offices(c.reborrow(), day).await?;
    let devices = rows::devices(c.reborrow()).await?;
    let logins = rows::logins(c.reborrow(), end).await?;
    let entered = rows::entered(c.reborrow(), start, end).await?;
    let at_end = rows::in_state_at(c.reborrow(), end).await?;
    let trend = trend_months(&period);
    let (t0, t1) = (trend[0].start, end);
    let steps = rows::steps(c.reborrow(), t0, t1).await?;
    let pages = rows::pages(c.reborrow(), t0, t1).await?;
    let get = |v: &[(String, i64)], s: &str| v.iter().find(|(k, _)| k == s).map_or(0, |x| x.1);
    let enrollments = EnrollmentFigures {
        new: rows::created(c.reborrow(), start, end).await?,
        activated: get(&entered, "active"),
        withdrawn: get(&entered, "withdrawn"),
        closed: get(&entered, "closed"),
        active_at_end: get(&at_end, "active"),
    };
    let leads = lead_samples(&steps);
    let in_period = |t: &DateTime<Utc>| *t >= start && *t < end;
    let months = months(c.reborrow(), &trend, &period, &leads, &pages).await?;
    let period_pages: Vec<&PageRow> = pages.iter().filter(|p| in_period(&p.received_at)).collect();
    Ok(OperationsReport {
        label: period.label_ja(),
        as_of: (end > now).then_some(now),
        offices: office_figures(&offices, &devices, start, end),
        logins: Role::ALL
            .iter()
            .map(|r| Count {
                key: r.as_str(),
                label: r.label_ja(),
                count: get(&logins, r.as_str()),
            })
            .collect(),
        enrollments,
        funnel: State::ALL
            .iter()
            .map(|s| Count {
                key: s.as_str(),
                label: s.label_ja(),
                count: get(&at_end, s.as_str()),
            })
            .collect(),
        lead: leads.spread(|t| in_period(t)),
        months,
        fax: fax_figures(
            rows::messages(c.reborrow(), start, end).await?,
            &period_pages,
        ),
        training: training(&app.config.training, &offices, end, day),
        incidents: incidents(rows::incidents(c.reborrow(), start, end).await?),
        period,
    })
}

/// The months the charts show: the period's, or the half-year ending with it.
fn trend_months(p: &Period) -> Vec<Month> {
    let own = p.months();
    if own.len() >= TREND_MONTHS {
        return own;
    }
    let last = own.last().expect("a period has a month").first;
    let first = last - chrono::Months::new(TREND_MONTHS as u32 - 1);
    let mut out = Period {
        from: first,
        to: p.to,
        kind: p.kind,
    }
    .months();
    // The period's own months keep their own bounds (a range may start mid-month).
    let n = out.len() - own.len();
    out.truncate(n);
    out.extend(own);
    out
}

async fn months(
    mut c: Conn<'_>,
    trend: &[Month],
    p: &Period,
    leads: &Leads,
    pages: &[PageRow],
) -> AppResult<Vec<MonthFigures>> {
    let mut out = Vec::with_capacity(trend.len());
    let active = |v: &[(String, i64)]| v.iter().find(|(s, _)| s == "active").map_or(0, |x| x.1);
    // Counted from the states at the trend's start once, then month by month by what entered
    // and left: each month reads its own rows, not the whole log before it.
    let first = trend.first().map_or(p.start(), |m| m.start);
    let mut active_now = active(&rows::in_state_at(c.reborrow(), first).await?);
    // A range that starts mid-month leaves a gap before its first month: counted too.
    let mut since = first;
    for m in trend {
        let within = |t: &DateTime<Utc>| *t >= m.start && *t < m.end;
        let here: Vec<&PageRow> = pages.iter().filter(|r| within(&r.received_at)).collect();
        let auto = here.iter().filter(|r| is_auto(r)).count() as i64;
        active_now += active(&rows::entered(c.reborrow(), since, m.end).await?)
            - active(&rows::left(c.reborrow(), since, m.end).await?);
        since = m.end;
        out.push(MonthFigures {
            month: m.first.format("%Y-%m").to_string(),
            label: m.label_ja(),
            in_period: m.start >= p.start(),
            new: rows::created(c.reborrow(), m.start, m.end).await?,
            active_at_end: active_now,
            lead: leads.spread(within),
            pages: here.len() as i64,
            auto_share: percent(auto, here.len() as i64),
        });
    }
    Ok(out)
}
