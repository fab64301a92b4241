//! ⑥ 情報の更新: the obtainer office keeps the person's details up to date (#22). Each change is
//! journaled with before and after (`subject_changes`, part of the person's record); the audit
//! log names only the fields. Issued forms keep what they printed: the page shows how the
//! current details differ from them.

use serde::Serialize;
use serde_json::json;

use super::enrollments::may_see;
use crate::domain::subject::{
    may_edit, printed_differences, EditRefusal, Editable, FieldChange, SubjectPatch,
};
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Event};
use crate::store::enrollments::{self as enrollment_rows, SubjectRow};
use crate::store::subject_changes::{self as journal, SubjectChange};
use crate::store::{forms, Conn, Store};

pub fn editable(s: &SubjectRow) -> Editable {
    Editable {
        name: s.name.clone(),
        kana: s.kana.clone(),
        address: s.address.clone(),
        phone: s.phone.clone(),
        insurance_number: s.insurance_number.clone(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubjectUpdate {
    /// What changed (empty when the patch changed nothing).
    pub changes: Vec<FieldChange>,
}

fn refused(r: EditRefusal) -> AppError {
    match r {
        EditRefusal::NotTheirs => {
            AppError::Forbidden("支援対象者の基本情報は、同意を取得した事業所が変更します。".into())
        }
        EditRefusal::Ended => {
            AppError::InvalidState("撤回または終了した登録の基本情報は変更できません。".into())
        }
    }
}

/// Whether `actor` may edit enrollment `id`'s details now (for the page's link and form).
pub async fn may_update(store: &Store, actor: &Actor, id: i64) -> AppResult<bool> {
    let mut c = store.acquire().await?;
    let e = enrollment_rows::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(may_edit(actor, e.obtainer_office_id, e.state).is_ok())
}

/// Applies `patch` to enrollment `id`'s person: the details, the journal entry and the audit
/// event in one transaction. Someone else's change in between is a conflict, never overwritten.
#[tracing::instrument(skip_all, fields(enrollment = id))]
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: i64,
    patch: &SubjectPatch,
) -> AppResult<SubjectUpdate> {
    let mut tx = store.begin().await?;
    let e = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(tx.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    may_edit(actor, e.obtainer_office_id, e.state).map_err(refused)?;
    let s = enrollment_rows::subject(tx.conn(), e.subject_id).await?;
    let before = editable(&s);
    let (next, changes) = before.apply(patch)?;
    if changes.is_empty() {
        return Ok(SubjectUpdate { changes });
    }
    if !journal::update(tx.conn(), s.id, &before, &next).await? {
        return Err(AppError::Conflict(
            "ほかの人が先に基本情報を変更しました。画面を開き直して、もう一度入力してください。"
                .into(),
        ));
    }
    let change = journal::insert(tx.conn(), id, s.id, actor.user_id(), &changes).await?;
    let fields: Vec<&str> = changes.iter().map(|c| c.field.key()).collect();
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "enrollment.subject_updated",
            ("enrollment", id),
            json!({ "fields": fields, "change": change }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(SubjectUpdate { changes })
}

/// The journal, and how the current details differ from the newest prefilled form printed.
pub async fn journal_and_differences(
    mut c: Conn<'_>,
    enrollment_id: i64,
    subject: &SubjectRow,
) -> AppResult<(Vec<SubjectChange>, Vec<FieldChange>)> {
    let entries = journal::of_enrollment(c.reborrow(), enrollment_id).await?;
    let printed = forms::all_for(c.reborrow(), enrollment_id)
        .await?
        .into_iter()
        .filter(|f| !f.blank)
        .map(|f| f.issued_at)
        .max();
    let diff = match printed {
        Some(at) => {
            let j: Vec<_> = entries.iter().map(|e| (e.at, e.fields())).collect();
            printed_differences(at, &j, &editable(subject))
        }
        None => vec![],
    };
    Ok((entries, diff))
}
