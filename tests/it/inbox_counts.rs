//! The FAX inbox's tab counts come from a tally the database keeps (#23), not from counting a
//! week of pages on every look, and always equal what counting the pages would give: after
//! pages arrive, are settled by hand, superseded or erased, at the window's partial first hour,
//! and after the hourly fold.

use std::sync::Arc;

use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};

use consentflow::clock::ManualClock;
use consentflow::demo::PASSWORD as DEMO;
use consentflow::seed::{self, Plan};

use super::helpers::{get, login, spawn_app_clocked, sql_count, Backend, TestApp};
use super::rows::sql;

const SETTLED: &str = "('matched', 'duplicate', 'superseded', 'discarded')";

/// What counting the pages themselves gives, as the inbox once did on every look.
async fn scanned(a: &TestApp, since: DateTime<Utc>) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for outcome in ["unreadable", "invalid"] {
        let q = format!("SELECT COUNT(*) FROM fax_pages WHERE outcome = '{outcome}'");
        out.push((outcome.to_string(), sql_count(a, &q).await));
    }
    for outcome in ["matched", "duplicate", "superseded", "discarded"] {
        let q = format!(
            "SELECT COUNT(*) FROM fax_pages WHERE outcome = '{outcome}' AND created_at >= '{}'",
            stamp(since)
        );
        out.push((outcome.to_string(), sql_count(a, &q).await));
    }
    out.retain(|(_, n)| *n != 0);
    out
}

async fn tallied(a: &TestApp, since: DateTime<Utc>) -> Vec<(String, i64)> {
    let mut c = a.store.acquire().await.unwrap();
    let mut out = consentflow::store::fax_tally::counts(c.conn(), since)
        .await
        .unwrap();
    out.retain(|(_, n)| *n != 0);
    let order = |o: &str| {
        [
            "unreadable",
            "invalid",
            "matched",
            "duplicate",
            "superseded",
            "discarded",
        ]
        .iter()
        .position(|x| *x == o)
    };
    out.sort_by_key(|(o, _)| order(o));
    out
}

/// A time as both databases store it (SQLite compares the text).
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// A copy of the newest seeded page, as another page of its document, arriving at `at`.
async fn page_at(a: &TestApp, number: i64, outcome: &str, at: DateTime<Utc>) {
    sql(
        a,
        &format!(
            "INSERT INTO fax_pages (document_id, number, outcome, reason, width, height, created_at)
             SELECT document_id, {number}, '{outcome}', reason, width, height, '{}'
             FROM fax_pages WHERE id = (SELECT MAX(id) FROM fax_pages)",
            stamp(at)
        ),
    )
    .await;
}

async fn story(backend: Backend) {
    // Not on the hour, so the week's window starts with a partial hour.
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 34, 56).unwrap() + Duration::milliseconds(789);
    let clock = ManualClock::new(now);
    let Some(app) = spawn_app_clocked(backend, Some(Arc::new(clock.clone())), |c| {
        c.schedules.enabled = false;
        c.run_workers = false;
    })
    .await
    else {
        return;
    };
    let a = &app;
    let plan = Plan {
        enrollments: 300,
        pages: 6000,
    };
    seed::run(&a.state, plan).await.unwrap();
    let since = now - Duration::days(consentflow::service::fax::COUNT_DAYS);
    assert_eq!(tallied(a, since).await, scanned(a, since).await, "seeded");

    // Pages just inside the window (its partial first hour) and just outside it.
    page_at(a, 101, "matched", since + Duration::minutes(1)).await;
    page_at(a, 102, "discarded", since + Duration::seconds(1)).await;
    page_at(a, 103, "matched", since - Duration::minutes(1)).await;
    page_at(a, 104, "unreadable", since - Duration::days(30)).await;
    let first = scanned(a, since).await;
    assert_eq!(tallied(a, since).await, first, "with pages at the edge");

    // The centre settles every waiting page; some matched pages are superseded; pages erased.
    sql(
        a,
        "UPDATE fax_pages SET outcome = 'discarded' WHERE outcome IN ('unreadable', 'invalid')",
    )
    .await;
    sql(
        a,
        "UPDATE fax_pages SET outcome = 'superseded' WHERE outcome = 'matched' AND id % 3 = 0",
    )
    .await;
    sql(
        a,
        "UPDATE fax_pages SET reason = 'OCR済み' WHERE id % 2 = 0",
    )
    .await;
    sql(a, "DELETE FROM fax_pages WHERE number IN (101, 103)").await;
    let after = scanned(a, since).await;
    assert_ne!(after, first, "the changes moved the counts");
    assert_eq!(tallied(a, since).await, after, "after the changes");

    // The hourly fold leaves one row per outcome and hour, and the same counts.
    let folded = consentflow::service::fax::fold_tally(&a.state)
        .await
        .unwrap();
    assert!(folded > 0, "there were deltas to fold");
    let loose = "SELECT COUNT(*) FROM (SELECT outcome, hour FROM fax_page_tally
        GROUP BY outcome, hour HAVING COUNT(*) > 1) t";
    assert_eq!(sql_count(a, loose).await, 0);
    assert_eq!(tallied(a, since).await, after, "after the fold");
    assert_eq!(
        consentflow::service::fax::fold_tally(&a.state)
            .await
            .unwrap(),
        0,
        "nothing left to fold"
    );

    // An hour later the window has moved on; the inbox's tabs show the same counts.
    clock.set(now + Duration::hours(1));
    let since = now + Duration::hours(1) - Duration::days(7);
    let later = scanned(a, since).await;
    assert_eq!(tallied(a, since).await, later, "an hour later");
    login(a, "centre", DEMO).await;
    let (s, html, _) = get(a, "/fax?status=matched").await;
    assert_eq!(s, 200);
    let matched = later
        .iter()
        .find(|(o, _)| o == "matched")
        .map_or(0, |(_, n)| *n);
    assert!(matched > 0);
    assert!(
        html.contains(&format!("照合済（{matched}）")),
        "the tab shows {matched}"
    );
    let settled = format!("SELECT COUNT(*) FROM fax_pages WHERE outcome IN {SETTLED}");
    assert!(
        sql_count(a, &settled).await > matched,
        "older pages are not counted"
    );
}

#[tokio::test]
async fn the_tabs_count_from_the_tally_and_equal_the_pages() {
    story(Backend::chosen()).await;
}
