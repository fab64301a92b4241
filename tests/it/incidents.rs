//! 報告義務 (#21): a care manager reports a lost PC; it reaches their office administrator and
//! the city at once (e-mails written with the report, 要対応), other offices and the centre are
//! told it does not exist, and the city works it to 完了, forward only. A leaked ID is
//! suspended from its report in one step, asked first and recorded on it. The city's CSV.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::domain::Role;

use super::forms::city;
use super::helpers::{csrf_of, get, login, post, spawn_app, sql, Backend, TestApp, PASSWORD};
use super::rows::{outbox_rows, sql_count};

fn mails_of(rows: &[Value], template: &str) -> Vec<String> {
    let mut to: Vec<String> = rows
        .iter()
        .filter(|r| r["template"] == template)
        .map(|r| r["to_address"].as_str().unwrap().to_string())
        .collect();
    to.sort();
    to
}

/// The office administrator and the city's person, both with addresses.
async fn people(a: &TestApp) -> (String, String) {
    let office = sql_count(
        a,
        "SELECT id FROM offices WHERE name = '柴田介護保険事務所'",
    )
    .await;
    a.user("kanri", Role::OfficeAdmin, Some(office)).await;
    a.user("shi", Role::CityAdmin, None).await;
    sql(
        a,
        "UPDATE users SET email = 'kanri@shibata.example.jp' WHERE login = 'kanri'",
    )
    .await;
    sql(
        a,
        "UPDATE users SET email = 'shi@city.example.jp' WHERE login = 'shi'",
    )
    .await;
    (a.token("kanri").await, a.token("shi").await)
}

#[tokio::test]
async fn a_lost_pc_reaches_the_office_and_the_city_at_once_and_is_worked_to_done() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (kanri, shi) = people(a).await;

    // Refused as typed: nothing stored, nobody told.
    let bad = json!({ "kind": "fire", "occurred_at": "2099-01-01T00:00", "what": "" });
    let (s, e) = a
        .api(Method::POST, "/api/v1/incidents", &c.cm, Some(bad))
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(mails_of(&outbox_rows(a).await, "incident_reported").is_empty());

    let report = json!({ "kind": "lost_or_stolen", "occurred_at": "2026-11-30T18:30",
        "what": "訪問先でノートPCを紛失しました。", "done_so_far": "警察に届けました。",
        "involved": "ノートPC（訪問用）" });
    let (s, r) = a
        .api(Method::POST, "/api/v1/incidents", &c.cm, Some(report))
        .await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    assert_eq!(
        mails_of(&outbox_rows(a).await, "incident_reported"),
        [
            "kanri@shibata.example.jp",
            "o@example.jp",
            "shi@city.example.jp"
        ],
        "the office's administrators and the city, written with the report"
    );
    let body = sql_count(
        a,
        "SELECT COUNT(*) FROM outbox WHERE template = 'incident_reported' AND body_text LIKE '%ノートPC%'",
    )
    .await;
    assert_eq!(body, 0, "what happened stays on the screen, not in e-mail");

    // Who sees it.
    let path = format!("/api/v1/incidents/{id}");
    for (who, token, status) in [
        ("reporter", &c.cm, 200),
        ("office administrator", &kanri, 200),
        ("city", &shi, 200),
        ("another office", &c.nurse, 404),
        ("the centre", &c.centre, 404),
    ] {
        assert_eq!(
            a.api(Method::GET, &path, token, None).await.0,
            status,
            "{who}"
        );
    }
    let (_, mine) = a
        .api(Method::GET, "/api/v1/incidents", &c.nurse, None)
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 0);

    // On the page: a refusal keeps what was typed, beside the field.
    login(a, "caremgr", PASSWORD).await;
    let (_, html, _) = get(a, "/incidents/new").await;
    let csrf = csrf_of(&html);
    let typed = [
        ("csrf", csrf.as_str()),
        ("kind", "virus"),
        ("occurred_at", "きのう"),
        ("what", "警告画面が出ました"),
        ("involved", "受付PC"),
    ];
    let (s, html, _) = post(a, "/incidents", &typed).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("id=\"occurred_at-error\"")
            && html.contains(">警告画面が出ました</textarea>"),
        "{html}"
    );
    assert!(
        html.contains("value=\"受付PC\"") && html.contains("value=\"virus\" selected"),
        "{html}"
    );

    // 要対応 for the city and the office administrator.
    login(a, "shi", PASSWORD).await;
    let (_, home, _) = get(a, "/enrollments").await;
    assert!(home.contains("事故・不具合の報告に対応する"), "{home}");
    login(a, "kanri", PASSWORD).await;
    let (_, home, _) = get(a, "/enrollments").await;
    assert!(home.contains("事業所からの事故・不具合の報告"), "{home}");

    // The city works it: forward only, each step kept.
    let steps = format!("/api/v1/incidents/{id}/events");
    let step = |state: &str, note: &str| json!({ "state": state, "note": note });
    let go = |b: Value| a.api(Method::POST, &steps, &shi, Some(b));
    assert_eq!(
        go(step("in_progress", "事業所に連絡しました。")).await.0,
        204
    );
    assert_eq!(go(step("received", "")).await.0, 409, "never back");
    assert_eq!(
        a.api(Method::POST, &steps, &kanri, Some(step("done", "")))
            .await
            .0,
        403
    );
    assert_eq!(
        go(step("done", "PCの証明書を無効にし、完了。")).await.0,
        204
    );
    let (_, v) = a.api(Method::GET, &path, &c.cm, None).await;
    assert_eq!(v["incident"]["state"], "done");
    let history: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_state"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(history, ["received", "in_progress", "done"]);
    let audited = sql_count(
        a,
        "SELECT COUNT(*) FROM audit_log WHERE target_kind = 'incident'",
    )
    .await;
    assert_eq!(audited, 3, "reported, and two steps");
    app.finish().await;
}

