//! The two-backend story: offices, users, an enrollment walked through every step, its history,
//! the printed form, and the refusals on the way. Runs on SQLite and on PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::domain::Role;

use super::helpers::{spawn_app, Backend, TestApp};
use super::story_cast::{
    an_office_admin_creates_staff_of_their_own_office, the_city_registers_offices,
    the_city_registers_people,
};

#[tokio::test]
async fn story_on_sqlite() {
    story(
        spawn_app(Backend::Sqlite)
            .await
            .expect("sqlite always available"),
    )
    .await;
}

#[tokio::test]
async fn story_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    story(app).await;
}

fn subject(kana: &str) -> Value {
    json!({ "name": "山田 花子", "kana": kana, "birth_date": "1940-04-01", "sex": "female",
            "address": "茨城県ひたちなか市東石川1-1", "phone": "029-270-1000",
            "insurance_number": "0123456789" })
}

/// Who acts in the story: a token per person, and the offices.
struct Cast<'a> {
    a: &'a TestApp,
    city: String,
    cm: String,
    centre: String,
    nurse: String,
    pharma: String,
    nursing: i64,
}

impl Cast<'_> {
    /// A step of the enrollment at `path`, taken as `token`.
    async fn step(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let tr = format!("{path}/transitions");
        self.a.api(Method::POST, &tr, token, Some(body)).await
    }
}

async fn story(app: TestApp) {
    let a = &app;
    a.user("city", Role::CityAdmin, None).await;
    let city = a.token("city").await;
    let offices = the_city_registers_offices(a, &city).await;
    the_city_registers_people(a, &city, offices).await;
    let (care, nursing, other) = offices;
    an_office_admin_creates_staff_of_their_own_office(a, &city, care, other).await;
    let c = Cast {
        a,
        city,
        cm: a.token("caremgr").await,
        centre: a.token("centre").await,
        nurse: a.token("nurse").await,
        pharma: a.token("pharma").await,
        nursing,
    };
    bad_input_is_refused_and_nothing_is_written(&c).await;
    let path = the_care_manager_creates_the_enrollment(&c).await;
    the_team_the_centre_and_the_city_see_it(&c, &path).await;
    wrong_party_state_or_details_are_refused(&c, &path).await;
    the_form_is_issued_and_walked_to_active(&c, &path).await;
    the_history_says_who_did_what_in_order(&c, &path).await;
    filters_and_the_end_of_the_road(&c, &path).await;
    app.finish().await;
}

/// Bad input is refused with a field and a Japanese message, and nothing is written.
async fn bad_input_is_refused_and_nothing_is_written(c: &Cast<'_>) {
    let a = c.a;
    let cm = &c.cm;
    let bad = json!({ "subject": subject("山田"), "team": [] });
    let (s, e) = a
        .api(Method::POST, "/api/v1/enrollments", cm, Some(bad))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (422, Some("invalid_input"), Some("kana")),
        "{e}"
    );
    assert!(e["error"]["message"].as_str().unwrap().contains("カタカナ"));
    let (s, e) = a
        .api(
            Method::POST,
            "/api/v1/enrollments",
            cm,
            Some(json!({ "subject": 5 })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{e}"
    );
    let (_, list) = a.api(Method::GET, "/api/v1/enrollments", cm, None).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "a refused request writes nothing"
    );
    let (s, _) = a
        .api(Method::GET, "/api/v1/enrollments", "not-a-token", None)
        .await;
    assert_eq!(s, 401);
}

/// The care manager creates the enrollment (hiragana kana is converted); its API path.
async fn the_care_manager_creates_the_enrollment(c: &Cast<'_>) -> String {
    let a = c.a;
    let cm = &c.cm;
    let nursing = c.nursing;
    let team = json!([{ "office_id": nursing, "profession": "訪問看護師", "name": "港 看護", "phone": "029-270-0002" }]);
    let (s, en) = a
        .api(
            Method::POST,
            "/api/v1/enrollments",
            cm,
            Some(json!({ "subject": subject("やまだ はなこ"), "team": team })),
        )
        .await;
    assert_eq!(s, 201, "{en}");
    assert_eq!(en["state"], "draft");
    let code = en["code"].as_str().unwrap().to_string();
    assert!(
        consentflow_workers::EnrollmentCode::parse(&code).is_ok(),
        "code carries a valid check character"
    );
    let path = format!("/api/v1/enrollments/{code}");
    path
}

/// Who sees it: the obtainer's office, the team's office, the centre and the city; not
/// another office.
async fn the_team_the_centre_and_the_city_see_it(c: &Cast<'_>, path: &str) {
    let a = c.a;
    let city = &c.city;
    let cm = &c.cm;
    let centre = &c.centre;
    let nurse = &c.nurse;
    let pharma = &c.pharma;
    for t in [&cm, &nurse, &centre, &city] {
        let (s, v) = a.api(Method::GET, path, t, None).await;
        assert_eq!(s, 200);
        assert_eq!(v["subject"]["kana"], "ヤマダ　ハナコ");
    }
    let (s, _) = a.api(Method::GET, path, pharma, None).await;
    assert_eq!(s, 404, "another office learns nothing");
    let (_, l) = a.api(Method::GET, "/api/v1/enrollments", nurse, None).await;
    assert_eq!(l.as_array().unwrap().len(), 1);
    let (_, l) = a
        .api(Method::GET, "/api/v1/enrollments", pharma, None)
        .await;
    assert_eq!(l.as_array().unwrap().len(), 0);
}

