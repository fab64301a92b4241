//! The daily reminder run at city scale (#23): overdue enrollments are read a page at a time,
//! each page's e-mails written in a transaction of its own that records how far the run got,
//! so a run cut off (a shutdown) resumes there for the same slot and repeats nothing.

use std::sync::Arc;

use chrono::{Duration, Utc};

use consentflow::clock::ManualClock;

use super::forms::city;
use super::handover::mails_of;
use super::helpers::{spawn_app_clocked, sql, Backend};
use super::intake::printed;
use super::rows::outbox_rows;

#[tokio::test]
async fn the_overdue_run_pages_through_and_resumes_where_it_was_cut_off() {
    let start = Utc::now();
    let clock = ManualClock::new(start);
    let app = spawn_app_clocked(Backend::chosen(), Some(Arc::new(clock.clone())), |c| {
        c.schedules.enabled = false; // the test is the clock
        c.reminders.batch = 2;
    })
    .await
    .unwrap();
    let a = &app;
    let c = city(a).await;
    sql(
        a,
        "UPDATE users SET email = 'cm@example.jp' WHERE login = 'caremgr'",
    )
    .await;
    let mut ids = Vec::new();
    for name in ["山田 一", "山田 二", "山田 三", "山田 四", "山田 五"] {
        ids.push(printed(a, &c, name, 1).await.0);
    }
    ids.sort();
    // The first day past the copy allowance (14 days): each is reminded once.
    let slot = start + Duration::days(15);
    clock.set(slot);
    let overdue_to = |rows: &[serde_json::Value]| {
        let mut to: Vec<i64> = rows
            .iter()
            .filter(|r| r["template"] == "copy_overdue")
            .map(|r| r["target_id"].as_i64().unwrap())
            .collect();
        to.sort();
        to
    };

    // A run of this slot was cut off after its second page (the first four enrollments).
    {
        use consentflow::store::schedules;
        let mut conn = a.store.acquire().await.unwrap();
        assert!(schedules::claim(conn.conn(), "reminders", slot)
            .await
            .unwrap());
        schedules::set_progress(conn.conn(), "reminders", slot, ids[3])
            .await
            .unwrap();
    }
    consentflow::schedule::run(&a.state, "reminders", slot)
        .await
        .unwrap();
    assert_eq!(
        overdue_to(&outbox_rows(a).await),
        [ids[4]],
        "resumed after the last one written"
    );

    // A run from the start, three pages of two: each is reminded, none twice.
    let n = consentflow::schedule::work(&a.state, "reminders", slot + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(
        n, 4,
        "the four the cut-off run had written are new to this outbox"
    );
    let rows = outbox_rows(a).await;
    assert_eq!(overdue_to(&rows), ids);
    assert_eq!(mails_of(&rows, "copy_overdue").len(), 5);
    app.finish().await;
}
