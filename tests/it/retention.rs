//! Retiring old data (#22), on a hand-set clock: an ended enrollment's personal data, printed
//! form and FAX images are erased `retention.years` after it ended, unless the city holds it
//! back; nothing else is touched — not a FAX message it shares with another enrollment.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use reqwest::Method;
use serde_json::json;

use consentflow::clock::ManualClock;
use consentflow::domain::Role;

use super::forms::city;
use super::helpers::{get, login, spawn_app_clocked, sql_count, Backend, PASSWORD};
use super::intake::{all_read, printed, upload};
use super::mail::gateway_mail;

/// The sizes of an enrollment's page images (from the FAX) and of its printed forms.
async fn blob_sizes(a: &super::helpers::TestApp, id: i64) -> (i64, i64) {
    let pages = sql_count(
        a,
        &format!(
            "SELECT COALESCE(CAST(SUM(b.size) AS BIGINT), 0) FROM fax_pages p
             JOIN blobs b ON b.sha256 = p.image_sha256 WHERE p.enrollment_id = {id}"
        ),
    )
    .await;
    let forms = sql_count(
        a,
        &format!(
            "SELECT COALESCE(CAST(SUM(b.size) AS BIGINT), 0) FROM issued_forms f
             JOIN blobs b ON b.sha256 = f.blob_sha256 WHERE f.enrollment_id = {id}"
        ),
    )
    .await;
    (pages, forms)
}

