//! The field checks as the centre works with them (#20): the checked front page of a copy with
//! what was seen in each field, for the verify screen; the copies flagged for the inbox; and,
//! when a person verifies or returns a copy, what they said of each field — the overrides are
//! audited, the data for tuning the checks. The service never verifies on its own.

use serde::Serialize;
use serde_json::json;

use crate::domain::enrollment::Command;
use crate::domain::status::{CheckedField, FieldVerdict};
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::service::enrollments::may_see;
use crate::service::fax::may_read;
use crate::store::audit::{self, Event};
use crate::store::checks::{self, CheckRow, Flagged};
use crate::store::{blobs, Conn, Store};

/// The checked front page of an enrollment's current copy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FrontChecks {
    pub page_id: i64,
    /// The rules the copy breaks, in Japanese (empty when none).
    pub problems: Vec<String>,
    pub fields: Vec<CheckRow>,
}

impl FrontChecks {
    pub fn field(&self, f: CheckedField) -> Option<&CheckRow> {
        self.fields.iter().find(|r| r.field == f)
    }

    /// Whether writing was seen in `f`.
    pub fn filled(&self, f: CheckedField) -> bool {
        self.field(f)
            .is_some_and(|r| r.verdict == FieldVerdict::Filled)
    }

    /// A return's reason as the checks word it: 「本人署名欄が空です。同意日が空です。」.
    pub fn return_reason(&self) -> String {
        self.problems.iter().map(|p| format!("{p}。")).collect()
    }
}

/// Which field a rule's message is about.
fn field_of_problem(problem: &str) -> Option<CheckedField> {
    match problem {
        "本人署名欄が空です" => Some(CheckedField::Signature),
        "同意日が空です" => Some(CheckedField::ConsentDate),
        "代理人署名がありますが、続柄が空です" => {
            Some(CheckedField::Relationship)
        }
        _ => None,
    }
}

fn lines(problems: &str) -> Vec<String> {
    problems
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The checks of the enrollment's current copy, for the centre and the city (a signature's
/// crop is as personal as the page it comes from). None when no front page was checked.
pub async fn of_enrollment(
    store: &Store,
    actor: &Actor,
    enrollment_id: i64,
) -> AppResult<Option<FrontChecks>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    if !may_see(c.conn(), actor, enrollment_id).await? {
        return Err(AppError::NotFound);
    }
    let Some((page_id, problems)) = checks::current_front(c.conn(), enrollment_id).await? else {
        return Ok(None);
    };
    Ok(Some(FrontChecks {
        page_id,
        problems: lines(&problems),
        fields: checks::of_page(c.conn(), page_id).await?,
    }))
}

/// The copies waiting for the centre's check that break a rule (the inbox's 要確認).
pub async fn flagged(store: &Store, actor: &Actor, limit: i64) -> AppResult<Vec<Flagged>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    Ok(checks::flagged(c.conn(), limit).await?)
}

/// A field's crop (PNG), for those who may read the page itself.
pub async fn crop(
    store: &Store,
    actor: &Actor,
    page_id: i64,
    field: CheckedField,
) -> AppResult<Vec<u8>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    let sha = checks::crop(c.conn(), page_id, field)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, data) = blobs::get(c.conn(), &sha)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    super::reads::record(store, actor, "fax_page_image", ("fax_page", page_id)).await?;
    Ok(data)
}

/// What a person's step says of the checked fields: verifying says the copy is signed and
/// dated; returning it with a rule's message in the reason says that field is empty.
fn said(cmd: &Command, problems: &[String]) -> Vec<(CheckedField, bool)> {
    match cmd {
        Command::Verify => vec![
            (CheckedField::Signature, true),
            (CheckedField::ConsentDate, true),
        ],
        Command::ReturnCopy { reason } => problems
            .iter()
            .filter(|p| reason.contains(p.as_str()))
            .filter_map(|p| field_of_problem(p))
            .map(|f| (f, false))
            .collect(),
        _ => vec![],
    }
}

/// Records, in the caller's transaction and before the step is applied, what the person said
/// of the current copy's checked fields; where they said otherwise than the check, an audit
/// event on the enrollment (「本人署名：自動確認は空欄、確認者は記入あり」).
pub(crate) async fn settle(
    mut c: Conn<'_>,
    actor: &Actor,
    enrollment_id: i64,
    cmd: &Command,
) -> AppResult<()> {
    if !matches!(cmd, Command::Verify | Command::ReturnCopy { .. }) {
        return Ok(());
    }
    let Some((page_id, problems)) = checks::current_front(c.reborrow(), enrollment_id).await?
    else {
        return Ok(());
    };
    let rows = checks::of_page(c.reborrow(), page_id).await?;
    let mut overridden = Vec::new();
    for (field, seen) in said(cmd, &lines(&problems)) {
        let Some(row) = rows.iter().find(|r| r.field == field) else {
            continue;
        };
        checks::confirm(c.reborrow(), page_id, field, seen, actor.user_id()).await?;
        let mut row = row.clone();
        row.confirmed = Some(seen);
        if row.overridden() {
            metrics::counter!("field_check_overrides_total", "field" => field.as_str())
                .increment(1);
            overridden.push((field, row.verdict, seen));
        }
    }
    if overridden.is_empty() {
        return Ok(());
    }
    let said_ja = |seen: bool| if seen { "記入あり" } else { "空欄" };
    let note = overridden
        .iter()
        .map(|(f, v, seen)| {
            format!(
                "{}：自動確認は{}、確認者は{}",
                f.label_ja(),
                v.label_ja(),
                said_ja(*seen)
            )
        })
        .collect::<Vec<_>>()
        .join("、");
    let fields: Vec<_> = overridden
        .iter()
        .map(|(f, v, seen)| json!({"field": f.as_str(), "verdict": v.as_str(), "confirmed": seen}))
        .collect();
    audit::append(
        c,
        Event {
            actor,
            action: "enrollment.checks_overridden",
            target_kind: "enrollment",
            target_id: enrollment_id,
            from_state: None,
            to_state: None,
            details: json!({ "page_id": page_id, "fields": fields, "note": note }),
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_says_empty_only_of_the_rules_its_reason_names() {
        let problems = vec![
            "本人署名欄が空です".to_string(),
            "同意日が空です".to_string(),
        ];
        let cmd = Command::ReturnCopy {
            reason: "本人署名欄が空です。ご本人の署名をお願いします。".into(),
        };
        assert_eq!(
            said(&cmd, &problems),
            vec![(CheckedField::Signature, false)]
        );
        assert_eq!(
            said(&Command::Verify, &problems),
            vec![
                (CheckedField::Signature, true),
                (CheckedField::ConsentDate, true)
            ]
        );
        assert!(said(&Command::Activate, &problems).is_empty());
    }
}
