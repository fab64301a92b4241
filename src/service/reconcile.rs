//! Reconciling by hand: centre staff assign a page the reader could not match to an enrollment
//! and page. The page's change, its audit event and (when the copy is then complete) the
//! enrollment's `receive_copy` are one transaction.

use serde::Deserialize;
use serde_json::json;

use crate::context::Context;
use crate::domain::status::PageOutcome;
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::service::copies::{complete_copy, received_mail};
use crate::service::fax::centre_only;
use crate::store::audit::{self, Event};
use crate::store::fax::{self, NewPage};
use crate::store::{enrollments, fax_list, forms};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Assignment {
    pub enrollment_id: i64,
    /// Which page of the form this is (1 = the front page).
    pub page: i64,
}

/// What an assignment came to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Assigned {
    /// matched, or duplicate when that page of the copy was in already
    pub outcome: PageOutcome,
    /// The enrollment's copy is now complete and it moved to `copy_received`.
    pub completed: bool,
}

fn centre_user(actor: &Actor) -> AppResult<i64> {
    centre_only(actor, "FAX の照合はセンターの職員だけが行えます。")
}

pub async fn assign(
    app: &Context,
    actor: &Actor,
    page_id: i64,
    a: &Assignment,
) -> AppResult<Assigned> {
    let user = centre_user(actor)?;
    let mut tx = app.store.begin().await?;
    let done = assign_in(tx.conn(), actor, user, page_id, a).await?;
    let mut mails = Vec::new();
    if done.completed {
        mails.extend(received_mail(tx.conn(), app, a.enrollment_id).await?);
    }
    tx.commit().await?;
    crate::outbox::kick(app, mails).await;
    Ok(done)
}

/// One page of a split: the page, and the enrollment code and form page typed for it.
#[derive(Debug, Clone)]
pub struct SplitPart {
    pub page_id: i64,
    pub code: String,
    pub page: i64,
}

/// Splits a FAX that holds several forms: each listed page of the message is assigned to the
/// enrollment its code names, all in one transaction, so a mistake on one page changes nothing.
/// Errors name the page (「3枚目: …」).
pub async fn split(
    app: &Context,
    actor: &Actor,
    message_id: i64,
    parts: &[SplitPart],
) -> AppResult<Vec<Assigned>> {
    let user = centre_user(actor)?;
    if parts.is_empty() {
        return Err(invalid(
            "parts",
            "割り当てるページの登録コードを入力してください。",
        ));
    }
    let mut tx = app.store.begin().await?;
    let pages = fax_list::pages_of_message(tx.conn(), message_id).await?;
    let mut done = Vec::new();
    let mut mails = Vec::new();
    for part in parts {
        // Pages are numbered as the FAX runs, across its documents.
        let Some(n) = pages.iter().position(|p| p.id == part.page_id) else {
            return Err(AppError::NotFound);
        };
        let at = |e: AppError| match e {
            AppError::Invalid(f) => {
                let mut each = crate::domain::FieldErrors::default();
                for e in f.iter() {
                    let message = format!("{}枚目: {}", n + 1, e.message);
                    each.push(crate::domain::FieldError::new(e.field, message));
                }
                AppError::Invalid(each)
            }
            AppError::Conflict(m) => AppError::Conflict(format!("{}枚目: {m}", n + 1)),
            other => other,
        };
        let code = consentflow_workers::EnrollmentCode::parse(&part.code)
            .map_err(|_| at(invalid("code", "登録コードが正しくありません。")))?;
        let id = enrollments::id_by_code(tx.conn(), code.as_str())
            .await?
            .ok_or_else(|| at(invalid("code", "登録コードの登録が見つかりません。")))?;
        let a = Assignment {
            enrollment_id: id,
            page: part.page,
        };
        let assigned = assign_in(tx.conn(), actor, user, part.page_id, &a)
            .await
            .map_err(at)?;
        if assigned.completed {
            mails.extend(received_mail(tx.conn(), app, id).await?);
        }
        done.push(assigned);
    }
    tx.commit().await?;
    crate::outbox::kick(app, mails).await;
    Ok(done)
}

