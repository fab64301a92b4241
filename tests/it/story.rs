//! The two-backend story: offices, users, an enrollment walked through every step, its history,
//! the printed form, and the refusals on the way. Runs on SQLite and on PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::domain::Role;

use super::helpers::{spawn_app, Backend, TestApp};

const INITIAL: &str = "initial-pass-2026";

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

fn office(kind: &str, name: &str, phone: &str) -> Value {
    json!({ "kind": kind, "name": name, "phone": phone, "fax": phone,
            "address": "茨城県ひたちなか市石川町20-32", "admin_email": "office@example.jp" })
}

fn subject(kana: &str) -> Value {
    json!({ "name": "山田 花子", "kana": kana, "birth_date": "1940-04-01", "sex": "female",
            "address": "茨城県ひたちなか市東石川1-1", "phone": "029-270-1000",
            "insurance_number": "0123456789" })
}

async fn story(app: TestApp) {
    let a = &app;
    a.user("city", Role::CityAdmin, None).await;
    let city = a.token("city").await;

    // The city registers offices and people.
    let (s, care) = a
        .api(
            Method::POST,
            "/api/v1/offices",
            &city,
            Some(office(
                "home_care_support",
                "柴田介護保険事務所",
                "029-265-8332",
            )),
        )
        .await;
    assert_eq!(s, 201, "{care}");
    let (s, nursing) = a
        .api(
            Method::POST,
            "/api/v1/offices",
            &city,
            Some(office("visiting_nursing", "みなと訪問看護", "029-270-0002")),
        )
        .await;
    assert_eq!(s, 201);
    let (s, other) = a
        .api(
            Method::POST,
            "/api/v1/offices",
            &city,
            Some(office("pharmacy", "コヤマ薬局", "029-219-7882")),
        )
        .await;
    assert_eq!(s, 201);
    let (s, dup) = a
        .api(
            Method::POST,
            "/api/v1/offices",
            &city,
            Some(office("pharmacy", "コヤマ薬局", "029-219-7882")),
        )
        .await;
    assert_eq!(
        (s, dup["error"]["code"].as_str()),
        (409, Some("conflict")),
        "duplicate office: {dup}"
    );
    let (care, nursing, other) = (
        care["id"].as_i64().unwrap(),
        nursing["id"].as_i64().unwrap(),
        other["id"].as_i64().unwrap(),
    );

    let mk = |login: &str, role: &str, office: Option<i64>| {
        json!({ "login": login, "name": format!("{login} さん"), "role": role, "office_id": office,
                "password": INITIAL })
    };
    // A password chosen by someone else is replaced before the first token.
    let first_token = |login: &'static str| async move {
        let ask = |body: serde_json::Value| {
            reqwest::Client::new()
                .post(a.url("/api/v1/auth/token"))
                .json(&body)
                .send()
        };
        let r = ask(json!({ "login": login, "password": INITIAL }))
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{login}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "password_change_required");
        let r = ask(json!({ "login": login, "password": INITIAL,
                            "new_password": super::helpers::PASSWORD }))
        .await
        .unwrap();
        assert_eq!(r.status(), 201, "{login}");
    };
    for (login, role, o) in [
        ("admin-care", "office_admin", Some(care)),
        ("centre", "centre", None),
        ("nurse", "staff", Some(nursing)),
        ("pharma", "staff", Some(other)),
    ] {
        let (s, u) = a
            .api(
                Method::POST,
                "/api/v1/users",
                &city,
                Some(mk(login, role, o)),
            )
            .await;
        assert_eq!(s, 201, "{login}: {u}");
        assert!(
            u.get("password_hash").is_none(),
            "hash never leaves the server"
        );
    }
    for login in ["admin-care", "centre", "nurse", "pharma"] {
        first_token(login).await;
    }
    // An office administrator creates staff of their own office, and only of it.
    let admin_care = a.token("admin-care").await;
    let (s, _) = a
        .api(
            Method::POST,
            "/api/v1/users",
            &admin_care,
            Some(mk("caremgr", "staff", Some(care))),
        )
        .await;
    assert_eq!(s, 201);
    first_token("caremgr").await;
    let (s, e) = a
        .api(
            Method::POST,
            "/api/v1/users",
            &admin_care,
            Some(mk("intruder", "staff", Some(other))),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, e) = a
        .api(
            Method::POST,
            "/api/v1/users",
            &city,
            Some(mk("caremgr", "staff", Some(care))),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("login")),
        "duplicate login: {e}"
    );

    let (cm, centre, nurse, pharma) = (
        a.token("caremgr").await,
        a.token("centre").await,
        a.token("nurse").await,
        a.token("pharma").await,
    );

    // Bad input is refused with a field and a Japanese message, and nothing is written.
    let bad = json!({ "subject": subject("山田"), "team": [] });
    let (s, e) = a
        .api(Method::POST, "/api/v1/enrollments", &cm, Some(bad))
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
            &cm,
            Some(json!({ "subject": 5 })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{e}"
    );
    let (_, list) = a.api(Method::GET, "/api/v1/enrollments", &cm, None).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "a refused request writes nothing"
    );
    let (s, _) = a
        .api(Method::GET, "/api/v1/enrollments", "not-a-token", None)
        .await;
    assert_eq!(s, 401);

    // The care manager creates the enrollment (hiragana kana is converted).
    let team = json!([{ "office_id": nursing, "profession": "訪問看護師", "name": "港 看護", "phone": "029-270-0002" }]);
    let (s, en) = a
        .api(
            Method::POST,
            "/api/v1/enrollments",
            &cm,
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
    let tr = format!("{path}/transitions");

    // Who sees it: the obtainer's office, the team's office, the centre; not another office.
    for t in [&cm, &nurse, &centre, &city] {
        let (s, v) = a.api(Method::GET, &path, t, None).await;
        assert_eq!(s, 200);
        assert_eq!(v["subject"]["kana"], "ヤマダ　ハナコ");
    }
    let (s, _) = a.api(Method::GET, &path, &pharma, None).await;
    assert_eq!(s, 404, "another office learns nothing");
    let (_, l) = a
        .api(Method::GET, "/api/v1/enrollments", &nurse, None)
        .await;
    assert_eq!(l.as_array().unwrap().len(), 1);
    let (_, l) = a
        .api(Method::GET, "/api/v1/enrollments", &pharma, None)
        .await;
    assert_eq!(l.as_array().unwrap().len(), 0);

    // Refusals: wrong party, wrong state, bad details.
    let step = |t: &str, body: Value| {
        let (tr, t, a) = (tr.clone(), t.to_string(), a);
        async move { a.api(Method::POST, &tr, &t, Some(body)).await }
    };
    let (s, e) = step(&nurse, json!({ "action": "issue_form" })).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "team member is not the obtainer"
    );
    let (s, e) = step(&cm, json!({ "action": "record_consent", "date": "2026-01-01", "signer": { "kind": "subject" } })).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("invalid_state")),
        "no consent before the form"
    );
    let (s, e) = step(&cm, json!({ "action": "fly" })).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_input"))
    );

    // Issue the form: rendered and stored with the transition.
    let (s, e) = step(&cm, json!({ "action": "issue_form", "version": 7 })).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("version")),
        "no such version"
    );
    let (s, r) = step(&cm, json!({ "action": "issue_form", "version": 1 })).await;
    assert_eq!(
        (s, r["state"].as_str(), r["form_version"].as_i64()),
        (200, Some("form_issued"), Some(1)),
        "{r}"
    );
    let pdf = reqwest::Client::new()
        .get(a.url(&format!("{path}/consent-form.pdf")))
        .bearer_auth(&cm)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let (s, _) = a
        .api(
            Method::GET,
            &format!("{path}/consent-form.pdf"),
            &pharma,
            None,
        )
        .await;
    assert_eq!(s, 404);

    let (s, e) = step(&cm, json!({ "action": "record_consent", "date": "2999-01-01", "signer": { "kind": "subject" } })).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("date")));
    let walk: [(&str, Value, &str); 7] = [
        (
            &cm,
            json!({ "action": "record_consent", "date": "2026-11-20", "signer": { "kind": "proxy", "relationship": "長女" } }),
            "consent_signed",
        ),
        (
            &centre,
            json!({ "action": "receive_copy", "channel": "fax" }),
            "copy_received",
        ),
        (
            &centre,
            json!({ "action": "return_copy", "reason": "署名欄が読み取れません" }),
            "returned",
        ),
        (
            &centre,
            json!({ "action": "receive_copy", "channel": "in_person" }),
            "copy_received",
        ),
        (&centre, json!({ "action": "verify" }), "verified"),
        (&cm, json!({ "action": "register_team" }), "team_registered"),
        (&centre, json!({ "action": "activate" }), "active"),
    ];
    for (t, body, want) in walk {
        let (s, r) = step(t, body.clone()).await;
        assert_eq!((s, r["state"].as_str()), (200, Some(want)), "{body}: {r}");
    }
    let (s, _) = step(&centre, json!({ "action": "verify" })).await;
    assert_eq!(s, 409);

    // The history, in order, with who did what.
    let (_, v) = a.api(Method::GET, &path, &city, None).await;
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

    // Filtering, then the end of the road.
    let (_, l) = a
        .api(
            Method::GET,
            "/api/v1/enrollments?state=active",
            &centre,
            None,
        )
        .await;
    assert_eq!(l.as_array().unwrap().len(), 1);
    let (s, _) = a
        .api(
            Method::GET,
            "/api/v1/enrollments?state=bogus",
            &centre,
            None,
        )
        .await;
    assert_eq!(s, 422);
    let (s, r) = step(
        &cm,
        json!({ "action": "withdraw", "reason": "本人の申し出" }),
    )
    .await;
    assert_eq!((s, r["state"].as_str()), (200, Some("withdrawn")));
    let (s, _) = step(&city, json!({ "action": "close", "reason": "x" })).await;
    assert_eq!(s, 403, "the city looks, it does not act on enrollments");
    let (s, _) = step(&centre, json!({ "action": "close", "reason": "x" })).await;
    assert_eq!(s, 409, "withdrawn is final");

    app.finish().await;
}
