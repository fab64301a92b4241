//! An office's people and the office itself change (#22): a login moves to another office
//! (異動: the city at once, or the old administrator asks and the new one accepts), and an
//! office closes (廃止: its administrator asks, the city decides, once no enrollment it obtains
//! consent for is left; staff disabled, PCs revoked, off the map, no more e-mails — one
//! transaction with its audit events).

use serde::Serialize;
use serde_json::json;

use super::handover::{id_field, refused};
use crate::context::Context;
use crate::domain::handover::{self, Answer, Refusal, TransferMove};
use crate::domain::status::RequestState;
use crate::domain::text::{bounded_multiline, optional_multiline};
use crate::domain::{Actor, FieldError, Role};
use crate::error::{AppError, AppResult, OnUnique};
use crate::outbox;
use crate::store::audit::{self, Event};
use crate::store::handovers::{self as rows, Closure, Kind, LeftBehind, Obtaining, Transfer};
use crate::store::{auth, devices, offices, users, Conn};

/// The city, the centre, and the office's own people see an office's handovers; anyone else
/// learns nothing.
fn sees(actor: &Actor, office: i64) -> AppResult<()> {
    match actor.role() {
        Some(Role::CityAdmin | Role::Centre) => Ok(()),
        _ if actor.office_id() == Some(office) => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// Moves login `user` to office `to_office` (typed or chosen): at once for the city, asked of
/// the new office's administrator otherwise. Returns the transfer.
#[tracing::instrument(skip_all, fields(user = user))]
pub async fn transfer(
    app: &Context,
    actor: &Actor,
    user: i64,
    to_office: &str,
) -> AppResult<Transfer> {
    let to = id_field("to_office", to_office, "異動先の事業所")?;
    let mut tx = app.store.begin().await?;
    let u = users::get(tx.conn(), user)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = match (u.office_id, u.role()) {
        (Some(o), Role::Staff | Role::OfficeAdmin) if !u.disabled => o,
        _ => return Err(AppError::NotFound),
    };
    sees(actor, from)?;
    let o = offices::get(tx.conn(), to)
        .await?
        .ok_or_else(|| FieldError::new("to_office", "異動先の事業所を選んでください。"))?;
    let how = handover::may_transfer(actor, u.id, from, o.id, o.closed_at.is_some()).map_err(
        |r| match r {
            Refusal::BadTarget => AppError::Invalid(
                FieldError::new(
                    "to_office",
                    "同じ事業所や廃止された事業所には異動できません。",
                )
                .into(),
            ),
            r => refused(r),
        },
    )?;
    let state = match how {
        TransferMove::AtOnce => RequestState::Accepted,
        TransferMove::Asks => RequestState::Open,
    };
    let id = rows::insert_transfer(tx.conn(), u.id, from, o.id, state, actor.user_id())
        .await
        .on_unique(|| AppError::Conflict("この職員は既に異動の依頼中です。".into()))?;
    let t = rows::transfer(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mails = match how {
        TransferMove::AtOnce => carry_out(tx.conn(), app, actor, &t).await?,
        TransferMove::Asks => {
            let details = json!({ "transfer": id, "to_office": o.id });
            audit::append(
                tx.conn(),
                Event::about(actor, "user.transfer_asked", ("user", u.id), details),
            )
            .await?;
            outbox::handover::transfer_asked(tx.conn(), app, &t).await?
        }
    };
    outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    Ok(t)
}

/// The login moves; its sessions and API tokens end (what it may see changes with the office).
async fn carry_out(
    mut c: Conn<'_>,
    app: &Context,
    actor: &Actor,
    t: &Transfer,
) -> AppResult<Vec<outbox::Mail>> {
    if !rows::move_user(c.reborrow(), t.user_id, t.from_office_id, t.to_office_id).await? {
        return Err(AppError::Conflict(
            "この職員の所属は既に変わっています。".into(),
        ));
    }
    auth::end_access(c.reborrow(), t.user_id, None).await?;
    let details =
        json!({ "transfer": t.id, "from_office": t.from_office_id, "to_office": t.to_office_id });
    audit::append(
        c.reborrow(),
        Event::about(actor, "user.transferred", ("user", t.user_id), details),
    )
    .await?;
    let user = users::get(c.reborrow(), t.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    outbox::handover::transferred(c, app, t, &user).await
}

/// Answers transfer `id`: the new office's administrator (or the city) accepts or declines; the
/// old office's administrator (or the city) withdraws.
#[tracing::instrument(skip_all, fields(transfer = id))]
pub async fn answer_transfer(
    app: &Context,
    actor: &Actor,
    id: i64,
    answer: Answer,
    note: &str,
) -> AppResult<Transfer> {
    let mut tx = app.store.begin().await?;
    let t = rows::transfer(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if sees(actor, t.from_office_id).is_err() {
        sees(actor, t.to_office_id)?;
    }
    handover::may_answer_transfer(actor, answer, t.from_office_id, t.to_office_id, t.state)
        .map_err(refused)?;
    let note = optional_multiline("note", note, 200, "コメント")?;
    let mails = match answer {
        Answer::Accept => carry_out(tx.conn(), app, actor, &t).await?,
        Answer::Decline | Answer::Withdraw => {
            let action = if answer == Answer::Decline {
                "user.transfer_declined"
            } else {
                "user.transfer_withdrawn"
            };
            let details = json!({ "transfer": id });
            audit::append(
                tx.conn(),
                Event::about(actor, action, ("user", t.user_id), details),
            )
            .await?;
            vec![]
        }
    };
    if !rows::answer(
        tx.conn(),
        Kind::Transfer,
        id,
        answer.outcome(),
        actor.user_id(),
        &note,
    )
    .await?
    {
        return Err(refused(Refusal::Answered));
    }
    outbox::enqueue_all(tx.conn(), app, &mails).await?;
    let t = rows::transfer(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(t)
}

/// The office's administrator (or the city) asks to close the office.
#[tracing::instrument(skip_all, fields(office = office))]
pub async fn ask_closure(
    app: &Context,
    actor: &Actor,
    office: i64,
    reason: &str,
) -> AppResult<Closure> {
    let mut tx = app.store.begin().await?;
    let o = offices::get(tx.conn(), office)
        .await?
        .ok_or(AppError::NotFound)?;
    sees(actor, office)?;
    handover::may_ask_closure(actor, office, o.closed_at.is_some()).map_err(|r| match r {
        Refusal::BadTarget => AppError::InvalidState("この事業所は既に廃止されています。".into()),
        r => refused(r),
    })?;
    let reason = bounded_multiline("reason", reason, 200, "理由")?;
    let id = rows::insert_closure(tx.conn(), office, &reason, actor.user_id())
        .await
        .on_unique(|| AppError::Conflict("この事業所は既に廃止を申し出ています。".into()))?;
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "office.closure_asked",
            ("office", office),
            json!({ "closure": id }),
        ),
    )
    .await?;
    let k = rows::closure(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mails = outbox::handover::closure_asked(tx.conn(), app, &k).await?;
    outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    Ok(k)
}

/// Answers closure `id`. Accepting closes the office in this one transaction.
#[tracing::instrument(skip_all, fields(closure = id))]
pub async fn answer_closure(
    app: &Context,
    actor: &Actor,
    id: i64,
    answer: Answer,
    note: &str,
) -> AppResult<Closure> {
    let mut tx = app.store.begin().await?;
    let k = rows::closure(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    sees(actor, k.office_id)?;
    let left = rows::obtaining(tx.conn(), k.office_id).await?.len();
    handover::may_answer_closure(actor, answer, k.office_id, k.state, left).map_err(refused)?;
    let note = optional_multiline("note", note, 200, "コメント")?;
    let o = offices::get(tx.conn(), k.office_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let action = match answer {
        Answer::Accept => {
            let details = close(tx.conn(), actor, k.office_id, id).await?;
            audit::append(
                tx.conn(),
                Event::about(actor, "office.closed", ("office", o.id), details),
            )
            .await?;
            None
        }
        Answer::Decline => Some("office.closure_declined"),
        Answer::Withdraw => Some("office.closure_withdrawn"),
    };
    if let Some(action) = action {
        let details = json!({ "closure": id });
        audit::append(
            tx.conn(),
            Event::about(actor, action, ("office", o.id), details),
        )
        .await?;
    }
    if !rows::answer(
        tx.conn(),
        Kind::Closure,
        id,
        answer.outcome(),
        actor.user_id(),
        &note,
    )
    .await?
    {
        return Err(refused(Refusal::Answered));
    }
    if answer != Answer::Withdraw {
        let mail = outbox::handover::closure_answered(app, &k, &o, answer == Answer::Accept, &note);
        outbox::enqueue_all(tx.conn(), app, &[mail]).await?;
    }
    let k = rows::closure(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(k)
}

/// Closes the office: its logins disabled (their sessions and tokens ended), its PCs revoked,
/// its unused vouchers ended. The map and the schedules skip closed offices.
async fn close(
    mut c: Conn<'_>,
    actor: &Actor,
    office: i64,
    closure: i64,
) -> AppResult<serde_json::Value> {
    if !rows::close_office(c.reborrow(), office).await? {
        return Err(AppError::Conflict(
            "この事業所は既に廃止されています。".into(),
        ));
    }
    let staff = rows::disable_staff(c.reborrow(), office).await?;
    for u in &staff {
        auth::end_access(c.reborrow(), *u, None).await?;
    }
    let mut revoked = Vec::new();
    for d in devices::of_office(c.reborrow(), office).await? {
        if d.revoked_at.is_none() && devices::revoke(c.reborrow(), d.id, actor.user_id()).await? {
            revoked.push(d.id);
        }
    }
    let vouchers = rows::expire_vouchers(c, office).await?;
    Ok(
        json!({ "closure": closure, "staff_disabled": staff, "devices_revoked": revoked, "vouchers_ended": vouchers }),
    )
}

/// Everything an office's 異動・廃止 page shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OfficeHandovers {
    pub closures: Vec<Closure>,
    /// Enrollments the office still obtains consent for (closing waits for none).
    pub obtaining: Vec<Obtaining>,
    pub transfers: Vec<Transfer>,
    /// Work left in the name of people who moved away: to reassign.
    pub left_behind: Vec<LeftBehind>,
    pub obtainer_changes: Vec<crate::store::handovers::ObtainerChange>,
}

pub async fn of_office(app: &Context, actor: &Actor, office: i64) -> AppResult<OfficeHandovers> {
    sees(actor, office)?;
    let mut c = app.store.acquire().await?;
    offices::get(c.conn(), office)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(OfficeHandovers {
        closures: rows::closures(c.conn(), Some(office)).await?,
        obtaining: rows::obtaining(c.conn(), office).await?,
        transfers: rows::transfers_of(c.conn(), office).await?,
        left_behind: rows::left_behind(c.conn(), office).await?,
        obtainer_changes: rows::open_obtainer_changes(c.conn(), Some(office)).await?,
    })
}
