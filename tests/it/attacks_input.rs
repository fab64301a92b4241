//! The outside test's attempts on what people type and read (#17), kept as tests: reads logged,
//! CSV cells neutralised, nothing cached, `/metrics` for whom it is for, control and invisible
//! characters refused. Each failed before its fix.

use reqwest::Method;
use serde_json::json;

use consentflow::domain::Role;

use super::attacks::office;
use super::helpers::{spawn_app_with, sql_count, Backend, TestApp, PASSWORD};

/// #17 (5): a consent form printed through the API, and a print batch's PDF (one row per
/// person in it), are logged as reads of the person's data, on both databases.
async fn consent_form_reads_are_logged(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |_| {}).await else {
        return;
    };
    let a = &app;
    let c = super::forms::city(a).await;
    let reads = |what: &'static str| {
        let q = format!("SELECT COUNT(*) FROM data_reads WHERE what = '{what}'");
        async move { sql_count(a, &q).await }
    };
    let (one, _) = super::intake::printed(a, &c, "山田 花子", 1).await;
    assert_eq!(reads("consent_form").await, 1, "the API's print is a read");
    let (two, _) = super::intake::printed(a, &c, "佐藤 一郎", 1).await;
    let ids = json!({ "enrollment_ids": [one, two] });
    let (s, b) = a
        .api(Method::POST, "/api/v1/print-batches", &c.cm, Some(ids))
        .await;
    assert_eq!(s, 202, "{b}");
    let path = format!("/api/v1/print-batches/{}", b["id"]);
    let done = super::helpers::eventually(120, || async {
        let (_, b) = a.api(Method::GET, &path, &c.cm, None).await;
        (b["status"] == "done").then_some(())
    })
    .await;
    assert!(done.is_some());
    assert_eq!(
        reads("consent_form_batch").await,
        0,
        "printing is not reading"
    );
    let r = reqwest::Client::new()
        .get(a.url(&format!("{path}/pdf")))
        .bearer_auth(&c.cm)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(reads("consent_form_batch").await, 2, "one row per person");
    app.finish().await;
}

#[tokio::test]
async fn consent_form_reads_are_logged_on_sqlite() {
    consent_form_reads_are_logged(Backend::Sqlite).await;
}

#[tokio::test]
async fn consent_form_reads_are_logged_on_postgres() {
    consent_form_reads_are_logged(Backend::Postgres).await;
}

/// #17 (12): an office whose name is a formula does not run in the city's spreadsheet.
#[tokio::test]
async fn csv_cells_that_look_like_formulas_are_neutralised() {
    let app = spawn_app_with(Backend::chosen(), |_| {}).await.unwrap();
    let a = &app;
    office(
        a,
        "=HYPERLINK(\"http://evil.example/\",\"開く\")",
        "029-265-8332",
    )
    .await;
    office(a, "@SUM(1+1)訪問看護", "029-270-0002").await;
    a.user("city", Role::CityAdmin, None).await;
    let city = super::pc::Pc::new(a);
    assert_eq!(city.login("city", PASSWORD).await.0, 303);
    let (s, csv, _, _) = city.get("/training.csv").await;
    assert_eq!(s, 200);
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"開く\"\")\"")
            && csv.contains("\n'@SUM(1+1)訪問看護,"),
        "{csv}"
    );
    app.finish().await;
}

/// `GET /metrics`, forwarded by a proxy or not, with a bearer token or not: the status.
async fn metrics(a: &TestApp, forwarded: Option<&str>, bearer: Option<&str>) -> u16 {
    let mut r = reqwest::Client::new().get(a.url("/metrics"));
    if let Some(f) = forwarded {
        r = r.header("x-forwarded-for", f);
    }
    if let Some(b) = bearer {
        r = r.bearer_auth(b);
    }
    r.send().await.unwrap().status().as_u16()
}

