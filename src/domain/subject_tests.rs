use chrono::TimeZone;

use super::*;

fn yamada() -> Editable {
    Editable {
        name: "山田 花子".into(),
        kana: "ヤマダ　ハナコ".into(),
        address: "茨城県ひたちなか市東石川1-1".into(),
        phone: "029-270-1000".into(),
        insurance_number: None,
    }
}

#[test]
fn a_change_is_checked_as_at_registration_and_listed_field_by_field() {
    let patch = SubjectPatch {
        phone: Some("０２９－２７０－２０００".into()),
        kana: Some("やまだ はなこ".into()),
        insurance_number: Some("０１２３４５６７８９".into()),
        ..Default::default()
    };
    let (next, changes) = yamada().apply(&patch).unwrap();
    assert_eq!(next.phone, "029-270-2000");
    assert_eq!(next.insurance_number.as_deref(), Some("0123456789"));
    let fields: Vec<&str> = changes.iter().map(|c| c.field.key()).collect();
    assert_eq!(
        fields,
        ["phone", "insurance_number"],
        "the kana typed in hiragana is the same kana"
    );
    assert_eq!(changes[0].before, "029-270-1000");
    assert_eq!(changes[1].before, "", "not recorded before");
}

#[test]
fn every_refusal_at_once_and_nothing_changed() {
    let patch = SubjectPatch {
        name: Some("  ".into()),
        phone: Some("12345".into()),
        kana: Some("山田".into()),
        ..Default::default()
    };
    let e = yamada().apply(&patch).unwrap_err();
    let fields: Vec<&str> = e.iter().map(|f| f.field).collect();
    assert_eq!(fields, ["name", "kana", "phone"]);
    assert_eq!(yamada().apply(&SubjectPatch::default()).unwrap().1, vec![]);
}

#[test]
fn only_the_obtainer_office_edits_and_not_once_ended() {
    let staff = |office| Actor::User {
        id: 1,
        role: Role::Staff,
        office_id: Some(office),
    };
    let centre = Actor::User {
        id: 2,
        role: Role::Centre,
        office_id: None,
    };
    let city = Actor::User {
        id: 3,
        role: Role::CityAdmin,
        office_id: None,
    };
    assert_eq!(may_edit(&staff(7), 7, State::Active), Ok(()));
    let admin = Actor::User {
        id: 4,
        role: Role::OfficeAdmin,
        office_id: Some(7),
    };
    assert_eq!(may_edit(&admin, 7, State::FormIssued), Ok(()));
    assert_eq!(
        may_edit(&staff(8), 7, State::Active),
        Err(EditRefusal::NotTheirs),
        "a team member's office"
    );
    assert_eq!(
        may_edit(&centre, 7, State::Active),
        Err(EditRefusal::NotTheirs)
    );
    assert_eq!(
        may_edit(&city, 7, State::Active),
        Err(EditRefusal::NotTheirs)
    );
    assert_eq!(
        may_edit(&Actor::System, 7, State::Active),
        Err(EditRefusal::NotTheirs)
    );
    assert_eq!(
        may_edit(&staff(7), 7, State::Withdrawn),
        Err(EditRefusal::Ended)
    );
    assert_eq!(
        may_edit(&staff(7), 7, State::Closed),
        Err(EditRefusal::Ended)
    );
}

#[test]
fn the_printed_form_differs_by_what_changed_after_it() {
    let t = |d| Utc.with_ymd_and_hms(2026, 10, d, 0, 0, 0).unwrap();
    let change = |field, before: &str, after: &str| FieldChange {
        field,
        before: before.into(),
        after: after.into(),
    };
    let journal = vec![
        (
            t(1),
            vec![change(
                SubjectField::Address,
                "旧住所",
                "茨城県ひたちなか市東石川1-1",
            )],
        ),
        (
            t(5),
            vec![change(SubjectField::Phone, "029-270-1000", "029-270-2000")],
        ),
        (
            t(6),
            vec![change(SubjectField::Phone, "029-270-2000", "029-270-3000")],
        ),
        (
            t(7),
            vec![change(SubjectField::Name, "山田 花子", "山田 はな子")],
        ),
        (
            t(8),
            vec![change(SubjectField::Name, "山田 はな子", "山田 花子")],
        ),
    ];
    let mut now = yamada();
    now.phone = "029-270-3000".into();
    let d = printed_differences(t(3), &journal, &now);
    assert_eq!(
        d,
        vec![change(SubjectField::Phone, "029-270-1000", "029-270-3000")],
        "the address changed before printing; the name changed back"
    );
    assert!(printed_differences(t(9), &journal, &now).is_empty());
}
