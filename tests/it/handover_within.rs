//! Handing over within an office (#22): the care manager changes at once, and a person is
//! replaced within the office without new consent.

use reqwest::Method;
use serde_json::json;

use consentflow::domain::Role;

use super::forms::city;
use super::handover::{active, hama, mails_of};
use super::helpers::{csrf_of, get, login, post, spawn_app, sql, sql_count, Backend, PASSWORD};
use super::rows::outbox_rows;

#[tokio::test]
async fn within_an_office_the_care_manager_changes_at_once_and_a_refusal_changes_nothing() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let office = sql_count(
        a,
        "SELECT id FROM offices WHERE name = '柴田介護保険事務所'",
    )
    .await;
    let cm3 = a.user("cm3", Role::Staff, Some(office)).await;
    let (hama, cm2, _) = hama(a).await;
    let code = active(a, &c, "山田 花子").await;
    let propose = format!("/api/v1/enrollments/{code}/obtainer-changes");

    let (s, e) = a
        .api(
            Method::POST,
            &propose,
            &c.cm,
            Some(json!({ "to_office": office.to_string(), "reason": "担当替え" })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("to_user")),
        "who takes over is named"
    );
    let (s, e) = a.api(Method::POST, &propose, &c.cm, Some(json!({ "to_office": office.to_string(), "to_user": "999999", "reason": "担当替え" }))).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("to_user")),
        "a login of the office: {e}"
    );
    let (s, ch) = a.api(Method::POST, &propose, &c.cm, Some(json!({ "to_office": office.to_string(), "to_user": cm3.to_string(), "reason": "担当替え" }))).await;
    assert_eq!((s, ch["state"].as_str()), (201, Some("accepted")), "{ch}");
    let (_, e) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(e["enrollment"]["obtainer_user_id"].as_i64(), Some(cm3));

    // Declined: nothing moves, and the care manager hears why. Withdrawn by the centre.
    let (_, ch) = a
        .api(
            Method::POST,
            &propose,
            &c.centre,
            Some(json!({ "to_office": hama.to_string(), "reason": "転居" })),
        )
        .await;
    let answer = format!("/api/v1/obtainer-changes/{}/answer", ch["id"]);
    let (s, d) = a
        .api(
            Method::POST,
            &answer,
            &cm2,
            Some(json!({ "answer": "decline", "note": "空きがありません" })),
        )
        .await;
    assert_eq!((s, d["state"].as_str()), (200, Some("declined")), "{d}");
    let (_, e) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(e["enrollment"]["obtainer_office_id"].as_i64(), Some(office));
    assert_eq!(
        mails_of(&outbox_rows(a).await, "request_declined"),
        ["o@example.jp"]
    );
    let (_, ch) = a
        .api(
            Method::POST,
            &propose,
            &c.cm,
            Some(json!({ "to_office": hama.to_string(), "reason": "転居" })),
        )
        .await;
    let answer = format!("/api/v1/obtainer-changes/{}/answer", ch["id"]);
    assert_eq!(
        a.api(
            Method::POST,
            &answer,
            &cm2,
            Some(json!({ "answer": "withdraw" }))
        )
        .await
        .0,
        403
    );
    let (s, w) = a
        .api(
            Method::POST,
            &answer,
            &c.centre,
            Some(json!({ "answer": "withdraw" })),
        )
        .await;
    assert_eq!((s, w["state"].as_str()), (200, Some("withdrawn")), "{w}");

    // On the page: a refused proposal keeps what was typed, beside the field.
    login(a, "caremgr", PASSWORD).await;
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    let csrf = csrf_of(&page);
    let form = format!("/enrollments/{code}/obtainer");
    let (s, back, _) = post(
        a,
        &form,
        &[
            ("csrf", &csrf),
            ("to_office", &hama.to_string()),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(back.contains("id=\"handover-reason-error\""), "{back}");
    assert!(
        back.contains(&format!("<option value=\"{hama}\" selected>")),
        "the office kept"
    );
    let (s, _, to) = post(
        a,
        &form,
        &[
            ("csrf", &csrf),
            ("to_office", &hama.to_string()),
            ("reason", "転居のため"),
        ],
    )
    .await;
    assert_eq!(
        (s, to.as_deref()),
        (303, Some(format!("/enrollments/{code}").as_str()))
    );
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    assert!(
        page.contains("はま居宅介護支援事業所へ引き継ぎを依頼中です"),
        "{page}"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_person_is_replaced_within_the_office_and_both_hear_it() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let code = active(a, &c, "山田 花子").await;
    let nurse2 = a.user("nurse2", Role::Staff, Some(c.nursing)).await;
    sql(
        a,
        "UPDATE users SET email = 'n2@example.jp' WHERE login = 'nurse2'",
    )
    .await;
    let view = format!("/api/v1/enrollments/{code}");
    let (_, v) = a.api(Method::GET, &view, &c.centre, None).await;
    let member = v["team"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/enrollments/{code}/team/{member}/replacement");

    let body = json!({ "user": nurse2.to_string(), "name": "浜 看護", "phone": "０２９（２７０）０００３", "reason": "異動" });
    assert_eq!(
        a.api(Method::POST, &path, &c.nurse, Some(body.clone()))
            .await
            .0,
        403,
        "a member asks their administrator"
    );
    let (s, e) = a
        .api(
            Method::POST,
            &path,
            &c.cm,
            Some(json!({ "user": "", "name": "港 看護0", "phone": "029-270-0002" })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("name")),
        "the same person: {e}"
    );
    let (s, e) = a
        .api(
            Method::POST,
            &path,
            &c.cm,
            Some(json!({ "user": "999999", "name": "浜 看護", "phone": "029-270-0003" })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("user")),
        "a login of the member's office: {e}"
    );
    assert_eq!(a.api(Method::POST, &path, &c.cm, Some(body)).await.0, 204);
    let (_, v) = a.api(Method::GET, &view, &c.centre, None).await;
    let m = &v["team"][0];
    assert_eq!(
        (
            m["name"].as_str(),
            m["phone"].as_str(),
            m["user_id"].as_i64()
        ),
        (Some("浜 看護"), Some("029-270-0003"), Some(nurse2))
    );
    assert_eq!(v["team_changes"][0]["kind"], "replaced");
    assert_eq!(
        mails_of(&outbox_rows(a).await, "member_replaced"),
        ["n2@example.jp", "o@example.jp"],
        "the one who left (through the office) and the one who took over"
    );
    login(a, "caremgr", PASSWORD).await;
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    assert!(page.contains("訪問看護師 港 看護0 → 浜 看護"), "{page}");
    app.finish().await;
}
