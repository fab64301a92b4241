//! An office's people and the office itself change (#22): a login moves to another office and
//! its access goes with it; an office closes only once no enrollment it obtains is left, and
//! closing disables its logins, revokes its PCs and takes it off the map in one step.

use reqwest::Method;
use serde_json::json;

use consentflow::domain::Role;

use super::forms::city;
use super::handover::{hama, mails_of};
use super::helpers::{csrf_of, get, login, post, spawn_app, sql, sql_count, Backend, PASSWORD};
use super::intake::printed;
use super::rows::outbox_rows;

#[tokio::test]
async fn a_login_moves_to_another_office_and_its_access_goes_with_it() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let nurse = sql_count(a, "SELECT id FROM users WHERE login = 'nurse'").await;
    let pharmacy = sql_count(a, "SELECT id FROM offices WHERE name = 'コヤマ薬局'").await;
    a.user("nadmin", Role::OfficeAdmin, Some(c.nursing)).await;
    a.user("padmin", Role::OfficeAdmin, Some(pharmacy)).await;
    a.user("cityadmin", Role::CityAdmin, None).await;
    let (nadmin, padmin, city_t) = (
        a.token("nadmin").await,
        a.token("padmin").await,
        a.token("cityadmin").await,
    );
    // The nurse is on a team by name and login.
    let body = json!({
        "subject": { "name": "山田 花子", "kana": "ヤマダ ハナコ", "birth_date": "1940-04-01", "sex": "female",
                     "address": "茨城県ひたちなか市東石川1-1", "phone": "029-270-1000" },
        "team": [{ "office_id": c.nursing, "user_id": nurse, "profession": "訪問看護師", "name": "nurse さん", "phone": "029-270-0002" }]
    });
    let (s, e) = a
        .api(Method::POST, "/api/v1/enrollments", &c.cm, Some(body))
        .await;
    assert_eq!(s, 201, "{e}");
    let view = format!("/api/v1/enrollments/{}", e["code"].as_str().unwrap());
    assert_eq!(a.api(Method::GET, &view, &c.nurse, None).await.0, 200);

    let move_ = format!("/api/v1/users/{nurse}/transfer");
    let to = json!({ "to_office": pharmacy.to_string() });
    assert_eq!(
        a.api(Method::POST, &move_, &c.nurse, Some(to.clone()))
            .await
            .0,
        403,
        "not one's own to move"
    );
    assert_eq!(
        a.api(Method::POST, &move_, &padmin, Some(to.clone()))
            .await
            .0,
        404,
        "the new office does not take people"
    );
    let (s, e) = a
        .api(
            Method::POST,
            &move_,
            &nadmin,
            Some(json!({ "to_office": c.nursing.to_string() })),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("to_office")));
    let (s, t) = a.api(Method::POST, &move_, &nadmin, Some(to.clone())).await;
    assert_eq!((s, t["state"].as_str()), (201, Some("open")), "{t}");
    assert_eq!(
        a.api(Method::GET, &view, &c.nurse, None).await.0,
        200,
        "nothing moves until accepted"
    );
    assert_eq!(
        mails_of(&outbox_rows(a).await, "staff_transfer_asked"),
        ["o@example.jp"]
    );
    let answer = format!("/api/v1/staff-transfers/{}/answer", t["id"]);
    assert_eq!(
        a.api(
            Method::POST,
            &answer,
            &nadmin,
            Some(json!({ "answer": "accept" }))
        )
        .await
        .0,
        403
    );
    let (s, t) = a
        .api(
            Method::POST,
            &answer,
            &padmin,
            Some(json!({ "answer": "accept" })),
        )
        .await;
    assert_eq!((s, t["state"].as_str()), (200, Some("accepted")), "{t}");
    assert_eq!(
        sql_count(
            a,
            &format!("SELECT office_id FROM users WHERE id = {nurse}")
        )
        .await,
        pharmacy
    );
    assert_eq!(
        a.api(Method::GET, &view, &c.nurse, None).await.0,
        401,
        "the old token ended with the move"
    );
    let moved = a.token("nurse").await;
    assert_eq!(
        a.api(Method::GET, &view, &moved, None).await.0,
        404,
        "the old office's enrollments are gone"
    );
    // The old administrator sees what to reassign.
    let (_, h) = a
        .api(
            Method::GET,
            &format!("/api/v1/offices/{}/handovers", c.nursing),
            &nadmin,
            None,
        )
        .await;
    let left = h["left_behind"].as_array().unwrap();
    assert_eq!(left.len(), 1, "{h}");
    assert_eq!(left[0]["user_id"].as_i64(), Some(nurse));
    assert!(left[0]["member_id"].is_i64());

    // The city moves a login at once.
    let (s, t) = a
        .api(
            Method::POST,
            &move_,
            &city_t,
            Some(json!({ "to_office": c.nursing.to_string() })),
        )
        .await;
    assert_eq!((s, t["state"].as_str()), (201, Some("accepted")), "{t}");
    assert_eq!(
        sql_count(
            a,
            &format!("SELECT office_id FROM users WHERE id = {nurse}")
        )
        .await,
        c.nursing
    );
    app.finish().await;
}