/// Refusals: wrong party, wrong state, bad details.
async fn wrong_party_state_or_details_are_refused(c: &Cast<'_>, path: &str) {
    let cm = &c.cm;
    let nurse = &c.nurse;
    let (s, e) = c.step(path, nurse, json!({ "action": "issue_form" })).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "team member is not the obtainer"
    );
    let (s, e) = c.step(path, cm, json!({ "action": "record_consent", "date": "2026-01-01", "signer": { "kind": "subject" } })).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("invalid_state")),
        "no consent before the form"
    );
    let (s, e) = c.step(path, cm, json!({ "action": "fly" })).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_input"))
    );
}

/// Issue the form (rendered and stored with the transition), then every step to active.
async fn the_form_is_issued_and_walked_to_active(c: &Cast<'_>, path: &str) {
    let a = c.a;
    let cm = &c.cm;
    let centre = &c.centre;
    let pharma = &c.pharma;
    let (s, e) = c
        .step(path, cm, json!({ "action": "issue_form", "version": 7 }))
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("version")),
        "no such version"
    );
    let (s, r) = c
        .step(path, cm, json!({ "action": "issue_form", "version": 1 }))
        .await;
    assert_eq!(
        (s, r["state"].as_str(), r["form_version"].as_i64()),
        (200, Some("form_issued"), Some(1)),
        "{r}"
    );
    let pdf = reqwest::Client::new()
        .get(a.url(&format!("{path}/consent-form.pdf")))
        .bearer_auth(cm)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let (s, _) = a
        .api(
            Method::GET,
            &format!("{path}/consent-form.pdf"),
            pharma,
            None,
        )
        .await;
    assert_eq!(s, 404);

    let (s, e) = c.step(path, cm, json!({ "action": "record_consent", "date": "2999-01-01", "signer": { "kind": "subject" } })).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("date")));
    let walk: [(&str, Value, &str); 7] = [
        (
            cm,
            json!({ "action": "record_consent", "date": "2026-11-20", "signer": { "kind": "proxy", "relationship": "長女" } }),
            "consent_signed",
        ),
        (
            centre,
            json!({ "action": "receive_copy", "channel": "fax" }),
            "copy_received",
        ),
        (
            centre,
            json!({ "action": "return_copy", "reason": "署名欄が読み取れません" }),
            "returned",
        ),
        (
            centre,
            json!({ "action": "receive_copy", "channel": "in_person" }),
            "copy_received",
        ),
        (centre, json!({ "action": "verify" }), "verified"),
        (cm, json!({ "action": "register_team" }), "team_registered"),
        (centre, json!({ "action": "activate" }), "active"),
    ];
    for (t, body, want) in walk {
        let (s, r) = c.step(path, t, body.clone()).await;
        assert_eq!((s, r["state"].as_str()), (200, Some(want)), "{body}: {r}");
    }
    let (s, _) = c.step(path, centre, json!({ "action": "verify" })).await;
    assert_eq!(s, 409);
}

/// The history, in order, with who did what.
async fn the_history_says_who_did_what_in_order(c: &Cast<'_>, path: &str) {
    let a = c.a;
    let city = &c.city;
    let (_, v) = a.api(Method::GET, path, city, None).await;
    assert_eq!(v["enrollment"]["signer"], "proxy");
    assert_eq!(v["enrollment"]["proxy_relationship"], "長女");
    assert_eq!(v["enrollment"]["consent_date"], "2026-11-20");
    let actions: Vec<(&str, &str)> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["action"].as_str().unwrap(),
                h["to_state"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("enrollment.created", "draft"),
            ("enrollment.issue_form", "form_issued"),
            ("enrollment.record_consent", "consent_signed"),
            ("enrollment.receive_copy", "copy_received"),
            ("enrollment.return_copy", "returned"),
            ("enrollment.receive_copy", "copy_received"),
            ("enrollment.verify", "verified"),
            ("enrollment.register_team", "team_registered"),
            ("enrollment.activate", "active"),
        ]
    );
    assert_eq!(v["history"][4]["actor_role"], "centre");
    assert!(v["history"][4]["details"]
        .as_str()
        .unwrap()
        .contains("署名欄"));
}

/// Filtering, then the end of the road: withdrawn is final, and the city only looks.
async fn filters_and_the_end_of_the_road(c: &Cast<'_>, path: &str) {
    let a = c.a;
    let city = &c.city;
    let cm = &c.cm;
    let centre = &c.centre;
    let (_, l) = a
        .api(
            Method::GET,
            "/api/v1/enrollments?state=active",
            centre,
            None,
        )
        .await;
    assert_eq!(l.as_array().unwrap().len(), 1);
    let (s, _) = a
        .api(Method::GET, "/api/v1/enrollments?state=bogus", centre, None)
        .await;
    assert_eq!(s, 422);
    let (s, r) = c
        .step(
            path,
            cm,
            json!({ "action": "withdraw", "reason": "本人の申し出" }),
        )
        .await;
    assert_eq!((s, r["state"].as_str()), (200, Some("withdrawn")));
    let (s, _) = c
        .step(path, city, json!({ "action": "close", "reason": "x" }))
        .await;
    assert_eq!(s, 403, "the city looks, it does not act on enrollments");
    let (s, _) = c
        .step(path, centre, json!({ "action": "close", "reason": "x" }))
        .await;
    assert_eq!(s, 409, "withdrawn is final");
}
