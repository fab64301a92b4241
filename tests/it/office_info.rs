//! ④ Office information kept by its administrator (lengths, closed days, the 座標の上書き禁止
//! lock) and ⑤ staff logins: a first password replaced at first sign-in, edited on transfer,
//! disabled on leaving (their session ends), a forgotten password reset. Other offices see
//! nothing of it.

use reqwest::Method;
use serde_json::json;

use consentflow::domain::Role;

use super::forms::city;
use super::helpers::{spawn_app, sql_count, Backend, TestApp, PASSWORD};
use super::pc::Pc;

async fn office_of(a: &TestApp, name: &str) -> i64 {
    sql_count(a, &format!("SELECT id FROM offices WHERE name = '{name}'")).await
}

fn info<'a>(address: &'a str, lat: &'a str, lon: &'a str, locked: bool) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("address", address),
        ("phone", "029-265-8332"),
        ("fax", "029-265-8333"),
        ("latitude", lat),
        ("longitude", lon),
        ("hours", "9:00〜17:00"),
        ("closed_days", "sat"),
        ("closed_days", "sun"),
        ("closed_days", "hol"),
        ("co_located", "柴田ケアプランセンター"),
        ("other_info", "駐車場あり"),
    ];
    if locked {
        f.push(("coords_locked", "true"));
    }
    f
}

async fn coords(a: &TestApp, office: i64) -> i64 {
    sql_count(
        a,
        &format!("SELECT COUNT(*) FROM offices WHERE id = {office} AND latitude IS NOT NULL"),
    )
    .await
}

#[tokio::test]
async fn the_administrator_keeps_the_office_information() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let office = office_of(a, "柴田介護保険事務所").await;
    a.user("shibata-admin", Role::OfficeAdmin, Some(office))
        .await;
    let admin = Pc::new(a);
    admin.login("shibata-admin", PASSWORD).await;
    let (s, _, loc, _) = admin.get("/office").await;
    assert_eq!((s, loc), (303, Some(format!("/offices/{office}"))));
    let page = format!("/offices/{office}");

    // Too long: refused with the field named, what was typed kept.
    let long = "あ".repeat(101);
    let mut f = info("石川町20-32", "36.3917", "140.5289", false);
    f[5] = ("hours", &long);
    f[1] = ("phone", "029");
    let (s, html, _, _) = admin.submit(&page, &page, &f).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("data-field=\"hours\"") && html.contains("柴田ケアプランセンター"),
        "{html}"
    );
    assert!(
        html.contains("id=\"phone-error\""),
        "both refusals at once: {html}"
    );
    let mut f = info("石川町20-32", "36.3917", "140.5289", false);
    f.push(("closed_days", "none"));
    assert_eq!(
        admin.submit(&page, &page, &f).await.0,
        422,
        "なし with days"
    );

    // Saved; the page it leads back to says so once, and shows the boxes ticked.
    let saved = admin
        .submit(
            &page,
            &page,
            &info("石川町20-32", "36.3917", "140.5289", false),
        )
        .await;
    assert_eq!(saved.0, 303, "{}", saved.1);
    let (s, html, _, _) = admin.follow(saved).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("保存しました"));
    assert!(
        !admin.get(&page).await.1.contains("保存しました"),
        "the notice is shown once"
    );
    assert!(
        html.contains("id=\"closed-sat\" name=\"closed_days\" value=\"sat\" checked"),
        "{html}"
    );
    let saved = format!(
        "SELECT COUNT(*) FROM offices WHERE id = {office} AND closed_days = 'sat,sun,hol'
         AND hours = '9:00〜17:00' AND co_located = '柴田ケアプランセンター' AND latitude > 36.39"
    );
    assert_eq!(sql_count(a, &saved).await, 1);

    // The address moves, the point does not follow (no lock): it is cleared, and the page says so.
    let moved = admin
        .submit(
            &page,
            &page,
            &info("磯崎町4195", "36.3917", "140.5289", false),
        )
        .await;
    let (_, html, _, _) = admin.follow(moved).await;
    assert!(html.contains("座標）を消しました"), "{html}");
    assert_eq!(coords(a, office).await, 0);
    // Put back by hand and locked: a later address change keeps it.
    admin
        .submit(&page, &page, &info("磯崎町4195", "36.4", "140.6", true))
        .await;
    let kept = admin
        .submit(&page, &page, &info("磯崎町4196", "36.4", "140.6", true))
        .await;
    let (_, html, _, _) = admin.follow(kept).await;
    assert!(!html.contains("消しました"), "{html}");
    assert_eq!(coords(a, office).await, 1);

    // Staff of the office read it; nobody else's office sees it; only the administrator edits.
    let cm = Pc::new(a);
    cm.login("caremgr", PASSWORD).await;
    let (s, html, _, _) = cm.get(&page).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("磯崎町4196") && !html.contains(">保存する<"),
        "read-only"
    );
    let csrf = super::helpers::csrf_of(&html);
    let mut f = info("乗っ取り", "", "", false);
    f.push(("csrf", &csrf));
    assert_eq!(cm.post(&page, &f).await.0, 403);
    let nurse = Pc::new(a);
    nurse.login("nurse", PASSWORD).await;
    assert_eq!(nurse.get(&page).await.0, 404);

    // The API: the city may, another office's user finds nothing.
    // A PUT replaces everything: the point and its lock are sent as they are.
    let body = json!({ "address": "磯崎町4197", "phone": "029-265-8332", "fax": "029-265-8333",
        "latitude": 36.4, "longitude": 140.6, "coords_locked": true,
        "closed_days": ["sun"], "hours": "終日" });
    let path = format!("/api/v1/offices/{office}");
    assert_eq!(
        a.api(Method::PUT, &path, &c.nurse, Some(body.clone()))
            .await
            .0,
        404
    );
    a.user("city", Role::CityAdmin, None).await;
    let (s, v) = a
        .api(Method::PUT, &path, &a.token("city").await, Some(body))
        .await;
    assert_eq!((s, v["closed_days"].as_str()), (200, Some("sun")), "{v}");
    assert_eq!(v["latitude"].as_f64(), Some(36.4), "still locked: {v}");
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'office.updated'";
    assert_eq!(sql_count(a, audited).await, 5);
    app.finish().await;
}

