//! Recording security trainings (with an attachment), the city's compliance page and its CSV;
//! and the e-mail about a copy that arrived with a page missing.

use chrono::{Duration, Utc};
use reqwest::multipart::{Form, Part};

use consentflow::domain::Role;
use consentflow::schedule;

use super::forms::city;
use super::helpers::{
    csrf_of, outbox_rows, spawn_app, sql, sql_at, sql_count, Backend, TestApp, PASSWORD,
};
use super::intake::{all_read, printed, upload};
use super::mail::{fax_of, tools};
use super::pc::Pc;

async fn record(
    pc: &Pc,
    a: &TestApp,
    office: i64,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> (u16, String) {
    let page = format!("/offices/{office}/trainings");
    let (_, html, _, _) = pc.get(&page).await;
    let mut form = Form::new().text("csrf", csrf_of(&html));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, data)) = file {
        form = form.part("attachment", Part::bytes(data).file_name(name.to_string()));
    }
    let r = pc
        .client
        .post(a.url(&page))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

#[tokio::test]
async fn trainings_are_recorded_and_the_city_sees_who_is_due() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    city(a).await;
    let id = |n: &'static str| async move {
        sql_count(a, &format!("SELECT id FROM offices WHERE name = '{n}'")).await
    };
    let (o1, o2, o3) = (
        id("柴田介護保険事務所").await,
        id("みなと訪問看護").await,
        id("コヤマ薬局").await,
    );
    a.user("shibata-admin", Role::OfficeAdmin, Some(o1)).await;
    let admin = Pc::new(a);
    admin.login("shibata-admin", PASSWORD).await;
    let today = Utc::now().date_naive().to_string();
    let ok = [
        ("held_on", today.as_str()),
        ("topic", "パスワードとUSBメモリの扱い"),
        ("attendees", "12"),
    ];

    // Refused with the field named: a future date, nobody attending, a file that is not a PDF.
    let future = (Utc::now() + Duration::days(3)).date_naive().to_string();
    let (s, html) = record(
        &admin,
        a,
        o1,
        &[("held_on", &future), ("topic", "x"), ("attendees", "3")],
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("data-field=\"held_on\""), "{html}");
    let (s, html) = record(
        &admin,
        a,
        o1,
        &[("held_on", &today), ("topic", "x"), ("attendees", "0")],
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("data-field=\"attendees\"") && html.contains("value=\"x\""),
        "kept: {html}"
    );
    let (s, html) = record(&admin, a, o1, &ok, Some(("memo.txt", b"hello".to_vec()))).await;
    assert_eq!(s, 422);
    assert!(html.contains("PDFか画像"), "{html}");

    // Recorded with the attendance sheet; the office's people can open it, others cannot.
    let pdf = b"%PDF-1.4\n% attendance sheet\n".to_vec();
    let (s, _) = record(&admin, a, o1, &ok, Some(("出席簿.pdf", pdf.clone()))).await;
    assert_eq!(s, 303);
    let (_, html, _, _) = admin.get(&format!("/offices/{o1}/trainings")).await;
    assert!(
        html.contains("パスワードとUSBメモリの扱い")
            && html.contains("12人")
            && html.contains("出席簿.pdf"),
        "{html}"
    );
    let training = sql_count(a, "SELECT MAX(id) FROM trainings").await;
    let cm = Pc::new(a);
    cm.login("caremgr", PASSWORD).await;
    let r = cm
        .client
        .get(a.url(&format!("/trainings/{training}/attachment")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("UTF-8''%E5%87%BA"));
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let (_, html, _, _) = cm.get(&format!("/offices/{o1}/trainings")).await;
    assert!(
        !html.contains("record-training"),
        "staff read, the administrator records"
    );
    let nurse = Pc::new(a);
    nurse.login("nurse", PASSWORD).await;
    assert_eq!(
        nurse
            .get(&format!("/trainings/{training}/attachment"))
            .await
            .0,
        404
    );
    assert_eq!(nurse.get(&format!("/offices/{o1}/trainings")).await.0, 404);

    // The city records for others too: みなと trained 400 days ago (overdue), コヤマ 350 (due soon).
    a.user("city", Role::CityAdmin, None).await;
    let c = Pc::new(a);
    c.login("city", PASSWORD).await;
    for (o, days) in [(o2, 400), (o3, 350)] {
        let d = (Utc::now() - Duration::days(days)).date_naive().to_string();
        let (s, _) = record(
            &c,
            a,
            o,
            &[
                ("held_on", &d),
                ("topic", "情報セキュリティ"),
                ("attendees", "5"),
            ],
            None,
        )
        .await;
        assert_eq!(s, 303);
    }
    // #19: an office registered today that never trained is not 実施済: 未実施（期限内）.
    let clinic = consentflow::service::accounts::OfficeInput {
        kind: "clinic".into(),
        name: "ひたちなか中央クリニック".into(),
        phone: "029-271-0004".into(),
        fax: "029-271-0004".into(),
        address: "茨城県ひたちなか市".into(),
        admin_email: "chuo@example.jp".into(),
    };
    consentflow::service::accounts::create_office(
        &a.store,
        &consentflow::domain::Actor::System,
        &clinic,
    )
    .await
    .unwrap();
    let (_, html, _, _) = c.get("/training").await;
    let row = |name: &str| {
        let at = html.find(name).unwrap_or_else(|| panic!("{name} listed"));
        let start = html[..at].rfind("data-status=\"").unwrap() + 13;
        html[start..].split('"').next().unwrap().to_string()
    };
    assert_eq!(
        (
            row("みなと訪問看護"),
            row("コヤマ薬局"),
            row("柴田介護保険事務所")
        ),
        ("red".into(), "amber".into(), "green".into())
    );
    assert_eq!(row("ひたちなか中央クリニック"), "untrained");
    assert!(html.contains("未実施（期限内）") && html.contains("実施済（期限内）"));
    assert!(
        html.contains("id=\"count-untrained\""),
        "a filter per status"
    );
    assert!(
        html.find("みなと訪問看護").unwrap() < html.find("柴田介護保険事務所").unwrap(),
        "reddest first"
    );
    let (_, html, _, _) = c.get("/training?status=red").await;
    assert!(html.contains("みなと訪問看護") && !html.contains("コヤマ薬局"));
    let r = c.client.get(a.url("/training.csv")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let body = r.bytes().await.unwrap();
    assert!(
        body.starts_with("\u{feff}事業所名,施設属性,最終実施日,期限,状況\r\n".as_bytes()),
        "BOM and header for Excel"
    );
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        text.contains(&format!("柴田介護保険事務所,居宅介護支援,{today},")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("みなと訪問看護") && l.ends_with("期限超過")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("ひたちなか中央クリニック") && l.ends_with("未実施（期限内）")),
        "{text}"
    );
    assert_eq!(text.lines().count(), 5);
    // Only the city.
    assert_eq!(admin.get("/training").await.0, 403);
    assert_eq!(admin.get("/training.csv").await.0, 403);
    app.finish().await;
}

