//! ⑥ 情報の更新: the person's basic details kept up to date after registration (#22). Who may
//! edit them, what a change is (field by field, before and after), and how the current details
//! differ from what an issued form printed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::enrollment::State;
use super::person::{InsuranceNumber, Kana, PersonName, Phone};
use super::text::bounded_text;
use super::{Actor, FieldErrors, Role};

/// What a clerk sends: a field left out (or null) stays as it is; an empty 被保険者番号 removes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubjectPatch {
    pub name: Option<String>,
    pub kana: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub insurance_number: Option<String>,
}

/// The details that may change. 生年月日 and 性別 identify the person on the signed form; a
/// mistake in them is a new form, not an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editable {
    pub name: String,
    pub kana: String,
    pub address: String,
    pub phone: String,
    pub insurance_number: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectField {
    Name,
    Kana,
    Address,
    Phone,
    InsuranceNumber,
}

impl SubjectField {
    pub const ALL: [SubjectField; 5] = [
        SubjectField::Name,
        SubjectField::Kana,
        SubjectField::Address,
        SubjectField::Phone,
        SubjectField::InsuranceNumber,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SubjectField::Name => "name",
            SubjectField::Kana => "kana",
            SubjectField::Address => "address",
            SubjectField::Phone => "phone",
            SubjectField::InsuranceNumber => "insurance_number",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            SubjectField::Name => "氏名",
            SubjectField::Kana => "フリガナ",
            SubjectField::Address => "住所",
            SubjectField::Phone => "電話番号",
            SubjectField::InsuranceNumber => "被保険者番号",
        }
    }
}

/// One field's change: an empty value is "not recorded".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: SubjectField,
    pub before: String,
    pub after: String,
}

impl FieldChange {
    pub fn label_ja(&self) -> &'static str {
        self.field.label_ja()
    }
}

impl Editable {
    fn get(&self, f: SubjectField) -> String {
        match f {
            SubjectField::Name => self.name.clone(),
            SubjectField::Kana => self.kana.clone(),
            SubjectField::Address => self.address.clone(),
            SubjectField::Phone => self.phone.clone(),
            SubjectField::InsuranceNumber => self.insurance_number.clone().unwrap_or_default(),
        }
    }

    /// The details after `patch`, checked as at registration, and what changed. Every refusal
    /// is returned at once; a patch that changes nothing is no change (an empty list).
    pub fn apply(&self, patch: &SubjectPatch) -> Result<(Editable, Vec<FieldChange>), FieldErrors> {
        let mut e = FieldErrors::default();
        let mut next = self.clone();
        if let Some(s) = &patch.name {
            next.name = e
                .take(PersonName::parse("name", s))
                .map_or(next.name, |v| v.as_str().to_string());
        }
        if let Some(s) = &patch.kana {
            next.kana = e
                .take(Kana::parse("kana", s))
                .map_or(next.kana, |v| v.as_str().to_string());
        }
        if let Some(s) = &patch.address {
            next.address = e
                .take(bounded_text("address", s, 200, "住所"))
                .unwrap_or(next.address);
        }
        if let Some(s) = &patch.phone {
            next.phone = e
                .take(Phone::parse("phone", s))
                .map_or(next.phone, |v| v.as_str().to_string());
        }
        if let Some(s) = &patch.insurance_number {
            if let Some(v) = e.take(InsuranceNumber::parse("insurance_number", s)) {
                next.insurance_number = v.map(|n| n.as_str().to_string());
            }
        }
        let changes = SubjectField::ALL
            .iter()
            .filter(|f| self.get(**f) != next.get(**f))
            .map(|f| FieldChange {
                field: *f,
                before: self.get(*f),
                after: next.get(*f),
            })
            .collect();
        e.finish(|| Some((next, changes)))
    }
}

/// Why someone may not edit the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditRefusal {
    /// Not the obtainer office (the team's representative): the page offers nothing.
    NotTheirs,
    /// Withdrawn or closed: the record is kept as it ended, until it is retired.
    Ended,
}

/// The obtainer office (its staff and administrator: the team's representative) keeps the
/// details; the centre and the city read them; an ended enrollment is not edited.
pub fn may_edit(actor: &Actor, obtainer_office: i64, state: State) -> Result<(), EditRefusal> {
    let theirs = matches!(
        actor,
        Actor::User { role: Role::Staff | Role::OfficeAdmin, office_id: Some(o), .. } if *o == obtainer_office
    );
    if !theirs {
        return Err(EditRefusal::NotTheirs);
    }
    if state.is_terminal() {
        return Err(EditRefusal::Ended);
    }
    Ok(())
}

/// How the current details differ from what a form issued at `issued_at` printed, from the
/// journal of changes (oldest first): a field's printed value is the `before` of its first
/// change after printing. A field changed and changed back differs in nothing.
pub fn printed_differences(
    issued_at: DateTime<Utc>,
    journal: &[(DateTime<Utc>, Vec<FieldChange>)],
    current: &Editable,
) -> Vec<FieldChange> {
    SubjectField::ALL
        .iter()
        .filter_map(|f| {
            let printed = journal
                .iter()
                .filter(|(at, _)| *at > issued_at)
                .flat_map(|(_, cs)| cs.iter())
                .find(|c| c.field == *f)?
                .before
                .clone();
            let now = current.get(*f);
            (printed != now).then_some(FieldChange {
                field: *f,
                before: printed,
                after: now,
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "subject_tests.rs"]
mod tests;
