//! The city's other answer to an office application: rejection with a reason, and the public
//! page's rate limit.

use reqwest::Method;
use serde_json::Value;

use super::helpers::{spawn_app_with, sql_count, Backend, TestApp};
use super::offices::{application_json, APPLICATION};
use super::pc::{nth_mail, Pc};

#[tokio::test]
async fn the_city_rejects_with_a_reason_and_the_page_is_rate_limited() {
    let app = spawn_app_with(Backend::chosen(), |c| c.offices.applications_per_hour = 2)
        .await
        .unwrap();
    let a = &app;
    a.user("city", consentflow::domain::Role::CityAdmin, None)
        .await;
    let city = a.token("city").await;
    let anyone = Pc::new(a);
    assert_eq!(anyone.submit("/apply", "/apply", APPLICATION).await.0, 201);
    // The same office again while the first waits: refused, with why.
    let (s, html, _, _) = anyone.submit("/apply", "/apply", APPLICATION).await;
    assert_eq!(s, 409);
    assert!(html.contains("受け付け済み"), "{html}");

    // Over the API, too; the second from this address in the hour is the last.
    let body = application_json;
    let post = |b: Value, from: Option<&'static str>| {
        let mut r = reqwest::Client::new()
            .post(a.url("/api/v1/office-applications"))
            .json(&b);
        if let Some(ip) = from {
            r = r.header("x-forwarded-for", ip);
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = post(body("二つ目の事業所"), None).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = post(body("三つ目の事業所"), None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (429, Some("too_many_requests")),
        "{v}"
    );
    let mut fourth = APPLICATION.to_vec();
    fourth[1] = ("name", "四つ目の事業所");
    let (s, html, _, _) = anyone.submit("/apply", "/apply", &fourth).await;
    assert_eq!(s, 429);
    assert!(html.contains("1時間ほどおいて"), "{html}");
    // Another address (through the local proxy) is counted on its own.
    let (s, _) = post(body("三つ目の事業所"), Some("203.0.113.7")).await;
    assert_eq!(s, 201);

    // Rejected with a reason: the applicant is told it; twice is a conflict; only the city.
    let first = v_id(a, "ひたちなか訪問看護ステーション").await;
    let path = format!("/api/v1/office-applications/{first}/rejection");
    a.user("caremgr", consentflow::domain::Role::Centre, None)
        .await;
    let other = a.token("caremgr").await;
    let reason = serde_json::json!({ "reason": "市外の事業所のため" });
    assert_eq!(
        a.api(Method::POST, &path, &other, Some(reason.clone()))
            .await
            .0,
        403
    );
    assert_eq!(
        a.api(
            Method::POST,
            &path,
            &city,
            Some(serde_json::json!({ "reason": "" }))
        )
        .await
        .0,
        422
    );
    assert_eq!(
        a.api(Method::POST, &path, &city, Some(reason.clone()))
            .await
            .0,
        204
    );
    assert_eq!(a.api(Method::POST, &path, &city, Some(reason)).await.0, 409);
    let approve = format!("/api/v1/office-applications/{first}/approval");
    assert_eq!(
        a.api(Method::POST, &approve, &city, None).await.0,
        409,
        "decided already"
    );
    let (_, _, body) = nth_mail(a, "application_rejected", 1).await;
    assert!(body.contains("市外の事業所のため"), "{body}");
    assert_eq!(sql_count(a, "SELECT COUNT(*) FROM offices").await, 0);
    app.finish().await;
}

async fn v_id(a: &TestApp, name: &str) -> i64 {
    sql_count(
        a,
        &format!("SELECT id FROM office_applications WHERE name = '{name}'"),
    )
    .await
}
