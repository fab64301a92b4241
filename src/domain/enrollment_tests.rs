//! Every allowed and every refused transition, against a table written out by hand.

use super::*;

const OFFICE: i64 = 10;
const OTHER_OFFICE: i64 = 20;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn facts(state: State) -> Facts {
    Facts {
        state,
        obtainer_office_id: OFFICE,
        issued_version: Some(1),
    }
}

fn sample_commands() -> Vec<Command> {
    vec![
        Command::IssueForm { version: 1 },
        Command::RecordConsent {
            date: today(),
            signer: Signer::Subject,
        },
        Command::ReceiveCopy {
            channel: CopyChannel::Fax,
        },
        Command::ReturnCopy {
            reason: "署名がありません".into(),
        },
        Command::Verify,
        Command::RegisterTeam,
        Command::Activate,
        Command::Withdraw {
            reason: "本人の申し出".into(),
        },
        Command::Close {
            reason: "転居".into(),
        },
    ]
}

fn actors() -> Vec<(&'static str, Actor)> {
    let user = |id, role, office_id| Actor::User {
        id,
        role,
        office_id,
    };
    vec![
        ("obtainer_staff", user(1, Role::Staff, Some(OFFICE))),
        ("obtainer_admin", user(2, Role::OfficeAdmin, Some(OFFICE))),
        ("other_staff", user(3, Role::Staff, Some(OTHER_OFFICE))),
        (
            "other_admin",
            user(4, Role::OfficeAdmin, Some(OTHER_OFFICE)),
        ),
        ("centre", user(5, Role::Centre, None)),
        ("city", user(6, Role::CityAdmin, None)),
        ("system", Actor::System),
    ]
}

/// (from, action, to, who may): the design's table, written independently of the code.
const ALLOWED: &[(State, &str, State, &[&str])] = {
    use State::*;
    const OBT: &[&str] = &["obtainer_staff", "obtainer_admin"];
    const CENTRE: &[&str] = &["centre"];
    const RECEIVE: &[&str] = &["centre", "system"];
    const WITHDRAW: &[&str] = &["obtainer_staff", "obtainer_admin", "centre"];
    const CLOSE: &[&str] = &["obtainer_staff", "obtainer_admin", "centre"];
    &[
        (Draft, "issue_form", FormIssued, OBT),
        (FormIssued, "issue_form", FormIssued, OBT),
        (FormIssued, "record_consent", ConsentSigned, OBT),
        // A signed copy FAXed before the consent was recorded on screen still counts.
        (FormIssued, "receive_copy", CopyReceived, RECEIVE),
        (ConsentSigned, "receive_copy", CopyReceived, RECEIVE),
        (Returned, "receive_copy", CopyReceived, RECEIVE),
        (CopyReceived, "return_copy", Returned, CENTRE),
        (CopyReceived, "verify", Verified, CENTRE),
        (Verified, "register_team", TeamRegistered, OBT),
        (TeamRegistered, "activate", Active, CENTRE),
        (ConsentSigned, "withdraw", Withdrawn, WITHDRAW),
        (CopyReceived, "withdraw", Withdrawn, WITHDRAW),
        (Returned, "withdraw", Withdrawn, WITHDRAW),
        (Verified, "withdraw", Withdrawn, WITHDRAW),
        (TeamRegistered, "withdraw", Withdrawn, WITHDRAW),
        (Active, "withdraw", Withdrawn, WITHDRAW),
        (Draft, "close", Closed, CLOSE),
        (FormIssued, "close", Closed, CLOSE),
        (Active, "close", Closed, CLOSE),
    ]
};

