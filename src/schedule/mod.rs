//! Schedules: tokio-cron-scheduler triggers in Japan time, a row per (schedule, slot) makes each
//! firing happen once however many nodes trigger it, and an apalis job does the work. A slot
//! missed while every node was down is caught up when one starts. The work itself (reminders)
//! is idempotent per e-mail, so even a job retried after a crash sends nothing twice.

pub mod reminders;

use chrono::{DateTime, Timelike, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::store::schedules;

/// Parses a schedule's cron expression (with seconds), as the trigger does.
pub fn parse(expr: &str) -> anyhow::Result<Cron> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
        .map_err(|e| anyhow::anyhow!("schedule {expr:?}: {e}"))
}

/// The latest slot of `expr` at or before `at`.
pub fn slot_at(expr: &str, at: DateTime<Utc>) -> anyhow::Result<Option<DateTime<Utc>>> {
    let cron = parse(expr)?;
    let local = at.with_timezone(&chrono_tz::Asia::Tokyo);
    // croner keeps the sub-second part of `at`; a slot is a whole second, the same on every node.
    Ok(cron
        .find_previous_occurrence(&local, true)
        .ok()
        .and_then(|t| t.with_timezone(&Utc).with_nanosecond(0)))
}

/// How a claimed firing's work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// Queued as a job for any worker.
    Queue,
    /// Here and now (the CLI, a simulation).
    Inline,
}

/// Fires `name` for `slot` if no node has: true when this call claimed it.
#[tracing::instrument(skip(app))]
pub async fn fire(app: &Context, name: &str, slot: DateTime<Utc>, how: Run) -> AppResult<bool> {
    let mut c = app.store.acquire().await?;
    if !schedules::claim(c.conn(), name, slot).await? {
        return Ok(false);
    }
    drop(c);
    match how {
        Run::Queue => app
            .queue
            .run_schedule(crate::queue::RunScheduleJob {
                name: name.to_string(),
                slot,
            })
            .await
            .map_err(AppError::Internal)?,
        Run::Inline => run(app, name, slot).await?,
    }
    Ok(true)
}

/// Fires every schedule whose latest slot by the clock has not fired: at start (what was
/// missed while every node was down), and on each tick of a simulated clock.
pub async fn catch_up(app: &Context, how: Run) -> AppResult<Vec<(&'static str, DateTime<Utc>)>> {
    let now = app.clock.now();
    let mut fired = Vec::new();
    for (name, expr) in app.config.schedules.all() {
        let Some(slot) = slot_at(expr, now).map_err(AppError::Internal)? else {
            continue;
        };
        if fire(app, name, slot, how).await? {
            fired.push((name, slot));
        }
    }
    Ok(fired)
}

/// The work of schedule `name` as of `at`; how many new e-mails it wrote.
pub async fn work(app: &Context, name: &str, at: DateTime<Utc>) -> AppResult<usize> {
    match name {
        "reminders" => reminders::daily(app, at).await,
        "missing_pages" => reminders::missing_pages(app, at).await,
        "retention" => crate::service::retention::run(app, at).await,
        "tally" => crate::service::fax::fold_tally(app).await.map(|_| 0),
        other => {
            tracing::warn!(schedule = other, "unknown schedule");
            Ok(0)
        }
    }
}

/// The work of one claimed firing. `slot` is "now" for it: a job that runs late still acts as
/// of its slot.
#[tracing::instrument(skip(app))]
pub async fn run(app: &Context, name: &str, slot: DateTime<Utc>) -> AppResult<()> {
    work(app, name, slot).await?;
    let mut c = app.store.acquire().await?;
    schedules::finished(c.conn(), name, slot).await?;
    Ok(())
}

/// The cron triggers of one node.
pub struct Triggers(JobScheduler);

impl Triggers {
    pub async fn stop(mut self) {
        if let Err(e) = self.0.shutdown().await {
            tracing::warn!(error = %e, "stopping the schedule triggers");
        }
    }
}

/// Starts the triggers. A trigger may fire a moment early or late, so its slot is the latest
/// occurrence up to a second after it fired: every node computes the same one.
pub async fn start(app: &Context) -> anyhow::Result<Triggers> {
    let sched = JobScheduler::new().await?;
    for (name, expr) in app.config.schedules.all() {
        parse(expr)?;
        let (app, expr_owned) = (app.clone(), expr.to_string());
        let job = Job::new_async_tz(expr, chrono_tz::Asia::Tokyo, move |_, _| {
            let (app, expr) = (app.clone(), expr_owned.clone());
            Box::pin(async move {
                let at = app.clock.now() + chrono::Duration::seconds(1);
                match slot_at(&expr, at) {
                    Ok(Some(slot)) => {
                        if let Err(e) = fire(&app, name, slot, Run::Queue).await {
                            tracing::warn!(error = %e, schedule = name, "schedule not fired");
                        }
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "bad schedule"),
                }
            })
        })?;
        sched.add(job).await?;
    }
    sched.start().await?;
    Ok(Triggers(sched))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn slots_are_whole_occurrences_in_japan_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 1, 30, 5).unwrap()
            + chrono::Duration::milliseconds(700);
        // 10:30:05.7 in Japan: the last 09:00 is today's, 00:00 UTC.
        let daily = slot_at("0 0 9 * * *", at).unwrap().unwrap();
        assert_eq!(daily, Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap());
        assert_eq!(
            slot_at("*/2 * * * * *", at).unwrap().unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 26, 1, 30, 4).unwrap()
        );
        assert_eq!(
            slot_at("0 0 * * * *", at).unwrap().unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap()
        );
        assert!(parse("every day").is_err());
    }
}
