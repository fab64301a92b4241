//! What the schedules do: decide, as of their slot, which reminders are due, and write each as
//! an outbox e-mail with a key naming its cycle and step (so each is sent once).

use chrono::{DateTime, Duration, Utc};

use crate::clock::japan_date;
use crate::context::Context;
use crate::error::AppResult;
use crate::outbox::{self, Mail};
use crate::store::{additions, devices, enrollments, fax_list, offices, trainings, Conn};

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
    mails.extend(overdue(c.conn(), app, now).await?);
    mails.extend(additions_overdue(c.conn(), app, now).await?);
    mails.extend(vouchers(c.conn(), app, now).await?);
    drop(c);
    let n = write(app, mails).await?;
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

async fn overdue(mut c: Conn<'_>, app: &Context, now: DateTime<Utc>) -> AppResult<Vec<Mail>> {
    let d = &app.config.deadlines;
    let repeat = app.config.reminders.repeat_days.max(1);
    let mut mails = Vec::new();
    for e in enrollments::overdue(c.reborrow(), &d.cutoffs(now)).await? {
        let Some(days) = d.overdue_days(e.state, e.updated_at, now) else {
            continue;
        };
        // On the first day overdue, then every `repeat` days: at most that often, even when a
        // reminder held back (below) leaves a week out.
        if (days - 1) % repeat != 0 {
            continue;
        }
        // A copy may be sitting unread in the centre's queue: no reminder while a page from
        // the obtainer's FAX number waits there.
        if e.state.awaits_copy() {
            let office = offices::get(c.reborrow(), e.obtainer_office_id).await?;
            let digits: String = office
                .map(|o| o.fax.chars().filter(char::is_ascii_digit).collect())
                .unwrap_or_default();
            if !digits.is_empty() && fax_list::waiting_from(c.reborrow(), &digits).await? {
                continue;
            }
        }
        let k = (days - 1) / repeat;
        mails.extend(outbox::reminders::overdue(c.reborrow(), app, &e, e.state, days, k).await?);
    }
    Ok(mails)
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