#[tokio::test]
async fn a_copy_missing_a_page_is_reported_once() {
    if !tools(&["gs"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    sql(
        a,
        "UPDATE users SET email = 'cm@example.jp' WHERE login = 'caremgr'",
    )
    .await;
    // A two-page form (a large team); only its first page comes in.
    let (id, pdf) = printed(a, &c, "佐藤 一郎", 16).await;
    let first = fax_of(&pdf, "tiffg4", "204x196", Some((1, 1)));
    assert_eq!(
        upload(a, &c.centre, &[("p1.tif", &first)]).await.status(),
        202
    );
    all_read(a, &c.centre).await;
    let count = || async {
        outbox_rows(a)
            .await
            .iter()
            .filter(|r| r["template"] == "copy_incomplete")
            .count()
    };

    // Just arrived: the rest may be on its way.
    schedule::work(&a.state, "missing_pages", Utc::now())
        .await
        .unwrap();
    assert_eq!(count().await, 0);
    // Three hours later: the care manager hears which page is missing, once.
    sql_at(
        a,
        "UPDATE fax_pages SET created_at = $1",
        Utc::now() - Duration::hours(3),
    )
    .await;
    assert_eq!(
        schedule::work(&a.state, "missing_pages", Utc::now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        schedule::work(&a.state, "missing_pages", Utc::now())
            .await
            .unwrap(),
        0
    );
    let rows = outbox_rows(a).await;
    let m = rows
        .iter()
        .find(|r| r["template"] == "copy_incomplete")
        .unwrap();
    assert_eq!(m["to_address"], "cm@example.jp");
    let body = m["body_text"].as_str().unwrap();
    assert!(
        body.contains("2枚のうち1枚") && body.contains(&a.code(id).await),
        "{body}"
    );
    app.finish().await;
}