/// Assigns inside the caller's transaction.
async fn assign_in(
    mut c: crate::store::Conn<'_>,
    actor: &Actor,
    user: i64,
    page_id: i64,
    a: &Assignment,
) -> AppResult<Assigned> {
    let page = fax_list::page(c.reborrow(), page_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !page.outcome.needs_a_person() || page.resolved_at.is_some() {
        return Err(AppError::Conflict(
            "このページはすでに照合されています。画面を更新してください。".into(),
        ));
    }
    enrollments::lock(c.reborrow(), a.enrollment_id).await?;
    let e = enrollments::get(c.reborrow(), a.enrollment_id)
        .await?
        .ok_or_else(|| invalid("enrollment_id", "登録が見つかりません。"))?;
    let Some(form) = current_form(c.reborrow(), e.id).await? else {
        return Err(invalid(
            "enrollment_id",
            "この登録には同意書が発行されていません。",
        ));
    };
    if a.page < 1 || a.page > form.pages {
        return Err(invalid(
            "page",
            &format!("ページは 1〜{} で指定してください。", form.pages),
        ));
    }
    let received = fax::received_pages(c.reborrow(), e.id, e.copy_round).await?;
    let duplicate = received.contains(&a.page);
    let (outcome, reason) = if duplicate {
        (
            PageOutcome::Duplicate,
            format!("手作業で照合：{}ページ目は受信済みです", a.page),
        )
    } else {
        (
            PageOutcome::Matched,
            format!(
                "手作業で {}/{}ページ目として照合しました",
                a.page, form.pages
            ),
        )
    };
    let row = NewPage {
        outcome,
        reason: &reason,
        enrollment_id: Some(e.id),
        copy_round: Some(e.copy_round),
        form_page: Some(a.page),
        form_pages: Some(form.pages),
        form_version: Some(form.form_version),
        is_primary: !duplicate,
        ..NewPage::default()
    };
    if !fax::assign(c.reborrow(), page_id, &row, user).await? {
        return Err(AppError::Conflict(
            "このページはすでに照合されています。画面を更新してください。".into(),
        ));
    }
    audit::append(
        c.reborrow(),
        Event {
            actor,
            action: "fax_page.assign",
            target_kind: "fax_page",
            target_id: page_id,
            from_state: Some(page.outcome.as_str()),
            to_state: Some(outcome.as_str()),
            details: json!({ "enrollment_id": e.id, "page": a.page }),
        },
    )
    .await?;
    let completed = !duplicate && complete_copy(c, e.id, actor).await?;
    Ok(Assigned { outcome, completed })
}

/// The form a page without a code is taken to be a page of: the latest issued prefilled form
/// still current, else the latest issued.
pub(crate) async fn current_form(
    c: crate::store::Conn<'_>,
    enrollment_id: i64,
) -> AppResult<Option<forms::IssuedForm>> {
    let issued = forms::all_for(c, enrollment_id).await?;
    let current = issued
        .iter()
        .filter(|f| !f.blank && f.superseded_at.is_none())
        .max_by_key(|f| f.form_version)
        .or_else(|| issued.iter().max_by_key(|f| f.form_version));
    Ok(current.cloned())
}

/// Settles an unmatched page as not a consent form, with a reason (kept, never deleted).
pub async fn discard(app: &Context, actor: &Actor, page_id: i64, reason: &str) -> AppResult<()> {
    let user = centre_user(actor)?;
    let reason = crate::domain::text::bounded_multiline("reason", reason, 200, "理由")?;
    let mut tx = app.store.begin().await?;
    let text = format!("同意書ではないため処理対象外：{reason}");
    if !fax::discard(tx.conn(), page_id, &text, user).await? {
        return Err(AppError::Conflict(
            "このページはすでに処理されています。画面を更新してください。".into(),
        ));
    }
    audit::append(
        tx.conn(),
        Event {
            actor,
            action: "fax_page.discard",
            target_kind: "fax_page",
            target_id: page_id,
            from_state: None,
            to_state: Some(PageOutcome::Discarded.as_str()),
            details: json!({ "reason": reason }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn invalid(field: &'static str, message: &str) -> AppError {
    AppError::invalid(field, message)
}
