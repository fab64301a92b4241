use super::*;

fn user(id: i64, role: Role, office: Option<i64>) -> Actor {
    Actor::User {
        id,
        role,
        office_id: office,
    }
}

const OPEN: RequestState = RequestState::Open;

#[test]
fn a_new_obtainer_is_proposed_by_the_obtainer_or_the_centre() {
    let p = |a: &Actor, to| may_propose_obtainer(a, 1, to, false, State::Active);
    assert_eq!(p(&user(1, Role::Staff, Some(1)), 2), Ok(ObtainerMove::Asks));
    assert_eq!(
        p(&user(1, Role::OfficeAdmin, Some(1)), 2),
        Ok(ObtainerMove::Asks)
    );
    assert_eq!(p(&user(1, Role::Centre, None), 2), Ok(ObtainerMove::Asks));
    assert_eq!(
        p(&user(1, Role::Staff, Some(1)), 1),
        Ok(ObtainerMove::AtOnce),
        "another care manager of the same office"
    );
    assert_eq!(
        p(&user(1, Role::Staff, Some(2)), 2),
        Err(Refusal::NotTheirs),
        "the new office cannot take it"
    );
    assert_eq!(
        p(&user(1, Role::CityAdmin, None), 2),
        Err(Refusal::NotTheirs)
    );
    assert_eq!(p(&Actor::System, 2), Err(Refusal::NotTheirs));
    let centre = user(1, Role::Centre, None);
    assert_eq!(
        may_propose_obtainer(&centre, 1, 2, true, State::Active),
        Err(Refusal::BadTarget),
        "not to a closed office"
    );
    assert_eq!(
        may_propose_obtainer(&centre, 1, 2, false, State::Withdrawn),
        Err(Refusal::Ended)
    );
}

#[test]
fn the_new_office_answers_and_the_old_side_withdraws() {
    let a = |actor: &Actor, ans| may_answer_obtainer(actor, ans, 1, 2, OPEN, State::Active);
    let new_staff = user(5, Role::Staff, Some(2));
    let old_staff = user(6, Role::Staff, Some(1));
    let centre = user(7, Role::Centre, None);
    assert_eq!(a(&new_staff, Answer::Accept), Ok(()));
    assert_eq!(a(&new_staff, Answer::Decline), Ok(()));
    assert_eq!(a(&new_staff, Answer::Withdraw), Err(Refusal::NotTheirs));
    assert_eq!(a(&old_staff, Answer::Accept), Err(Refusal::NotTheirs));
    assert_eq!(a(&old_staff, Answer::Withdraw), Ok(()));
    assert_eq!(a(&centre, Answer::Withdraw), Ok(()));
    assert_eq!(
        a(&centre, Answer::Accept),
        Err(Refusal::NotTheirs),
        "the new office takes the work on itself"
    );
    assert_eq!(
        may_answer_obtainer(
            &new_staff,
            Answer::Accept,
            1,
            2,
            RequestState::Withdrawn,
            State::Active
        ),
        Err(Refusal::Answered)
    );
    assert_eq!(
        may_answer_obtainer(&new_staff, Answer::Accept, 1, 2, OPEN, State::Closed),
        Err(Refusal::Ended)
    );
    assert_eq!(
        may_answer_obtainer(&old_staff, Answer::Withdraw, 1, 2, OPEN, State::Closed),
        Ok(()),
        "a proposal for an ended enrollment can still be taken back"
    );
}

#[test]
fn the_city_moves_a_login_at_once_and_administrators_ask_and_accept() {
    let city = user(1, Role::CityAdmin, None);
    let old_admin = user(2, Role::OfficeAdmin, Some(1));
    let new_admin = user(3, Role::OfficeAdmin, Some(2));
    assert_eq!(
        may_transfer(&city, 9, 1, 2, false),
        Ok(TransferMove::AtOnce)
    );
    assert_eq!(
        may_transfer(&old_admin, 9, 1, 2, false),
        Ok(TransferMove::Asks)
    );
    assert_eq!(
        may_transfer(&new_admin, 9, 1, 2, false),
        Err(Refusal::NotTheirs),
        "the new office does not take people"
    );
    assert_eq!(
        may_transfer(&user(4, Role::Staff, Some(1)), 9, 1, 2, false),
        Err(Refusal::NotTheirs)
    );
    assert_eq!(
        may_transfer(&old_admin, 2, 1, 2, false),
        Err(Refusal::NotTheirs),
        "not oneself"
    );
    assert_eq!(may_transfer(&city, 9, 1, 1, false), Err(Refusal::BadTarget));
    assert_eq!(may_transfer(&city, 9, 1, 2, true), Err(Refusal::BadTarget));

    let a = |actor: &Actor, ans| may_answer_transfer(actor, ans, 1, 2, OPEN);
    assert_eq!(a(&new_admin, Answer::Accept), Ok(()));
    assert_eq!(a(&new_admin, Answer::Decline), Ok(()));
    assert_eq!(a(&old_admin, Answer::Accept), Err(Refusal::NotTheirs));
    assert_eq!(a(&old_admin, Answer::Withdraw), Ok(()));
    assert_eq!(a(&new_admin, Answer::Withdraw), Err(Refusal::NotTheirs));
    assert_eq!(a(&city, Answer::Accept), Ok(()));
    assert_eq!(
        a(&user(4, Role::Staff, Some(2)), Answer::Accept),
        Err(Refusal::NotTheirs)
    );
    assert_eq!(
        may_answer_transfer(&new_admin, Answer::Accept, 1, 2, RequestState::Declined),
        Err(Refusal::Answered)
    );
}

#[test]
fn an_office_asks_to_close_and_the_city_decides_once_nothing_is_left() {
    let city = user(1, Role::CityAdmin, None);
    let admin = user(2, Role::OfficeAdmin, Some(1));
    let staff = user(3, Role::Staff, Some(1));
    assert_eq!(may_ask_closure(&admin, 1, false), Ok(()));
    assert_eq!(may_ask_closure(&city, 1, false), Ok(()));
    assert_eq!(may_ask_closure(&staff, 1, false), Err(Refusal::NotTheirs));
    assert_eq!(
        may_ask_closure(&user(4, Role::OfficeAdmin, Some(2)), 1, false),
        Err(Refusal::NotTheirs)
    );
    assert_eq!(may_ask_closure(&admin, 1, true), Err(Refusal::BadTarget));

    assert_eq!(
        may_answer_closure(&city, Answer::Accept, 1, OPEN, 1),
        Err(Refusal::StillObtains(1))
    );
    assert_eq!(
        may_answer_closure(&city, Answer::Accept, 1, OPEN, 0),
        Ok(())
    );
    assert_eq!(
        may_answer_closure(&city, Answer::Decline, 1, OPEN, 3),
        Ok(()),
        "declining does not wait"
    );
    assert_eq!(
        may_answer_closure(&admin, Answer::Accept, 1, OPEN, 0),
        Err(Refusal::NotTheirs),
        "the office does not close itself"
    );
    assert_eq!(
        may_answer_closure(&admin, Answer::Withdraw, 1, OPEN, 2),
        Ok(())
    );
    assert_eq!(
        may_answer_closure(&city, Answer::Accept, 1, RequestState::Accepted, 0),
        Err(Refusal::Answered)
    );
}

#[test]
fn answers_are_read_as_words() {
    assert_eq!(Answer::parse(" accept "), Some(Answer::Accept));
    assert_eq!(Answer::parse("withdraw"), Some(Answer::Withdraw));
    assert_eq!(Answer::parse("承諾"), None);
    assert_eq!(Answer::Decline.outcome(), RequestState::Declined);
}