/// Observations: signed-in pages and API answers are never cached; `/metrics` is for this
/// machine, or for whoever holds `metrics_token`.
#[tokio::test]
async fn no_store_and_metrics_for_whom_it_is_for() {
    let app = spawn_app_with(Backend::chosen(), |_| {}).await.unwrap();
    let a = &app;
    a.user("centre", Role::Centre, None).await;
    let token = a.token("centre").await;
    let pc = super::pc::Pc::new(a);
    assert_eq!(pc.login("centre", PASSWORD).await.0, 303);
    let page = pc.client.get(a.url("/enrollments")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let api = reqwest::Client::new()
        .get(a.url("/api/v1/enrollments"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");

    assert_eq!(metrics(a, None, None).await, 200, "from this machine");
    assert_eq!(
        metrics(a, Some("203.0.113.9"), None).await,
        403,
        "through a proxy"
    );
    app.finish().await;

    let app = spawn_app_with(Backend::chosen(), |c| {
        c.metrics_token = Some(consentflow::secret::Secret::new("scrape-me"));
    })
    .await
    .unwrap();
    let a = &app;
    assert_eq!(metrics(a, None, None).await, 403, "the token is needed");
    assert_eq!(metrics(a, None, Some("wrong")).await, 403);
    assert_eq!(
        metrics(a, Some("203.0.113.9"), Some("scrape-me")).await,
        200
    );
    app.finish().await;
}

/// #17 (9): a line break encoded into the code of a URL is a 404, and nothing changes.
#[tokio::test]
async fn a_control_character_in_a_path_changes_nothing() {
    let app = spawn_app_with(Backend::chosen(), |_| {}).await.unwrap();
    let a = &app;
    let c = super::forms::city(a).await;
    let body = json!({
        "subject": { "name": "山田 花子", "kana": "ヤマダ ハナコ", "birth_date": "1940-04-01",
                     "sex": "female", "address": "茨城県ひたちなか市東石川1-1", "phone": "029-270-1000" },
        "team": [{ "office_id": c.nursing, "profession": "訪問看護師", "name": "港 看護",
                   "phone": "029-270-0002" }]
    });
    let (s, e) = a
        .api(Method::POST, "/api/v1/enrollments", &c.cm, Some(body))
        .await;
    assert_eq!(s, 201, "{e}");
    let code = e["code"].as_str().unwrap().to_string();
    let pc = super::pc::Pc::new(a);
    assert_eq!(pc.login("caremgr", PASSWORD).await.0, 303);
    let page = format!("/enrollments/{code}");
    for bad in ["%0A", "%0D%0A", "%00", "%1B"] {
        let (s, _, _, _) = pc
            .submit(&page, &format!("/enrollments/{code}{bad}/print"), &[])
            .await;
        assert_eq!(s, 404, "{bad}");
        let (s, _) = a
            .api(
                Method::POST,
                &format!("/api/v1/enrollments/{code}{bad}/consent-form"),
                &c.cm,
                None,
            )
            .await;
        assert_eq!(s, 404, "{bad}");
    }
    let (_, e) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.cm,
            None,
        )
        .await;
    assert_eq!(e["enrollment"]["state"], "draft", "nothing was issued");
    app.finish().await;
}

/// #17 (7, 8): control characters in a reason, and invisible or direction-override characters in
/// a name, are refused with the field named; a search ignores an invisible character typed in.
#[tokio::test]
async fn control_and_invisible_characters_are_refused() {
    let app = spawn_app_with(Backend::chosen(), |_| {}).await.unwrap();
    let a = &app;
    let c = super::forms::city(a).await;
    let person = |name: &str| {
        json!({
            "subject": { "name": name, "kana": "ヤマダ ハナコ", "birth_date": "1940-04-01",
                         "sex": "female", "address": "茨城県ひたちなか市東石川1-1",
                         "phone": "029-270-1000" },
            "team": [{ "office_id": c.nursing, "profession": "訪問看護師", "name": "港 看護",
                       "phone": "029-270-0002" }]
        })
    };
    for bad in ["\u{202e}子花田山", "山\u{200b}田 花子", "山田\u{0}花子"] {
        let (s, e) = a
            .api(
                Method::POST,
                "/api/v1/enrollments",
                &c.cm,
                Some(person(bad)),
            )
            .await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (422, Some("invalid_input")),
            "{bad:?}: {e}"
        );
    }
    let (s, e) = a
        .api(
            Method::POST,
            "/api/v1/enrollments",
            &c.cm,
            Some(person("山田 花子")),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    let code = e["code"].as_str().unwrap().to_string();
    // The search finds 山田 though a zero-width space was pasted into the box.
    let (_, found) = a
        .api(
            Method::GET,
            "/api/v1/enrollments?q=%E5%B1%B1%E2%80%8B%E7%94%B0",
            &c.cm,
            None,
        )
        .await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    // A reason with NUL or ESC in it is refused; nothing changes.
    let path = format!("/api/v1/enrollments/{code}/transitions");
    for reason in ["転居\u{0}", "転居\u{1b}[2J"] {
        let (s, e) = a
            .api(
                Method::POST,
                &path,
                &c.cm,
                Some(json!({ "action": "close", "reason": reason })),
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (422, Some("reason")),
            "{e}"
        );
    }
    let (_, e) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.cm,
            None,
        )
        .await;
    assert_eq!(e["enrollment"]["state"], "draft");
    app.finish().await;
}
