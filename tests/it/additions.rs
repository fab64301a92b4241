//! Adding a member to an active team (#22), the story: a pharmacy is listed (追加待ち),
//! the 支援チームメンバー追加同意書 is printed, FAXed back as a G4 TIFF, matched to the addition by
//! its code, verified by the centre — and only then does the pharmacist see the enrollment.

use reqwest::Method;
use serde_json::json;

use super::forms::city;
use super::handover::mails_of;
use super::helpers::{csrf_of, get, login, post, spawn_app, sql, sql_count, Backend, PASSWORD};
use super::intake::{all_read, printed, upload};
use super::mail::{fax_of, gateway_mail, tools};
use super::rows::outbox_rows;
use super::team::to_active;

#[tokio::test]
async fn a_pharmacy_joins_an_active_team_only_once_the_centre_verifies_its_consent_form() {
    if !tools(&["gs"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let pharmacy = sql_count(a, "SELECT id FROM offices WHERE name = 'コヤマ薬局'").await;
    sql(
        a,
        &format!("UPDATE offices SET admin_email = 'koyama@example.jp' WHERE id = {pharmacy}"),
    )
    .await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let code = a.code(id).await;
    let view = format!("/api/v1/enrollments/{code}");
    let ask = format!("/api/v1/enrollments/{code}/additions");
    let member = json!({ "team": [{ "office_id": pharmacy, "profession": "薬剤師", "name": "小山 薬", "phone": "０２９－２１９－７８８２" }] });

    let (s, e) = a.api(Method::POST, &ask, &c.cm, Some(member.clone())).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("invalid_state")),
        "only a team in use: {e}"
    );
    to_active(a, &c, &code).await;
    assert_eq!(
        a.api(Method::POST, &ask, &c.nurse, Some(member.clone()))
            .await
            .0,
        403,
        "the obtainer adds"
    );
    let (s, e) = a
        .api(Method::POST, &ask, &c.cm, Some(json!({ "team": [] })))
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("team")),
        "{e}"
    );
    let (s, added) = a.api(Method::POST, &ask, &c.cm, Some(member.clone())).await;
    assert_eq!((s, added["state"].as_str()), (201, Some("open")), "{added}");
    assert_eq!(
        added["members"][0]["phone"], "029-219-7882",
        "typed as clerks type"
    );
    let addition = added["id"].as_i64().unwrap();
    assert_eq!(
        a.api(Method::POST, &ask, &c.cm, Some(member)).await.0,
        409,
        "one waits at a time"
    );
    assert_eq!(
        a.api(Method::GET, &view, &c.pharma, None).await.0,
        404,
        "追加待ち: not yet"
    );

    // Print, sign, FAX back as a FAX machine sends it.
    let form = format!("/api/v1/enrollments/{code}/additions/{addition}/form.pdf");
    assert_eq!(a.api(Method::GET, &form, &c.pharma, None).await.0, 404);
    let pdf = reqwest::Client::new()
        .get(a.url(&form))
        .bearer_auth(&c.cm)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let pdf = pdf.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    let verify = format!("/api/v1/enrollments/{code}/additions/{addition}/verification");
    let (s, e) = a.api(Method::POST, &verify, &c.centre, None).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("invalid_state")),
        "no copy yet: {e}"
    );
    let tiff = fax_of(&pdf, "tiffg4", "204x196", None);
    let eml = gateway_mail(
        "add@gw.example.jp",
        "FAX受信 029-265-8332",
        "",
        &[("fax.tif", "image/tiff", &tiff)],
    );
    assert_eq!(
        upload(a, &c.centre, &[("add.eml", &eml)]).await.status(),
        202
    );
    all_read(a, &c.centre).await;
    let matched = sql_count(
        a,
        &format!(
            "SELECT COUNT(*) FROM fax_pages WHERE addition_id = {addition} AND outcome = 'matched'"
        ),
    )
    .await;
    assert_eq!(matched, 1, "the page is the addition's, by its code");
    // FAXed twice (the machine said it failed): the second is a duplicate, kept.
    let eml = gateway_mail(
        "add-2@gw.example.jp",
        "FAX受信 029-265-8332",
        "",
        &[("fax.tif", "image/tiff", &tiff)],
    );
    assert_eq!(
        upload(a, &c.centre, &[("add2.eml", &eml)]).await.status(),
        202
    );
    all_read(a, &c.centre).await;
    let twice = format!(
        "SELECT COUNT(*) FROM fax_pages WHERE addition_id = {addition} AND outcome = 'duplicate'"
    );
    assert_eq!(sql_count(a, &twice).await, 1);
    let (_, e) = a.api(Method::GET, &view, &c.centre, None).await;
    assert_eq!(
        e["enrollment"]["state"], "active",
        "an addition's page is no 別紙1 copy"
    );
    assert_eq!(e["additions"][0]["pages_received"], 1, "{e}");
    // Its front page is checked as 別紙1's: the form came back unsigned and undated.
    assert_eq!(e["additions"][0]["signature_check"], "empty", "{e}");
    assert_eq!(e["additions"][0]["date_check"], "empty", "{e}");
    assert_eq!(
        a.api(Method::GET, &view, &c.pharma, None).await.0,
        404,
        "still waiting for the centre"
    );

    assert_eq!(
        a.api(Method::POST, &verify, &c.cm, None).await.0,
        403,
        "the centre verifies"
    );
    assert_eq!(a.api(Method::POST, &verify, &c.centre, None).await.0, 204);
    let (s, e) = a.api(Method::GET, &view, &c.pharma, None).await;
    assert_eq!(s, 200, "the pharmacist sees it now");
    assert_eq!(e["team"].as_array().map(Vec::len), Some(2));
    assert_eq!(e["team"][1]["name"], "小山 薬");
    assert_eq!(
        a.api(Method::POST, &verify, &c.centre, None).await.0,
        409,
        "once"
    );
    assert_eq!(
        mails_of(&outbox_rows(a).await, "members_added"),
        ["koyama@example.jp", "o@example.jp"]
    );

    // The same form again, with nothing waiting: kept for a person, not matched.
    let eml = gateway_mail(
        "again@gw.example.jp",
        "FAX受信 029-265-8332",
        "",
        &[("fax.tif", "image/tiff", &tiff)],
    );
    assert_eq!(
        upload(a, &c.centre, &[("again.eml", &eml)]).await.status(),
        202
    );
    all_read(a, &c.centre).await;
    let invalid = sql_count(a, "SELECT COUNT(*) FROM fax_pages WHERE enrollment_id IS NULL AND outcome = 'invalid' AND reason LIKE '%メンバー追加%'").await;
    assert_eq!(invalid, 1);

    // On the page: a refused addition keeps what was typed beside the field.
    login(a, "caremgr", PASSWORD).await;
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    let csrf = csrf_of(&page);
    let path = format!("/enrollments/{code}/additions");
    let typed = [
        ("csrf", csrf.as_str()),
        ("office", &pharmacy.to_string()),
        ("profession", "薬剤師"),
        ("name", "大山 薬"),
        ("phone", "12"),
    ];
    let (s, back, _) = post(a, &path, &typed).await;
    assert_eq!(s, 422);
    assert!(
        back.contains("id=\"add-phone-error\"") && back.contains("value=\"大山 薬\""),
        "{back}"
    );
    let typed = [
        ("csrf", csrf.as_str()),
        ("office", &pharmacy.to_string()),
        ("profession", "薬剤師"),
        ("name", "大山 薬"),
        ("phone", "029-219-7883"),
    ];
    let (s, _, _) = post(a, &path, &typed).await;
    assert_eq!(s, 303);
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    assert!(
        page.contains("大山 薬（追加待ち）") && page.contains("支援チームメンバー追加同意書を印刷"),
        "{page}"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_addition_form_not_back_is_reminded_like_a_consent_copy() {
    use chrono::{Duration, TimeZone, Utc};
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let clock = consentflow::clock::ManualClock::new(start);
    let app = super::helpers::spawn_app_clocked(
        Backend::chosen(),
        Some(std::sync::Arc::new(clock.clone())),
        |_| {},
    )
    .await
    .unwrap();
    let a = &app;
    let c = city(a).await;
    sql(
        a,
        "UPDATE users SET email = 'cm@example.jp' WHERE login = 'caremgr'",
    )
    .await;
    let pharmacy = sql_count(a, "SELECT id FROM offices WHERE name = 'コヤマ薬局'").await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let code = a.code(id).await;
    to_active(a, &c, &code).await;
    let member = json!({ "team": [{ "office_id": pharmacy, "profession": "薬剤師", "name": "小山 薬", "phone": "029-219-7882" }] });
    let (s, added) = a
        .api(
            Method::POST,
            &format!("/api/v1/enrollments/{code}/additions"),
            &c.cm,
            Some(member),
        )
        .await;
    assert_eq!(s, 201, "{added}");
    let reminded = |day: i64| {
        let at = start + Duration::days(day);
        clock.set(at);
        async move {
            consentflow::schedule::work(&a.state, "reminders", at)
                .await
                .unwrap();
            mails_of(&outbox_rows(a).await, "addition_overdue")
        }
    };
    assert!(reminded(14).await.is_empty(), "within copy_days (14)");
    assert_eq!(
        reminded(15).await,
        ["cm@example.jp"],
        "the first day overdue"
    );
    assert_eq!(reminded(15).await.len(), 1, "once a day, whatever runs");
    assert_eq!(reminded(16).await.len(), 1);
    assert_eq!(reminded(22).await.len(), 2, "then every repeat_days (7)");
    let withdraw = format!(
        "/api/v1/enrollments/{code}/additions/{}/withdrawal",
        added["id"]
    );
    assert_eq!(a.api(Method::POST, &withdraw, &c.cm, None).await.0, 204);
    assert_eq!(reminded(29).await.len(), 2, "withdrawn: no more");
    app.finish().await;
}
