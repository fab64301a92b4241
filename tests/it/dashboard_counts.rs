//! The dashboard's city-wide counts are worked out at most once a minute and say when (#23):
//! counting every enrollment on every view does not scale to a city of 1,000,000.

use std::sync::Arc;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::Value;

use consentflow::clock::ManualClock;

use super::forms::city;
use super::helpers::{get, login, spawn_app_clocked, Backend, TestApp, PASSWORD};
use super::intake::printed;

async fn counted(a: &TestApp, token: &str) -> (i64, String) {
    let (s, d): (u16, Value) = a.api(Method::GET, "/api/v1/dashboard", token, None).await;
    assert_eq!(s, 200, "{d}");
    let sum = d["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_i64().unwrap())
        .sum();
    (sum, d["counted_at"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn the_counts_are_a_minute_old_at_most_and_say_when() {
    let start = Utc::now();
    let clock = ManualClock::new(start);
    let app = spawn_app_clocked(Backend::chosen(), Some(Arc::new(clock.clone())), |c| {
        c.schedules.enabled = false;
    })
    .await
    .unwrap();
    let a = &app;
    let c = city(a).await;
    let (before, at) = counted(a, &c.centre).await;
    printed(a, &c, "山田 花子", 1).await;
    clock.set(start + Duration::seconds(59));
    assert_eq!(
        counted(a, &c.centre).await,
        (before, at.clone()),
        "within the minute"
    );
    clock.set(start + Duration::seconds(60));
    let (after, at2) = counted(a, &c.centre).await;
    assert_eq!(after, before + 1, "counted again");
    assert_ne!(at, at2);

    a.user("city", consentflow::domain::Role::CityAdmin, None)
        .await;
    login(a, "city", PASSWORD).await;
    let (_, html, _) = get(a, "/dashboard").await;
    let hhmm = (start + Duration::seconds(60))
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .format("%H:%M")
        .to_string();
    assert!(
        html.contains(&format!("{hhmm} 時点の集計です（1分ごとに更新）")),
        "{html}"
    );
    app.finish().await;
}
