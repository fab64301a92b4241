//! 運営状況の報告 (#21 part 3): a known October, built step by step on a hand-set clock — offices
//! opened and closed, PCs, four enrollments walked through their states, FAX pages settled
//! automatically, by hand and discarded, trainings, incidents — and the report for it checked
//! figure by figure; the PDF is the same bytes twice and says what the screen says.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::clock::ManualClock;

use super::helpers::{get, login, spawn_app_clocked, Backend, TestApp, PASSWORD};
use super::report_world::{day, october};
use super::sim::morning;

fn row<'v>(v: &'v Value, list: &str, key: &str, value: &str) -> &'v Value {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("{list} {value}: {v}"))
}

fn counts(v: &Value, list: &str) -> Vec<(String, i64)> {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["count"].as_i64().unwrap(),
            )
        })
        .filter(|(_, n)| *n != 0)
        .collect()
}

#[tokio::test]
async fn octobers_figures_are_the_known_ones() {
    let clock = ManualClock::new(morning(day(9, 1)));
    let app = spawn_app_clocked(Backend::chosen(), Some(Arc::new(clock.clone())), |_| {})
        .await
        .unwrap();
    let a = &app;
    let (shi, cm) = october(a, &clock).await;
    let path = "/api/v1/reports/operations?period=month&month=2026-10";
    assert_eq!(
        a.api(Method::GET, path, &cm, None).await.0,
        403,
        "the city's"
    );
    let (s, v) = a.api(Method::GET, path, &shi, None).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["as_of"].is_null(), "October is over");

    let office = |k: &str| {
        let r = row(&v, "offices", "kind", k);
        ["registered", "approved", "closed", "pcs", "pcs_new"].map(|f| r[f].as_i64().unwrap())
    };
    assert_eq!(office("home_care_support"), [1, 0, 0, 1, 1]);
    assert_eq!(office("visiting_nursing"), [1, 0, 0, 0, 0]);
    assert_eq!(office("pharmacy"), [0, 0, 1, 0, 0]);
    assert_eq!(office("clinic"), [1, 1, 0, 0, 0]);
    let logins = counts(&v, "logins");
    assert!(
        logins.contains(&("staff".into(), 3)),
        "{logins:?} (not the November login)"
    );
    assert!(logins.contains(&("city_admin".into(), 1)), "{logins:?}");

    let e = &v["enrollments"];
    let got = ["new", "activated", "withdrawn", "closed", "active_at_end"]
        .map(|f| e[f].as_i64().unwrap());
    assert_eq!(got, [2, 2, 1, 1, 2]);
    assert_eq!(
        counts(&v, "funnel"),
        [
            ("active".into(), 2),
            ("withdrawn".into(), 1),
            ("closed".into(), 1)
        ]
    );
    let lead = |leg: &str| {
        let l = &v["lead"][leg];
        (
            l["count"].as_i64().unwrap(),
            l["median"].as_f64().unwrap(),
            l["p90"].as_f64().unwrap(),
        )
    };
    assert_eq!(lead("consent_to_copy"), (2, 16.0, 29.0));
    assert_eq!(lead("copy_to_verified"), (2, 2.0, 3.0));
    assert_eq!(lead("verified_to_active"), (2, 5.5, 7.0));

    let months = v["months"].as_array().unwrap();
    let m: Vec<(&str, bool, i64, i64, i64)> = months
        .iter()
        .map(|m| {
            (
                m["month"].as_str().unwrap(),
                m["in_period"].as_bool().unwrap(),
                m["new"].as_i64().unwrap(),
                m["active_at_end"].as_i64().unwrap(),
                m["pages"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(m.len(), 6, "the half-year to October: {m:?}");
    assert_eq!(m[0], ("2026-05", false, 0, 0, 0));
    assert_eq!(m[4], ("2026-09", false, 2, 1, 1));
    assert_eq!(m[5], ("2026-10", true, 2, 2, 5));
    assert_eq!(months[4]["auto_share"], 100.0);
    assert_eq!(months[5]["auto_share"], 20.0);

    let f = &v["fax"];
    let got = [
        "messages",
        "pages",
        "auto",
        "by_hand",
        "discarded",
        "set_aside",
        "waiting",
    ]
    .map(|k| f[k].as_i64().unwrap());
    assert_eq!(got, [2, 5, 1, 1, 1, 1, 1]);
    let minutes = [
        "median_minutes_auto",
        "median_minutes_by_hand",
        "median_minutes",
    ]
    .map(|k| f[k].as_f64().unwrap());
    assert_eq!(minutes, [2.0, 120.0, 61.0]);

    assert_eq!(
        counts(&v, "training"),
        [
            ("red".into(), 1),
            ("amber".into(), 1),
            ("untrained".into(), 1)
        ],
        "nurses overdue, the care office due soon, the clinic new; the closed pharmacy not counted"
    );
    let incident = |k: &str| row(&v, "incidents", "kind", k)["by_state"].clone();
    assert_eq!(
        incident("lost_or_stolen"),
        json!([0, 1, 0]),
        "in hand at October's end"
    );
    assert_eq!(incident("system_fault"), json!([1, 0, 0]));
    assert_eq!(incident("virus"), json!([0, 0, 0]), "November's");

    // The fiscal year, not over on 2 December: read as of now, a column a month.
    let (s, fy) = a
        .api(
            Method::GET,
            "/api/v1/reports/operations?period=fiscal_year&fiscal_year=令和8年度",
            &shi,
            None,
        )
        .await;
    assert_eq!(s, 200, "{fy}");
    assert!(fy["as_of"].is_string(), "{fy}");
    assert_eq!(fy["months"].as_array().unwrap().len(), 12);
    assert_eq!(fy["enrollments"]["new"], 5, "E4 in November too");
    // A range from mid-October: its month starts on the 15th, and the 6th's activation before
    // it still counts at the month's end.
    let (_, r) = a
        .api(
            Method::GET,
            "/api/v1/reports/operations?period=range&from=2026-10-15&to=2026-10-31",
            &shi,
            None,
        )
        .await;
    let last = &r["months"][5];
    assert_eq!(
        (
            last["month"].as_str(),
            last["new"].as_i64(),
            last["active_at_end"].as_i64()
        ),
        (Some("2026-10"), Some(0), Some(2)),
        "{r}"
    );
    assert_eq!(r["months"][4]["active_at_end"], 1, "{r}");
    let (s, e) = a
        .api(
            Method::GET,
            "/api/v1/reports/operations?period=range&from=2026-10-31&to=2026-10-01",
            &shi,
            None,
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "invalid_input", "{e}");
    assert_eq!(e["error"]["field"], "to", "{e}");
}

async fn report_pdf(a: &TestApp) -> Vec<u8> {
    let url = a.url("/reports/operations.pdf?period=month&month=2026-10");
    let r = a.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

/// The table cells of a page, in order, as text.
fn cells(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<td") {
        let after = &rest[i..];
        let open = after.find('>').unwrap() + 1;
        let close = after.find("</td>").unwrap();
        out.push(after[open..close].replace("&amp;", "&"));
        rest = &after[close..];
    }
    out
}

#[tokio::test]
async fn the_pdf_is_the_screen_on_paper_and_the_same_bytes_twice() {
    let clock = ManualClock::new(morning(day(9, 1)));
    let app = spawn_app_clocked(Backend::chosen(), Some(Arc::new(clock.clone())), |_| {})
        .await
        .unwrap();
    let a = &app;
    october(a, &clock).await;
    login(a, "shi", PASSWORD).await;
    let (s, dash, _) = get(a, "/dashboard").await;
    assert_eq!(s, 200);
    assert!(
        dash.contains("href=\"/reports/operations\""),
        "linked from 状況一覧"
    );

    // Typed as a clerk types it; refused input stays in its field with the reason beside it.
    let (s, bad, _) = get(a, "/reports/operations?period=month&month=2026-13").await;
    assert_eq!(s, 422);
    assert!(
        bad.contains("id=\"month-error\"") && bad.contains("value=\"2026-13\""),
        "{bad}"
    );
    let (s, page, _) = get(a, "/reports/operations?period=month&month=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96%E5%B9%B4%EF%BC%91%EF%BC%90%E6%9C%88").await;
    assert_eq!(s, 200);
    assert!(page.contains("集計期間：2026年10月"), "{page}");
    assert!(
        page.contains("<svg") && page.contains("新規登録と利用中の推移"),
        "charts drawn on the server"
    );
    assert!(!page.contains("<script"), "no script");

    let first = report_pdf(a).await;
    assert_eq!(
        first,
        report_pdf(a).await,
        "the same data and period, the same bytes"
    );
    assert!(first.starts_with(b"%PDF"));

    let (_, csv, _) = get(a, "/reports/operations.csv?period=month&month=2026-10").await;
    assert!(csv.contains("利用中（期末）,2"), "{csv}");
    assert!(csv.contains("自動で照合,1,20.0%"), "{csv}");

    if !super::mail::tools(&["pdftotext"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, &first).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("集計期間：2026年10月"), "{text}");
    // Every cell of the screen's tables is in the PDF, in the same order.
    let screen = cells(&page);
    assert!(screen.len() > 100, "{screen:?}");
    let mut at = 0;
    for cell in &screen {
        match text[at..].find(cell.as_str()) {
            Some(i) => at += i + cell.len(),
            None => panic!("{cell:?} not in the PDF after byte {at}:\n{}", &text[at..]),
        }
    }
}
