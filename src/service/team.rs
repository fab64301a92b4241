//! Team changes after registration (#22). Taking a member off takes effect at once: the row
//! leaves the team in the same transaction as its record, the audit event and the e-mails, so
//! the member's office loses access with the commit (unless it is on the team otherwise).

use serde_json::json;

use super::enrollments::may_see;
use crate::context::Context;
use crate::domain::team::{may_remove, ReplacementInput, TeamRefusal};
use crate::domain::text::bounded_multiline;
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::outbox;
use crate::store::audit::{self, Event};
use crate::store::enrollments::{self as enrollment_rows, EnrollmentRow, TeamMemberRow};
use crate::store::{team_changes, Conn};

pub(crate) fn refused(r: TeamRefusal) -> AppError {
    match r {
        TeamRefusal::NotTheirs => AppError::Forbidden(
            "メンバーを外せるのは、同意取得事業所・連携推進センター・そのメンバーの事業所の管理者です。"
                .into(),
        ),
        TeamRefusal::Ended => {
            AppError::InvalidState("撤回または終了した登録のチームは変更できません。".into())
        }
        TeamRefusal::NotActive => AppError::InvalidState(
            "メンバーの追加は利用中の登録で行います（利用開始前は別紙1のチームを直してください）。".into(),
        ),
    }
}

/// The member row, if `actor` may take it off enrollment `e` (asked before asking, and again
/// in the transaction that does it).
async fn removable(
    mut c: Conn<'_>,
    actor: &Actor,
    e: &EnrollmentRow,
    member: i64,
) -> AppResult<TeamMemberRow> {
    if !may_see(c.reborrow(), actor, e.id).await? {
        return Err(AppError::NotFound);
    }
    let m = team_changes::member(c, e.id, member).await?;
    let office = m.as_ref().map(|m| m.office_id);
    may_remove(actor, e.obtainer_office_id, office, e.state).map_err(refused)?;
    m.ok_or_else(|| AppError::Conflict("このメンバーは既にチームから外れています。".into()))
}

/// What the confirmation names: the member and their office, and the person's name.
pub struct ToRemove {
    pub member: TeamMemberRow,
    pub office: String,
    pub subject_name: String,
}

/// Whether `actor` may take member `member` off enrollment `id` now, and who that is.
pub async fn to_remove(app: &Context, actor: &Actor, id: i64, member: i64) -> AppResult<ToRemove> {
    let mut c = app.store.acquire().await?;
    let e = enrollment_rows::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = removable(c.conn(), actor, &e, member).await?;
    let office = crate::store::offices::get(c.conn(), m.office_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let subject_name = enrollment_rows::subject(c.conn(), e.subject_id).await?.name;
    Ok(ToRemove {
        member: m,
        office,
        subject_name,
    })
}

/// Takes member row `member` off enrollment `id`'s team, for `reason`.
#[tracing::instrument(skip_all, fields(enrollment = id, member = member))]
pub async fn remove(
    app: &Context,
    actor: &Actor,
    id: i64,
    member: i64,
    reason: &str,
) -> AppResult<()> {
    let reason = bounded_multiline("reason", reason, 200, "理由")?;
    let mut tx = app.store.begin().await?;
    let e = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = removable(tx.conn(), actor, &e, member).await?;
    if !team_changes::delete_member(tx.conn(), id, member).await? {
        return Err(AppError::Conflict(
            "このメンバーは既にチームから外れています。".into(),
        ));
    }
    let change = team_changes::record_removal(tx.conn(), id, &m, &reason, actor.user_id()).await?;
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "enrollment.member_removed",
            ("enrollment", id),
            json!({ "office": m.office_id, "change": change }),
        ),
    )
    .await?;
    let mails = outbox::team::member_removed(tx.conn(), app, &e, &m, change).await?;
    outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts another person of the member's office in their place (no new consent: the office
/// stays on the team). Journaled with before and after; both people are told.
#[tracing::instrument(skip_all, fields(enrollment = id, member = member))]
pub async fn replace(
    app: &Context,
    actor: &Actor,
    id: i64,
    member: i64,
    input: &ReplacementInput,
) -> AppResult<()> {
    let r = input.parse()?;
    let mut tx = app.store.begin().await?;
    let e = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = removable(tx.conn(), actor, &e, member).await?;
    let new_user = match r.user {
        Some(u) => Some(super::handover::person_of(tx.conn(), "user", before.office_id, u).await?),
        None => None,
    };
    let after = TeamMemberRow {
        user_id: new_user.as_ref().map(|u| u.id),
        name: r.name,
        phone: r.phone,
        ..before.clone()
    };
    if (after.user_id, &after.name) == (before.user_id, &before.name) {
        return Err(crate::domain::FieldError::new("name", "交代前と同じ方です。").into());
    }
    if !team_changes::replace_member(tx.conn(), id, member, &after).await? {
        return Err(AppError::Conflict(
            "このメンバーは既にチームから外れています。".into(),
        ));
    }
    let change = team_changes::record_replacement(
        tx.conn(),
        id,
        (&before, &after),
        &r.reason,
        actor.user_id(),
    )
    .await?;
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "enrollment.member_replaced",
            ("enrollment", id),
            json!({ "office": before.office_id, "change": change }),
        ),
    )
    .await?;
    let old_user = match before.user_id {
        Some(u) => crate::store::users::get(tx.conn(), u).await?,
        None => None,
    };
    let names = (
        format!("{} {}", before.profession, before.name),
        format!("{} {}", after.profession, after.name),
    );
    let people = (before.office_id, old_user.as_ref(), new_user.as_ref());
    let mails =
        outbox::handover::member_replaced(tx.conn(), app, &e, change, people, names).await?;
    outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    Ok(())
}
