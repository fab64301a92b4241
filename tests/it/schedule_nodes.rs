//! Schedules across nodes: two workers on one PostgreSQL database fire each slot once; a slot
//! missed while no node ran is fired at start.

use super::helpers::{sql, sql_count, Backend, TestApp};

/// Two workers on one PostgreSQL database, both triggering every two seconds: every slot fires
/// once, none is skipped, and each firing's work runs once.
#[tokio::test]
async fn two_workers_fire_each_slot_once() {
    let every_2s = |c: &mut consentflow::config::Config| {
        c.schedules.reminders = "*/2 * * * * *".into();
        c.schedules.missing_pages = "*/2 * * * * *".into();
    };
    let Some(app) = super::helpers::spawn_app_with(Backend::Postgres, every_2s).await else {
        return;
    };
    let a = &app;
    let (node, _dir) = a.another_node(|_| {}).await;
    tokio::time::sleep(std::time::Duration::from_secs(9)).await;
    node.stop().await;
    let settled = super::helpers::eventually(30, || async {
        (sql_count(a, "SELECT COUNT(*) FROM schedule_firings WHERE runs = 0").await == 0)
            .then_some(())
    })
    .await;
    assert!(settled.is_some(), "every claimed firing ran");
    assert_eq!(
        sql_count(a, "SELECT COUNT(*) FROM schedule_firings WHERE runs <> 1").await,
        0,
        "each ran once"
    );
    for name in ["reminders", "missing_pages"] {
        let q = |what: &str| {
            format!("SELECT {what} FROM schedule_firings WHERE name = '{name}' AND slot > (SELECT MIN(slot) FROM schedule_firings WHERE name = '{name}')")
        };
        let n = sql_count(a, &q("COUNT(*)")).await;
        assert!(n >= 3, "{name}: {n} firings in 9 s");
        // No gap: the slots after the first (the start-up catch-up) are every two seconds.
        let span = sql_count(
            a,
            &q("CAST(EXTRACT(EPOCH FROM MAX(slot) - MIN(slot)) AS BIGINT)"),
        )
        .await;
        assert_eq!(span, 2 * (n - 1), "{name}: {n} slots over {span} s");
    }
    app.finish().await;
}

async fn ran(a: &TestApp) -> i64 {
    sql_count(
        a,
        "SELECT COUNT(*) FROM schedule_firings WHERE name = 'reminders' AND runs = 1",
    )
    .await
}

/// The latest slot missed while no node ran is fired when one starts; one already fired is not.
#[tokio::test]
async fn a_missed_firing_is_caught_up_at_start() {
    let mut app = super::helpers::spawn_app(Backend::chosen()).await.unwrap();
    let first =
        super::helpers::eventually(30, || async { (ran(&app).await == 1).then_some(()) }).await;
    assert!(first.is_some(), "the latest 09:00 fired at start");
    // Restarted at once: that slot is done, nothing runs again.
    app.restart_with(|_| {}).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        sql_count(
            &app,
            "SELECT COUNT(*) FROM schedule_firings WHERE name = 'reminders'"
        )
        .await,
        1
    );
    // As if every node had been down at the last 09:00: only yesterday's is on record.
    sql(
        &app,
        "UPDATE schedule_firings SET slot = '2020-01-01T00:00:00+00:00' WHERE name = 'reminders'",
    )
    .await;
    app.restart_with(|_| {}).await;
    let caught =
        super::helpers::eventually(30, || async { (ran(&app).await == 2).then_some(()) }).await;
    assert!(caught.is_some(), "the missed slot fired at start");
    app.finish().await;
}