#[test]
fn every_state_command_and_actor_matches_the_table() {
    let mut allowed_seen = 0;
    for state in State::ALL {
        for cmd in sample_commands() {
            for (who, actor) in actors() {
                let got = decide(&facts(state), &actor, cmd.clone(), today());
                let row = ALLOWED
                    .iter()
                    .find(|(f, a, _, _)| *f == state && *a == cmd.name());
                let party_ok = row.is_some_and(|(_, _, _, ps)| ps.contains(&who));
                let some_party_ok = ALLOWED
                    .iter()
                    .any(|(_, a, _, ps)| *a == cmd.name() && ps.contains(&who));
                match (row, party_ok) {
                    (Some((_, _, to, _)), true) => {
                        let d = got.unwrap_or_else(|e| {
                            panic!("{who} {} from {state:?} refused: {e}", cmd.name())
                        });
                        assert_eq!(d.from(), state);
                        assert_eq!(d.to(), *to);
                        assert_eq!(d.command(), &cmd);
                        allowed_seen += 1;
                    }
                    _ => {
                        let e = got.expect_err(&format!("{who} {} from {state:?}", cmd.name()));
                        // Someone who may never do this is told so; someone who may, but not
                        // from this state, is told the state is wrong.
                        if some_party_ok {
                            assert!(
                                matches!(e, TransitionError::InvalidState { .. }),
                                "{who} {} from {state:?}: {e:?}",
                                cmd.name()
                            );
                        } else {
                            assert!(
                                matches!(e, TransitionError::Forbidden { .. }),
                                "{who} {} from {state:?}: {e:?}",
                                cmd.name()
                            );
                        }
                    }
                }
            }
        }
    }
    let expected: usize = ALLOWED.iter().map(|(_, _, _, ps)| ps.len()).sum();
    assert_eq!(allowed_seen, expected);
}

#[test]
fn final_states_accept_nothing() {
    for state in [State::Withdrawn, State::Closed] {
        assert!(state.is_final());
        for cmd in sample_commands() {
            for (_, actor) in actors() {
                assert!(decide(&facts(state), &actor, cmd.clone(), today()).is_err());
            }
        }
    }
}

#[test]
fn consent_needs_a_past_date_and_a_proxy_relationship() {
    let staff = Actor::User {
        id: 1,
        role: Role::Staff,
        office_id: Some(OFFICE),
    };
    let future = Command::RecordConsent {
        date: today().succ_opt().unwrap(),
        signer: Signer::Subject,
    };
    assert!(matches!(
        decide(&facts(State::FormIssued), &staff, future, today()),
        Err(TransitionError::Invalid { field: "date", .. })
    ));
    let no_rel = Command::RecordConsent {
        date: today(),
        signer: Signer::Proxy {
            relationship: " ".into(),
        },
    };
    assert!(matches!(
        decide(&facts(State::FormIssued), &staff, no_rel, today()),
        Err(TransitionError::Invalid {
            field: "relationship",
            ..
        })
    ));
    let proxy = Command::RecordConsent {
        date: today(),
        signer: Signer::Proxy {
            relationship: "長男".into(),
        },
    };
    assert!(decide(&facts(State::FormIssued), &staff, proxy, today()).is_ok());
}

#[test]
fn reasons_are_required_and_bounded() {
    let centre = Actor::User {
        id: 5,
        role: Role::Centre,
        office_id: None,
    };
    for r in ["", "   ", &"あ".repeat(501)] {
        let cmd = Command::ReturnCopy { reason: r.into() };
        assert!(matches!(
            decide(&facts(State::CopyReceived), &centre, cmd, today()),
            Err(TransitionError::Invalid {
                field: "reason",
                ..
            })
        ));
    }
}

#[test]
fn bad_form_versions_are_refused() {
    let staff = Actor::User {
        id: 1,
        role: Role::Staff,
        office_id: Some(OFFICE),
    };
    let cmd = Command::IssueForm { version: 0 };
    assert!(matches!(
        decide(&facts(State::Draft), &staff, cmd, today()),
        Err(TransitionError::Invalid {
            field: "version",
            ..
        })
    ));
}

#[test]
fn states_round_trip_through_their_names() {
    for s in State::ALL {
        assert_eq!(State::parse(s.as_str()), Some(s));
        assert!(!s.label_ja().is_empty());
    }
    assert_eq!(State::parse("nonsense"), None);
}
