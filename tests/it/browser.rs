//! Browser tests: Debian's Chromium, headless, driven through chromedriver (WebDriver) with
//! fantoccini (the harness: `browser_harness`). Screenshots of the key pages go to
//! `target/screenshots/`. Without chromium and chromedriver the tests skip with a notice;
//! `CONSENTFLOW_REQUIRE_TOOLS=1` (CI) fails them instead.

use serde_json::json;

pub use super::browser_harness::{choose, step, Browser};
use super::forms::city;
use super::helpers::{eventually, spawn_app, Backend, TestApp};
use super::intake::{all_read, blank_page, printed, state, upload};
use super::mail::fax_of;

#[tokio::test]
async fn centre_uploads_a_fax_and_assigns_an_unreadable_page_by_hand() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.png");
    std::fs::write(&scan, blank_page(255)).unwrap();

    b.login(a, "centre").await;
    let w = &b.client;
    w.goto(&a.url("/fax/upload")).await.unwrap();
    b.type_into("#files", scan.to_str().unwrap()).await;
    assert_eq!(
        b.text("#chosen").await,
        "scan.png",
        "the chosen file is listed"
    );
    b.shot("upload").await;
    b.click("#upload").await;
    assert!(b
        .text("p.notice")
        .await
        .contains("1 件のファイルを受け付けました"));
    all_read(a, &c.centre).await;
    // The recent messages say how each came in, and each leads to its message.
    w.goto(&a.url("/fax/upload")).await.unwrap();
    let recent = b.text("table tbody tr").await;
    assert!(recent.contains("画面から取り込み"), "{recent}");
    b.element("a.message-link").await;

    w.goto(&a.url("/fax")).await.unwrap();
    assert_eq!(b.text("#tab-unreadable").await, "未照合（1）");
    b.shot("inbox").await;
    b.click("a.page-link").await;
    b.type_into("#q", "山田").await;
    b.click("form[method=get] button").await;
    // The search reloads the page with `?q=`: wait for it before reading.
    b.until_url(|u| u.contains("?q=")).await;
    b.element("button.assign").await;
    assert!(w.source().await.unwrap().contains("山田 花子"));
    // A candidate shows who it is: the birth date and the obtainer's office.
    assert_eq!(b.text("td.born").await, "昭和15年4月1日（1940年）");
    b.shot("page-candidates").await;
    b.click("button.assign").await;
    b.element("#enrollment").await;
    assert_eq!(b.text("#outcome").await, "照合済");
    assert_eq!(b.text("#notice").await, "ページを割り当てました。");
    // Nothing else waits, and the page says so (else the next one would be one click away).
    b.element("#no-next").await;
    b.shot("page-assigned").await;
    assert_eq!(state(a, &c, id).await, "copy_received");
    drop(b);
    app.finish().await;
}

