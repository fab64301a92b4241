//! 事前確認 on the web: a care manager registers a subject and team in one form, typing as
//! people do (ひらがな, 和暦, full-width digits); a mistake shows the form again, values kept.

use super::forms::city;
use super::helpers::{csrf_of, get, login, post, spawn_app, Backend, PASSWORD};

#[tokio::test]
async fn a_care_manager_registers_a_subject_from_the_form() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let a = &app;
    let c = city(a).await;
    login(a, "caremgr", PASSWORD).await;
    let (s, html, _) = get(a, "/enrollments/new").await;
    assert_eq!(s, 200);
    assert!(html.contains("みなと訪問看護"), "offices to choose from");
    let csrf = csrf_of(&html);
    let nursing = c.nursing.to_string();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("name", "山田 花子"),
        ("kana", "やまだ はなこ"),
        ("birth_date", "昭和１５年４月１日"),
        ("sex", "female"),
        ("address", "茨城県ひたちなか市東石川1-1"),
        ("phone", "０２９－２７０－１０００"),
        ("insurance_number", ""),
        ("office", nursing.as_str()),
        ("profession", "訪問看護師"),
        ("member", "港 看護"),
        ("member_phone", "029-270-0002"),
        ("office", nursing.as_str()),
        ("profession", ""),
        ("member", ""),
        ("member_phone", ""),
    ];
    // A birth date that cannot be: the form again, with the message and what was typed.
    fields[3].1 = "昭和99年1月1日";
    let (s, html, _) = post(a, "/enrollments/new", &fields).await;
    assert_eq!(s, 422);
    assert!(html.contains("生年月日は"), "{html}");
    assert!(html.contains("やまだ はなこ"));
    fields[3].1 = "昭和１５年４月１日";
    let (s, _, location) = post(a, "/enrollments/new", &fields).await;
    assert_eq!(s, 303);
    let location = location.unwrap();
    let (_, html, _) = get(a, &location).await;
    assert!(
        html.contains("ヤマダ　ハナコ"),
        "カナ normalised, full-width space"
    );
    assert!(html.contains("1940-04-01"));
    assert!(html.contains("029-270-1000"));
    assert!(
        html.contains("港 看護"),
        "one member; the empty row is ignored"
    );
    app.finish().await;
}
