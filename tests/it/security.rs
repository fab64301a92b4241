//! Sign-in throttling (per login id and per address, across the web and the API), and the log of
//! who read which person's data.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::json;

use consentflow::domain::Role;

use super::forms::city;
use super::helpers::{spawn_app, sql_at, sql_count, Backend, PASSWORD};
use super::intake::printed;
use super::pc::Pc;

#[tokio::test]
async fn repeated_failures_hold_sign_in_back_for_a_while() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    city(a).await;
    let pc = Pc::new(a);
    for _ in 0..5 {
        let (s, html, _, _) = pc.login("caremgr", "wrong-password-1").await;
        assert_eq!(s, 401);
        assert!(html.contains("正しくありません"));
    }
    // Now even the right password waits, on the web and over the API.
    let (s, html, _, _) = pc.login("caremgr", PASSWORD).await;
    assert_eq!(s, 429);
    assert!(html.contains("しばらくログインできません"), "{html}");
    let r = reqwest::Client::new()
        .post(a.url("/api/v1/auth/token"))
        .json(&json!({ "login": "caremgr", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "too_many_requests"
    );
    // Another login from the same address is not held back by it.
    assert_eq!(Pc::new(a).login("nurse", PASSWORD).await.0, 303);
    // Fifteen minutes later it works again, and a success forgets the login's failures.
    sql_at(
        a,
        "UPDATE login_failures SET at = $1",
        Utc::now() - Duration::minutes(16),
    )
    .await;
    assert_eq!(pc.login("caremgr", PASSWORD).await.0, 303);
    let left = "SELECT COUNT(*) FROM login_failures WHERE at > '2000-01-01'";
    assert_eq!(
        sql_count(a, left).await,
        5,
        "the address's failures stay counted"
    );

    // Many logins tried from one address: that address waits too.
    for i in 0..30 {
        Pc::new(a).login(&format!("nobody{i}"), "x").await;
    }
    assert_eq!(Pc::new(a).login("pharma", PASSWORD).await.0, 429);
    app.finish().await;
}

#[tokio::test]
async fn reads_of_a_persons_data_are_logged_for_the_city() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let code = a.code(id).await;
    let before = sql_count(a, "SELECT COUNT(*) FROM data_reads").await;

    let cm = Pc::new(a);
    cm.login("caremgr", PASSWORD).await;
    assert_eq!(cm.get(&format!("/enrollments/{code}")).await.0, 200);
    let (s, _) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.nurse,
            None,
        )
        .await;
    assert_eq!(s, 200);
    let r = reqwest::Client::new()
        .get(a.url(&format!("/api/v1/enrollments/{code}/consent-form.pdf")))
        .bearer_auth(&c.centre)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Someone who may not see it reads nothing, and nothing is logged for them.
    let (s, _) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.pharma,
            None,
        )
        .await;
    assert_eq!(s, 404);
    let q = |what: &str, role: &str| {
        format!("SELECT COUNT(*) FROM data_reads WHERE target_kind = 'enrollment' AND target_id = {id} AND what = '{what}' AND role = '{role}'")
    };
    assert_eq!(
        sql_count(a, &q("enrollment", "staff")).await,
        2,
        "the care manager's page, the nurse's API call"
    );
    assert_eq!(sql_count(a, &q("consent_form", "centre")).await, 1);
    assert_eq!(
        sql_count(a, "SELECT COUNT(*) FROM data_reads").await - before,
        3
    );

    // The city sees who read it on the enrollment's page; others do not see the log.
    a.user("city", Role::CityAdmin, None).await;
    let city_pc = Pc::new(a);
    city_pc.login("city", PASSWORD).await;
    let (_, html, _, _) = city_pc.get(&format!("/enrollments/{code}")).await;
    let log = &html[html.find("閲覧記録").expect("the city sees the log")..];
    assert!(
        log.contains("caremgr") && log.contains("nurse") && log.contains("同意書（PDF）"),
        "{log}"
    );
    let (_, html, _, _) = cm.get(&format!("/enrollments/{code}")).await;
    assert!(!html.contains("閲覧記録"));
    app.finish().await;
}

/// Rotating the QR key: forms printed under the old key still match once it is listed among
/// the retired keys, and are refused as forged without it.
#[tokio::test]
async fn forms_printed_under_a_retired_key_still_match() {
    if !super::mail::tools(&["gs"]) {
        return;
    }
    let mut app = super::helpers::spawn_app_with(Backend::chosen(), |c| c.run_workers = true)
        .await
        .unwrap();
    let c = city(&app).await;
    let (one, pdf1) = printed(&app, &c, "山田 花子", 1).await;
    let (two, pdf2) = printed(&app, &c, "佐藤 一郎", 1).await;
    let old = app.config.qr_key.clone().unwrap();
    // A new key B; first without A listed.
    app.restart_with(|cfg| {
        cfg.qr_key = Some(consentflow::secret::Secret::new("a-brand-new-key"));
        cfg.qr_key_id = consentflow::config::QrKeyId('B');
    })
    .await;
    let fax1 = super::mail::fax_of(&pdf1, "tiffg4", "204x196", None);
    assert_eq!(
        super::intake::upload(&app, &c.centre, &[("1.tif", &fax1)])
            .await
            .status(),
        202
    );
    super::intake::all_read(&app, &c.centre).await;
    assert_eq!(
        super::intake::state(&app, &c, one).await,
        "form_issued",
        "an unknown key is not trusted"
    );
    // With A retired but listed, its forms match.
    app.restart_with(|cfg| {
        cfg.qr_retired_keys
            .insert(consentflow::config::QrKeyId('A'), old);
    })
    .await;
    let fax2 = super::mail::fax_of(&pdf2, "tiffg4", "204x196", None);
    assert_eq!(
        super::intake::upload(&app, &c.centre, &[("2.tif", &fax2)])
            .await
            .status(),
        202
    );
    super::intake::all_read(&app, &c.centre).await;
    assert_eq!(super::intake::state(&app, &c, two).await, "copy_received");
    app.finish().await;
}
