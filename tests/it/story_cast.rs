//! The story's first act: the city registers the offices and the people, each person replaces
//! the password someone else chose, and an office administrator adds staff of their own office.

use reqwest::Method;
use serde_json::{json, Value};

use super::helpers::TestApp;

const INITIAL: &str = "initial-pass-2026";

fn office(kind: &str, name: &str, phone: &str) -> Value {
    json!({ "kind": kind, "name": name, "phone": phone, "fax": phone,
            "address": "茨城県ひたちなか市石川町20-32", "admin_email": "office@example.jp" })
}

/// The city registers the offices: a care office, a nursing office, a pharmacy; a second
/// pharmacy with the same name and phone is refused.
pub(super) async fn the_city_registers_offices(a: &TestApp, city: &str) -> (i64, i64, i64) {
    let register = |kind: &'static str, name: &'static str, phone: &'static str| async move {
        a.api(
            Method::POST,
            "/api/v1/offices",
            city,
            Some(office(kind, name, phone)),
        )
        .await
    };
    let (s, care) = register("home_care_support", "柴田介護保険事務所", "029-265-8332").await;
    assert_eq!(s, 201, "{care}");
    let (s, nursing) = register("visiting_nursing", "みなと訪問看護", "029-270-0002").await;
    assert_eq!(s, 201);
    let (s, other) = register("pharmacy", "コヤマ薬局", "029-219-7882").await;
    assert_eq!(s, 201);
    let (s, dup) = register("pharmacy", "コヤマ薬局", "029-219-7882").await;
    assert_eq!(
        (s, dup["error"]["code"].as_str()),
        (409, Some("conflict")),
        "duplicate office: {dup}"
    );
    (
        care["id"].as_i64().unwrap(),
        nursing["id"].as_i64().unwrap(),
        other["id"].as_i64().unwrap(),
    )
}

/// Body of a user created by the API, with a first password chosen by someone else.
fn new_user(login: &str, role: &str, office: Option<i64>) -> Value {
    json!({ "login": login, "name": format!("{login} さん"), "role": role, "office_id": office,
            "password": INITIAL })
}

/// A password chosen by someone else is replaced before the first token.
async fn first_token(a: &TestApp, login: &str) {
    let ask = |body: Value| {
        reqwest::Client::new()
            .post(a.url("/api/v1/auth/token"))
            .json(&body)
            .send()
    };
    let r = ask(json!({ "login": login, "password": INITIAL }))
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "{login}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "password_change_required");
    let r = ask(json!({ "login": login, "password": INITIAL,
                        "new_password": super::helpers::PASSWORD }))
    .await
    .unwrap();
    assert_eq!(r.status(), 201, "{login}");
}

/// The city registers the centre's and the offices' people; each replaces the first password.
pub(super) async fn the_city_registers_people(
    a: &TestApp,
    city: &str,
    (care, nursing, other): (i64, i64, i64),
) {
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
                city,
                Some(new_user(login, role, o)),
            )
            .await;
        assert_eq!(s, 201, "{login}: {u}");
        assert!(
            u.get("password_hash").is_none(),
            "hash never leaves the server"
        );
    }
    for login in ["admin-care", "centre", "nurse", "pharma"] {
        first_token(a, login).await;
    }
}

/// An office administrator creates staff of their own office, and only of it; a login is
/// never given twice.
pub(super) async fn an_office_admin_creates_staff_of_their_own_office(
    a: &TestApp,
    city: &str,
    care: i64,
    other: i64,
) {
    let admin_care = a.token("admin-care").await;
    let (s, _) = a
        .api(
            Method::POST,
            "/api/v1/users",
            &admin_care,
            Some(new_user("caremgr", "staff", Some(care))),
        )
        .await;
    assert_eq!(s, 201);
    first_token(a, "caremgr").await;
    let (s, e) = a
        .api(
            Method::POST,
            "/api/v1/users",
            &admin_care,
            Some(new_user("intruder", "staff", Some(other))),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, e) = a
        .api(
            Method::POST,
            "/api/v1/users",
            city,
            Some(new_user("caremgr", "staff", Some(care))),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("login")),
        "duplicate login: {e}"
    );
}
