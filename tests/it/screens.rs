//! Screens a clerk trusts, in headless Chromium: a refused step keeps what was typed beside
//! its field, an irreversible step is asked first (and 「やめる」 does nothing), every action
//! leaves a notice that survives its redirect, and full-width typing is read as meant.

use fantoccini::Locator;
use reqwest::Method;
use serde_json::json;

use super::browser::{choose, step, Browser};
use super::forms::city;
use super::helpers::{spawn_app, sql_count, Backend, TestApp};
use super::intake::{printed, state};

/// Whether the page has an element matching `css` now (no waiting).
async fn has(b: &Browser, css: &str) -> bool {
    b.client.find(Locator::Css(css)).await.is_ok()
}

async fn enrollment_url(a: &TestApp, id: i64) -> String {
    a.url(&format!("/enrollments/{}", a.code(id).await))
}

#[tokio::test]
async fn a_refused_step_shows_the_page_again_with_the_input_beside_its_field() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "木村 幸子", 1).await;
    b.login(a, "caremgr").await;
    b.client.goto(&enrollment_url(a, id).await).await.unwrap();
    // 代理人, without 続柄.
    choose(&b, "#signer", "proxy").await;
    step(&b, "record_consent").await;
    let message = b.text("span.field-error[data-field=relationship]").await;
    assert!(message.contains("続柄"), "{message}");
    let signer = b.element("#signer").await.prop("value").await.unwrap();
    assert_eq!(signer.as_deref(), Some("proxy"), "the choice is kept");
    assert!(has(&b, "nav.main").await, "the whole page, menu and all");
    assert_eq!(b.text("span.state").await, "同意書発行済");
    b.shot("step-refused").await;
    // Corrected in place, it goes through.
    b.type_into("#relationship", "長女").await;
    step(&b, "record_consent").await;
    assert_eq!(b.text("span.state").await, "同意取得済");
    drop(b);
    app.finish().await;
}

#[tokio::test]
async fn each_action_leaves_a_notice_on_the_page_it_leads_to_once() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "木村 幸子", 1).await;
    b.login(a, "caremgr").await;
    let url = enrollment_url(a, id).await;
    b.client.goto(&url).await.unwrap();
    step(&b, "record_consent").await;
    assert_eq!(b.text("#notice").await, "同意を記録しました。");
    b.shot("notice").await;
    b.client.goto(&url).await.unwrap();
    b.element("h1").await;
    assert!(
        !has(&b, "#notice").await,
        "shown once, not on the next visit"
    );
    drop(b);
    app.finish().await;
}

#[tokio::test]
async fn a_withdrawal_is_asked_first_and_cancelling_changes_nothing() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "木村 幸子", 1).await;
    let path = format!("/api/v1/enrollments/{}/transitions", a.code(id).await);
    let consent = json!({ "action": "record_consent", "date": "2026-11-20", "signer": { "kind": "subject" } });
    let (s, r) = a.api(Method::POST, &path, &c.cm, Some(consent)).await;
    assert_eq!(s, 200, "{r}");
    b.login(a, "caremgr").await;
    let url = enrollment_url(a, id).await;
    b.client.goto(&url).await.unwrap();
    // The irreversible steps stand apart, below the others, each saying what its reason is for.
    let order = b
        .client
        .execute(
            "return [...document.querySelectorAll('form.step')].map(f => f.id)",
            vec![],
        )
        .await
        .unwrap();
    let order: Vec<String> = serde_json::from_value(order).unwrap();
    assert_eq!(
        order.last().map(String::as_str),
        Some("step-withdraw"),
        "{order:?}"
    );
    assert!(b
        .text("label[for=reason-withdraw]")
        .await
        .contains("撤回の理由"));

    b.type_into("#reason-withdraw", "本人から撤回の申し出")
        .await;
    step(&b, "withdraw").await;
    assert_eq!(
        b.text("#confirm-message").await,
        "木村 幸子さんの登録を撤回します。"
    );
    assert!(b
        .text("#confirm-consequence")
        .await
        .contains("チームでの共有は停止されます"));
    b.shot("confirm-withdraw").await;
    b.click("#cancel").await;
    b.until_url(|u| u == url).await;
    assert_eq!(
        b.text("span.state").await,
        "同意取得済",
        "やめる does nothing"
    );
    assert_eq!(state(a, &c, id).await, "consent_signed");

    b.type_into("#reason-withdraw", "本人から撤回の申し出")
        .await;
    step(&b, "withdraw").await;
    b.click("#confirm").await;
    b.until_url(|u| u == url).await;
    assert_eq!(
        b.text("#notice").await,
        "木村 幸子さんの登録を撤回しました。"
    );
    assert_eq!(b.text("span.state").await, "撤回");
    assert!(
        !has(&b, "#print").await,
        "a withdrawn enrollment is not printed again"
    );
    assert_eq!(state(a, &c, id).await, "withdrawn");
    drop(b);
    app.finish().await;
}

