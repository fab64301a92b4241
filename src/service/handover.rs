//! A new obtainer for an enrollment (#22): the person moved to another 居宅介護支援事業所, or
//! the care manager changed. Within the office it is done at once; to another office, that
//! office accepts first. Reminders and 要対応 follow the enrollment's obtainer, so they move
//! with it; the old office keeps access only if it is on the team.

use serde::Deserialize;
use serde_json::json;

use super::enrollments::may_see;
use crate::context::Context;
use crate::domain::handover::{self, Answer, ObtainerMove, Refusal};
use crate::domain::status::RequestState;
use crate::domain::text::{bounded_multiline, optional_multiline};
use crate::domain::{Actor, FieldError, Role};
use crate::error::{AppError, AppResult, OnUnique};
use crate::outbox;
use crate::store::audit::{self, Event};
use crate::store::enrollments::{self as enrollment_rows, EnrollmentRow};
use crate::store::handovers::{self as rows, Kind, NewObtainerChange, ObtainerChange};
use crate::store::users::{self, UserRow};
use crate::store::{offices, Conn};

/// What the rules' refusals say, on the screens and in the API's message.
pub fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::NotTheirs => AppError::Forbidden("この操作を行う権限がありません。".into()),
        Refusal::Ended => AppError::InvalidState("撤回または終了した登録は引き継げません。".into()),
        Refusal::BadTarget => AppError::Invalid(
            FieldError::new(
                "to_office",
                "廃止された事業所、または同じ事業所は選べません。",
            )
            .into(),
        ),
        Refusal::Answered => {
            AppError::Conflict("この依頼には既に回答があったか、取り下げられています。".into())
        }
        Refusal::StillObtains(n) => AppError::InvalidState(format!(
            "この事業所が同意取得事業所の登録が{n}件残っています。先に引き継ぎ先を決めてください。"
        )),
    }
}

/// An id typed or chosen in a form: a field error when it is not a number.
pub fn id_field(field: &'static str, s: &str, label: &str) -> AppResult<i64> {
    crate::domain::text::whole_number(field, s, 1, i64::MAX, label)
        .map_err(|_| FieldError::new(field, format!("{label}を選んでください。")).into())
}

