//! Team changes (#22): a member taken off the team hears it (or their office administrator
//! does), and so does the obtainer. The reason is read on the screen.

use super::notify::{about, obtainer, reach, unique};
use super::Mail;
use crate::context::Context;
use crate::error::AppResult;
use crate::store::enrollments::{self, EnrollmentRow, TeamMemberRow};
use crate::store::{offices, users, Conn};

/// `change` is the team change's id (one e-mail per change and address).
pub async fn member_removed(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    m: &TeamMemberRow,
    change: i64,
) -> AppResult<Vec<Mail>> {
    let user = match m.user_id {
        Some(id) => users::get(c.reborrow(), id).await?,
        None => None,
    };
    let mut to = Vec::new();
    to.extend(reach(c.reborrow(), user.as_ref(), Some(m.office_id)).await?);
    to.extend(obtainer(c.reborrow(), e).await?);
    let to = unique(to);
    let subject = enrollments::subject(c.reborrow(), e.subject_id).await?;
    let office = offices::get(c, m.office_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let member = format!("{} {}", m.profession, m.name);
    Ok(to
        .into_iter()
        .map(|to| {
            let key = format!("member-removed:{change}:{}", to.0.to_lowercase());
            let more = vec![("member", member.clone()), ("office", office.clone())];
            about(app, e, &subject.kana, (key, "member_removed"), to, more)
        })
        .collect())
}

/// Members who joined after the centre verified the addition form hear it (or their office
/// administrator does), and so does the obtainer.
pub async fn members_added(
    mut c: Conn<'_>,
    app: &Context,
    e: &EnrollmentRow,
    addition: i64,
    members: &[TeamMemberRow],
) -> AppResult<Vec<Mail>> {
    let mut to = Vec::new();
    for m in members {
        let user = match m.user_id {
            Some(id) => users::get(c.reborrow(), id).await?,
            None => None,
        };
        to.extend(reach(c.reborrow(), user.as_ref(), Some(m.office_id)).await?);
    }
    to.extend(obtainer(c.reborrow(), e).await?);
    let to = unique(to);
    let subject = enrollments::subject(c.reborrow(), e.subject_id).await?;
    let names: Vec<String> = members
        .iter()
        .map(|m| format!("{} {}", m.profession, m.name))
        .collect();
    let member = names.join("、");
    Ok(to
        .into_iter()
        .map(|to| {
            let key = format!("members-added:{addition}:{}", to.0.to_lowercase());
            let more = vec![("member", member.clone())];
            about(app, e, &subject.kana, (key, "members_added"), to, more)
        })
        .collect())
}
