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
pub async fn has(b: &Browser, css: &str) -> bool {
    b.client.find(Locator::Css(css)).await.is_ok()
}

pub async fn enrollment_url(a: &TestApp, id: i64) -> String {
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
