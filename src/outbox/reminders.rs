//! The reminders' e-mails (see `schedule::reminders`). Each key names what it reminds of, the
//! cycle, and the step, so a reminder exists once however often the schedule runs.

use chrono::{DateTime, NaiveDate, Utc};

use super::notify::{about, obtainer, url};
use super::offices::{city, mail};
use super::Mail;
use crate::context::Context;
use crate::domain::enrollment::State;
use crate::domain::training::Step;
use crate::error::AppResult;
use crate::store::enrollments::{self, EnrollmentRow};
use crate::store::offices::Office;
use crate::store::reminders::OverdueRow;
use crate::store::trainings::OfficeTraining;
use crate::store::Conn;

/// A training reminder of `step` for the cycle due on `due`: the office's administrator, or
/// for `Step::City` the city.
pub async fn training(
    c: Conn<'_>,
    app: &Context,
    o: &OfficeTraining,
    due: NaiveDate,
    step: Step,
) -> AppResult<Vec<Mail>> {
    let vars = |extra: Vec<(&'static str, String)>| {
        let mut v = vec![
            ("office", o.name.clone()),
            ("due", crate::domain::date::shown(due)),
            (
                "link",
                url(app, &format!("/offices/{}/trainings", o.office_id)),
            ),
        ];
        v.extend(extra);
        v
    };
    let key = |to: &str| {
        format!(
            "training:{}:{due}:{}:{}",
            o.office_id,
            step.key(),
            to.to_lowercase()
        )
    };
    let target = ("office", o.office_id);
    if step == Step::City {
        let days = app.config.training.city_after_days.to_string();
        return Ok(city(c, app)
            .await?
            .into_iter()
            .map(|to| {
                let k = key(&to.0);
                mail(
                    k,
                    "training_city",
                    to,
                    target,
                    vars(vec![("days", days.clone())]),
                )
            })
            .collect());
    }
    let template = match step {
        Step::Before => "training_before",
        Step::Due => "training_due",
        _ => "training_overdue",
    };
    let name = Some(o.admin_name.clone()).filter(|n| !n.is_empty());
    let to = (o.admin_email.clone(), name);
    Ok(vec![mail(key(&to.0), template, to, target, vars(vec![]))])
}

/// An enrollment overdue by `days` (the `k`-th reminder of this wait): the obtainer for a
/// copy, the centre (`centre`'s addresses) for an activation. No query: the row carries what
/// the e-mail needs, so a run over a city's overdue enrollments reads them a page at a time.
pub fn overdue(
    app: &Context,
    row: &OverdueRow,
    (days, k): (i64, i64),
    centre: &[(String, String)],
) -> Vec<Mail> {
    let e = &row.e;
    let template = match e.state {
        State::Returned => "resend_overdue",
        State::TeamRegistered => "activation_overdue",
        _ => "copy_overdue",
    };
    let to: Vec<(String, Option<String>)> = if e.state == State::TeamRegistered {
        centre
            .iter()
            .map(|(a, n)| (a.clone(), Some(n.clone())))
            .collect()
    } else {
        vec![row.obtainer()]
    };
    let entered = e.updated_at.timestamp();
    to.into_iter()
        .map(|to| {
            let key = format!(
                "overdue:{}:{}:{entered}:{k}:{}",
                e.id,
                e.state,
                to.0.to_lowercase()
            );
            about(
                app,
                e,
                &row.kana,
                (key, template),
                to,
                vec![("days", days.to_string())],
            )
        })
        .collect()
}

/// An addition's consent form not back `days` past its deadline (the `k`-th reminder): the
/// obtainer hears it.
pub async fn addition_overdue(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    addition: i64,
    days: i64,
    k: i64,
) -> AppResult<Vec<Mail>> {
    let to: Vec<(String, Option<String>)> = obtainer(c.reborrow(), e).await?.into_iter().collect();
    let subject = enrollments::subject(c, e.subject_id).await?;
    Ok(to
        .into_iter()
        .map(|to| {
            let key = format!("addition-overdue:{addition}:{k}:{}", to.0.to_lowercase());
            let more = vec![("days", days.to_string())];
            about(app, e, &subject.kana, (key, "addition_overdue"), to, more)
        })
        .collect())
}

/// A certificate retrieval No not used yet, expiring soon.
pub fn voucher_expiring(office: &Office, voucher: i64, expires: DateTime<Utc>) -> Mail {
    let name = Some(office.admin_name.clone()).filter(|n| !n.is_empty());
    mail(
        format!("voucher-expiring:{voucher}"),
        "voucher_expiring",
        (office.admin_email.clone(), name),
        ("office", office.id),
        vec![
            ("office", office.name.clone()),
            ("expires", crate::clock::local_time(&expires)),
        ],
    )
}

/// A copy that came in with a page missing: the obtainer sends the rest. Once per copy round.
pub async fn copy_incomplete(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    (got, of): (i64, i64),
) -> AppResult<Option<Mail>> {
    let Some(to) = obtainer(c.reborrow(), e).await? else {
        return Ok(None);
    };
    let subject = enrollments::subject(c, e.subject_id).await?;
    let key = format!("missing:{}:{}", e.id, e.copy_round);
    let more = vec![("got", got.to_string()), ("of", of.to_string())];
    Ok(Some(about(
        app,
        e,
        &subject.kana,
        (key, "copy_incomplete"),
        to,
        more,
    )))
}
