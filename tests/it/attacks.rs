//! The outside test's attempts (#17), kept as tests: each failed before its fix.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::domain::{Actor, Role};
use consentflow::service::accounts::{self, create_office, OfficeInput};
use consentflow::service::tokens::{self, TokenIssuer};
use consentflow::store::{auth, devices, users};

use super::helpers::{spawn_app_with, sql_count, Backend, TestApp, PASSWORD};

async fn office(a: &TestApp, name: &str, phone: &str) -> i64 {
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
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
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
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
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

    let app = spawn_app_with(Backend::Sqlite, |c| {
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
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
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
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
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
