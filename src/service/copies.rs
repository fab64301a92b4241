//! Notes about the copy that are not state changes: the obtainer's 「写しを送付した」 (FAX or
//! 持参), and the centre's 再送依頼.
//!
//! 再送依頼: the centre asks the consent obtainer to FAX the copy again, with a reason. The
//! request is an audit event on the enrollment (not a state change: the enrollment still waits
//! for its copy), and its e-mail is written in the same transaction. Asked from an unmatched
//! page, that page is settled with the request as its reason, so it leaves the queue.

use serde::Deserialize;
use serde_json::json;

use crate::context::Context;
use crate::domain::enrollment::{Command, CopyChannel};
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::outbox;
use crate::service::enrollments::apply_command;
use crate::service::fax::centre_only;
use crate::store::audit::{self, Event};
use crate::store::{enrollments, fax, Conn};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ResendRequest {
    /// Why, in Japanese; quoted in the e-mail.
    pub reason: String,
    /// The unmatched page that prompted it, settled by the request.
    pub page_id: Option<i64>,
}

/// Returns the outbox id of the e-mail.
pub async fn request_resend(
    app: &Context,
    actor: &Actor,
    enrollment_id: i64,
    r: &ResendRequest,
) -> AppResult<i64> {
    let user = centre_only(actor, "再送の依頼はセンターの職員だけが行えます。")?;
    let reason = crate::domain::text::bounded_multiline("reason", &r.reason, 200, "理由")?;
    let reason = reason.as_str();
    let mut tx = app.store.begin().await?;
    enrollments::lock(tx.conn(), enrollment_id).await?;
    let e = enrollments::get(tx.conn(), enrollment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !e.state.awaits_copy() {
        return Err(AppError::Conflict(
            "この登録は写しを待っていないため、再送を依頼できません。".into(),
        ));
    }
    let event = audit::append(
        tx.conn(),
        Event {
            actor,
            action: "enrollment.resend_requested",
            target_kind: "enrollment",
            target_id: e.id,
            from_state: None,
            to_state: None,
            details: json!({ "reason": reason, "page_id": r.page_id }),
        },
    )
    .await?;
    if let Some(page) = r.page_id {
        let text = format!("再送を依頼しました（登録コード {}）：{reason}", e.code);
        if !fax::discard(tx.conn(), page, &text, user).await? {
            return Err(AppError::Conflict(
                "このページはすでに処理されています。画面を更新してください。".into(),
            ));
        }
    }
    let Some(mail) = outbox::notify::resend_requested(tx.conn(), app, &e, event, reason).await?
    else {
        return Err(AppError::invalid(
            "reason",
            "同意取得者と事業所のメールアドレスが登録されていないため、依頼を送れません。",
        ));
    };
    let id = outbox::enqueue(tx.conn(), app, &mail)
        .await?
        .ok_or_else(|| AppError::Conflict("同じ依頼はすでに送られています。".into()))?;
    tx.commit().await?;
    outbox::kick(app, vec![id]).await;
    Ok(id)
}

/// 「写しを送付した」: the obtainer notes that the signed copy went to the centre, by FAX or in
/// person. It changes no state (the centre's receipt does); it tells the centre to look for it
/// and shows on the timeline.
pub async fn mark_sent(
    store: &crate::store::Store,
    actor: &Actor,
    enrollment_id: i64,
    channel: CopyChannel,
) -> AppResult<()> {
    let mut tx = store.begin().await?;
    let e = enrollments::get(tx.conn(), enrollment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_mark_sent(&e, actor) {
        return Err(AppError::Forbidden(
            "写しの送付を記録できるのは同意取得者の事業所だけです。".into(),
        ));
    }
    audit::append(
        tx.conn(),
        Event {
            actor,
            action: "enrollment.copy_sent",
            target_kind: "enrollment",
            target_id: e.id,
            from_state: None,
            to_state: None,
            details: json!({ "channel": channel }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The obtainer's office, while the centre waits for the copy.
pub fn may_mark_sent(e: &crate::store::enrollments::EnrollmentRow, actor: &Actor) -> bool {
    actor.office_id() == Some(e.obtainer_office_id) && e.state.awaits_copy()
}

/// Pages of the current copy round that are still missing, given the form's page count.
pub fn missing(received: &[i64], pages: i64) -> Vec<i64> {
    (1..=pages).filter(|p| !received.contains(p)).collect()
}

/// The receipt e-mail of a copy just completed, written in the caller's transaction.
pub(crate) async fn received_mail(
    mut c: Conn<'_>,
    app: &Context,
    enrollment_id: i64,
) -> AppResult<Option<i64>> {
    let e = enrollments::get(c.reborrow(), enrollment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match outbox::notify::copy_received(c.reborrow(), app, &e).await? {
        Some(m) => outbox::enqueue(c, app, &m).await,
        None => Ok(None),
    }
}

/// Moves the enrollment to `copy_received` when every page of its current copy is in: as the
/// system when the intake matched the last page, as the clerk who assigned it by hand.
pub(crate) async fn complete_copy(
    mut c: Conn<'_>,
    enrollment_id: i64,
    actor: &Actor,
) -> AppResult<bool> {
    let e = enrollments::get(c.reborrow(), enrollment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(pages) = fax::form_pages(c.reborrow(), enrollment_id, e.copy_round).await? else {
        return Ok(false);
    };
    let received = fax::received_pages(c.reborrow(), enrollment_id, e.copy_round).await?;
    let waiting = e.state.awaits_copy();
    if !missing(&received, pages).is_empty() || !waiting {
        return Ok(false);
    }
    let cmd = Command::ReceiveCopy {
        channel: CopyChannel::Fax,
    };
    apply_command(c, actor, &e, cmd).await?;
    Ok(true)
}
