//! The centre's work beyond assigning a page: asking for a resend (an e-mail through the
//! outbox), receipts, returns and activation e-mails; and what the city may only look at.

use reqwest::Method;
use serde_json::{json, Value};

use super::forms::city;
use super::helpers::{
    csrf_of, eventually, get, login, post, sent_outbox_rows, spawn_app, sql, Backend, TestApp,
    PASSWORD,
};
use super::intake::printed;
use super::split::two_page_fax;

/// The `.eml` files the file transport wrote.
fn eml_files(a: &TestApp) -> Vec<(String, Vec<u8>)> {
    let dir = a.config.data_dir.join("mail");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[tokio::test]
async fn resend_requests_and_activation_are_mailed() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "山田 花子", 2).await;
    let code = a.code(id).await;
    let (_, pages) = two_page_fax(a, &c.centre).await;

    // Not the care manager's to ask, and not without a reason.
    let path = format!("/api/v1/enrollments/{code}/resend-requests");
    let body = json!({ "reason": "QRコードと署名欄がかすれて読めません", "page_id": pages[0] });
    let (s, _) = a.api(Method::POST, &path, &c.cm, Some(body.clone())).await;
    assert_eq!(s, 403);
    let (s, v) = a
        .api(
            Method::POST,
            &path,
            &c.centre,
            Some(json!({ "reason": " " })),
        )
        .await;
    assert_eq!((s, v["error"]["field"].as_str()), (422, Some("reason")));

    // From the page view: the page is settled by the request and the e-mail is written.
    login(a, "centre", PASSWORD).await;
    let (_, html, _) = get(a, &format!("/fax/pages/{}?q={code}", pages[0])).await;
    assert!(html.contains("再送を依頼する"), "{html}");
    let csrf = csrf_of(&html);
    let (s, _, _) = post(
        a,
        &format!("/fax/pages/{}/resend", pages[0]),
        &[
            ("csrf", &csrf),
            ("code", &code),
            ("reason", "QRコードと署名欄がかすれて読めません"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (_, p) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/pages/{}", pages[0]),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(p["outcome"], "discarded");
    assert!(p["reason"].as_str().unwrap().contains("再送を依頼しました"));
    let mails = eventually(30, || async {
        let f = eml_files(a);
        (!f.is_empty()).then_some(f)
    })
    .await
    .expect("the e-mail file is written");
    assert_eq!(mails.len(), 1);
    let raw = &mails[0].1;
    let parsed = mail_parser::MessageParser::default().parse(raw).unwrap();
    assert_eq!(
        parsed.subject().unwrap(),
        format!("【電子@連絡帳】同意書の写しの再送のお願い（登録コード {code}）")
    );
    let text = parsed.body_text(0).unwrap();
    assert!(
        text.contains("QRコードと署名欄がかすれて読めません")
            && text.contains(&format!("/enrollments/{code}")),
        "{text}"
    );
    assert!(
        !text.contains("山田"),
        "the person is named only by an initial"
    );
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address().unwrap(),
        "o@example.jp"
    );
    let rows = sent_outbox_rows(a).await;
    let message_id = rows[0]["message_id"].as_str().unwrap();
    assert_eq!(format!("<{}>", parsed.message_id().unwrap()), message_id);
    // Headers are plain ASCII on the wire (RFC 2047), the body says it is UTF-8.
    let head =
        String::from_utf8_lossy(&raw[..raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap()]);
    assert!(head.is_ascii() && head.contains("charset=utf-8"), "{head}");

    // The enrollment's page shows the request on the timeline and the e-mail.
    let (_, html, _) = get(a, &format!("/enrollments/{code}")).await;
    assert!(
        html.contains("再送を依頼") && html.contains("送信済み"),
        "{html}"
    );
    let (s, html, _) = get(a, "/mail").await;
    assert_eq!(s, 200);
    assert!(html.contains("再送のお願い"));
    login(a, "caremgr", PASSWORD).await;
    let (s, _, _) = get(a, "/mail").await;
    assert_eq!(s, 403);

    // Received (持参), returned with a reason, received again, verified, registered, activated:
    // the obtainer hears of each receipt, of the return and that the team is theirs to
    // register; the centre that an activation waits; the team of the activation.
    sql(
        a,
        "UPDATE users SET email = 'centre@example.jp' WHERE login = 'centre'",
    )
    .await;
    let brought = json!({ "action": "receive_copy", "channel": "in_person" });
    for (who, cmd) in [
        (&c.centre, brought.clone()),
        (
            &c.centre,
            json!({ "action": "return_copy", "reason": "同意日が書かれていません" }),
        ),
        (&c.centre, brought),
        (&c.centre, json!({ "action": "verify" })),
        (&c.cm, json!({ "action": "register_team" })),
        (&c.centre, json!({ "action": "activate" })),
    ] {
        let (s, v) = a
            .api(
                Method::POST,
                &format!("/api/v1/enrollments/{code}/transitions"),
                who,
                Some(cmd),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let all = sent_outbox_rows(a).await;
    let activated: Vec<&Value> = all
        .iter()
        .filter(|r| r["template"] == "team_activated")
        .collect();
    // Every office in the city was given the same administrator address: one e-mail.
    assert_eq!(activated.len(), 1, "{all:?}");
    let count = |t: &str| all.iter().filter(|r| r["template"] == t).count();
    assert_eq!(
        (count("copy_received"), count("copy_returned")),
        (2, 1),
        "one receipt per copy round"
    );
    let returned = all
        .iter()
        .find(|r| r["template"] == "copy_returned")
        .unwrap();
    assert!(returned["body_text"]
        .as_str()
        .unwrap()
        .contains("同意日が書かれていません"));
    assert_eq!(
        (count("copy_verified"), count("activation_waiting")),
        (1, 1),
        "the next person is told"
    );
    let waiting = all
        .iter()
        .find(|r| r["template"] == "activation_waiting")
        .unwrap();
    assert_eq!(waiting["to_address"], "centre@example.jp");
    assert_eq!(
        eml_files(a).len(),
        7,
        "resend, 2 receipts, return, verified, activation waiting, activation"
    );
    // Asking for a resend of an active enrollment makes no sense.
    let (s, _) = a
        .api(
            Method::POST,
            &path,
            &c.centre,
            Some(json!({ "reason": "再送してください" })),
        )
        .await;
    assert_eq!(s, 409);
    app.finish().await;
}

#[tokio::test]
async fn the_city_looks_and_other_offices_learn_nothing() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    a.user("city", consentflow::domain::Role::CityAdmin, None)
        .await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let code = a.code(id).await;
    let (_, pages) = two_page_fax(a, &c.centre).await;

    // The city reads everything the centre reads, with no buttons that change anything.
    login(a, "city", PASSWORD).await;
    for path in [
        "/fax".to_string(),
        format!("/fax/pages/{}", pages[0]),
        format!("/enrollments/{code}"),
        "/dashboard".to_string(),
        "/mail".to_string(),
    ] {
        let (s, html, _) = get(a, &path).await;
        assert_eq!(s, 200, "{path}");
        for action in [
            "/assign",
            "/discard",
            "/resend",
            "/steps",
            "/print",
            "split-submit",
        ] {
            assert!(!html.contains(action), "{path} offers {action} to the city");
        }
    }
    let (_, html, _) = get(a, &format!("/fax/pages/{}", pages[0])).await;
    let csrf = csrf_of(&html);
    let (s, _, _) = post(
        a,
        &format!("/fax/pages/{}/discard", pages[0]),
        &[("csrf", &csrf), ("reason", "x")],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = post(
        a,
        &format!("/enrollments/{code}/steps"),
        &[("csrf", &csrf), ("action", "close"), ("reason", "x")],
    )
    .await;
    assert_eq!(s, 403);

    // Another office: the enrollment does not exist for them, by code or by row id; nor do
    // the centre's screens.
    login(a, "pharma", PASSWORD).await;
    for path in [
        format!("/enrollments/{code}"),
        format!("/enrollments/{code}/consent-form.pdf"),
        format!("/enrollments/{id}"),
    ] {
        let (s, _, _) = get(a, &path).await;
        assert_eq!(s, 404, "{path}");
    }
    let (_, html, _) = get(a, "/enrollments").await;
    let csrf = csrf_of(&html);
    let (s, _, _) = post(
        a,
        &format!("/enrollments/{code}/steps"),
        &[("csrf", &csrf), ("action", "close"), ("reason", "x")],
    )
    .await;
    assert_eq!(s, 404);
    for path in [
        "/fax",
        "/dashboard",
        "/mail",
        &format!("/fax/messages/{}", 1),
    ] {
        let (s, _, _) = get(a, path).await;
        assert_eq!(s, 403, "{path}");
    }
    let (s, _) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}"),
            &c.pharma,
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}/copy"),
            &c.pharma,
            None,
        )
        .await;
    assert_eq!(s, 404);
    app.finish().await;
}
