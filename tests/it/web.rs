//! The pages people use: sign-in and its refusals, sessions, CSRF, the first-run link, the demo
//! city, health, metrics and headers.

use consentflow::domain::Role;
use consentflow::service::accounts;
use consentflow::store::users;

use super::helpers::{
    csrf_of, get, login, post, spawn_app, spawn_app_with, Backend, TestApp, PASSWORD,
};

#[tokio::test]
async fn sign_in_refusals_each_have_their_own_message() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let id = {
        let o = office(&app).await;
        app.user("caremgr", Role::Staff, Some(o)).await
    };

    let (s, page, _) = login(&app, "caremgr", "wrong-password").await;
    assert_eq!(s, 401);
    assert!(page.contains("ログインIDまたはパスワードが正しくありません。"));
    let (s, page, _) = login(&app, "nobody", PASSWORD).await;
    assert_eq!(s, 401);
    assert!(page.contains("ログインIDまたはパスワードが正しくありません。"));

    let (s, page, _) = post(
        &app,
        "/login",
        &[("login", "caremgr"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(s, 403, "no CSRF token");
    assert!(page.contains("画面の有効期限が切れたため"));
    let (s, _, _) = post(
        &app,
        "/login",
        &[
            ("login", "caremgr"),
            ("password", PASSWORD),
            ("csrf", "forged"),
        ],
    )
    .await;
    assert_eq!(s, 403, "forged CSRF token");

    let mut c = app.store.acquire().await.unwrap();
    users::set_suspended(c.conn(), id, true).await.unwrap();
    drop(c);
    let (s, page, _) = login(&app, "caremgr", PASSWORD).await;
    assert_eq!(s, 403);
    assert!(page.contains("利用停止中"));
    app.finish().await;
}

async fn office(app: &TestApp) -> i64 {
    use consentflow::domain::Actor;
    use consentflow::service::accounts::OfficeInput;
    let input = OfficeInput {
        kind: "home_care_support".into(),
        name: "柴田介護保険事務所".into(),
        phone: "029-265-8332".into(),
        fax: "029-265-8333".into(),
        address: "茨城県ひたちなか市磯崎町4195".into(),
        admin_email: "office@example.jp".into(),
    };
    accounts::create_office(&app.store, &Actor::System, &input)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn sign_in_list_and_sign_out() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let o = office(&app).await;
    app.user("caremgr", Role::Staff, Some(o)).await;

    let (s, _, loc) = get(&app, "/enrollments").await;
    assert_eq!((s, loc.as_deref()), (303, Some("/login?reason=required")));
    let (s, _, loc) = login(&app, "caremgr", PASSWORD).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/enrollments")));
    let (s, page, _) = get(&app, "/enrollments").await;
    assert_eq!(s, 200);
    assert!(page.contains("支援対象者の登録一覧"));
    assert!(page.contains("caremgr さん"));

    let (s, _, _) = post(&app, "/logout", &[("csrf", "wrong")]).await;
    assert_eq!(s, 403, "logout needs the session's CSRF token");
    let (s, _, loc) = post(&app, "/logout", &[("csrf", &csrf_of(&page))]).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/login?reason=logout")));
    let (s, _, _) = get(&app, "/enrollments").await;
    assert_eq!(s, 303, "signed out");
    app.finish().await;
}

#[tokio::test]
async fn an_expired_session_says_so() {
    let app = spawn_app_with(Backend::chosen(), |c| c.session_hours = 0)
        .await
        .unwrap();
    let o = office(&app).await;
    app.user("caremgr", Role::Staff, Some(o)).await;
    let (s, _, _) = login(&app, "caremgr", PASSWORD).await;
    assert_eq!(s, 303);
    let (s, _, loc) = get(&app, "/enrollments").await;
    assert_eq!((s, loc.as_deref()), (303, Some("/login?reason=expired")));
    let (_, page, _) = get(&app, "/login?reason=expired").await;
    assert!(page.contains("ログインの有効期限が切れました"));
    app.finish().await;
}

#[tokio::test]
async fn first_run_link_sets_the_administrators_password_once() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let path = accounts::bootstrap(&app.store)
        .await
        .unwrap()
        .expect("empty database");
    assert!(
        accounts::bootstrap(&app.store).await.unwrap().is_none(),
        "only once"
    );

    let (s, page, _) = get(&app, &path).await;
    assert_eq!(s, 200);
    assert!(page.contains("admin"));
    let (s, page, _) = post(
        &app,
        &path,
        &[("password", "long-enough-1"), ("confirm", "different-1")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("一致しません"));
    let (s, page, _) = post(&app, &path, &[("password", "short"), ("confirm", "short")]).await;
    assert_eq!(s, 422);
    assert!(page.contains("10文字以上"));
    let (s, _, loc) = post(
        &app,
        &path,
        &[("password", "long-enough-1"), ("confirm", "long-enough-1")],
    )
    .await;
    assert_eq!((s, loc.as_deref()), (303, Some("/enrollments")));
    let (s, page, _) = get(&app, "/enrollments").await;
    assert_eq!(s, 200);
    assert!(page.contains("市担当者"));

    let (s, page, _) = get(&app, &path).await;
    assert_eq!(s, 409, "the link works once");
    assert!(page.contains("使用済み"));
    let fresh = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = fresh
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = fresh
        .post(app.url("/login"))
        .form(&[
            ("login", "admin"),
            ("password", "long-enough-1"),
            ("csrf", &csrf_of(&page)),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.text().await.unwrap().contains("支援対象者の登録一覧"),
        "the new password works"
    );
    app.finish().await;
}

#[tokio::test]
async fn demo_city_has_every_state_and_is_loaded_once() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    assert!(consentflow::demo::load(&app.state).await.unwrap());
    assert!(!consentflow::demo::load(&app.state).await.unwrap());
    let centre = app.token_with("centre", consentflow::demo::PASSWORD).await;
    let (_, list) = app
        .api(reqwest::Method::GET, "/api/v1/enrollments", &centre, None)
        .await;
    let mut states: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    states.sort();
    let mut all: Vec<&str> = consentflow::domain::enrollment::State::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    all.sort();
    assert_eq!(states, all);

    let (s, _, _) = login(&app, "caremgr", consentflow::demo::PASSWORD).await;
    assert_eq!(s, 303);
    let (_, page, _) = get(&app, "/enrollments").await;
    assert!(
        page.contains("山田 花子") && page.contains("同意書発行済"),
        "{page}"
    );
    let id = list[0]["id"].as_i64().unwrap();
    let code = list[0]["code"].as_str().unwrap();
    let (s, page, _) = get(&app, &format!("/enrollments/{code}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("経過") && page.contains("登録（事前確認）"));
    // Row ids are not addresses: counting through them finds nothing.
    let (s, page, _) = get(&app, &format!("/enrollments/{id}")).await;
    assert_eq!(s, 404);
    assert!(page.contains("見つかりません"));
    let (s, _, _) = get(&app, "/enrollments/0000000").await;
    assert_eq!(s, 404);
    app.finish().await;
}

#[tokio::test]
async fn health_metrics_and_headers() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    let backend = app.store.backend();
    assert!(r
        .text()
        .await
        .unwrap()
        .starts_with(&format!("ok {backend}\n")));
    // Each job worker of the process is listed, up.
    let workers = super::helpers::eventually(10, || async {
        let body = get(&app, "/healthz").await.1;
        (body.contains("worker mail: up") && body.contains("worker intake: up")).then_some(body)
    })
    .await;
    assert!(workers.is_some(), "the workers are listed on /healthz");
    let _ = get(&app, "/login").await;
    let (s, m, _) = get(&app, "/metrics").await;
    assert_eq!(s, 200);
    assert!(m.contains("consentflow_http_requests_total"), "{m}");
    assert!(m.contains("route=\"/login\""));
    let (_, page, _) = get(&app, "/login").await;
    let r = app.client.get(app.url("/login")).send().await.unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(page.contains("lang=\"ja\""));
    let (s, body) = app
        .api(reqwest::Method::GET, "/api/v1/openapi.json", "", None)
        .await;
    assert_eq!(s, 200);
    for p in [
        "/api/v1/enrollments",
        "/api/v1/enrollments/{code}",
        "/api/v1/enrollments/{code}/transitions",
    ] {
        assert!(body["paths"].get(p).is_some(), "{p} documented");
    }
    app.finish().await;
}
