//! Who hands what over to whom after registration (#22): a new obtainer office for an
//! enrollment, a login moving to another office (異動), an office closing (廃止). Each is a
//! request one side makes and the other answers; the rules are here, pure, so the page and the
//! API cannot differ.

use super::enrollment::State;
use super::status::RequestState;
use super::{Actor, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not this person's to ask or to answer.
    NotTheirs,
    /// The enrollment was withdrawn or closed.
    Ended,
    /// The target office is the one it already is (a transfer), or closed.
    BadTarget,
    /// The request was answered or withdrawn already.
    Answered,
    /// The office still obtains consent for enrollments that have not ended (closing).
    StillObtains(usize),
}

/// How a request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The other side agrees: the change is made.
    Accept,
    /// The other side refuses.
    Decline,
    /// The asking side takes it back.
    Withdraw,
}

impl Answer {
    pub fn parse(s: &str) -> Option<Answer> {
        match s.trim() {
            "accept" => Some(Answer::Accept),
            "decline" => Some(Answer::Decline),
            "withdraw" => Some(Answer::Withdraw),
            _ => None,
        }
    }

    pub fn outcome(self) -> RequestState {
        match self {
            Answer::Accept => RequestState::Accepted,
            Answer::Decline => RequestState::Declined,
            Answer::Withdraw => RequestState::Withdrawn,
        }
    }
}

/// Staff or administrator of `office`.
fn of_office(actor: &Actor, office: i64) -> bool {
    matches!(actor, Actor::User { role: Role::Staff | Role::OfficeAdmin, office_id: Some(o), .. }
        if *o == office)
}

fn admin_of(actor: &Actor, office: i64) -> bool {
    matches!(actor, Actor::User { role: Role::OfficeAdmin, office_id: Some(o), .. }
        if *o == office)
}

fn is(actor: &Actor, role: Role) -> bool {
    actor.role() == Some(role)
}

/// How a change of obtainer goes: within the office the care manager simply changes; to
/// another office, that office accepts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObtainerMove {
    AtOnce,
    Asks,
}

/// A new obtainer is proposed by the centre or by the obtainer office, to an open office,
/// while the enrollment has not ended.
pub fn may_propose_obtainer(
    actor: &Actor,
    from_office: i64,
    to_office: i64,
    to_closed: bool,
    state: State,
) -> Result<ObtainerMove, Refusal> {
    if !(is(actor, Role::Centre) || of_office(actor, from_office)) {
        return Err(Refusal::NotTheirs);
    }
    if state.is_terminal() {
        return Err(Refusal::Ended);
    }
    if to_closed {
        return Err(Refusal::BadTarget);
    }
    Ok(if to_office == from_office {
        ObtainerMove::AtOnce
    } else {
        ObtainerMove::Asks
    })
}

/// The new office accepts or declines; the old office or the centre withdraws.
pub fn may_answer_obtainer(
    actor: &Actor,
    answer: Answer,
    from_office: i64,
    to_office: i64,
    request: RequestState,
    state: State,
) -> Result<(), Refusal> {
    let allowed = match answer {
        Answer::Accept | Answer::Decline => of_office(actor, to_office),
        Answer::Withdraw => is(actor, Role::Centre) || of_office(actor, from_office),
    };
    if !allowed {
        return Err(Refusal::NotTheirs);
    }
    if request != RequestState::Open {
        return Err(Refusal::Answered);
    }
    if answer == Answer::Accept && state.is_terminal() {
        return Err(Refusal::Ended);
    }
    Ok(())
}

/// How a transfer goes: the city moves a login at once; the old office's administrator asks
/// and the new office's administrator accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMove {
    AtOnce,
    Asks,
}

/// A login of `from_office` (staff or administrator, not the actor themself) moves to
/// another open office.
pub fn may_transfer(
    actor: &Actor,
    user: i64,
    from_office: i64,
    to_office: i64,
    to_closed: bool,
) -> Result<TransferMove, Refusal> {
    let how = if is(actor, Role::CityAdmin) {
        TransferMove::AtOnce
    } else if admin_of(actor, from_office) && actor.user_id() != Some(user) {
        TransferMove::Asks
    } else {
        return Err(Refusal::NotTheirs);
    };
    if to_office == from_office || to_closed {
        return Err(Refusal::BadTarget);
    }
    Ok(how)
}

/// The new office's administrator (or the city) accepts or declines; the old office's
/// administrator (or the city) withdraws.
pub fn may_answer_transfer(
    actor: &Actor,
    answer: Answer,
    from_office: i64,
    to_office: i64,
    request: RequestState,
) -> Result<(), Refusal> {
    let office = match answer {
        Answer::Accept | Answer::Decline => to_office,
        Answer::Withdraw => from_office,
    };
    if !(is(actor, Role::CityAdmin) || admin_of(actor, office)) {
        return Err(Refusal::NotTheirs);
    }
    if request != RequestState::Open {
        return Err(Refusal::Answered);
    }
    Ok(())
}

/// The office's administrator asks to close it (the city may ask on its behalf).
pub fn may_ask_closure(actor: &Actor, office: i64, closed: bool) -> Result<(), Refusal> {
    if !(is(actor, Role::CityAdmin) || admin_of(actor, office)) {
        return Err(Refusal::NotTheirs);
    }
    if closed {
        return Err(Refusal::BadTarget);
    }
    Ok(())
}

/// The city decides; the asking office withdraws. Closing waits until no enrollment the
/// office obtains consent for is still going (`obtaining`).
pub fn may_answer_closure(
    actor: &Actor,
    answer: Answer,
    office: i64,
    request: RequestState,
    obtaining: usize,
) -> Result<(), Refusal> {
    let allowed = match answer {
        Answer::Accept | Answer::Decline => is(actor, Role::CityAdmin),
        Answer::Withdraw => is(actor, Role::CityAdmin) || admin_of(actor, office),
    };
    if !allowed {
        return Err(Refusal::NotTheirs);
    }
    if request != RequestState::Open {
        return Err(Refusal::Answered);
    }
    if answer == Answer::Accept && obtaining > 0 {
        return Err(Refusal::StillObtains(obtaining));
    }
    Ok(())
}

#[cfg(test)]
#[path = "handover_tests.rs"]
mod tests;
