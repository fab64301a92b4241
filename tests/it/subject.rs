//! ⑥ 情報の更新 (#22): the obtainer office keeps the person's details up to date. A change is
//! checked as at registration, journaled with before and after (the audit names only the
//! fields), shown on the timeline, and the page says how the details now differ from the form
//! printed. Team members of other offices, the centre and the city cannot; nobody can once the
//! enrollment ended; two clerks at once never lose a change silently.

use reqwest::Method;
use serde_json::{json, Value};

use super::forms::city;
use super::helpers::{csrf_of, get, login, post, spawn_app, Backend, TestApp, PASSWORD};
use super::intake::printed;

async fn patch(a: &TestApp, path: &str, body: Value, token: &str) -> (u16, Value) {
    a.api(Method::PATCH, path, token, Some(body)).await
}

#[tokio::test]
async fn a_new_phone_number_is_journaled_and_differs_from_the_printed_form() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let code = a.code(id).await;
    let path = format!("/api/v1/enrollments/{code}/subject");
    let new_phone = json!({ "phone": "０２９－２７０－２０００" });

    assert_eq!(
        patch(a, &path, new_phone.clone(), &c.nurse).await.0,
        403,
        "a team member's office"
    );
    assert_eq!(
        patch(a, &path, new_phone.clone(), &c.centre).await.0,
        403,
        "the centre reads"
    );
    let (s, e) = patch(
        a,
        &path,
        json!({ "phone": "０２９", "kana": "山田" }),
        &c.cm,
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{e}"
    );

    let (s, r) = patch(a, &path, new_phone, &c.cm).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        r["changes"],
        json!([{ "field": "phone", "before": "029-270-1000", "after": "029-270-2000" }])
    );
    let (_, v) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.cm,
            None,
        )
        .await;
    assert_eq!(v["subject"]["phone"], "029-270-2000");
    assert_eq!(v["printed_differences"][0]["before"], "029-270-1000", "{v}");
    let event = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "enrollment.subject_updated")
        .expect("audited")
        .clone();
    let details = event["details"].as_str().unwrap();
    assert!(
        details.contains("\"phone\"") && !details.contains("029-270"),
        "no personal data in the audit: {details}"
    );
    assert_eq!(
        patch(a, &path, json!({ "phone": "029-270-2000" }), &c.cm)
            .await
            .1["changes"],
        json!([]),
        "no change, no entry"
    );

    // On the page: the difference from the form, the timeline, the form kept when refused.
    login(a, "caremgr", PASSWORD).await;
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    assert!(
        page.contains("同意書の記載と現在の登録内容が異なります"),
        "{page}"
    );
    assert!(
        page.contains("電話番号：029-270-1000 → 029-270-2000"),
        "{page}"
    );
    let (s, form, _) = get(a, &format!("/enrollments/{code}/subject")).await;
    assert_eq!(s, 200);
    let csrf = csrf_of(&form);
    let typed = [
        ("csrf", csrf.as_str()),
        ("name", "山田 花子"),
        ("kana", "ヤマダ ハナコ"),
        ("address", "茨城県ひたちなか市東石川1-1"),
        ("phone", "０２９－２７０－３０００ｘ"),
        ("insurance_number", ""),
    ];
    let (s, back, _) = post(a, &format!("/enrollments/{code}/subject"), &typed).await;
    assert_eq!(s, 422);
    assert!(
        back.contains("id=\"phone-error\"")
            && back.contains("value=\"０２９－２７０－３０００ｘ\""),
        "{back}"
    );
    let mut fixed = typed;
    fixed[4] = ("phone", "029-270-3000");
    fixed[3] = (
        "address",
        "茨城県ひたちなか市東石川2-2 グリーンハイツひたちなか東石川南棟1205号室",
    );
    let (s, _, to) = post(a, &format!("/enrollments/{code}/subject"), &fixed).await;
    assert_eq!(
        (s, to.as_deref()),
        (303, Some(format!("/enrollments/{code}").as_str()))
    );
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    assert!(
        page.contains(
            "住所：茨城県ひたちなか市東石川1-1 → 茨城県ひたちなか市東石川2-2 グリーンハイツ"
        ),
        "{page}"
    );

    // Ended: kept as it ended.
    let close = json!({ "action": "close", "reason": "転居のため" });
    let (s, _) = a
        .api(
            Method::POST,
            &format!("/api/v1/enrollments/{code}/transitions"),
            &c.cm,
            Some(close),
        )
        .await;
    assert_eq!(s, 200);
    let (s, e) = patch(a, &path, json!({ "phone": "029-270-4000" }), &c.cm).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("invalid_state")),
        "{e}"
    );
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    assert!(!page.contains("id=\"edit-subject\""));
}

#[tokio::test]
async fn two_clerks_at_once_never_lose_a_change_silently() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let code = a.code(id).await;
    let path = format!("/api/v1/enrollments/{code}/subject");
    let phones: Vec<String> = (1..=6).map(|i| format!("029-270-{i:04}")).collect();
    let answers = futures::future::join_all(
        phones
            .iter()
            .map(|p| a.api(Method::PATCH, &path, &c.cm, Some(json!({ "phone": p })))),
    )
    .await;
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    assert!(ok >= 1);
    for (s, e) in &answers {
        assert!(
            *s == 200 || (*s == 409 && e["error"]["code"] == "conflict"),
            "{s} {e}"
        );
    }
    // The journal is one chain: each change starts from the one before, and ends where the
    // details are now.
    let (_, v) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.cm,
            None,
        )
        .await;
    let history: Vec<&Value> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "enrollment.subject_updated")
        .collect();
    assert_eq!(history.len(), ok, "one entry per change that was accepted");
    let mut chain: Vec<(String, String)> = Vec::new();
    for (_, r) in answers.iter().filter(|(s, _)| *s == 200) {
        let ch = &r["changes"][0];
        chain.push((
            ch["before"].as_str().unwrap().into(),
            ch["after"].as_str().unwrap().into(),
        ));
    }
    let mut at = "029-270-1000".to_string();
    while let Some(i) = chain.iter().position(|(b, _)| *b == at) {
        at = chain.remove(i).1;
    }
    assert!(
        chain.is_empty(),
        "every accepted change follows the one before: {chain:?}"
    );
    assert_eq!(v["subject"]["phone"], at.as_str());
}
