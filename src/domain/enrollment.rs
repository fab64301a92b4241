//! The enrollment state machine, as a pure function.
//!
//! `decide` checks the actor's role and relation to the enrollment, and the preconditions, and
//! returns a [`Decision`]. A `Decision` can only be made here (its fields are private), and the
//! store applies nothing else to an enrollment's state, so no state change bypasses these rules.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Actor, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    FormIssued,
    ConsentSigned,
    CopyReceived,
    Returned,
    Verified,
    TeamRegistered,
    Active,
    Withdrawn,
    Closed,
}

impl State {
    /// Waiting for the signed copy: a complete copy may be received, a resend asked for.
    pub fn awaits_copy(self) -> bool {
        matches!(
            self,
            State::FormIssued | State::ConsentSigned | State::Returned
        )
    }

    /// Withdrawn or closed: nothing more happens to it (no printing, no steps but none).
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Withdrawn | State::Closed)
    }

    pub const ALL: [State; 10] = [
        State::Draft,
        State::FormIssued,
        State::ConsentSigned,
        State::CopyReceived,
        State::Returned,
        State::Verified,
        State::TeamRegistered,
        State::Active,
        State::Withdrawn,
        State::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::FormIssued => "form_issued",
            State::ConsentSigned => "consent_signed",
            State::CopyReceived => "copy_received",
            State::Returned => "returned",
            State::Verified => "verified",
            State::TeamRegistered => "team_registered",
            State::Active => "active",
            State::Withdrawn => "withdrawn",
            State::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            State::Draft => "事前確認",
            State::FormIssued => "同意書発行済",
            State::ConsentSigned => "同意取得済",
            State::CopyReceived => "写し受領",
            State::Returned => "差戻し",
            State::Verified => "確認済",
            State::TeamRegistered => "チーム登録済",
            State::Active => "利用中",
            State::Withdrawn => "撤回",
            State::Closed => "終了",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, State::Withdrawn | State::Closed)
    }
}

/// A state the database holds that this code does not know: an error where the row is read,
/// never a silent branch later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownState(pub String);

impl std::fmt::Display for UnknownState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown enrollment state {:?}", self.0)
    }
}

impl std::error::Error for UnknownState {}

impl TryFrom<String> for State {
    type Error = UnknownState;
    fn try_from(s: String) -> Result<State, UnknownState> {
        State::parse(&s).ok_or(UnknownState(s))
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who signed the consent form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signer {
    /// 本人
    Subject,
    /// 代理人, with 続柄
    Proxy { relationship: String },
}

/// How the copy reached the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CopyChannel {
    Fax,
    /// 持参
    InPerson,
}

/// Everything that can happen to an enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    /// Print (issue) the consent form. Version 0 means the newest; the service fills it in.
    IssueForm {
        #[serde(default)]
        version: u16,
    },
    RecordConsent {
        date: NaiveDate,
        signer: Signer,
    },
    ReceiveCopy {
        channel: CopyChannel,
    },
    ReturnCopy {
        reason: String,
    },
    Verify,
    RegisterTeam,
    Activate,
    Withdraw {
        reason: String,
    },
    Close {
        reason: String,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::IssueForm { .. } => "issue_form",
            Command::RecordConsent { .. } => "record_consent",
            Command::ReceiveCopy { .. } => "receive_copy",
            Command::ReturnCopy { .. } => "return_copy",
            Command::Verify => "verify",
            Command::RegisterTeam => "register_team",
            Command::Activate => "activate",
            Command::Withdraw { .. } => "withdraw",
            Command::Close { .. } => "close",
        }
    }
}

/// The facts about one enrollment that the rules need.
#[derive(Debug, Clone)]
pub struct Facts {
    pub state: State,
    pub obtainer_office_id: i64,
    pub issued_version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{role} may not {action}")]
    Forbidden {
        role: &'static str,
        action: &'static str,
    },
    #[error("cannot {action} an enrollment in state {from}")]
    InvalidState {
        from: &'static str,
        action: &'static str,
    },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

/// An accepted transition. Only [`decide`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    from: State,
    to: State,
    command: Command,
}

impl Decision {
    pub fn from(&self) -> State {
        self.from
    }
    pub fn to(&self) -> State {
        self.to
    }
    pub fn command(&self) -> &Command {
        &self.command
    }
}

/// Who may issue each command.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Party {
    /// Staff or office administrator of the obtainer's office.
    ObtainerOffice,
    Centre,
    CityAdmin,
    System,
}

fn parties(cmd: &Command) -> &'static [Party] {
    use Party::*;
    match cmd {
        Command::IssueForm { .. } | Command::RecordConsent { .. } | Command::RegisterTeam => {
            &[ObtainerOffice]
        }
        Command::ReceiveCopy { .. } => &[Centre, System],
        Command::ReturnCopy { .. } | Command::Verify | Command::Activate => &[Centre],
        // The city looks and does not act on enrollments (#6): it approves offices and people.
        Command::Withdraw { .. } | Command::Close { .. } => &[ObtainerOffice, Centre],
    }
}

