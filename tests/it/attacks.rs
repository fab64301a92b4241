//! The outside test's attempts on accounts (#17), kept as tests: the device rule over the API,
//! concurrent guesses, tokens and sessions ended by a password change. Each failed before its fix.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::domain::{Actor, Role};
use consentflow::service::accounts::{self, create_office, OfficeInput};
use consentflow::service::tokens::{self, TokenIssuer};
use consentflow::store::{auth, devices, users};

use super::helpers::{spawn_app_with, sql_count, Backend, TestApp, PASSWORD};

pub async fn office(a: &TestApp, name: &str, phone: &str) -> i64 {
    let input = OfficeInput {
        kind: "home_care_support".into(),
        name: name.into(),
        phone: phone.into(),
        fax: phone.into(),
        address: "茨城県ひたちなか市東石川1-1".into(),
        admin_email: "o@example.jp".into(),
    };
    create_office(&a.store, &Actor::System, &input)
        .await
        .unwrap()
        .id
}

/// An enrolled PC of `office`: its device token, as the `cf_device` cookie holds it.
async fn enrolled_pc(a: &TestApp, office: i64, label: &str) -> (i64, String) {
    let (token, hash) = auth::new_token();
    let mut c = a.store.acquire().await.unwrap();
    let id = devices::insert_device(c.conn(), office, label, &hash)
        .await
        .unwrap();
    (id, token)
}

/// `POST /api/v1/auth/token` from a PC carrying `device` (if any): (status, body).
async fn ask_token(a: &TestApp, login: &str, device: Option<&str>) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .post(a.url("/api/v1/auth/token"))
        .json(&json!({ "login": login, "password": PASSWORD }));
    if let Some(d) = device {
        r = r.header("cookie", format!("cf_device={d}"));
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn list(a: &TestApp, token: &str) -> (u16, Option<String>) {
    let (s, v) = a.api(Method::GET, "/api/v1/enrollments", token, None).await;
    (s, v["error"]["code"].as_str().map(str::to_string))
}

/// #17 (1): with `offices.require_device`, the API keeps the rule the web sign-in keeps.
async fn api_tokens_keep_the_device_rule(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| c.offices.require_device = true).await else {
        return;
    };
    let a = &app;
    let ours = office(a, "柴田介護保険事務所", "029-265-8332").await;
    let theirs = office(a, "みなと訪問看護", "029-270-0002").await;
    let cm = a.user("caremgr", Role::Staff, Some(ours)).await;
    a.user("centre", Role::Centre, None).await;

    // No PC: refused with a code, as the web refuses the sign-in. The centre needs none.
    let (s, v) = ask_token(a, "caremgr", None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("device_required"))
    );
    assert_eq!(ask_token(a, "centre", None).await.0, 201);

    // Another office's PC: refused. One's own: a token that reads.
    let (_, other_pc) = enrolled_pc(a, theirs, "他の事業所のパソコン").await;
    assert_eq!(ask_token(a, "caremgr", Some(&other_pc)).await.0, 403);
    let (pc, own_pc) = enrolled_pc(a, ours, "受付のパソコン").await;
    let (s, v) = ask_token(a, "caremgr", Some(&own_pc)).await;
    assert_eq!(s, 201, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    assert_eq!(list(a, &token).await.0, 200);

    // Revoking the PC ends the tokens issued from it, as it ends its sessions.
    let mut c = a.store.acquire().await.unwrap();
    assert!(devices::revoke(c.conn(), pc, None).await.unwrap());
    drop(c);
    assert_eq!(list(a, &token).await.0, 401);

    // A token without a PC (made before the rule was turned on) no longer serves an office user.
    let mut c = a.store.acquire().await.unwrap();
    let user = users::get(c.conn(), cm).await.unwrap().unwrap();
    drop(c);
    let issuer = TokenIssuer::User { device_id: None };
    let old = tokens::create_token(&a.store, &user, "old", issuer)
        .await
        .unwrap();
    assert_eq!(list(a, &old).await, (403, Some("device_required".into())));

    // An operator's token (`consentflow token create`) is the operator's act: it serves, and
    // the audit log records who made each token.
    let op = tokens::create_token(&a.store, &user, "cli", TokenIssuer::Operator)
        .await
        .unwrap();
    assert_eq!(list(a, &op).await.0, 200);
    let by_operator = "SELECT COUNT(*) FROM audit_log
        WHERE action = 'api_token.created' AND actor_user_id IS NULL";
    assert_eq!(sql_count(a, by_operator).await, 1);
    let by_users = "SELECT COUNT(*) FROM audit_log
        WHERE action = 'api_token.created' AND actor_user_id IS NOT NULL";
    assert_eq!(sql_count(a, by_users).await, 3);
    app.finish().await;
}