#[tokio::test]
async fn an_office_closes_only_once_no_enrollment_it_obtains_is_left() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let office = sql_count(
        a,
        "SELECT id FROM offices WHERE name = '柴田介護保険事務所'",
    )
    .await;
    a.user("admin-a", Role::OfficeAdmin, Some(office)).await;
    a.user("cityadmin", Role::CityAdmin, None).await;
    let (admin, city_t) = (a.token("admin-a").await, a.token("cityadmin").await);
    sql(
        a,
        "UPDATE users SET email = 'city@example.jp' WHERE login = 'cityadmin'",
    )
    .await;
    let (hama, cm2, _) = hama(a).await;
    // Both on the map before.
    sql(a, "UPDATE offices SET latitude = 36.39, longitude = 140.53").await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let code = a.code(id).await;
    sql(a, &format!("INSERT INTO devices (office_id, label, token_hash, created_at) VALUES ({office}, '事務PC', 'closing-pc', '2026-11-01T00:00:00Z')")).await;

    let ask = format!("/api/v1/offices/{office}/closure-requests");
    assert_eq!(
        a.api(Method::POST, &ask, &c.cm, Some(json!({ "reason": "閉所" })))
            .await
            .0,
        403,
        "its administrator asks"
    );
    let (s, k) = a
        .api(
            Method::POST,
            &ask,
            &admin,
            Some(json!({ "reason": "事業所を閉じるため" })),
        )
        .await;
    assert_eq!(s, 201, "{k}");
    assert_eq!(
        mails_of(&outbox_rows(a).await, "office_closure_asked"),
        ["city@example.jp"]
    );
    let answer = format!("/api/v1/office-closures/{}/answer", k["id"]);
    assert_eq!(
        a.api(
            Method::POST,
            &answer,
            &admin,
            Some(json!({ "answer": "accept" }))
        )
        .await
        .0,
        403,
        "the city decides"
    );
    let (s, e) = a
        .api(
            Method::POST,
            &answer,
            &city_t,
            Some(json!({ "answer": "accept" })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("invalid_state")),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("1件"),
        "{e}"
    );

    // The city's page lists what is left, then the enrollment moves and the office closes.
    login(a, "cityadmin", PASSWORD).await;
    let (_, page, _) = get(a, &format!("/offices/{office}/handovers")).await;
    assert!(
        page.contains("同意取得事業所の登録が1件残っています") && page.contains(&code),
        "{page}"
    );
    let (_, ch) = a
        .api(
            Method::POST,
            &format!("/api/v1/enrollments/{code}/obtainer-changes"),
            &c.cm,
            Some(json!({ "to_office": hama.to_string(), "reason": "閉所" })),
        )
        .await;
    let (s, _) = a
        .api(
            Method::POST,
            &format!("/api/v1/obtainer-changes/{}/answer", ch["id"]),
            &cm2,
            Some(json!({ "answer": "accept" })),
        )
        .await;
    assert_eq!(s, 200);
    let (_, page, _) = get(a, &format!("/offices/{office}/handovers")).await;
    let form = format!("/closures/{}", k["id"]);
    let csrf = csrf_of(&page);
    let (s, confirm, _) = post(a, &form, &[("csrf", &csrf), ("answer", "accept")]).await;
    assert_eq!(s, 200, "asked first");
    assert!(
        confirm.contains("柴田介護保険事務所の利用を廃止します。"),
        "{confirm}"
    );
    assert_eq!(
        sql_count(
            a,
            &format!("SELECT COUNT(*) FROM offices WHERE id = {office} AND closed_at IS NOT NULL")
        )
        .await,
        0
    );
    let (s, _, _) = post(
        a,
        &form,
        &[("csrf", &csrf), ("answer", "accept"), ("confirmed", "1")],
    )
    .await;
    assert_eq!(s, 303);

    assert_eq!(
        sql_count(
            a,
            &format!("SELECT COUNT(*) FROM offices WHERE id = {office} AND closed_at IS NOT NULL")
        )
        .await,
        1
    );
    assert_eq!(
        sql_count(
            a,
            &format!("SELECT COUNT(*) FROM users WHERE office_id = {office} AND disabled = FALSE")
        )
        .await,
        0,
        "staff disabled"
    );
    assert_eq!(
        sql_count(
            a,
            &format!(
                "SELECT COUNT(*) FROM devices WHERE office_id = {office} AND revoked_at IS NULL"
            )
        )
        .await,
        0,
        "PCs revoked"
    );
    assert_eq!(
        a.api(Method::GET, "/api/v1/enrollments", &c.cm, None)
            .await
            .0,
        401,
        "the care manager's token ended"
    );
    let map = reqwest::get(a.url("/api/v1/public/offices.geojson"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        map.contains("はま居宅介護支援事業所") && !map.contains("柴田介護保険事務所"),
        "off the map: {map}"
    );
    let mut conn = a.store.acquire().await.unwrap();
    let trained = consentflow::store::trainings::by_office(conn.conn())
        .await
        .unwrap();
    assert!(
        trained.iter().all(|o| o.office_id != office),
        "no more training e-mails"
    );
    drop(conn);
    assert_eq!(
        mails_of(&outbox_rows(a).await, "office_closed"),
        ["o@example.jp"]
    );
    let actions = sql_count(a, &format!("SELECT COUNT(*) FROM audit_log WHERE target_kind = 'office' AND target_id = {office} AND action IN ('office.closure_asked', 'office.closed')")).await;
    assert_eq!(actions, 2);
    assert_eq!(
        a.api(
            Method::POST,
            &ask,
            &city_t,
            Some(json!({ "reason": "もう一度" }))
        )
        .await
        .0,
        409,
        "closed already"
    );
    app.finish().await;
}