#[tokio::test]
async fn a_leaked_id_is_suspended_from_its_report_in_one_asked_step() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (_, shi) = people(a).await;
    let report = json!({ "kind": "credential_leak", "occurred_at": "2026-12-01T09:00",
        "what": "=HYPERLINK(\"http://x\") パスワードを書いたメモを紛失", "involved": "nurse" });
    let (s, r) = a
        .api(Method::POST, "/api/v1/incidents", &c.nurse, Some(report))
        .await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    let nurse = sql_count(a, "SELECT id FROM users WHERE login = 'nurse'").await;

    // A PC is not what this report offers.
    let wrong = json!({ "action": "revoke_device", "device_id": 1 });
    let path = format!("/api/v1/incidents/{id}/actions");
    assert_eq!(a.api(Method::POST, &path, &shi, Some(wrong)).await.0, 409);

    login(a, "shi", PASSWORD).await;
    let (_, html, _) = get(a, &format!("/incidents/{id}")).await;
    assert!(html.contains("id=\"incident-suspend\""), "{html}");
    let csrf = csrf_of(&html);
    let act = format!("/incidents/{id}/actions");
    let target = nurse.to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("action", "suspend_user"),
        ("target", &target),
    ];
    let (s, asked, _) = post(a, &act, &form).await;
    assert_eq!(s, 200, "asked first");
    assert!(asked.contains("利用停止にする"), "{asked}");
    assert_eq!(
        sql_count(
            a,
            &format!("SELECT COUNT(*) FROM users WHERE id = {nurse} AND suspended")
        )
        .await,
        0
    );
    let mut confirmed = form.to_vec();
    confirmed.push(("confirmed", "1"));
    assert_eq!(post(a, &act, &confirmed).await.0, 303);
    assert_eq!(
        sql_count(
            a,
            &format!("SELECT COUNT(*) FROM users WHERE id = {nurse} AND suspended")
        )
        .await,
        1
    );
    let (s, _) = a
        .api(Method::GET, "/api/v1/incidents", &c.nurse, None)
        .await;
    assert_eq!(s, 401, "the leaked login's token no longer works");
    let (_, v) = a
        .api(Method::GET, &format!("/api/v1/incidents/{id}"), &shi, None)
        .await;
    let step = v["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&step["action"], &step["target_id"]),
        (&json!("suspend_user"), &json!(nurse)),
        "{v}"
    );
    assert_eq!(
        mails_of(&outbox_rows(a).await, "account_suspended").len(),
        1
    );

    // The city's CSV: every report, a formula neutralised.
    let (s, csv, _) = get(a, "/incidents.csv").await;
    assert_eq!(s, 200);
    assert!(
        csv.contains("ID・パスワードの漏洩") && csv.contains("'=HYPERLINK"),
        "{csv}"
    );
    login(a, "caremgr", PASSWORD).await;
    assert_eq!(get(a, "/incidents.csv").await.0, 403);
    app.finish().await;
}
