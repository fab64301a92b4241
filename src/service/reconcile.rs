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
use crate::store::{additions, enrollments, fax_list, forms};

use super::reconcile_addition as addition;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Assignment {
    pub enrollment_id: i64,
    /// Which page of the form this is (1 = the front page).
    pub page: i64,
    /// The page is of the 支援チームメンバー追加同意書 of this open addition (追加待ち) of the
    /// enrollment, not of its 別紙1 copy. A candidate offers it as `addition_id`.
    #[serde(default)]
    pub addition_id: Option<i64>,
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
    if let Some(addition) = a.addition_id {
        let t = addition::target(app, a.enrollment_id, addition).await?;
        let mut tx = app.store.begin().await?;
        let done = addition::assign_in(tx.conn(), actor, user, page_id, &t, a.page).await?;
        tx.commit().await?;
        return Ok(done);
    }
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
/// A code whose enrollment waits on an addition's form (and not on a copy) takes the page as
/// a page of that form. Errors name the page (「3枚目: …」).
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
    let pages = {
        let mut c = app.store.acquire().await?;
        fax_list::pages_of_message(c.conn(), message_id).await?
    };
    // Pages are numbered as the FAX runs, across its documents.
    let mut numbered = Vec::with_capacity(parts.len());
    for part in parts {
        let Some(n) = pages.iter().position(|p| p.id == part.page_id) else {
            return Err(AppError::NotFound);
        };
        let at = numbered_error(n);
        let target = split_target(app, part).await.map_err(at)?;
        numbered.push((n, target));
    }
    let mut tx = app.store.begin().await?;
    let mut done = Vec::new();
    let mut mails = Vec::new();
    for (part, (n, target)) in parts.iter().zip(numbered) {
        let at = numbered_error(n);
        let (id, assigned) = match target {
            SplitTarget::Copy(id) => {
                let a = Assignment {
                    enrollment_id: id,
                    page: part.page,
                    addition_id: None,
                };
                let assigned = assign_in(tx.conn(), actor, user, part.page_id, &a);
                (id, assigned.await.map_err(at)?)
            }
            SplitTarget::Addition(t) => {
                let assigned =
                    addition::assign_in(tx.conn(), actor, user, part.page_id, &t, part.page);
                (t.enrollment_id, assigned.await.map_err(at)?)
            }
        };
        if assigned.completed {
            mails.extend(received_mail(tx.conn(), app, id).await?);
        }
        done.push(assigned);
    }
    tx.commit().await?;
    crate::outbox::kick(app, mails).await;
    Ok(done)
}

/// What a split's page goes to: an enrollment's 別紙1 copy, or its open addition's form.
enum SplitTarget {
    Copy(i64),
    Addition(addition::Target),
}

/// The target of a split's page by its code (read before the transaction).
async fn split_target(app: &Context, part: &SplitPart) -> AppResult<SplitTarget> {
    let code = consentflow_workers::EnrollmentCode::parse(&part.code)
        .map_err(|_| invalid("code", "登録コードが正しくありません。"))?;
    let mut c = app.store.acquire().await?;
    let missing = || invalid("code", "登録コードの登録が見つかりません。");
    let id = enrollments::id_by_code(c.conn(), code.as_str())
        .await?
        .ok_or_else(missing)?;
    let e = enrollments::get(c.conn(), id).await?.ok_or_else(missing)?;
    let open = additions::open_by_code(c.conn(), code.as_str()).await?;
    drop(c);
    match open {
        Some((addition_id, _)) if !e.state.awaits_copy() => Ok(SplitTarget::Addition(
            addition::target(app, e.id, addition_id).await?,
        )),
        _ => Ok(SplitTarget::Copy(e.id)),
    }
}

/// Prefixes an error's messages with the page's place in the FAX (「3枚目: …」).
fn numbered_error(n: usize) -> impl Fn(AppError) -> AppError {
    move |e: AppError| match e {
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
    }
}

/// Assigns inside the caller's transaction.
async fn assign_in(
    mut c: crate::store::Conn<'_>,
    actor: &Actor,
    user: i64,
    page_id: i64,
    a: &Assignment,
) -> AppResult<Assigned> {
    let before = open_page(c.reborrow(), page_id).await?;
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
        return Err(settled());
    }
    audit::append(
        c.reborrow(),
        Event {
            actor,
            action: "fax_page.assign",
            target_kind: "fax_page",
            target_id: page_id,
            from_state: Some(before.as_str()),
            to_state: Some(outcome.as_str()),
            details: json!({ "enrollment_id": e.id, "page": a.page }),
        },
    )
    .await?;
    let completed = !duplicate && complete_copy(c, e.id, actor).await?;
    Ok(Assigned { outcome, completed })
}

/// The outcome of page `page_id`, which must still wait for a person.
pub(super) async fn open_page(c: crate::store::Conn<'_>, page_id: i64) -> AppResult<PageOutcome> {
    let page = fax_list::page(c, page_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !page.outcome.needs_a_person() || page.resolved_at.is_some() {
        return Err(settled());
    }
    Ok(page.outcome)
}

pub(super) fn settled() -> AppError {
    AppError::Conflict("このページはすでに照合されています。画面を更新してください。".into())
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
