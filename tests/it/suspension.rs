//! The city suspends a login at once with a reason: open sessions end, API tokens stop, the user
//! is told by e-mail; lifted, they sign in again. Nobody else may.

use reqwest::Method;
use serde_json::json;

use super::forms::city;
use super::helpers::{
    csrf_of, eventually, get, login, outbox_rows, post, spawn_app, Backend, TestApp, PASSWORD,
};

async fn id_of(a: &TestApp, login: &str) -> i64 {
    let mut c = a.store.acquire().await.unwrap();
    consentflow::store::users::by_login(c.conn(), login)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn the_city_suspends_and_reinstates_a_login() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    a.user("city", consentflow::domain::Role::CityAdmin, None)
        .await;
    let city_token = a.token("city").await;
    let cm = id_of(a, "caremgr").await;
    let path = format!("/api/v1/users/{cm}/suspension");

    // The care manager is signed in on the web and holds an API token.
    login(a, "caremgr", PASSWORD).await;
    assert_eq!(get(a, "/enrollments").await.0, 200);
    let (s, _) = a.api(Method::GET, "/api/v1/enrollments", &c.cm, None).await;
    assert_eq!(s, 200);

    // Only the city, and only with a reason.
    let (s, _) = a
        .api(
            Method::POST,
            &path,
            &c.centre,
            Some(json!({ "reason": "x" })),
        )
        .await;
    assert_eq!(s, 403);
    let (s, v) = a
        .api(
            Method::POST,
            &path,
            &city_token,
            Some(json!({ "reason": "" })),
        )
        .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("reason")));
    let (s, _) = a
        .api(
            Method::POST,
            &path,
            &city_token,
            Some(json!({ "reason": "IDの漏えいの疑い" })),
        )
        .await;
    assert_eq!(s, 204);

    // At once: the open session is gone, the token revoked (for good: lifting the suspension
    // does not bring it back), signing in refused with the reason.
    let (s, _, loc) = get(a, "/enrollments").await;
    assert_eq!(s, 303);
    assert!(loc.unwrap().starts_with("/login"));
    let (s, _) = a.api(Method::GET, "/api/v1/enrollments", &c.cm, None).await;
    assert_eq!(s, 401);
    let (s, html, _) = login(a, "caremgr", PASSWORD).await;
    assert_ne!(s, 303);
    assert!(html.contains("利用停止中"), "{html}");
    let (s, _) = a
        .api(
            Method::POST,
            &path,
            &city_token,
            Some(json!({ "reason": "再び" })),
        )
        .await;
    assert_eq!(s, 409, "already suspended");

    // Told by e-mail, with the reason (no address of their own: their office's administrator).
    let mail = eventually(30, || async {
        outbox_rows(a)
            .await
            .into_iter()
            .find(|m| m["template"] == "account_suspended" && m["status"] == "sent")
    })
    .await
    .expect("the suspension e-mail is sent");
    assert_eq!(mail["to_address"], "o@example.jp");
    let body = mail["body_text"].as_str().unwrap();
    assert!(
        body.contains("IDの漏えいの疑い") && body.contains("caremgr"),
        "{body}"
    );

    // The city's page shows it; the nurse is suspended from there, and the care manager
    // reinstated.
    login(a, "city", PASSWORD).await;
    let (s, html, _) = get(a, "/users").await;
    assert_eq!(s, 200);
    assert!(html.contains("利用停止中"));
    let csrf = csrf_of(&html);
    let nurse = id_of(a, "nurse").await;
    // Asked first, naming the person; nothing happens until confirmed.
    let (s, html, _) = post(
        a,
        &format!("/users/{nurse}/suspend"),
        &[("csrf", &csrf), ("reason", "退職")],
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("（nurse）を利用停止にします。") && html.contains("name=\"confirmed\""),
        "{html}"
    );
    assert!(login_ok(a, "nurse").await, "not yet suspended");
    login(a, "city", PASSWORD).await;
    let (_, html, _) = get(a, "/users").await;
    let csrf = csrf_of(&html);
    // Without a reason: the list again, the message beside the box.
    let (s, html, _) = post(
        a,
        &format!("/users/{nurse}/suspend"),
        &[("csrf", &csrf), ("reason", " ")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("data-field=\"reason\"") && html.contains("理由を入力してください"),
        "{html}"
    );
    let (s, _, _) = post(
        a,
        &format!("/users/{nurse}/suspend"),
        &[("csrf", &csrf), ("reason", "退職"), ("confirmed", "1")],
    )
    .await;
    assert_eq!(s, 303);
    // The list says why, when and who.
    let (_, html, _) = get(a, "/users").await;
    let row = &html[html.find("data-login=\"nurse\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("理由：退職") && row.contains("city さん"),
        "{row}"
    );
    assert!(html.contains("利用停止にしました"), "the notice: {html}");
    // The city cannot suspend itself: no button on its own row.
    let own = &html[html.find("data-login=\"city\"").unwrap()..];
    let own = &own[..own.find("</tr>").unwrap()];
    assert!(!own.contains("/suspend"), "{own}");
    let (s, _, _) = post(a, &format!("/users/{cm}/reinstate"), &[("csrf", &csrf)]).await;
    assert_eq!(s, 303);
    let (s, _, _) = login(a, "caremgr", PASSWORD).await;
    assert_eq!(s, 303, "signs in again");
    let (s, _, _) = login(a, "nurse", PASSWORD).await;
    assert_ne!(s, 303);
    // The page is the city's alone.
    assert_eq!(get(a, "/users").await.0, 403);
    // (The care manager's old token went with the suspension: a new one.)
    let cm_token = a.token("caremgr").await;
    let (s, _) = a.api(Method::DELETE, &path, &cm_token, None).await;
    assert_eq!(s, 403);
    app.finish().await;
}

/// Whether `login` can sign in now (a fresh client: the test's own session is kept).
async fn login_ok(a: &super::helpers::TestApp, login: &str) -> bool {
    let pc = super::pc::Pc::new(a);
    pc.login(login, PASSWORD).await.0 == 303
}
