//! Team changes after registration (#22): who may take a member off a team, and when.

use super::enrollment::State;
use super::person::Phone;
use super::text::{bounded_text, optional_multiline, whole_number};
use super::{Actor, FieldError, FieldErrors, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamRefusal {
    /// Neither the obtainer office, the centre, nor the member's own administrator.
    NotTheirs,
    /// Withdrawn or closed: the team is kept as it ended.
    Ended,
    /// Members are added to a team in use (利用中) only; before that the team is on 別紙1.
    NotActive,
}

/// A member is taken off by the obtainer office (the team's representative), by the centre, or
/// by the administrator of the member's own office (a nurse who left); not once it ended.
/// `member_office` is None for a member no longer on the team (only those who may take anyone
/// off learn that).
pub fn may_remove(
    actor: &Actor,
    obtainer_office: i64,
    member_office: Option<i64>,
    state: State,
) -> Result<(), TeamRefusal> {
    let allowed = match actor {
        Actor::User {
            role: Role::Centre, ..
        } => true,
        Actor::User {
            role: Role::Staff | Role::OfficeAdmin,
            office_id: Some(o),
            ..
        } if *o == obtainer_office => true,
        Actor::User {
            role: Role::OfficeAdmin,
            office_id: Some(o),
            ..
        } => Some(*o) == member_office,
        _ => false,
    };
    if !allowed {
        return Err(TeamRefusal::NotTheirs);
    }
    if state.is_terminal() {
        return Err(TeamRefusal::Ended);
    }
    Ok(())
}

/// Members are added by the obtainer office (the team's representative) or the centre, to a
/// team in use; the person consents on a 支援チームメンバー追加同意書 first.
pub fn may_add(actor: &Actor, obtainer_office: i64, state: State) -> Result<(), TeamRefusal> {
    let allowed = match actor {
        Actor::User {
            role: Role::Centre, ..
        } => true,
        Actor::User {
            role: Role::Staff | Role::OfficeAdmin,
            office_id: Some(o),
            ..
        } => *o == obtainer_office,
        _ => false,
    };
    if !allowed {
        return Err(TeamRefusal::NotTheirs);
    }
    match state {
        State::Active => Ok(()),
        s if s.is_terminal() => Err(TeamRefusal::Ended),
        _ => Err(TeamRefusal::NotActive),
    }
}

/// The centre verifies the signed addition form (as it verifies 別紙1); then the members join.
pub fn may_verify_addition(actor: &Actor) -> bool {
    actor.role() == Some(Role::Centre)
}

/// Another person of the same office takes a member's place (a nurse leaves, another takes
/// over): no new consent, since the office stays on the team. Typed as people type.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ReplacementInput {
    /// A login of the member's office, if the new person has one (its id).
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub reason: String,
}

/// The replacement, checked: every refusal at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub user: Option<i64>,
    pub name: String,
    pub phone: String,
    pub reason: String,
}

impl ReplacementInput {
    pub fn parse(&self) -> Result<Replacement, FieldErrors> {
        let mut e = FieldErrors::default();
        let user = match self.user.trim() {
            "" => Some(None),
            s => e
                .take(
                    whole_number("user", s, 1, i64::MAX, "ログインID")
                        .map_err(|_| FieldError::new("user", "この事業所の職員を選んでください。")),
                )
                .map(Some),
        };
        let name = e.take(bounded_text("name", &self.name, 40, "氏名"));
        let phone = e.take(Phone::parse("phone", &self.phone));
        let reason = e.take(optional_multiline("reason", &self.reason, 200, "理由"));
        e.finish(|| {
            Some(Replacement {
                user: user?,
                name: name?,
                phone: phone?.as_str().to_string(),
                reason: reason?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, office: Option<i64>) -> Actor {
        Actor::User {
            id: 1,
            role,
            office_id: office,
        }
    }

    #[test]
    fn who_takes_a_member_off() {
        let ok = |a: &Actor| may_remove(a, 1, Some(2), State::Active);
        assert_eq!(
            ok(&user(Role::Staff, Some(1))),
            Ok(()),
            "the obtainer's care manager"
        );
        assert_eq!(ok(&user(Role::OfficeAdmin, Some(1))), Ok(()));
        assert_eq!(ok(&user(Role::Centre, None)), Ok(()));
        assert_eq!(
            ok(&user(Role::OfficeAdmin, Some(2))),
            Ok(()),
            "the member's own administrator"
        );
        assert_eq!(
            ok(&user(Role::Staff, Some(2))),
            Err(TeamRefusal::NotTheirs),
            "the member themself asks their administrator"
        );
        assert_eq!(
            ok(&user(Role::OfficeAdmin, Some(3))),
            Err(TeamRefusal::NotTheirs)
        );
        assert_eq!(
            ok(&user(Role::CityAdmin, None)),
            Err(TeamRefusal::NotTheirs),
            "the city looks"
        );
        assert_eq!(ok(&Actor::System), Err(TeamRefusal::NotTheirs));
        assert_eq!(
            may_remove(&user(Role::Centre, None), 1, Some(2), State::Closed),
            Err(TeamRefusal::Ended)
        );
        assert_eq!(
            may_remove(&user(Role::OfficeAdmin, Some(2)), 1, None, State::Active),
            Err(TeamRefusal::NotTheirs),
            "a member already gone is the obtainer's or the centre's to hear of"
        );
    }

    #[test]
    fn members_are_added_to_a_team_in_use_by_its_representative_or_the_centre() {
        let add = |a: &Actor, s| may_add(a, 1, s);
        assert_eq!(add(&user(Role::Staff, Some(1)), State::Active), Ok(()));
        assert_eq!(add(&user(Role::Centre, None), State::Active), Ok(()));
        assert_eq!(
            add(&user(Role::Staff, Some(2)), State::Active),
            Err(TeamRefusal::NotTheirs),
            "a member office asks the obtainer"
        );
        assert_eq!(
            add(&user(Role::CityAdmin, None), State::Active),
            Err(TeamRefusal::NotTheirs)
        );
        assert_eq!(
            add(&user(Role::Staff, Some(1)), State::Verified),
            Err(TeamRefusal::NotActive),
            "before activation the team is on 別紙1"
        );
        assert_eq!(
            add(&user(Role::Staff, Some(1)), State::Closed),
            Err(TeamRefusal::Ended)
        );
        assert!(may_verify_addition(&user(Role::Centre, None)));
        assert!(!may_verify_addition(&user(Role::Staff, Some(1))));
    }

    #[test]
    fn a_replacement_is_read_as_typed() {
        let r = ReplacementInput {
            user: "１２".into(),
            name: "  浜 看護 ".into(),
            phone: "０２９（１１１）２２２２".into(),
            reason: String::new(),
        }
        .parse()
        .unwrap();
        assert_eq!(r.user, Some(12));
        assert_eq!(r.name, "浜 看護");
        assert_eq!(r.phone, "029-111-2222");
        let e = ReplacementInput {
            user: "x".into(),
            ..ReplacementInput::default()
        }
        .parse()
        .unwrap_err();
        for f in ["user", "name", "phone"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        assert!(e.get("reason").is_none(), "a reason is optional");
    }
}
