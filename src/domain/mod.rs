//! The domain: pure types and rules, no I/O. Inputs are parsed into newtypes here, so a value
//! that reaches storage is already valid.

pub mod csv;
pub mod date;
pub mod deadline;
pub mod enrollment;
pub mod handover;
pub mod incident;
pub mod office;
pub mod office_info;
pub mod person;
pub mod report;
pub mod retention;
pub mod search;
pub mod status;
pub mod subject;
pub mod team;
pub mod text;
pub mod training;
pub mod voucher;

use serde::{Deserialize, Serialize};

/// What a user may do is decided by role (and, for office roles, by office).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 利用スタッフ
    Staff,
    /// 事業所管理者
    OfficeAdmin,
    /// 在宅医療・介護連携推進センター
    Centre,
    /// 市 高齢福祉課
    CityAdmin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Staff,
        Role::OfficeAdmin,
        Role::Centre,
        Role::CityAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::OfficeAdmin => "office_admin",
            Role::Centre => "centre",
            Role::CityAdmin => "city_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "staff" => Role::Staff,
            "office_admin" => Role::OfficeAdmin,
            "centre" => Role::Centre,
            "city_admin" => Role::CityAdmin,
            _ => return None,
        })
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Staff => "利用スタッフ",
            Role::OfficeAdmin => "事業所管理者",
            Role::Centre => "連携推進センター",
            Role::CityAdmin => "市担当者",
        }
    }

    /// Office roles belong to an office; the centre and the city do not.
    pub fn needs_office(self) -> bool {
        matches!(self, Role::Staff | Role::OfficeAdmin)
    }
}

/// Who is acting: a signed-in user, or the service itself (intake, schedules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User {
        id: i64,
        role: Role,
        office_id: Option<i64>,
    },
    System,
}

impl Actor {
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            Actor::System => None,
        }
    }

    pub fn role_str(&self) -> &'static str {
        match self {
            Actor::User { role, .. } => role.as_str(),
            Actor::System => "system",
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Actor::User { role, .. } => Some(*role),
            Actor::System => None,
        }
    }

    pub fn office_id(&self) -> Option<i64> {
        match self {
            Actor::User { office_id, .. } => *office_id,
            Actor::System => None,
        }
    }
}

/// A refused input, named by field so screens can show the message beside it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    /// Japanese, for the person who typed it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// Every refused input of one form, so a screen shows them all at once, each beside its field.
/// Never empty once it is an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value of a parse that succeeded; remembers the error of one that did not.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    /// One error per field: the first found for a field is the one shown.
    pub fn push(&mut self, e: FieldError) {
        if self.get(e.field).is_none() {
            self.0.push(e);
        }
    }

    /// `Ok(v)` when nothing was refused (`v` built from the values taken), else every error.
    pub fn finish<T>(self, v: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        if !self.0.is_empty() {
            return Err(self);
        }
        // Every value was taken, so `v` has them all; a `None` here is a missed `take`, and
        // still an answer rather than a panic.
        v().ok_or_else(|| FieldError::new("form", "入力内容を確認してください。").into())
    }

    /// The message for `field`, for the template to show beside it.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The first error: the API's `field` and `message`.
    pub fn first(&self) -> Option<&FieldError> {
        self.0.first()
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        FieldErrors(vec![e])
    }
}