#[tokio::test]
async fn api_tokens_keep_the_device_rule_on_sqlite() {
    api_tokens_keep_the_device_rule(Backend::Sqlite).await;
}

#[tokio::test]
async fn api_tokens_keep_the_device_rule_on_postgres() {
    api_tokens_keep_the_device_rule(Backend::Postgres).await;
}

/// #17 (2): fifty wrong passwords for one login at once, from fifty addresses: five are
/// checked and refused, the other forty-five held back, as fifty in a row would be.
async fn concurrent_guesses_meet_the_limit(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |_| {}).await else {
        return;
    };
    let a = &app;
    let ours = office(a, "柴田介護保険事務所", "029-265-8332").await;
    a.user("caremgr", Role::Staff, Some(ours)).await;
    let guesses = (0..50).map(|i| async move {
        reqwest::Client::new()
            .post(a.url("/api/v1/auth/token"))
            .header("x-forwarded-for", format!("203.0.113.{}", i + 1))
            .json(&json!({ "login": "caremgr", "password": format!("guess-{i}") }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    let answers = futures::future::join_all(guesses).await;
    let count = |s: u16| answers.iter().filter(|&&x| x == s).count();
    assert_eq!((count(401), count(429)), (5, 45), "{answers:?}");
    // Held back now, even with the right password.
    assert_eq!(ask_token(a, "caremgr", None).await.0, 429);
    app.finish().await;
}

#[tokio::test]
async fn concurrent_guesses_meet_the_limit_on_sqlite() {
    concurrent_guesses_meet_the_limit(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_guesses_meet_the_limit_on_postgres() {
    concurrent_guesses_meet_the_limit(Backend::Postgres).await;
}

/// #17 (2): thirty wrong passwords for one certificate voucher at once: five are checked, and
/// the voucher is locked for the rest (and for the right password after them).
async fn concurrent_voucher_guesses_meet_the_lock(backend: Backend) {
    use consentflow::domain::voucher::{RetrievalNo, VoucherPassword};
    use consentflow::service::devices::{redeem, Redeem};
    let Some(app) = spawn_app_with(backend, |_| {}).await else {
        return;
    };
    let a = &app;
    let ours = office(a, "柴田介護保険事務所", "029-265-8332").await;
    let (number, password) = (RetrievalNo::generate(), VoucherPassword::generate());
    let hash = accounts::hash_password(password.expose().to_string())
        .await
        .unwrap();
    let mut c = a.store.acquire().await.unwrap();
    let voucher = devices::NewVoucher {
        office_id: ours,
        kind: "additional",
        request_id: None,
        number_hash: &number.hash(),
        password_hash: &hash,
        expires_at: chrono::Utc::now() + chrono::Duration::days(14),
    };
    devices::insert_voucher(c.conn(), &voucher).await.unwrap();
    drop(c);
    let attempt = |pw: String| Redeem {
        number: number.display(),
        password: pw,
        label: "受付のパソコン".into(),
        ..Redeem::default()
    };
    let guesses = (0..30).map(|i| {
        let r = attempt(format!("guess-{i}"));
        async move {
            redeem(&a.state, &r)
                .await
                .err()
                .map(|e| e.status().as_u16())
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let count = |s: u16| answers.iter().filter(|&&x| x == Some(s)).count();
    assert_eq!((count(422), count(409)), (5, 25), "{answers:?}");
    let right = redeem(&a.state, &attempt(password.expose().to_string())).await;
    assert_eq!(right.err().map(|e| e.status().as_u16()), Some(409));
    app.finish().await;
}

#[tokio::test]
async fn concurrent_voucher_guesses_meet_the_lock_on_sqlite() {
    concurrent_voucher_guesses_meet_the_lock(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_voucher_guesses_meet_the_lock_on_postgres() {
    concurrent_voucher_guesses_meet_the_lock(Backend::Postgres).await;
}

/// #17 (3): a password change ends the user's other sessions and every API token; a token can
/// be listed and revoked (one's own only); a suspension's end brings none of it back.
async fn a_password_change_ends_everything_else(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |_| {}).await else {
        return;
    };
    let a = &app;
    let ours = office(a, "柴田介護保険事務所", "029-265-8332").await;
    let cm = a.user("caremgr", Role::Staff, Some(ours)).await;
    a.user("nurse", Role::Staff, Some(ours)).await;
    a.user("city", Role::CityAdmin, None).await;
    let (token, other_pc, this_pc) = (
        a.token("caremgr").await,
        super::pc::Pc::new(a),
        super::pc::Pc::new(a),
    );
    let nurse = a.token("nurse").await;
    assert_eq!(other_pc.login("caremgr", PASSWORD).await.0, 303);
    assert_eq!(this_pc.login("caremgr", PASSWORD).await.0, 303);

    // Listed on the account page and by the API; someone else cannot revoke it.
    let (s, html, _, _) = this_pc.get("/account").await;
    assert!(
        s == 200 && html.contains("この画面") && html.contains("終了する"),
        "{html}"
    );
    let (_, mine) = a.api(Method::GET, "/api/v1/tokens", &token, None).await;
    let id = mine[0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/tokens/{id}");
    assert_eq!(a.api(Method::DELETE, &path, &nurse, None).await.0, 404);

    // The password changes on this PC: the other PC and the token are out, this PC stays.
    let new = "another-long-password";
    let form = [
        ("current", PASSWORD),
        ("new_password", new),
        ("confirm", new),
    ];
    assert_eq!(this_pc.submit("/password", "/password", &form).await.0, 303);
    assert_eq!(list(a, &token).await.0, 401);
    assert_eq!(other_pc.get("/enrollments").await.0, 303, "signed out");
    assert_eq!(this_pc.get("/enrollments").await.0, 200);

    // A new token, revoked by its holder: it stops at once.
    let fresh = a.token_with("caremgr", new).await;
    let (_, mine) = a.api(Method::GET, "/api/v1/tokens", &fresh, None).await;
    let path = format!("/api/v1/tokens/{}", mine[0]["id"]);
    assert_eq!(a.api(Method::DELETE, &path, &fresh, None).await.0, 204);
    assert_eq!(list(a, &fresh).await.0, 401);

    // Suspended and reinstated: the token made before is gone for good.
    let before = a.token_with("caremgr", new).await;
    let city = a.token("city").await;
    let suspension = format!("/api/v1/users/{cm}/suspension");
    let reason = Some(json!({ "reason": "PCの紛失のため" }));
    assert_eq!(a.api(Method::POST, &suspension, &city, reason).await.0, 204);
    assert_eq!(a.api(Method::DELETE, &suspension, &city, None).await.0, 204);
    assert_eq!(list(a, &before).await.0, 401);
    app.finish().await;
}

#[tokio::test]
async fn a_password_change_ends_everything_else_on_sqlite() {
    a_password_change_ends_everything_else(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_password_change_ends_everything_else_on_postgres() {
    a_password_change_ends_everything_else(Backend::Postgres).await;
}
