//! The city suspends a login at once (an ID leaked, unauthorised access), with a reason, and
//! lifts it later. A suspended user's sessions are ended in the same transaction, API tokens
//! stop working (they are checked against the flag on every call), and the user is told by
//! e-mail (their own address, else their office administrator's).

use serde::Deserialize;
use serde_json::json;

use crate::context::Context;
use crate::domain::{Actor, Role};
use crate::error::{AppError, AppResult};
use crate::outbox;
use crate::store::audit::{self, Event};
use crate::store::{auth, users, Conn};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Suspension {
    /// Why, in Japanese: quoted to the user.
    pub reason: String,
}

fn city_only(actor: &Actor) -> AppResult<()> {
    match actor.role() {
        Some(Role::CityAdmin) => Ok(()),
        _ => Err(AppError::Forbidden(
            "利用停止は市の担当者だけが行えます。".into(),
        )),
    }
}

/// Suspends `user_id`. Returns how many sessions were ended.
pub async fn suspend(app: &Context, actor: &Actor, user_id: i64, s: &Suspension) -> AppResult<u64> {
    let mut tx = app.store.begin().await?;
    let (ended, mails) = suspend_in(tx.conn(), app, actor, user_id, &s.reason).await?;
    tx.commit().await?;
    outbox::kick(app, mails).await;
    Ok(ended)
}

/// Suspends `user_id` inside the caller's transaction (a report's step takes it with the
/// report's own record). Returns the sessions ended and the e-mails written.
pub(crate) async fn suspend_in(
    mut c: Conn<'_>,
    app: &Context,
    actor: &Actor,
    user_id: i64,
    reason: &str,
) -> AppResult<(u64, Vec<i64>)> {
    city_only(actor)?;
    let reason = crate::domain::text::bounded_multiline("reason", reason, 200, "理由")?;
    let reason = reason.as_str();
    if actor.user_id() == Some(user_id) {
        return Err(AppError::Conflict(
            "自分自身は利用停止にできません。".into(),
        ));
    }
    let u = users::get(c.reborrow(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if u.suspended {
        return Err(AppError::Conflict("すでに利用停止中です。".into()));
    }
    users::set_suspended(c.reborrow(), user_id, true).await?;
    let (ended, _) = auth::end_access(c.reborrow(), user_id, None).await?;
    let event = audit::append(
        c.reborrow(),
        Event {
            actor,
            action: "user.suspended",
            target_kind: "user",
            target_id: user_id,
            from_state: Some("active"),
            to_state: Some("suspended"),
            details: json!({ "reason": reason, "sessions_ended": ended }),
        },
    )
    .await?;
    let mut mails = Vec::new();
    if let Some(mail) = outbox::notify::account_suspended(c.reborrow(), &u, event, reason).await? {
        mails.extend(outbox::enqueue(c, app, &mail).await?);
    }
    Ok((ended, mails))
}

/// Lifts a suspension: the user may sign in again.
pub async fn lift(app: &Context, actor: &Actor, user_id: i64) -> AppResult<()> {
    city_only(actor)?;
    let mut tx = app.store.begin().await?;
    let u = users::get(tx.conn(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !u.suspended {
        return Err(AppError::Conflict("利用停止中ではありません。".into()));
    }
    users::set_suspended(tx.conn(), user_id, false).await?;
    audit::append(
        tx.conn(),
        Event {
            actor,
            action: "user.reinstated",
            target_kind: "user",
            target_id: user_id,
            from_state: Some("suspended"),
            to_state: Some("active"),
            details: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
