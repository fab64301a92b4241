//! Screens a clerk trusts, continued: what waits for each role on the home page, a care
//! manager's pages on a phone, and an enrollment page on paper.

use reqwest::Method;
use serde_json::json;

use super::browser::Browser;
use super::forms::city;
use super::helpers::{spawn_app, sql_count, Backend, TestApp};
use super::intake::printed;
use super::screens::enrollment_url;

/// The `#todo` entries on the home page: (label, count), in the order shown.
async fn todo_list(b: &Browser, a: &TestApp) -> Vec<(String, String)> {
    b.client.goto(&a.url("/enrollments")).await.unwrap();
    b.element("h1").await;
    let rows = b
        .client
        .execute(
            "return [...document.querySelectorAll('#todo li')].map(li => \
             [li.querySelector('a').textContent, li.querySelector('.count').textContent])",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(rows).unwrap()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(l, n)| (l.to_string(), n.to_string()))
        .collect()
}

#[tokio::test]
async fn each_role_sees_what_waits_for_it_oldest_first() {
    use super::helpers::sql;
    use super::intake::{all_read, blank_page, upload};
    use consentflow::domain::Role;
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let home = sql_count(a, "SELECT office_id FROM users WHERE login = 'caremgr'").await;
    a.user("kanri", Role::OfficeAdmin, Some(home)).await;
    a.user("shinjin", Role::Staff, Some(home)).await;
    sql(
        a,
        "UPDATE users SET must_change_password = TRUE WHERE login = 'shinjin'",
    )
    .await;
    a.user("city", Role::CityAdmin, None).await;
    // The care manager's office: one printed form waiting for consent, one registration not
    // yet printed (and older); one copy brought in, for the centre to verify.
    let (printed_id, _) = printed(a, &c, "木村 幸子", 1).await;
    let draft = json!({
        "subject": { "name": "佐藤 一郎", "kana": "サトウ イチロウ", "birth_date": "1938-02-03", "sex": "male",
                     "address": "茨城県ひたちなか市東石川1-1", "phone": "029-270-1000" }
    });
    let (s, d) = a
        .api(Method::POST, "/api/v1/enrollments", &c.cm, Some(draft))
        .await;
    assert_eq!(s, 201, "{d}");
    sql(
        a,
        &format!(
            "UPDATE enrollments SET updated_at = '2026-10-01T00:00:00Z' WHERE id = {}",
            d["id"]
        ),
    )
    .await;
    let (received, _) = printed(a, &c, "鈴木 キヨ", 1).await;
    let path = format!("/api/v1/enrollments/{}/transitions", a.code(received).await);
    let brought = json!({ "action": "receive_copy", "channel": "in_person" });
    assert_eq!(
        a.api(Method::POST, &path, &c.centre, Some(brought)).await.0,
        200
    );
    // A page nobody's code is on, for the centre; an application, for the city.
    assert_eq!(
        upload(a, &c.centre, &[("scan.png", &blank_page(255))])
            .await
            .status(),
        202
    );
    all_read(a, &c.centre).await;
    let app_input = consentflow::service::registration::ApplicationInput {
        kind: "pharmacy".into(),
        name: "あおぞら薬局".into(),
        address: "茨城県ひたちなか市1-1".into(),
        phone: "029-111-2222".into(),
        fax: "029-111-2223".into(),
        admin_name: "青空 太郎".into(),
        admin_email: "aozora@example.jp".into(),
    };
    consentflow::service::registration::apply(&a.state, &app_input, "todo")
        .await
        .unwrap();
    let _ = printed_id;

    b.login(a, "caremgr").await;
    assert_eq!(
        todo_list(&b, a).await,
        pairs(&[("同意書を印刷する", "1件"), ("同意を得て写しを送る", "1件")]),
        "the oldest first"
    );
    b.shot("home-care-manager").await;
    b.click("#todo li a").await;
    b.until_url(|u| u.ends_with("/enrollments?state=draft"))
        .await;
    assert!(b.text("#enrollments").await.contains("佐藤 一郎"));

    b.login(a, "kanri").await;
    let admin = todo_list(&b, a).await;
    assert!(
        admin.contains(&("初回ログイン前のスタッフ".into(), "1件".into())),
        "{admin:?}"
    );
    b.shot("home-office-admin").await;

    b.login(a, "centre").await;
    let centre = todo_list(&b, a).await;
    assert!(
        centre.contains(&("写しを確認する".into(), "1件".into()))
            && centre.contains(&("未照合のFAXページを照合する".into(), "1件".into())),
        "{centre:?}"
    );
    b.shot("home-centre").await;
    b.client.goto(&a.url("/fax")).await.unwrap();
    assert!(
        b.text("#tab-unreadable").await.contains("未照合"),
        "opens on the tab with work"
    );

    b.login(a, "city").await;
    let city_list = todo_list(&b, a).await;
    assert!(
        city_list.contains(&("事業所の登録申請を審査する".into(), "1件".into())),
        "{city_list:?}"
    );
    b.shot("home-city").await;
    drop(b);
    app.finish().await;
}

