//! What the schedules do: decide, as of their slot, which reminders are due, and write each as
//! an outbox e-mail with a key naming its cycle and step (so each is sent once).

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::clock::japan_date;
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::outbox::{self, Mail};
use crate::store::reminders::{self, OverdueRow};
use crate::store::{
    additions, devices, enrollments, fax_list, offices, schedules, trainings, users, Conn,
};

/// Writes `mails` in one transaction and queues them. Returns how many were new.
async fn write(app: &Context, mails: Vec<Mail>) -> AppResult<usize> {
    let mut tx = app.store.begin().await?;
    let ids = outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    let n = ids.len();
    outbox::kick(app, ids).await;
    Ok(n)
}

/// The daily run: the training cycle, overdue enrollments, expiring certificate numbers.
#[tracing::instrument(skip(app))]
pub async fn daily(app: &Context, now: DateTime<Utc>) -> AppResult<usize> {
    let mut c = app.store.acquire().await?;
    let mut mails = training(c.conn(), app, now).await?;
    mails.extend(additions_overdue(c.conn(), app, now).await?);
    mails.extend(vouchers(c.conn(), app, now).await?);
    drop(c);
    let mut n = write(app, mails).await?;
    n += overdue(app, now).await?;
    tracing::info!(new = n, "reminders written");
    Ok(n)
}

async fn training(mut c: Conn<'_>, app: &Context, now: DateTime<Utc>) -> AppResult<Vec<Mail>> {
    let rules = &app.config.training;
    let today = japan_date(now);
    let mut mails = Vec::new();
    for o in trainings::by_office(c.reborrow()).await? {
        let due = rules.due(o.last, japan_date(o.created_at));
        for step in rules.steps(due, today) {
            mails.extend(outbox::reminders::training(c.reborrow(), app, &o, due, step).await?);
        }
    }
    Ok(mails)
}

/// Overdue enrollments, set-based: a page of `reminders.batch` at a time by id, each joined to what its
/// e-mail needs, written in a transaction of its own that also records how far the run got
/// (so a run cut off by a shutdown resumes there for the same slot). Memory holds one page.
async fn overdue(app: &Context, now: DateTime<Utc>) -> AppResult<usize> {
    let d = &app.config.deadlines;
    let cut = d.cutoffs(now);
    let (mut after, held, centre) = {
        let mut c = app.store.acquire().await?;
        (
            schedules::progress(c.conn(), NAME, now).await?.unwrap_or(0),
            reminders::waiting_fax_numbers(c.conn()).await?,
            users::centre_addresses(c.conn()).await?,
        )
    };
    let batch = app.config.reminders.batch.max(1);
    let mut written = 0;
    loop {
        let rows = {
            let mut c = app.store.acquire().await?;
            reminders::overdue_after(c.conn(), &cut, after, batch).await?
        };
        let Some(last) = rows.last().map(|r| r.e.id) else {
            break;
        };
        let mails: Vec<Mail> = rows
            .iter()
            .filter_map(|r| due_step(app, r, now, &held).map(|step| (r, step)))
            .flat_map(|(r, step)| outbox::reminders::overdue(app, r, step, &centre))
            .collect();
        // A stop drops a batch still waiting (for SQLite's write lock, say): its transaction
        // rolls back, and the resumed run writes it again (each e-mail's key keeps it once).
        let batch_written = async {
            let mut tx = app.store.begin().await?;
            let ids = outbox::enqueue_all(tx.conn(), app, &mails).await?;
            schedules::set_progress(tx.conn(), NAME, now, last).await?;
            tx.commit().await?;
            Ok::<_, AppError>(ids)
        };
        let ids = tokio::select! {
            ids = batch_written => ids?,
            _ = app.stopping.cancelled() => return Err(AppError::Interrupted),
        };
        written += ids.len();
        outbox::kick(app, ids).await;
        if (rows.len() as i64) < batch {
            break;
        }
        app.go_on()?;
        after = last;
    }
    Ok(written)
}

/// The schedule whose run this is (its progress is kept under this name).
const NAME: &str = "reminders";

/// Whether row `r` is reminded today: (days overdue, which reminder of this wait).
fn due_step(
    app: &Context,
    r: &OverdueRow,
    now: DateTime<Utc>,
    held: &HashSet<String>,
) -> Option<(i64, i64)> {
    let repeat = app.config.reminders.repeat_days.max(1);
    let days = app
        .config
        .deadlines
        .overdue_days(r.e.state, r.e.updated_at, now)?;
    // On the first day overdue, then every `repeat` days: at most that often, even when a
    // reminder held back (below) leaves a week out.
    if (days - 1) % repeat != 0 {
        return None;
    }
    // A copy may be sitting unread in the centre's queue: no reminder while a page from the
    // obtainer's FAX number waits there.
    if r.e.state.awaits_copy() && held.contains(&r.fax_digits()) {
        return None;
    }
    Some((days, (days - 1) / repeat))
}

/// Additions whose consent form has not come back within `deadlines.copy_days` (#22): the
/// obtainer is reminded on the first day overdue, then every `repeat_days`, as for 別紙1.
async fn additions_overdue(
    mut c: Conn<'_>,
    app: &Context,
    now: DateTime<Utc>,
) -> AppResult<Vec<Mail>> {
    let d = &app.config.deadlines;
    let repeat = app.config.reminders.repeat_days.max(1);
    let mut mails = Vec::new();
    for a in additions::overdue(c.reborrow(), d.cutoffs(now).copy).await? {
        let days = (now - a.asked_at).num_days() - d.copy_days;
        if days < 1 || (days - 1) % repeat != 0 {
            continue;
        }
        let Some(e) = enrollments::get(c.reborrow(), a.enrollment_id).await? else {
            continue;
        };
        let k = (days - 1) / repeat;
        mails.extend(
            outbox::reminders::addition_overdue(c.reborrow(), app, &e, a.id, days, k).await?,
        );
    }
    Ok(mails)
}

async fn vouchers(mut c: Conn<'_>, app: &Context, now: DateTime<Utc>) -> AppResult<Vec<Mail>> {
    let until = now + Duration::days(app.config.reminders.voucher_warn_days);
    let mut mails = Vec::new();
    for (voucher, office, expires) in devices::expiring(c.reborrow(), now, until).await? {
        if let Some(o) = offices::get(c.reborrow(), office).await? {
            mails.push(outbox::reminders::voucher_expiring(&o, voucher, expires));
        }
    }
    Ok(mails)
}

/// The hourly run: copies still missing a page some hours after their last page arrived.
#[tracing::instrument(skip(app))]
pub async fn missing_pages(app: &Context, now: DateTime<Utc>) -> AppResult<usize> {
    let before = now - Duration::hours(app.config.reminders.missing_page_hours);
    let mut c = app.store.acquire().await?;
    let mut mails = Vec::new();
    for (id, _round, got, of) in fax_list::incomplete_copies(c.conn(), before).await? {
        let Some(e) = enrollments::get(c.conn(), id).await? else {
            continue;
        };
        mails.extend(outbox::reminders::copy_incomplete(c.conn(), app, &e, (got, of)).await?);
    }
    drop(c);
    write(app, mails).await
}