#[tokio::test]
async fn personal_data_goes_after_five_years_unless_the_city_holds_it() {
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let app = spawn_app_clocked(Backend::chosen(), Some(Arc::new(clock.clone())), |_| {})
        .await
        .unwrap();
    let a = &app;
    let c = city(a).await;
    a.user("cityadmin", Role::CityAdmin, None).await;
    let city_t = a.token("cityadmin").await;

    // Yamada and Suzuki FAX back together in one message; Sato's copy comes alone.
    let (yamada, form_y) = printed(a, &c, "山田 花子", 1).await;
    let (suzuki, form_s) = printed(a, &c, "鈴木 一郎", 1).await;
    let (sato, form_t) = printed(a, &c, "佐藤 次郎", 1).await;
    let eml = gateway_mail(
        "both@gw.example.jp",
        "FAX受信 029-265-8332",
        "",
        &[
            ("y.pdf", "application/pdf", &form_y),
            ("s.pdf", "application/pdf", &form_s),
        ],
    );
    assert_eq!(
        upload(a, &c.centre, &[("both.eml", &eml)]).await.status(),
        202
    );
    assert_eq!(
        upload(a, &c.centre, &[("t.pdf", &form_t)]).await.status(),
        202
    );
    all_read(a, &c.centre).await;
    let (yp, yf) = blob_sizes(a, yamada).await;
    assert!(yp > 0 && yf > 0, "Yamada's copy and form are stored");

    // Yamada withdraws and Sato's enrollment closes on 1 December 2026; Suzuki goes on.
    let code = |id| async move { a.code(id).await };
    let (cy, cs, ct) = (code(yamada).await, code(suzuki).await, code(sato).await);
    for cd in [&cy, &ct] {
        let (s, v) = a
            .api(
                Method::POST,
                &format!("/api/v1/enrollments/{cd}/transitions"),
                &c.cm,
                Some(json!({ "action": "withdraw", "reason": "ご本人の申し出" })),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }

    // Ten days before five years have passed: the city sees both coming, and holds Sato.
    let before = start + Duration::days(5 * 365 + 1 - 10);
    clock.set(before);
    assert_eq!(
        a.api(Method::GET, "/api/v1/retention", &c.centre, None)
            .await
            .0,
        404,
        "the city's"
    );
    let (s, coming) = a.api(Method::GET, "/api/v1/retention", &city_t, None).await;
    assert_eq!(s, 200, "{coming}");
    let codes: Vec<&str> = coming
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [cy.as_str(), ct.as_str()], "{coming}");
    assert!(
        coming[0]["erase_at"]
            .as_str()
            .unwrap()
            .starts_with("2031-12-01"),
        "{coming}"
    );
    let hold = format!("/api/v1/enrollments/{ct}/retention-hold");
    let (s, e) = a
        .api(Method::POST, &hold, &city_t, Some(json!({ "reason": " " })))
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("reason")));
    assert_eq!(
        a.api(
            Method::POST,
            &hold,
            &c.centre,
            Some(json!({ "reason": "照会" }))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        a.api(
            Method::POST,
            &hold,
            &city_t,
            Some(json!({ "reason": "警察からの照会のため" }))
        )
        .await
        .0,
        204
    );

    // Not yet: the run erases nothing.
    let run = |at| async move {
        consentflow::schedule::work(&a.state, "retention", at)
            .await
            .unwrap()
    };
    assert_eq!(run(before).await, 0);
    let after = start + Duration::days(5 * 365 + 2);
    clock.set(after);
    assert_eq!(run(after).await, 1, "Yamada only: Sato is held");

    let view = |cd: &str| format!("/api/v1/enrollments/{cd}");
    let (_, y) = a.api(Method::GET, &view(&cy), &city_t, None).await;
    assert_eq!(y["subject"]["name"], "（消去済み）");
    assert_eq!(
        (
            y["subject"]["phone"].as_str(),
            y["subject"]["address"].as_str()
        ),
        (Some(""), Some(""))
    );
    assert!(y["enrollment"]["erased_at"].is_string(), "{y}");
    assert_eq!(y["team"][0]["name"], "（消去済み）");
    let actions: Vec<&str> = y["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.starts_with(&["enrollment.created"])
            && actions.contains(&"enrollment.withdraw")
            && actions.ends_with(&["enrollment.erased"]),
        "the skeleton stays, and the erasure is recorded: {actions:?}"
    );
    assert_eq!(
        blob_sizes(a, yamada).await,
        (0, 0),
        "page images and printed forms emptied"
    );
    let (sp, sf) = blob_sizes(a, suzuki).await;
    assert!(
        sp > 0 && sf > 0,
        "Suzuki's pages in the same message are untouched"
    );
    let raw = sql_count(
        a,
        "SELECT CAST(b.size AS BIGINT) FROM fax_messages m JOIN blobs b ON b.sha256 = m.raw_sha256
         WHERE m.message_id LIKE '%both@gw.example.jp%'",
    )
    .await;
    assert!(raw > 0, "the shared FAX message is kept whole");
    let (_, s) = a.api(Method::GET, &view(&cs), &city_t, None).await;
    assert_eq!(s["subject"]["name"], "鈴木 一郎");
    let (_, t) = a.api(Method::GET, &view(&ct), &city_t, None).await;
    assert_eq!(t["subject"]["name"], "佐藤 次郎", "held");
    assert_eq!(t["enrollment"]["retention_hold"], "警察からの照会のため");

    // The search no longer finds Yamada by name; the page says what happened.
    let (_, found) = a
        .api(Method::GET, "/api/v1/enrollments?q=山田", &city_t, None)
        .await;
    assert_eq!(found.as_array().map(Vec::len), Some(0), "{found}");
    login(a, "cityadmin", PASSWORD).await;
    let (_, page, _) = get(a, &format!("/enrollments/{cy}")).await;
    assert!(
        page.contains("この登録の個人情報は消去されました") && !page.contains("山田"),
        "{page}"
    );
    let (_, list, _) = get(a, "/retention").await;
    assert!(
        list.contains(&ct) && list.contains("警察からの照会のため") && !list.contains(&cy),
        "{list}"
    );

    // Let go, Sato is erased at the next run; a second run finds nothing more.
    assert_eq!(a.api(Method::DELETE, &hold, &city_t, None).await.0, 204);
    assert_eq!(run(after).await, 1);
    assert_eq!(run(after).await, 0);
    assert_eq!(
        a.api(
            Method::POST,
            &hold,
            &city_t,
            Some(json!({ "reason": "遅い照会" }))
        )
        .await
        .0,
        409,
        "erased already"
    );
    app.finish().await;
}
