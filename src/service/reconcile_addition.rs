//! Assigning by hand a page of a 支援チームメンバー追加同意書 (#22) that the reader could not
//! match: the centre names the enrollment and its open addition (追加待ち), and the page
//! counts for that addition as a page matched by its code would. It is never a page of a 別紙1
//! copy, so it completes none.

use serde_json::json;

use super::reconcile::{open_page, Assigned};
use crate::context::Context;
use crate::domain::status::{PageOutcome, RequestState};
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Event};
use crate::store::fax::{self, NewPage};
use crate::store::{additions, enrollments, Conn};

/// The addition a page is assigned to, resolved before the transaction (its form is drawn to
/// count its pages).
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub enrollment_id: i64,
    pub addition_id: i64,
    pub pages: i64,
    pub form_version: i64,
}

fn gone() -> AppError {
    AppError::Conflict(
        "このメンバー追加は既に確認または取り下げられています。画面を更新してください。".into(),
    )
}

/// The open addition `addition_id` of enrollment `enrollment_id`.
pub(crate) async fn target(
    app: &Context,
    enrollment_id: i64,
    addition_id: i64,
) -> AppResult<Target> {
    let mut c = app.store.acquire().await?;
    let a = additions::get(c.conn(), addition_id)
        .await?
        .filter(|a| a.enrollment_id == enrollment_id)
        .ok_or_else(|| {
            AppError::invalid("addition_id", "この登録のメンバー追加が見つかりません。")
        })?;
    if a.state != RequestState::Open {
        return Err(gone());
    }
    let e = enrollments::get(c.conn(), enrollment_id)
        .await?
        .ok_or_else(|| AppError::invalid("enrollment_id", "登録が見つかりません。"))?;
    drop(c);
    let pages = super::additions::form_pages(app, &e, &a).await?;
    Ok(Target {
        enrollment_id,
        addition_id,
        pages,
        form_version: a.form_version,
    })
}

/// Assigns page `page_id` as page `page` of the target's form, inside the caller's transaction.
pub(crate) async fn assign_in(
    mut c: Conn<'_>,
    actor: &Actor,
    user: i64,
    page_id: i64,
    t: &Target,
    page: i64,
) -> AppResult<Assigned> {
    let before = open_page(c.reborrow(), page_id).await?;
    enrollments::lock(c.reborrow(), t.enrollment_id).await?;
    let still_open = additions::get(c.reborrow(), t.addition_id)
        .await?
        .is_some_and(|a| a.state == RequestState::Open);
    if !still_open {
        return Err(gone());
    }
    if page < 1 || page > t.pages {
        return Err(AppError::invalid(
            "page",
            format!("ページは 1〜{} で指定してください。", t.pages),
        ));
    }
    let received = additions::received_pages(c.reborrow(), t.addition_id).await?;
    let duplicate = received.contains(&page);
    let (outcome, reason) = if duplicate {
        (
            PageOutcome::Duplicate,
            format!("手作業で照合：メンバー追加同意書の{page}ページ目は受信済みです"),
        )
    } else {
        (
            PageOutcome::Matched,
            format!(
                "手作業で支援チームメンバー追加同意書の {page}/{}ページ目として照合しました",
                t.pages
            ),
        )
    };
    let row = NewPage {
        outcome,
        reason: &reason,
        enrollment_id: Some(t.enrollment_id),
        addition_id: Some(t.addition_id),
        form_page: Some(page),
        form_pages: Some(t.pages),
        form_version: Some(t.form_version),
        ..NewPage::default()
    };
    if !fax::assign(c.reborrow(), page_id, &row, user).await? {
        return Err(super::reconcile::settled());
    }
    let details = json!({
        "enrollment_id": t.enrollment_id,
        "addition_id": t.addition_id,
        "page": page,
    });
    audit::append(
        c,
        Event {
            actor,
            action: "fax_page.assign",
            target_kind: "fax_page",
            target_id: page_id,
            from_state: Some(before.as_str()),
            to_state: Some(outcome.as_str()),
            details,
        },
    )
    .await?;
    Ok(Assigned {
        outcome,
        completed: false,
    })
}
