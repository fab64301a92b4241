//! The e-mails enrollment events cause, built inside the event's transaction. Each names the
//! person only by the first kana of their name: the code identifies them to those who know.

use crate::context::Context;
use crate::error::AppResult;
use crate::store::enrollments::{self, EnrollmentRow};
use crate::store::users::{self, UserRow};
use crate::store::{offices, Conn};

use super::Mail;

/// A recipient: address and name.
pub(crate) type To = (String, Option<String>);

/// A link to a page of the service, for e-mails.
pub fn url(app: &Context, path: &str) -> String {
    let base = app
        .config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", app.config.listen));
    format!("{}{path}", base.trim_end_matches('/'))
}

/// The link to an enrollment in e-mails.
fn link(app: &Context, code: &str) -> String {
    url(app, &format!("/enrollments/{code}"))
}

fn initial(kana: &str) -> String {
    kana.chars()
        .next()
        .map_or_else(|| "—".to_string(), |c| format!("{c}・・ 様"))
}

/// An e-mail about enrollment `e` to one person, with the values every such e-mail has (their
/// name, the code, the person's initial, the link) and `more`.
pub(super) fn about(
    app: &Context,
    e: &EnrollmentRow,
    kana: &str,
    (key, template): (String, &'static str),
    (to, name): To,
    more: Vec<(&'static str, String)>,
) -> Mail {
    let mut vars = vec![
        ("to_name", name.clone().unwrap_or_default()),
        ("code", e.code.clone()),
        ("subject_initial", initial(kana)),
        ("link", link(app, &e.code)),
    ];
    vars.extend(more);
    Mail {
        key,
        template,
        to_address: to,
        to_name: name,
        target: Some(("enrollment", e.id)),
        vars,
        sealed: None,
    }
}

/// One e-mail per address (compared without case), the first name given kept.
pub(super) fn unique(mut to: Vec<To>) -> Vec<To> {
    let mut seen = std::collections::HashSet::new();
    to.retain(|(a, _)| seen.insert(a.to_lowercase()));
    to
}

/// Where a person is reached: their own address, else their office administrator's (staff
/// without an address of their own, members known only by name).
pub(super) async fn reach(
    c: Conn<'_>,
    user: Option<&UserRow>,
    office: Option<i64>,
) -> AppResult<Option<To>> {
    if let Some((a, u)) = user.and_then(|u| u.email.as_ref().map(|a| (a, u))) {
        return Ok(Some((a.clone(), Some(u.name.clone()))));
    }
    let Some(office) = office else {
        return Ok(None);
    };
    Ok(offices::get(c, office)
        .await?
        .map(|o| (o.admin_email, Some(o.name))))
}

/// Whoever obtained the consent.
pub(super) async fn obtainer(mut c: Conn<'_>, e: &EnrollmentRow) -> AppResult<Option<To>> {
    let user = users::get(c.reborrow(), e.obtainer_user_id).await?;
    reach(c, user.as_ref(), Some(e.obtainer_office_id)).await
}

/// 再送依頼: asks the obtainer to FAX the copy again. `event` is the audit id of the request.
pub async fn resend_requested(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    event: i64,
    reason: &str,
) -> AppResult<Option<Mail>> {
    let Some(to) = obtainer(c.reborrow(), e).await? else {
        return Ok(None);
    };
    let subject = enrollments::subject(c, e.subject_id).await?;
    Ok(Some(about(
        app,
        e,
        &subject.kana,
        (format!("resend:{}:{event}", e.id), "resend_requested"),
        to,
        vec![("reason", reason.to_string())],
    )))
}

/// 利用開始: every member of the team (and the obtainer) hears that sharing has started. A
/// member without a login of their own is told through their office's administrator.
pub async fn team_activated(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
) -> AppResult<Vec<Mail>> {
    let mut to: Vec<To> = Vec::new();
    to.extend(obtainer(c.reborrow(), e).await?);
    for m in enrollments::team(c.reborrow(), e.id).await? {
        let user = match m.user_id {
            Some(id) => users::get(c.reborrow(), id).await?,
            None => None,
        };
        to.extend(reach(c.reborrow(), user.as_ref(), Some(m.office_id)).await?);
    }
    // One e-mail per address, however many roles it has on the team.
    let to = unique(to);
    let subject = enrollments::subject(c.reborrow(), e.subject_id).await?;
    let office = offices::get(c, e.obtainer_office_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(to
        .into_iter()
        .map(|to| {
            let key = format!("activated:{}:{}", e.id, to.0.to_lowercase());
            let more = vec![("office", office.clone())];
            about(app, e, &subject.kana, (key, "team_activated"), to, more)
        })
        .collect())
}

/// 受付: the copy is complete (by FAX or 持参); the obtainer hears it arrived. Once per copy
/// round.
pub async fn copy_received(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
) -> AppResult<Option<Mail>> {
    let Some(to) = obtainer(c.reborrow(), e).await? else {
        return Ok(None);
    };
    let subject = enrollments::subject(c, e.subject_id).await?;
    let key = format!("received:{}:{}", e.id, e.copy_round);
    Ok(Some(about(
        app,
        e,
        &subject.kana,
        (key, "copy_received"),
        to,
        vec![],
    )))
}

/// 差戻し: the obtainer hears why, and sends the whole copy again. Once per return.
pub async fn copy_returned(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    reason: &str,
) -> AppResult<Option<Mail>> {
    let Some(to) = obtainer(c.reborrow(), e).await? else {
        return Ok(None);
    };
    let subject = enrollments::subject(c, e.subject_id).await?;
    let key = format!("returned:{}:{}", e.id, e.copy_round);
    let more = vec![("reason", reason.to_string())];
    Ok(Some(about(
        app,
        e,
        &subject.kana,
        (key, "copy_returned"),
        to,
        more,
    )))
}

/// 確認済: the obtainer is asked to register the team (④), as the receipt promised
/// (「あらためてご連絡します」). Once per verification.
pub async fn copy_verified(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
) -> AppResult<Option<Mail>> {
    let Some(to) = obtainer(c.reborrow(), e).await? else {
        return Ok(None);
    };
    let subject = enrollments::subject(c, e.subject_id).await?;
    let key = format!("verified:{}:{}", e.id, e.copy_round);
    Ok(Some(about(
        app,
        e,
        &subject.kana,
        (key, "copy_verified"),
        to,
        vec![],
    )))
}

/// チーム登録済: the centre hears that an activation waits for it.
pub async fn activation_waiting(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
) -> AppResult<Vec<Mail>> {
    let subject = enrollments::subject(c.reborrow(), e.subject_id).await?;
    let office = offices::get(c.reborrow(), e.obtainer_office_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(users::centre_addresses(c)
        .await?
        .into_iter()
        .map(|(address, name)| {
            let key = format!(
                "activation:{}:{}:{}",
                e.id,
                e.revision,
                address.to_lowercase()
            );
            let more = vec![("office", office.clone())];
            let to = (address, Some(name));
            about(app, e, &subject.kana, (key, "activation_waiting"), to, more)
        })
        .collect())
}

/// The e-mails a decision of the state machine causes, for enrollment `e` as it is after it.
pub async fn after(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    cmd: &crate::domain::enrollment::Command,
) -> AppResult<Vec<Mail>> {
    use crate::domain::enrollment::Command;
    Ok(match cmd {
        Command::ReceiveCopy { .. } => copy_received(c.reborrow(), app, e)
            .await?
            .into_iter()
            .collect(),
        Command::ReturnCopy { reason } => copy_returned(c.reborrow(), app, e, reason)
            .await?
            .into_iter()
            .collect(),
        Command::Verify => copy_verified(c, app, e).await?.into_iter().collect(),
        Command::RegisterTeam => activation_waiting(c, app, e).await?,
        Command::Activate => team_activated(c, app, e).await?,
        _ => vec![],
    })
}

/// 利用停止: the suspended user hears why. `event` is the audit id of the suspension.
pub async fn account_suspended(
    c: Conn<'_>,
    u: &UserRow,
    event: i64,
    reason: &str,
) -> AppResult<Option<Mail>> {
    let Some((to, name)) = reach(c, Some(u), u.office_id).await? else {
        return Ok(None);
    };
    Ok(Some(Mail {
        key: format!("suspended:{}:{event}", u.id),
        template: "account_suspended",
        to_address: to,
        to_name: name.clone(),
        target: Some(("user", u.id)),
        vars: vec![
            ("to_name", name.unwrap_or_default()),
            ("login", u.login.clone()),
            ("user_name", u.name.clone()),
            ("reason", reason.to_string()),
        ],
        sealed: None,
    }))
}