/// On a phone (360 px wide): no sideways scrolling, no table cell narrower than 4 characters,
/// text inputs at least 200 px wide. Returns what is wrong.
async fn narrow_problems(b: &Browser) -> Vec<String> {
    let v = b
        .client
        .execute(
            r#"const out = [];
            const doc = document.documentElement;
            if (doc.scrollWidth > window.innerWidth + 1) out.push(`scrolls sideways: ${doc.scrollWidth} > ${window.innerWidth}`);
            for (const c of document.querySelectorAll('td, th')) {
              if (c.offsetParent === null || c.getClientRects().length === 0) continue;
              // Headings moved off screen (the cells carry their labels) are not cells to read.
              if (c.getBoundingClientRect().right <= 0) continue;
              const em = parseFloat(getComputedStyle(c).fontSize);
              const w = c.getBoundingClientRect().width;
              if (w < 4 * em) out.push(`cell ${w.toFixed(0)}px < 4em: ${c.textContent.trim().slice(0, 20)}`);
            }
            for (const i of document.querySelectorAll('input[type=text], select, textarea')) {
              if (i.offsetParent === null) continue;
              const w = i.getBoundingClientRect().width;
              if (w < 200) out.push(`input ${i.id || i.name} ${w.toFixed(0)}px`);
            }
            return out;"#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn a_care_managers_pages_work_360_pixels_wide() {
    let Some(b) = Browser::start_sized(360, 800).await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "木村 幸子", 2).await;
    b.login(a, "caremgr").await;
    let width = b
        .client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    assert!(
        width.as_f64().unwrap() <= 380.0,
        "the window is narrow: {width}"
    );
    for (name, url) in [
        ("list", a.url("/enrollments")),
        ("enrollment", enrollment_url(a, id).await),
        ("new", a.url("/enrollments/new")),
    ] {
        b.client.goto(&url).await.unwrap();
        b.element("h1").await;
        let problems = narrow_problems(&b).await;
        b.shot(&format!("phone-{name}")).await;
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
    drop(b);
    app.finish().await;
}

#[tokio::test]
async fn a_printed_enrollment_page_says_when_and_by_whom_and_leaves_the_steps_out() {
    let Some(b) = Browser::start().await else {
        return;
    };
    if !super::mail::tools(&["pdftotext"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "木村 幸子", 1).await;
    b.login(a, "caremgr").await;
    b.client.goto(&enrollment_url(a, id).await).await.unwrap();
    b.element("#step-record_consent").await;
    let pdf = b
        .client
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("印刷日時") && text.contains("caremgr さん"),
        "{text}"
    );
    assert!(text.contains("木村 幸子"), "{text}");
    assert!(
        !text.contains("次の操作") && !text.contains("同意を記録する"),
        "the steps are left out: {text}"
    );
    drop(b);
    app.finish().await;
}