fn party_of(actor: &Actor, facts: &Facts) -> Option<Party> {
    match actor {
        Actor::System => Some(Party::System),
        Actor::User {
            role, office_id, ..
        } => match role {
            Role::Centre => Some(Party::Centre),
            Role::CityAdmin => Some(Party::CityAdmin),
            Role::Staff | Role::OfficeAdmin => {
                (*office_id == Some(facts.obtainer_office_id)).then_some(Party::ObtainerOffice)
            }
        },
    }
}

/// The state a command leads to from `from`, if the machine allows it at all.
fn target(from: State, cmd: &Command) -> Option<State> {
    use State::*;
    Some(match (from, cmd) {
        (Draft | FormIssued, Command::IssueForm { .. }) => FormIssued,
        (FormIssued, Command::RecordConsent { .. }) => ConsentSigned,
        // The signed copy is the proof of consent: it may arrive before the care manager records
        // the consent on screen (the centre reads the date off the copy when verifying).
        (FormIssued | ConsentSigned | Returned, Command::ReceiveCopy { .. }) => CopyReceived,
        (CopyReceived, Command::ReturnCopy { .. }) => Returned,
        (CopyReceived, Command::Verify) => Verified,
        (Verified, Command::RegisterTeam) => TeamRegistered,
        (TeamRegistered, Command::Activate) => Active,
        // Consent can be withdrawn at any time once given, including while the copy is checked.
        (
            ConsentSigned | CopyReceived | Returned | Verified | TeamRegistered | Active,
            Command::Withdraw { .. },
        ) => Withdrawn,
        (Draft | FormIssued | Active, Command::Close { .. }) => Closed,
        _ => return None,
    })
}

fn reason(field: &'static str, r: &str) -> Result<(), TransitionError> {
    super::text::check_chars(field, r.trim(), "理由", true).map_err(|e| {
        TransitionError::Invalid {
            field,
            message: e.message,
        }
    })?;
    let n = r.trim().chars().count();
    if n == 0 {
        return Err(TransitionError::Invalid {
            field,
            message: "理由を入力してください。".into(),
        });
    }
    if n > 500 {
        return Err(TransitionError::Invalid {
            field,
            message: format!("理由は500文字以内で入力してください（現在{n}文字）。"),
        });
    }
    Ok(())
}

fn preconditions(facts: &Facts, cmd: &Command, today: NaiveDate) -> Result<(), TransitionError> {
    match cmd {
        Command::IssueForm { version } => {
            if *version == 0 {
                return Err(TransitionError::Invalid {
                    field: "version",
                    message: "様式の版が正しくありません。".into(),
                });
            }
        }
        Command::RecordConsent { date, signer } => {
            if *date > today {
                return Err(TransitionError::Invalid {
                    field: "date",
                    message: "同意日に未来の日付は指定できません。".into(),
                });
            }
            if let Signer::Proxy { relationship } = signer {
                super::text::check_chars("relationship", relationship.trim(), "続柄", false)
                    .map_err(|e| TransitionError::Invalid {
                        field: "relationship",
                        message: e.message,
                    })?;
                let n = relationship.trim().chars().count();
                if n == 0 || n > 20 {
                    return Err(TransitionError::Invalid {
                        field: "relationship",
                        message: "代理人の続柄を20文字以内で入力してください。".into(),
                    });
                }
            }
            if facts.issued_version.is_none() {
                return Err(TransitionError::Invalid {
                    field: "version",
                    message: "同意書がまだ発行されていません。".into(),
                });
            }
        }
        Command::ReturnCopy { reason: r }
        | Command::Withdraw { reason: r }
        | Command::Close { reason: r } => reason("reason", r)?,
        Command::ReceiveCopy { .. }
        | Command::Verify
        | Command::RegisterTeam
        | Command::Activate => {}
    }
    Ok(())
}

/// Decides whether `actor` may apply `cmd` to the enrollment described by `facts` today.
pub fn decide(
    facts: &Facts,
    actor: &Actor,
    cmd: Command,
    today: NaiveDate,
) -> Result<Decision, TransitionError> {
    let allowed = party_of(actor, facts).is_some_and(|p| parties(&cmd).contains(&p));
    if !allowed {
        return Err(TransitionError::Forbidden {
            role: actor.role_str(),
            action: cmd.name(),
        });
    }
    let to = target(facts.state, &cmd).ok_or(TransitionError::InvalidState {
        from: facts.state.as_str(),
        action: cmd.name(),
    })?;
    preconditions(facts, &cmd, today)?;
    Ok(Decision {
        from: facts.state,
        to,
        command: cmd,
    })
}

#[cfg(test)]
#[path = "enrollment_tests.rs"]
mod tests;
