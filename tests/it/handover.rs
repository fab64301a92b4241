//! Handing over after registration (#22): a new obtainer office takes an enrollment on only
//! when it accepts (and the old office keeps access only if on the team). Within an office:
//! `handover_within.rs`. Transfers and closures: `office_changes.rs`.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::domain::{Actor, Role};
use consentflow::service::accounts::{create_office, OfficeInput};

use super::forms::{city, City};
use super::helpers::{spawn_app, sql, sql_count, Backend, TestApp};
use super::intake::printed;
use super::rows::outbox_rows;
use super::team::to_active;

/// A second 居宅介護支援事業所 with a care manager and an administrator.
pub(super) async fn hama(a: &TestApp) -> (i64, String, String) {
    let input = OfficeInput {
        kind: "home_care_support".into(),
        name: "はま居宅介護支援事業所".into(),
        phone: "029-222-3333".into(),
        fax: "029-222-3334".into(),
        address: "茨城県ひたちなか市".into(),
        admin_email: "hama@example.jp".into(),
    };
    let id = create_office(&a.store, &Actor::System, &input)
        .await
        .unwrap()
        .id;
    a.user("cm2", Role::Staff, Some(id)).await;
    a.user("admin2", Role::OfficeAdmin, Some(id)).await;
    (id, a.token("cm2").await, a.token("admin2").await)
}

pub(super) fn mails_of(rows: &[Value], template: &str) -> Vec<String> {
    let mut to: Vec<String> = rows
        .iter()
        .filter(|r| r["template"] == template)
        .map(|r| r["to_address"].as_str().unwrap().to_string())
        .collect();
    to.sort();
    to
}

pub(super) async fn active(a: &TestApp, c: &City, name: &str) -> String {
    let (id, _) = printed(a, c, name, 1).await;
    let code = a.code(id).await;
    to_active(a, c, &code).await;
    code
}

#[tokio::test]
async fn a_new_obtainer_office_takes_over_only_when_it_accepts() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    sql(
        a,
        "UPDATE users SET email = 'cm@example.jp' WHERE login = 'caremgr'",
    )
    .await;
    let (hama, cm2, _) = hama(a).await;
    let code = active(a, &c, "山田 花子").await;
    let view = format!("/api/v1/enrollments/{code}");
    let propose = format!("/api/v1/enrollments/{code}/obtainer-changes");

    // Typed as a clerk types: the office number in full-width digits.
    let wide: String = hama
        .to_string()
        .chars()
        .map(|d| char::from_u32(d as u32 + 0xFEE0).unwrap())
        .collect();
    let body = json!({ "to_office": wide, "reason": "転居のため" });
    assert_eq!(
        a.api(Method::POST, &propose, &c.nurse, Some(body.clone()))
            .await
            .0,
        403,
        "a team member does not"
    );
    let (s, empty) = a
        .api(
            Method::POST,
            &propose,
            &c.cm,
            Some(json!({ "to_office": wide, "reason": "" })),
        )
        .await;
    assert_eq!(
        (s, empty["error"]["field"].as_str()),
        (422, Some("reason")),
        "{empty}"
    );
    let (s, ch) = a
        .api(Method::POST, &propose, &c.cm, Some(body.clone()))
        .await;
    assert_eq!(s, 201, "{ch}");
    assert_eq!(
        (ch["state"].as_str(), ch["initial"].as_str()),
        (Some("open"), Some("ヤ"))
    );
    let change = ch["id"].as_i64().unwrap();
    assert_eq!(
        a.api(Method::POST, &propose, &c.cm, Some(body)).await.0,
        409,
        "one open at a time"
    );

    // Until it accepts, the new office sees the proposal, not the enrollment.
    assert_eq!(a.api(Method::GET, &view, &cm2, None).await.0, 404);
    let (_, open) = a
        .api(Method::GET, "/api/v1/obtainer-changes", &cm2, None)
        .await;
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{open}");
    let (_, none) = a
        .api(Method::GET, "/api/v1/obtainer-changes", &c.pharma, None)
        .await;
    assert_eq!(none.as_array().map(Vec::len), Some(0), "{none}");
    assert_eq!(
        mails_of(&outbox_rows(a).await, "obtainer_change_asked"),
        ["hama@example.jp"]
    );
    let answer = format!("/api/v1/obtainer-changes/{change}/answer");
    let accept = json!({ "answer": "accept" });
    assert_eq!(
        a.api(Method::POST, &answer, &c.pharma, Some(accept.clone()))
            .await
            .0,
        404
    );
    assert_eq!(
        a.api(Method::POST, &answer, &c.cm, Some(accept.clone()))
            .await
            .0,
        403,
        "the old office does not accept"
    );
    let (s, e) = a
        .api(
            Method::POST,
            &answer,
            &cm2,
            Some(json!({ "answer": "承諾" })),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("answer")));

    let (s, done) = a
        .api(Method::POST, &answer, &cm2, Some(accept.clone()))
        .await;
    assert_eq!(
        (s, done["state"].as_str()),
        (200, Some("accepted")),
        "{done}"
    );
    let (s, e) = a.api(Method::GET, &view, &cm2, None).await;
    assert_eq!(s, 200);
    assert_eq!(e["enrollment"]["obtainer_office_id"].as_i64(), Some(hama));
    let cm2_id = sql_count(a, "SELECT id FROM users WHERE login = 'cm2'").await;
    assert_eq!(
        e["enrollment"]["obtainer_user_id"].as_i64(),
        Some(cm2_id),
        "the one who accepted"
    );
    assert_eq!(
        a.api(Method::GET, &view, &c.cm, None).await.0,
        404,
        "the old office is not on the team"
    );
    assert_eq!(
        a.api(Method::GET, &view, &c.nurse, None).await.0,
        200,
        "the team stays"
    );
    assert_eq!(
        a.api(Method::POST, &answer, &cm2, Some(accept)).await.0,
        409,
        "answered once"
    );
    // Reminders and 要対応 follow the obtainer: the enrollment is on the new office's list.
    let (_, list) = a.api(Method::GET, "/api/v1/enrollments", &cm2, None).await;
    assert!(list.to_string().contains(&code), "{list}");
    assert_eq!(
        mails_of(&outbox_rows(a).await, "obtainer_changed"),
        ["cm@example.jp", "hama@example.jp"],
        "the old care manager, and the new one (through their office)"
    );
    let actions: Vec<String> = e["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_string())
        .collect();
    assert!(
        actions.contains(&"enrollment.obtainer_change_asked".into())
            && actions.contains(&"enrollment.obtainer_changed".into()),
        "{actions:?}"
    );
    app.finish().await;
}