/// The whole path of the issue, in the browser: the care manager creates and prints, records
/// consent; the FAXed copy comes in and is matched; the centre verifies; the care manager
/// registers the team; the centre activates, and the team is e-mailed.
#[tokio::test]
async fn an_enrollment_from_first_form_to_activation() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let w = &b.client;

    // 1. The care manager: 事前確認, print, consent.
    b.login(a, "caremgr").await;
    b.shot("path-1-list").await;
    b.click("#new-enrollment").await;
    b.until_url(|u| u.ends_with("/enrollments/new")).await;
    b.type_into("#name", "山田 花子").await;
    b.type_into("#kana", "やまだ はなこ").await;
    b.type_into("#birth_date", "昭和15年4月1日").await;
    choose(&b, "#sex", "female").await;
    b.type_into("#address", "茨城県ひたちなか市東石川1-1").await;
    b.type_into("#phone", "029-270-1000").await;
    choose(&b, "#office-0", &c.nursing.to_string()).await;
    b.type_into("#profession-0", "訪問看護師").await;
    b.type_into("#member-0", "港 看護").await;
    b.type_into("#member-phone-0", "029-270-0002").await;
    b.shot("path-1-new").await;
    b.click("#create").await;
    b.until_url(|u| !u.ends_with("/enrollments/new")).await;
    let url = w.current_url().await.unwrap().to_string();
    let code = url.rsplit('/').next().unwrap().to_string();
    assert!(
        consentflow_workers::EnrollmentCode::parse(&code).is_ok(),
        "{url}"
    );
    // Printing opens the PDF in a new tab; this tab stays on the enrollment.
    b.click("#print").await;
    let pdf = eventually(30, || async {
        let (s, _) = a
            .api(
                reqwest::Method::GET,
                &format!("/api/v1/enrollments/{code}/forms"),
                &c.cm,
                None,
            )
            .await;
        let r = reqwest::Client::new()
            .get(a.url(&format!("/api/v1/enrollments/{code}/consent-form.pdf")))
            .bearer_auth(&c.cm)
            .send()
            .await
            .unwrap();
        (s == 200 && r.status() == 200).then_some(())?;
        Some(r.bytes().await.unwrap().to_vec())
    })
    .await
    .expect("the form was issued");
    w.goto(&url).await.unwrap();
    assert_eq!(b.text("span.state").await, "同意書発行済");
    step(&b, "record_consent").await;
    assert_eq!(b.text("span.state").await, "同意取得済");
    // The care manager notes that the copy went by FAX: on the timeline, no state change.
    choose(&b, "#channel", "fax").await;
    step(&b, "mark_sent").await;
    assert!(w
        .source()
        .await
        .unwrap()
        .contains("data-action=\"enrollment.copy_sent\""));
    assert_eq!(b.text("span.state").await, "同意取得済");
    b.shot("path-1-consent").await;

    // 2. The signed copy comes back by FAX.
    let tiff = fax_of(&pdf, "tiffg4", "204x196", None);
    let r = upload(a, &c.centre, &[("fax.tif", &tiff)]).await;
    assert_eq!(r.status(), 202);
    all_read(a, &c.centre).await;

    // 3. The centre sees it matched, looks at the page (rotating it), verifies.
    b.login(a, "centre").await;
    w.goto(&a.url("/fax?status=matched")).await.unwrap();
    assert_eq!(b.text("#tab-matched").await, "照合済（1）");
    b.shot("path-3-inbox").await;
    b.click("a.page-link").await;
    b.element("#page-image").await;
    let transform = || async {
        w.execute(
            "return getComputedStyle(document.getElementById('page-image')).transform",
            vec![],
        )
        .await
        .unwrap()
    };
    assert_eq!(transform().await, json!("none"));
    b.click("label[for=rot-180]").await;
    // rotate(180deg) as a matrix: cos = -1.
    let turned = eventually(5, || async {
        let t = transform().await;
        t.as_str()
            .is_some_and(|s| s.starts_with("matrix(-1"))
            .then_some(t)
    })
    .await;
    assert!(turned.is_some(), "the image turns");
    b.click("label[for=zoom-200]").await;
    let widths = w
        .execute(
            "const i = document.getElementById('page-image'); return [i.getBoundingClientRect().width, i.parentElement.clientWidth]",
            vec![],
        )
        .await
        .unwrap();
    let (img, frame) = (widths[0].as_f64().unwrap(), widths[1].as_f64().unwrap());
    assert!(img > frame * 1.5, "zoomed past the frame: {img} vs {frame}");
    b.shot("path-3-page-rotated").await;
    b.click("#enrollment").await;
    b.element("#step-verify").await;
    b.shot("path-3-received").await;
    // What the field checks saw comes ticked; the person ticks the rest.
    for check in ["signed", "dated", "version"] {
        let e = b
            .element(&format!("#verify-checks input[name={check}]"))
            .await;
        if !e.is_selected().await.unwrap() {
            e.click().await.unwrap();
        }
    }
    step(&b, "verify").await;
    assert_eq!(b.text("span.state").await, "確認済");

    // 4. The care manager registers the team (step ④).
    b.login(a, "caremgr").await;
    w.goto(&url).await.unwrap();
    step(&b, "register_team").await;
    assert_eq!(b.text("span.state").await, "チーム登録済");

    // 5. The centre activates; the team is told by e-mail.
    b.login(a, "centre").await;
    w.goto(&url).await.unwrap();
    step(&b, "activate").await;
    assert_eq!(b.text("span.state").await, "利用中");
    let sent = eventually(30, || async {
        let mut c = a.store.acquire().await.unwrap();
        let rows = consentflow::store::outbox::list(c.conn(), Some("sent"), None, 10)
            .await
            .unwrap();
        rows.iter()
            .any(|m| m.template == "team_activated")
            .then_some(())
    })
    .await;
    assert!(sent.is_some());
    b.shot("path-5-active").await;
    w.goto(&a.url("/dashboard")).await.unwrap();
    b.element("#funnel").await;
    b.shot("dashboard").await;
    assert_eq!(state(a, &c, id_of(a, &code).await).await, "active");
    drop(b);
    app.finish().await;
}

async fn id_of(a: &TestApp, code: &str) -> i64 {
    let mut c = a.store.acquire().await.unwrap();
    let id = consentflow::store::enrollments::id_by_code(c.conn(), code)
        .await
        .unwrap();
    id.expect("enrollment exists")
}