/// A login of `office` that may take work on: staff or administrator, enabled.
pub async fn person_of(
    c: Conn<'_>,
    field: &'static str,
    office: i64,
    user: i64,
) -> AppResult<UserRow> {
    match users::get(c, user).await? {
        Some(u)
            if u.office_id == Some(office)
                && !u.disabled
                && matches!(u.role(), Role::Staff | Role::OfficeAdmin) =>
        {
            Ok(u)
        }
        _ => Err(FieldError::new(field, "この事業所の職員を選んでください。").into()),
    }
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct Proposal {
    /// The office that is to obtain consent from now on (the same office: another care manager).
    #[serde(default)]
    pub to_office: String,
    /// Within the same office: the new care manager (a login of the office).
    #[serde(default)]
    pub to_user: String,
    #[serde(default)]
    pub reason: String,
}

/// Proposes (or, within the office, makes) a change of enrollment `id`'s obtainer. Returns the
/// change and whether it is done already.
#[tracing::instrument(skip_all, fields(enrollment = id))]
pub async fn propose(
    app: &Context,
    actor: &Actor,
    id: i64,
    p: &Proposal,
) -> AppResult<(i64, bool)> {
    let to_office = id_field("to_office", &p.to_office, "引き継ぐ事業所")?;
    let reason = bounded_multiline("reason", &p.reason, 200, "理由")?;
    let mut tx = app.store.begin().await?;
    let e = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(tx.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    let office = offices::get(tx.conn(), to_office)
        .await?
        .ok_or_else(|| FieldError::new("to_office", "引き継ぐ事業所を選んでください。"))?;
    let how = handover::may_propose_obtainer(
        actor,
        e.obtainer_office_id,
        office.id,
        office.closed_at.is_some(),
        e.state,
    )
    .map_err(refused)?;
    let open = rows::obtainer_changes_of(tx.conn(), id).await?;
    if open.iter().any(|ch| ch.state == RequestState::Open) {
        return Err(already_asked());
    }
    let to_user = match how {
        ObtainerMove::Asks => None,
        ObtainerMove::AtOnce => {
            let u = id_field("to_user", &p.to_user, "新しい担当者")?;
            if u == e.obtainer_user_id {
                return Err(FieldError::new("to_user", "現在の担当者です。").into());
            }
            Some(person_of(tx.conn(), "to_user", office.id, u).await?.id)
        }
    };
    let state = match how {
        ObtainerMove::Asks => RequestState::Open,
        ObtainerMove::AtOnce => RequestState::Accepted,
    };
    let n = NewObtainerChange {
        enrollment_id: id,
        from_office_id: e.obtainer_office_id,
        from_user_id: e.obtainer_user_id,
        to_office_id: office.id,
        to_user_id: to_user,
        reason: &reason,
        state,
        by: actor.user_id(),
    };
    let change = rows::insert_obtainer(tx.conn(), &n).await.on_unique(|| {
        AppError::Conflict(
            "この登録は既に引き継ぎを依頼中です。先に依頼を取り下げてください。".into(),
        )
    })?;
    let mails = match to_user {
        Some(u) => carry_out(tx.conn(), app, actor, &e, change, u).await?,
        None => {
            event(
                tx.conn(),
                actor,
                id,
                "enrollment.obtainer_change_asked",
                change,
                to_office,
            )
            .await?;
            outbox::handover::obtainer_asked(tx.conn(), app, &e, change, to_office).await?
        }
    };
    outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    Ok((change, to_user.is_some()))
}

fn already_asked() -> AppError {
    AppError::Conflict("この登録は既に引き継ぎを依頼中です。先に依頼を取り下げてください。".into())
}

async fn event(
    c: Conn<'_>,
    actor: &Actor,
    id: i64,
    action: &'static str,
    change: i64,
    to_office: i64,
) -> AppResult<()> {
    let details = json!({ "change": change, "to_office": to_office });
    audit::append(c, Event::about(actor, action, ("enrollment", id), details)).await?;
    Ok(())
}

/// Moves the enrollment to its new obtainer office and person, with the audit event and the
/// e-mails to the old and the new care manager.
async fn carry_out(
    mut c: Conn<'_>,
    app: &Context,
    actor: &Actor,
    e: &EnrollmentRow,
    change: i64,
    to_user: i64,
) -> AppResult<Vec<outbox::Mail>> {
    let to = users::get(c.reborrow(), to_user)
        .await?
        .and_then(|u| u.office_id)
        .ok_or(AppError::NotFound)?;
    if !rows::set_obtainer(c.reborrow(), e.id, e.revision, to, to_user).await? {
        return Err(AppError::Conflict(
            "この登録は別の操作で変更されました。ページを開き直してください。".into(),
        ));
    }
    rows::chosen_user(c.reborrow(), change, to_user).await?;
    let details = json!({ "change": change, "from_office": e.obtainer_office_id, "to_office": to });
    audit::append(
        c.reborrow(),
        Event::about(
            actor,
            "enrollment.obtainer_changed",
            ("enrollment", e.id),
            details,
        ),
    )
    .await?;
    outbox::handover::obtainer_changed(c, app, e, change, to, to_user).await
}

/// Answers proposal `change`: the new office accepts (naming its care manager: by default the
/// person accepting) or declines; the old office or the centre withdraws.
#[tracing::instrument(skip_all, fields(change = change))]
pub async fn answer(
    app: &Context,
    actor: &Actor,
    change: i64,
    answer: Answer,
    to_user: &str,
    note: &str,
) -> AppResult<ObtainerChange> {
    let mut tx = app.store.begin().await?;
    let ch = involved(tx.conn(), actor, change).await?;
    let e = enrollment_rows::get(tx.conn(), ch.enrollment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    handover::may_answer_obtainer(
        actor,
        answer,
        ch.from_office_id,
        ch.to_office_id,
        ch.state,
        e.state,
    )
    .map_err(refused)?;
    let note = optional_multiline("note", note, 200, "コメント")?;
    let mails = match answer {
        Answer::Accept => {
            let u = match to_user.trim() {
                "" => actor.user_id().ok_or(AppError::NotFound)?,
                s => id_field("to_user", s, "担当者")?,
            };
            person_of(tx.conn(), "to_user", ch.to_office_id, u).await?;
            carry_out(tx.conn(), app, actor, &e, change, u).await?
        }
        Answer::Decline => {
            let action = "enrollment.obtainer_change_declined";
            event(tx.conn(), actor, e.id, action, change, ch.to_office_id).await?;
            outbox::handover::obtainer_declined(tx.conn(), app, &e, &ch, &note).await?
        }
        Answer::Withdraw => {
            let action = "enrollment.obtainer_change_withdrawn";
            event(tx.conn(), actor, e.id, action, change, ch.to_office_id).await?;
            vec![]
        }
    };
    if !rows::answer(
        tx.conn(),
        Kind::Obtainer,
        change,
        answer.outcome(),
        actor.user_id(),
        &note,
    )
    .await?
    {
        return Err(refused(Refusal::Answered));
    }
    outbox::enqueue_all(tx.conn(), app, &mails).await?;
    let done = rows::obtainer_change(tx.conn(), change)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(done)
}

/// Proposal `change`, if `actor` is one of its sides (the centre is of every one); anyone else
/// learns nothing of it.
async fn involved(mut c: Conn<'_>, actor: &Actor, change: i64) -> AppResult<ObtainerChange> {
    let ch = rows::obtainer_change(c.reborrow(), change)
        .await?
        .ok_or(AppError::NotFound)?;
    let sees = match actor.role() {
        Some(Role::Centre | Role::CityAdmin) => true,
        _ => actor
            .office_id()
            .is_some_and(|o| o == ch.from_office_id || o == ch.to_office_id),
    };
    if !sees {
        return Err(AppError::NotFound);
    }
    Ok(ch)
}

/// Open proposals the actor's office gave or received (all of them for the centre and the
/// city), with the person's name for the office asked to take them on.
pub async fn open(app: &Context, actor: &Actor) -> AppResult<Vec<ObtainerChange>> {
    let office = match actor.role() {
        Some(Role::Centre | Role::CityAdmin) => None,
        _ => Some(actor.office_id().ok_or(AppError::NotFound)?),
    };
    let mut c = app.store.acquire().await?;
    Ok(rows::open_obtainer_changes(c.conn(), office).await?)
}

/// One proposal, for its page.
pub async fn get(app: &Context, actor: &Actor, change: i64) -> AppResult<ObtainerChange> {
    let mut c = app.store.acquire().await?;
    involved(c.conn(), actor, change).await
}
