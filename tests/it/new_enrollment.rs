//! 事前確認 on the web: a care manager registers a subject and team in one form, typing as
//! people do (ひらがな, 和暦, full-width digits); a mistake shows the form again, values kept.

use super::forms::city;
use super::helpers::{csrf_of, get, login, post, spawn_app, Backend, PASSWORD};

#[tokio::test]
async fn a_care_manager_registers_a_subject_from_the_form() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
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
        ("office", ""),
        ("profession", ""),
        ("member", ""),
        ("member_phone", ""),
    ];
    // A birth date that cannot be, a phone number too short and no 性別: the form again,
    // every message beside its field at once, and what was typed kept.
    fields[3].1 = "昭和99年1月1日";
    fields[4].1 = "";
    fields[6].1 = "029-27";
    let (s, html, _) = post(a, "/enrollments/new", &fields).await;
    assert_eq!(s, 422);
    for field in ["birth_date", "sex", "phone"] {
        assert!(
            html.contains(&format!("class=\"field-error\" id=\"{field}-error\"")),
            "{field}: {html}"
        );
    }
    assert!(html.contains("入力内容を確認してください（3件）"), "{html}");
    assert!(html.contains("やまだ はなこ") && html.contains("value=\"029-27\""));
    fields[3].1 = "昭和１５年４月１日";
    fields[4].1 = "female";
    fields[6].1 = "０２９（２７０）１０００";
    let (s, _, location) = post(a, "/enrollments/new", &fields).await;
    assert_eq!(s, 303);
    let location = location.unwrap();
    let (_, html, _) = get(a, &location).await;
    assert!(
        html.contains("ヤマダ　ハナコ"),
        "カナ normalised, full-width space"
    );
    assert!(
        html.contains("昭和15年4月1日（1940年）"),
        "one date style: {html}"
    );
    assert!(html.contains("029-270-1000"), "brackets read as separators");
    assert!(
        html.contains("登録しました"),
        "the notice after the redirect"
    );
    assert!(
        html.contains("港 看護"),
        "one member; the empty row is ignored"
    );
    app.finish().await;
}

#[tokio::test]
async fn team_members_and_the_obtainer_are_chosen_from_registered_staff() {
    use consentflow::domain::Role;
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let home = {
        let mut conn = a.store.acquire().await.unwrap();
        consentflow::store::users::by_login(conn.conn(), "caremgr")
            .await
            .unwrap()
            .unwrap()
            .office_id
    };
    let colleague = a.user("caremgr2", Role::Staff, home).await;
    let nurse = {
        let mut conn = a.store.acquire().await.unwrap();
        consentflow::store::users::by_login(conn.conn(), "nurse")
            .await
            .unwrap()
            .unwrap()
            .id
    };
    login(a, "caremgr", PASSWORD).await;
    let (_, html, _) = get(a, "/enrollments/new").await;
    let people = &html[html.find("id=\"member-user-0\"").unwrap()..];
    let people = &people[..people.find("</select>").unwrap()];
    assert!(
        !people.contains("nurse さん"),
        "people are chosen after their office, not from a list of the whole city: {people}"
    );
    let obtainers = &html[html.find("id=\"obtainer\"").unwrap()..];
    let obtainers = &obtainers[..obtainers.find("</select>").unwrap()];
    assert!(
        obtainers.contains(&format!(
            "<option value=\"{colleague}\">caremgr2 さん</option>"
        )) && !obtainers.contains("nurse さん"),
        "only colleagues may obtain the consent: {obtainers}"
    );
    let csrf = csrf_of(&html);
    let (nurse_s, colleague_s, nursing_s, pharmacy) = (
        nurse.to_string(),
        colleague.to_string(),
        c.nursing.to_string(),
        (c.nursing + 1).to_string(),
    );
    // Without script, 「選んだ事業所の利用者を表示」 lists the chosen office's people.
    let (s, html, _) = post(
        a,
        "/enrollments/new",
        &[
            ("csrf", csrf.as_str()),
            ("office", nursing_s.as_str()),
            ("member_user", ""),
            ("profession", ""),
            ("member", ""),
            ("member_phone", ""),
            ("refresh", "1"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("<option value=\"{nurse}\">nurse さん</option>")),
        "{html}"
    );
    // The nurse with another office on her row: refused beside that row's person.
    let (s, html, _) = post(
        a,
        "/enrollments/new",
        &[
            ("csrf", csrf.as_str()),
            ("name", "佐藤 一郎"),
            ("kana", "さとう"),
            ("birth_date", "1938-02-03"),
            ("sex", "male"),
            ("address", "茨城県ひたちなか市東石川1-1"),
            ("phone", "029-270-1000"),
            ("office", pharmacy.as_str()),
            ("member_user", nurse_s.as_str()),
            ("profession", "訪問看護師"),
            ("member", ""),
            ("member_phone", ""),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("data-field=\"team.0.user\""), "{html}");
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "佐藤 一郎"),
        ("kana", "さとう いちろう"),
        ("birth_date", "1938-02-03"),
        ("sex", "male"),
        ("address", "茨城県ひたちなか市東石川1-1"),
        ("phone", "029-270-1000"),
        ("insurance_number", ""),
        // The nurse chosen after her office.
        ("member_user", nurse_s.as_str()),
        ("office", nursing_s.as_str()),
        ("profession", "訪問看護師"),
        ("member", ""),
        ("member_phone", ""),
        ("obtainer", colleague_s.as_str()),
    ];
    let (s, html, location) = post(a, "/enrollments/new", &fields).await;
    assert_eq!(s, 303, "{html}");
    let code = location.unwrap().rsplit('/').next().unwrap().to_string();
    let (_, v) = a
        .api(
            reqwest::Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.cm,
            None,
        )
        .await;
    assert_eq!(
        v["enrollment"]["obtainer_user_id"].as_i64(),
        Some(colleague)
    );
    let m = &v["team"][0];
    assert_eq!(m["user_id"].as_i64(), Some(nurse));
    assert_eq!(m["office_id"].as_i64(), Some(c.nursing));
    assert_eq!(m["name"], "nurse さん");
    assert_eq!(m["phone"], "029-270-0002", "the office's phone");

    // Over the API, a user who is not of the row's office is refused.
    let body = serde_json::json!({
        "subject": { "name": "鈴木 キヨ", "kana": "スズキ キヨ", "birth_date": "1935-01-01", "sex": "female",
                     "address": "茨城県ひたちなか市", "phone": "029-270-1000" },
        "team": [{ "office_id": c.nursing + 1, "user_id": nurse, "profession": "薬剤師", "name": "x", "phone": "029-270-0002" }]
    });
    let (s, e) = a
        .api(
            reqwest::Method::POST,
            "/api/v1/enrollments",
            &c.cm,
            Some(body),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("team.0.user"))
    );
    app.finish().await;
}
