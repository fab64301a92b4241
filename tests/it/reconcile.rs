//! Reconciling by hand: a page nobody could read is assigned by centre staff, from the inbox's
//! page view, to an enrollment and page; that completes the copy.

use reqwest::Method;
use serde_json::json;

use super::forms::city;
use super::helpers::{csrf_of, get, login, post, spawn_app, Backend, PASSWORD};
use super::intake::{all_read, blank_page, printed, state, upload};

#[tokio::test]
async fn an_unreadable_page_is_assigned_by_hand() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    // A page the reader cannot match (say the code was torn off).
    let r = upload(a, &c.centre, &[("scan.png", &blank_page(255))]).await;
    assert_eq!(r.status(), 202);
    all_read(a, &c.centre).await;

    login(a, "centre", PASSWORD).await;
    let (s, inbox, _) = get(a, "/fax").await;
    assert_eq!(s, 200);
    assert!(inbox.contains("未照合（1）"), "{inbox}");
    let (_, pages) = a
        .api(
            Method::GET,
            "/api/v1/fax/pages?status=unreadable",
            &c.centre,
            None,
        )
        .await;
    let page = pages[0]["id"].as_i64().unwrap();
    assert!(inbox.contains(&format!("/fax/pages/{page}/image?thumb=1")));
    let (s, view, _) = get(a, &format!("/fax/pages/{page}?q=山田")).await;
    assert_eq!(s, 200);
    assert!(
        view.contains("送信元: 画面から取り込み（scan.png）"),
        "{view}"
    );
    assert!(
        view.contains("割り当てる") && view.contains("山田 花子"),
        "{view}"
    );
    let (s, png, _) = get(a, &format!("/fax/pages/{page}/image")).await;
    assert_eq!(s, 200);
    assert!(png.contains("PNG"), "the page image is a PNG");

    // A second page, a cover sheet: set aside by hand with a reason, kept.
    let r = upload(a, &c.centre, &[("cover.png", &blank_page(250))]).await;
    assert_eq!(r.status(), 202);
    all_read(a, &c.centre).await;
    let (_, pages) = a
        .api(
            Method::GET,
            "/api/v1/fax/pages?status=unreadable",
            &c.centre,
            None,
        )
        .await;
    let other = pages
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .find(|&p| p != page)
        .unwrap();
    let (_, html, _) = get(a, &format!("/fax/pages/{other}")).await;
    let token = csrf_of(&html);
    let (s, _, _) = post(
        a,
        &format!("/fax/pages/{other}/discard"),
        &[("csrf", token.as_str()), ("reason", "")],
    )
    .await;
    assert_eq!(s, 422, "a reason is required");
    let (s, _, _) = post(
        a,
        &format!("/fax/pages/{other}/discard"),
        &[("csrf", token.as_str()), ("reason", "送付状のため")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, p) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/pages/{other}"),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(p["outcome"], "discarded");
    assert!(p["reason"].as_str().unwrap().contains("送付状のため"));
    let (_, inbox, _) = get(a, "/fax?status=discarded").await;
    assert!(
        inbox.contains("対象外（1）") && inbox.contains("未照合（1）"),
        "{inbox}"
    );
    // 処理済: the page set aside, by whom and why.
    let (s, done, _) = get(a, "/fax/resolved").await;
    assert_eq!(s, 200);
    let row = &done[done.find("<tbody>").unwrap()..];
    assert!(
        row.contains("centre さん") && row.contains("送付状のため"),
        "{row}"
    );

    // A care manager may not assign; page 2 of a one-page form is refused.
    let (s, _) = a
        .api(
            Method::POST,
            &format!("/api/v1/fax/pages/{page}/assignment"),
            &c.cm,
            Some(json!({ "enrollment_id": id, "page": 1 })),
        )
        .await;
    assert_eq!(s, 403);
    let (s, e) = a
        .api(
            Method::POST,
            &format!("/api/v1/fax/pages/{page}/assignment"),
            &c.centre,
            Some(json!({ "enrollment_id": id, "page": 2 })),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("page")));

    // Assigned from the page view: matched, and the one-page copy is complete.
    let csrf = csrf_of(&view);
    let (s, _, location) = post(
        a,
        &format!("/fax/pages/{page}/assign"),
        &[
            ("csrf", csrf.as_str()),
            ("enrollment_id", &id.to_string()),
            ("page", "1"),
        ],
    )
    .await;
    assert_eq!(
        (s, location.as_deref()),
        (303, Some(format!("/fax/pages/{page}").as_str()))
    );
    assert_eq!(state(a, &c, id).await, "copy_received");
    // #19: the timeline names the clerk who assigned the page, not 「システム」.
    let (_, page_html, _) = get(a, &format!("/enrollments/{}", a.code(id).await)).await;
    let received = page_html
        .split("<tr")
        .filter(|row| row.contains("写し受領"))
        .last()
        .expect("a timeline row for the copy");
    assert!(
        received.contains("centre さん") && !received.contains("システム"),
        "{received}"
    );
    let (_, p) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/pages/{page}"),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(
        (p["outcome"].as_str(), p["enrollment_id"].as_i64()),
        (Some("matched"), Some(id))
    );
    assert!(p["resolved_at"].is_string());
    // Twice is a conflict, not a second match.
    let (s, _) = a
        .api(
            Method::POST,
            &format!("/api/v1/fax/pages/{page}/assignment"),
            &c.centre,
            Some(json!({ "enrollment_id": id, "page": 1 })),
        )
        .await;
    assert_eq!(s, 409);

    // On to activation from the enrollment's page: the buttons offered are those the state
    // machine allows this person now.
    let path = format!("/enrollments/{}", a.code(id).await);
    let step = |action: &'static str| {
        let path = path.clone();
        async move {
            let (_, html, _) = get(a, &path).await;
            assert!(
                html.contains(&format!("id=\"step-{action}\"")),
                "{action} offered:\n{html}"
            );
            let csrf = csrf_of(&html);
            let form = [("csrf", csrf.as_str()), ("action", action)];
            if action == "verify" {
                // The checklist: all three boxes, or the copy was not really checked.
                let (s, html, _) = post(a, &format!("{path}/steps"), &form).await;
                assert_eq!(s, 422, "{html}");
                assert!(html.contains("署名・同意日・版をすべて確認"));
            }
            let checks = [("signed", "1"), ("dated", "1"), ("version", "1")];
            let all: Vec<(&str, &str)> = form.iter().chain(checks.iter()).copied().collect();
            let (s, _, _) = post(a, &format!("{path}/steps"), &all).await;
            assert_eq!(s, 303, "{action}");
        }
    };
    let (_, html, _) = get(a, &path).await;
    assert!(
        !html.contains("step-register_team"),
        "not the centre's step"
    );
    step("verify").await;
    login(a, "caremgr", PASSWORD).await;
    let (_, html, _) = get(a, &path).await;
    assert!(!html.contains("step-activate") && !html.contains("step-verify"));
    step("register_team").await;
    login(a, "centre", PASSWORD).await;
    step("activate").await;
    assert_eq!(state(a, &c, id).await, "active");
    app.finish().await;
}