#[tokio::test]
async fn the_application_reads_full_width_typing_and_refuses_a_long_name_with_its_limit() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    b.client.goto(&a.url("/apply")).await.unwrap();
    choose(&b, "#kind", "pharmacy").await;
    let long = "あ".repeat(150);
    b.type_into("#name", &long).await;
    b.type_into("#address", "茨城県ﾋﾀﾁﾅｶ市東石川１－１").await;
    b.type_into("#phone", "０２９（１１１）２２２２").await;
    b.type_into("#fax", "０２９－１１１－２２２３").await;
    b.type_into("#admin_name", "薬局 太郎").await;
    b.type_into("#admin_email", "yakkyoku@").await;
    b.click("button[type=submit]").await;
    // Every refusal at once, each beside its field; the long name kept whole, not cut.
    let name_error = b.text("#name-error").await;
    assert_eq!(
        name_error,
        "事業所名は100文字以内で入力してください（現在150文字）。"
    );
    assert_eq!(
        b.text("#admin_email-error").await,
        "メールアドレスが正しくありません。"
    );
    assert!(b.text("#errors").await.contains("2件"));
    assert!(
        !has(&b, "#phone-error").await,
        "full-width digits and brackets are a phone number"
    );
    let kept = b
        .element("#name")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.chars().count(), 150);
    b.shot("apply-errors").await;

    b.element("#name").await.clear().await.unwrap();
    b.type_into("#name", "ひたちなか中央薬局").await;
    b.type_into("#admin_email", "example.jp").await;
    b.click("button[type=submit]").await;
    b.element("#applied").await;
    let stored = "SELECT COUNT(*) FROM office_applications WHERE phone = '029-111-2222' \
                  AND fax = '029-111-2223' AND address = '茨城県ヒタチナカ市東石川１－１'";
    assert_eq!(
        sql_count(a, stored).await,
        1,
        "normalised once, in the domain"
    );
    drop(b);
    app.finish().await;
}

#[tokio::test]
async fn a_training_is_recorded_with_full_width_digits_and_a_japanese_date() {
    use consentflow::domain::Role;
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    a.user("kanri", Role::OfficeAdmin, Some(c.nursing)).await;
    b.login(a, "kanri").await;
    let page = a.url(&format!("/offices/{}/trainings", c.nursing));
    b.client.goto(&page).await.unwrap();
    b.type_into("#held_on", "令和８年１１月２０日").await;
    b.type_into("#topic", "個人情報の取扱い").await;
    b.type_into("#attendees", "９").await;
    b.click("#record-training button[type=submit]").await;
    assert_eq!(b.text("#notice").await, "研修を記録しました。");
    let row = b.text("#trainings tbody tr").await;
    assert!(
        row.contains("令和8年11月20日（2026年）") && row.contains("9人"),
        "{row}"
    );
    b.shot("training-recorded").await;
    drop(b);
    app.finish().await;
}

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
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "木村 幸子", 2).await;
    b.login(a, "caremgr").await;
    b.client.set_window_size(360, 800).await.unwrap();
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