#[tokio::test]
async fn the_administrator_manages_staff_logins() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    city(a).await;
    let office = office_of(a, "柴田介護保険事務所").await;
    a.user("shibata-admin", Role::OfficeAdmin, Some(office))
        .await;
    let admin = Pc::new(a);
    admin.login("shibata-admin", PASSWORD).await;
    let staff = format!("/offices/{office}/staff");

    // Bad and duplicate login ids are refused with the field named.
    let new = |login: &'static str| {
        vec![
            ("login", login),
            ("name", "看護 一郎"),
            ("email", ""),
            ("role", "staff"),
            ("password", "shoki-pass-01"),
        ]
    };
    // Everything wrong at once: every refusal beside its field, in one answer.
    let all_wrong = [
        ("login", "あいう"),
        ("name", ""),
        ("email", "ichiro@"),
        ("role", "staff"),
        ("password", ""),
    ];
    let (s, html, _, _) = admin.submit(&staff, &staff, &all_wrong).await;
    assert_eq!(s, 422);
    for field in ["login", "name", "email", "password"] {
        assert!(
            html.contains(&format!("class=\"field-error\" id=\"{field}-error\"")),
            "{field}: {html}"
        );
    }
    let (s, html, _, _) = admin.submit(&staff, &staff, &new("あいう")).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("data-field=\"login\"") && html.contains("看護 一郎"),
        "{html}"
    );
    assert_eq!(admin.submit(&staff, &staff, &new("caremgr")).await.0, 422);
    let made = admin.submit(&staff, &staff, &new("kango-ichiro")).await;
    assert_eq!(made.0, 303, "{}", made.1);
    let (_, html, _, _) = admin.follow(made).await;
    assert!(html.contains("kango-ichiro") && html.contains("初回ログイン前"));
    assert!(html.contains("ID「kango-ichiro」を作成しました"), "{html}");
    let uid = sql_count(a, "SELECT id FROM users WHERE login = 'kango-ichiro'").await;

    // First sign-in: nothing but the password page until the first password is replaced.
    let pc = Pc::new(a);
    let (s, _, loc, _) = pc.login("kango-ichiro", "shoki-pass-01").await;
    assert_eq!((s, loc.as_deref()), (303, Some("/password")));
    assert_eq!(pc.get("/enrollments").await.2.as_deref(), Some("/password"));
    let (_, html, _, _) = pc.get("/password").await;
    assert!(html.contains("初回ログインです"));
    let change = |cur: &'static str, new: &'static str| {
        vec![("current", cur), ("new_password", new), ("confirm", new)]
    };
    let (s, html, _, _) = pc
        .submit(
            "/password",
            "/password",
            &change("wrong-pass-00", "jibun-no-pass-1"),
        )
        .await;
    assert_eq!(s, 422);
    assert!(html.contains("現在のパスワードが正しくありません"));
    // Everything wrong at once: said together, and nothing changed.
    let all_wrong = [
        ("current", "wrong-pass-00"),
        ("new_password", "short"),
        ("confirm", "other"),
    ];
    let (s, html, _, _) = pc.submit("/password", "/password", &all_wrong).await;
    assert_eq!(s, 422);
    for field in ["current", "new_password", "confirm"] {
        assert!(
            html.contains(&format!("class=\"field-error\" id=\"{field}-error\"")),
            "{field}: {html}"
        );
    }
    assert_eq!(
        pc.submit(
            "/password",
            "/password",
            &change("shoki-pass-01", "shoki-pass-01")
        )
        .await
        .0,
        422
    );
    let (s, _, loc, _) = pc
        .submit(
            "/password",
            "/password",
            &change("shoki-pass-01", "jibun-no-pass-1"),
        )
        .await;
    assert_eq!((s, loc.as_deref()), (303, Some("/enrollments")));
    assert_eq!(pc.get("/enrollments").await.0, 200);

    // Transfer: name and role edited; the administrator may not change their own role.
    let edit = format!("{staff}/{uid}");
    let f = [
        ("name", "看護 一郎（管理）"),
        ("email", "ichiro@example.jp"),
        ("role", "office_admin"),
    ];
    assert_eq!(admin.submit(&edit, &edit, &f).await.0, 303);
    let promoted = "SELECT COUNT(*) FROM users WHERE login = 'kango-ichiro' AND role = 'office_admin' AND email = 'ichiro@example.jp'";
    assert_eq!(sql_count(a, promoted).await, 1);
    let me = sql_count(a, "SELECT id FROM users WHERE login = 'shibata-admin'").await;
    let mine = format!("{staff}/{me}");
    let (s, html, _, _) = admin
        .submit(
            &mine,
            &mine,
            &[("name", "管理 者"), ("email", ""), ("role", "staff")],
        )
        .await;
    assert_eq!(s, 409);
    assert!(html.contains("ご自身の権限は変更できません"), "{html}");

    // Leaving: asked first (naming the person), then disabled; the open session ends,
    // signing in says why; enabled again, it works.
    let (s, html, _, _) = admin.submit(&staff, &format!("{edit}/disable"), &[]).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("看護 一郎（管理）さん（kango-ichiro）を無効にします"),
        "{html}"
    );
    assert_eq!(pc.get("/enrollments").await.0, 200, "not yet");
    assert_eq!(
        admin
            .submit(&staff, &format!("{edit}/disable"), &[("confirmed", "1")])
            .await
            .0,
        303
    );
    assert_eq!(pc.get("/enrollments").await.0, 303);
    let (s, html, _, _) = pc.login("kango-ichiro", "jibun-no-pass-1").await;
    assert_eq!(s, 403);
    assert!(html.contains("無効になっています"), "{html}");
    let (_, html, _, _) = admin.get(&staff).await;
    assert!(html.contains("無効（退職・異動）"));
    let (_, html, _, _) = admin.get("/enrollments/new").await;
    assert!(
        !html.contains("看護 一郎"),
        "a leaver is not offered on forms"
    );
    assert_eq!(
        admin.submit(&staff, &format!("{edit}/enable"), &[]).await.0,
        303
    );
    assert_eq!(
        pc.login("kango-ichiro", "jibun-no-pass-1")
            .await
            .2
            .as_deref(),
        Some("/enrollments")
    );

    // Forgotten password: a new first one, to be replaced again.
    let f = [("password", "atarashii-01")];
    assert_eq!(
        admin.submit(&edit, &format!("{edit}/password"), &f).await.0,
        303
    );
    assert_eq!(
        pc.login("kango-ichiro", "atarashii-01").await.2.as_deref(),
        Some("/password")
    );

    // Nobody else manages these logins: another office's administrator, or plain staff.
    let nursing = office_of(a, "みなと訪問看護").await;
    a.user("minato-admin", Role::OfficeAdmin, Some(nursing))
        .await;
    let other = Pc::new(a);
    other.login("minato-admin", PASSWORD).await;
    assert_eq!(other.get(&staff).await.0, 404);
    assert_eq!(other.get(&edit).await.0, 404);
    let cm = Pc::new(a);
    cm.login("caremgr", PASSWORD).await;
    assert_eq!(cm.get(&staff).await.0, 404);
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action IN ('user.created', 'user.updated',
        'user.disabled', 'user.enabled', 'user.password_reset', 'user.password_changed') AND target_id = ";
    assert_eq!(sql_count(a, &format!("{audited}{uid}")).await, 6);
    app.finish().await;
}
