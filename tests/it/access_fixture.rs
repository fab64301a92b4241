//! One of each resource, for the access matrices (`access.rs`, `access_writes.rs`).

use reqwest::Method;
use serde_json::json;

use consentflow::domain::Role;

use super::forms::City;
use super::helpers::{sql_count, TestApp};
use super::intake::{all_read, blank_page, printed, upload};
use super::mail::gateway_mail;

/// One of each resource, for the matrices.
pub struct Fx {
    pub id: i64,
    pub code: String,
    pub page: i64,
    /// The enrollment's form sent back as it was printed: a matched, checked front page.
    pub front: i64,
    pub message: i64,
    pub mail: i64,
    pub batch: i64,
    pub office_a: i64,
    pub cm_id: i64,
    pub training: i64,
    pub link: String,
    /// A report by the care manager (office A): seen by them, office A's administrator, the city.
    pub incident: i64,
}

/// The city of `forms::city`, office A's administrator and the city's login, and one of each
/// resource.
pub async fn fixture(a: &TestApp, c: &City) -> Fx {
    let office = |n: &'static str| async move {
        sql_count(a, &format!("SELECT id FROM offices WHERE name = '{n}'")).await
    };
    let office_a = office("柴田介護保険事務所").await;
    a.user("admin-a", Role::OfficeAdmin, Some(office_a)).await;
    a.user("city", Role::CityAdmin, None).await;

    // One of each resource.
    let (id, form) = printed(a, c, "山田 花子", 1).await;
    let code = a.code(id).await;
    let eml = gateway_mail(
        "m@gw.example.jp",
        "FAX受信 029-265-8332",
        "",
        &[("p.png", "image/png", &blank_page(255))],
    );
    assert_eq!(upload(a, &c.centre, &[("f.eml", &eml)]).await.status(), 202);
    all_read(a, &c.centre).await;
    let page = sql_count(a, "SELECT MAX(id) FROM fax_pages").await;
    let message = sql_count(a, "SELECT MAX(id) FROM fax_messages").await;
    let (s, _) = a
        .api(
            Method::POST,
            &format!("/api/v1/enrollments/{code}/resend-requests"),
            &c.centre,
            Some(json!({ "reason": "読めません" })),
        )
        .await;
    assert_eq!(s, 201);
    let mail = sql_count(a, "SELECT MAX(id) FROM outbox").await;
    let (s, b) = a
        .api(
            Method::POST,
            "/api/v1/print-batches",
            &c.cm,
            Some(json!({ "enrollment_ids": [id] })),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let batch = b["id"].as_i64().unwrap();
    // The batch prints in a job: wait for its PDF before anyone asks for it.
    let path = format!("/api/v1/print-batches/{batch}");
    let done = super::helpers::eventually(60, || async {
        let (_, v) = a.api(Method::GET, &path, &c.cm, None).await;
        (v["status"] == "done").then_some(())
    })
    .await;
    assert!(done.is_some(), "the batch printed");
    // Last, as it moves the enrollment on to copy_received.
    assert_eq!(
        upload(a, &c.centre, &[("form.pdf", &form)]).await.status(),
        202
    );
    all_read(a, &c.centre).await;
    let front = sql_count(a, "SELECT MAX(id) FROM fax_pages").await;
    let cm_id = sql_count(a, "SELECT id FROM users WHERE login = 'caremgr'").await;
    let city_id = sql_count(a, "SELECT id FROM users WHERE login = 'city'").await;
    let link = consentflow::service::accounts::create_login_link(&a.store, city_id)
        .await
        .unwrap();
    let input = consentflow::service::training::TrainingInput {
        held_on: "2026-04-01".into(),
        topic: "研修".into(),
        attendees: "3".into(),
        attachment: Some(("a.pdf".into(), b"%PDF-1.4\n".to_vec())),
    };
    let actor = consentflow::domain::Actor::User {
        id: city_id,
        role: Role::CityAdmin,
        office_id: None,
    };
    let training = consentflow::service::training::record(&a.state, &actor, office_a, &input)
        .await
        .unwrap();
    let report = json!({ "kind": "system_fault", "occurred_at": "2026-11-30T10:00",
        "what": "ログイン画面が表示されない" });
    let (s, r) = a
        .api(Method::POST, "/api/v1/incidents", &c.cm, Some(report))
        .await;
    assert_eq!(s, 201, "{r}");
    let incident = r["id"].as_i64().unwrap();

    Fx {
        id,
        code,
        page,
        front,
        message,
        mail,
        batch,
        office_a,
        cm_id,
        training,
        link,
        incident,
    }
}
