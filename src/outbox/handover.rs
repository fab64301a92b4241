//! The e-mails of handing over (#22): a new obtainer office asked and its answer, a person
//! replaced within an office, a login moved to another office, an office closed.

use super::notify::{about, obtainer, reach, unique, url, To};
use super::offices::{city, mail};
use super::Mail;
use crate::context::Context;
use crate::error::AppResult;
use crate::store::enrollments::{self, EnrollmentRow};
use crate::store::handovers::{Closure, ObtainerChange, Transfer};
use crate::store::offices::{self, Office};
use crate::store::users::{self, UserRow};
use crate::store::Conn;

async fn office(c: Conn<'_>, id: i64) -> AppResult<Option<Office>> {
    Ok(offices::get(c, id).await?)
}

fn admin_of(o: &Office) -> To {
    (o.admin_email.clone(), Some(o.name.clone()))
}

/// E-mails about enrollment `e`, one per address, keyed `{kind}:{id}:{address}`.
async fn about_all(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    (kind, id, template): (&str, i64, &'static str),
    to: Vec<To>,
    more: Vec<(&'static str, String)>,
) -> AppResult<Vec<Mail>> {
    let subject = enrollments::subject(c.reborrow(), e.subject_id).await?;
    Ok(unique(to)
        .into_iter()
        .map(|to| {
            let key = format!("{kind}:{id}:{}", to.0.to_lowercase());
            about(app, e, &subject.kana, (key, template), to, more.clone())
        })
        .collect())
}

/// The office asked to take an enrollment on hears it (its administrator), with a link to the
/// proposals waiting for it: the enrollment itself is not theirs to open yet.
pub async fn obtainer_asked(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    change: i64,
    to_office: i64,
) -> AppResult<Vec<Mail>> {
    let Some(to) = office(c.reborrow(), to_office).await? else {
        return Ok(vec![]);
    };
    let from = office(c.reborrow(), e.obtainer_office_id).await?;
    let more = vec![("office", from.map(|o| o.name).unwrap_or_default())];
    let key = ("obtainer-asked", change, "obtainer_change_asked");
    let mut mails = about_all(c, app, e, key, vec![admin_of(&to)], more).await?;
    for m in &mut mails {
        m.vars.retain(|(k, _)| *k != "link");
        m.vars
            .push(("link", url(app, &format!("/handovers/{change}"))));
    }
    Ok(mails)
}

/// The old and the new care manager hear that the enrollment moved.
pub async fn obtainer_changed(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    change: i64,
    to_office: i64,
    to_user: i64,
) -> AppResult<Vec<Mail>> {
    let user = users::get(c.reborrow(), to_user).await?;
    let mut to: Vec<To> = obtainer(c.reborrow(), e).await?.into_iter().collect();
    to.extend(reach(c.reborrow(), user.as_ref(), Some(to_office)).await?);
    let name = office(c.reborrow(), to_office)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let more = vec![
        ("office", name),
        ("user_name", user.map(|u| u.name).unwrap_or_default()),
    ];
    let key = ("obtainer-changed", change, "obtainer_changed");
    about_all(c, app, e, key, to, more).await
}

/// The care manager who asked hears the other office's refusal.
pub async fn obtainer_declined(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    ch: &ObtainerChange,
    note: &str,
) -> AppResult<Vec<Mail>> {
    let to: Vec<To> = obtainer(c.reborrow(), e).await?.into_iter().collect();
    let more = vec![
        (
            "what",
            format!("{}への同意取得事業所の引き継ぎ", ch.to_office),
        ),
        ("reason", shown_note(note)),
    ];
    let key = ("obtainer-declined", ch.id, "request_declined");
    about_all(c, app, e, key, to, more).await
}

fn shown_note(note: &str) -> String {
    if note.is_empty() {
        "（記載なし）".into()
    } else {
        note.to_string()
    }
}

/// Both the person who left the team and the one who took over hear it.
pub async fn member_replaced(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    change: i64,
    (office_id, before, after): (i64, Option<&UserRow>, Option<&UserRow>),
    (was, now): (String, String),
) -> AppResult<Vec<Mail>> {
    let mut to = Vec::new();
    to.extend(reach(c.reborrow(), before, Some(office_id)).await?);
    to.extend(reach(c.reborrow(), after, Some(office_id)).await?);
    let name = office(c.reborrow(), office_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let more = vec![("member", was), ("replacement", now), ("office", name)];
    let key = ("member-replaced", change, "member_replaced");
    about_all(c, app, e, key, to, more).await
}

/// A transfer asked: the new office's administrator answers it on their office page.
pub async fn transfer_asked(c: Conn<'_>, app: &Context, t: &Transfer) -> AppResult<Vec<Mail>> {
    let Some(to) = office(c, t.to_office_id).await? else {
        return Ok(vec![]);
    };
    let key = format!("transfer-asked:{}:{}", t.id, to.admin_email.to_lowercase());
    let vars = vec![
        ("user_name", t.user_name.clone()),
        ("office", t.from_office.clone()),
        ("link", url(app, &format!("/offices/{}/handovers", to.id))),
    ];
    let target = ("office", to.id);
    Ok(vec![mail(
        key,
        "staff_transfer_asked",
        admin_of(&to),
        target,
        vars,
    )])
}

/// A transfer made: the person and both administrators hear it; the old one with the link to
/// the memberships left to reassign.
pub async fn transferred(
    mut c: Conn<'_>,
    app: &Context,
    t: &Transfer,
    user: &UserRow,
) -> AppResult<Vec<Mail>> {
    let mut to = Vec::new();
    to.extend(reach(c.reborrow(), Some(user), Some(t.to_office_id)).await?);
    for o in [t.from_office_id, t.to_office_id] {
        to.extend(office(c.reborrow(), o).await?.as_ref().map(admin_of));
    }
    let vars = vec![
        ("user_name", t.user_name.clone()),
        ("office", t.to_office.clone()),
        ("from_office", t.from_office.clone()),
        (
            "link",
            url(app, &format!("/offices/{}/handovers", t.from_office_id)),
        ),
    ];
    Ok(unique(to)
        .into_iter()
        .map(|to| {
            let key = format!("transferred:{}:{}", t.id, to.0.to_lowercase());
            mail(
                key,
                "staff_transferred",
                to,
                ("user", t.user_id),
                vars.clone(),
            )
        })
        .collect())
}

/// A closure asked: the city decides.
pub async fn closure_asked(c: Conn<'_>, app: &Context, k: &Closure) -> AppResult<Vec<Mail>> {
    let vars = vec![
        ("office", k.office.clone()),
        ("reason", k.reason.clone()),
        (
            "link",
            url(app, &format!("/offices/{}/handovers", k.office_id)),
        ),
    ];
    Ok(city(c, app)
        .await?
        .into_iter()
        .map(|to| {
            let key = format!("closure-asked:{}:{}", k.id, to.0.to_lowercase());
            mail(
                key,
                "office_closure_asked",
                to,
                ("office", k.office_id),
                vars.clone(),
            )
        })
        .collect())
}

/// The city's answer to a closure: the office's administrator hears it (closed or declined).
pub fn closure_answered(app: &Context, k: &Closure, o: &Office, closed: bool, note: &str) -> Mail {
    let (template, kind) = if closed {
        ("office_closed", "closed")
    } else {
        ("request_declined", "closure-declined")
    };
    let key = format!("{kind}:{}:{}", k.id, o.admin_email.to_lowercase());
    let vars = vec![
        ("office", o.name.clone()),
        ("what", format!("{}の利用廃止", o.name)),
        ("reason", shown_note(note)),
        ("code", "—".into()),
        ("subject_initial", "—".into()),
        ("link", url(app, &format!("/offices/{}", o.id))),
    ];
    mail(key, template, admin_of(o), ("office", o.id), vars)
}
