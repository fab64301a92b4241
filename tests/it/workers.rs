//! The job workers under web load and failure (#23): they keep a pool of their own, so people
//! opening pages cannot take the connections that reading FAXes and sending e-mail need; and a
//! worker that fails (its pool ran dry, the database went away) is started again, shown on
//! `/healthz` meanwhile, never left dead.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use consentflow::store::{Pooled, Store};

use super::forms::city;
use super::helpers::{eventually, get, spawn_app_with, sql, Backend};
use super::intake::printed;
use super::mail::{fax_of, tools};
use super::pc::delivered;

/// Takes `n` connections of a pool and holds them until dropped, as a crowd of slow page views
/// would.
async fn hold(store: &Store, n: u32) -> Vec<Pooled> {
    let mut held = Vec::new();
    for _ in 0..n {
        held.push(store.acquire().await.expect("a connection to hold"));
    }
    held
}

/// An enrollment's state, read on a connection of the test's own.
async fn state_of(probe: &Store, id: i64) -> String {
    let mut c = probe.acquire().await.unwrap();
    consentflow::store::enrollments::get(c.conn(), id)
        .await
        .unwrap()
        .map(|e| e.state.to_string())
        .unwrap_or_default()
}

async fn fax_reading_and_mail_go_on_while_the_web_pool_is_taken(backend: Backend) {
    if !tools(&["gs"]) {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().to_path_buf();
    let Some(app) = spawn_app_with(backend, |c| {
        c.intake.folder = Some(root.clone());
        c.intake.folder_poll_ms = 100;
        c.database.web_connections = 3;
        c.database.acquire_timeout_seconds = 1;
    })
    .await
    else {
        return;
    };
    let a = &app;
    let c = city(a).await;
    sql(
        a,
        "UPDATE users SET email = 'caremgr@kaigo.example.jp' WHERE login = 'caremgr'",
    )
    .await;
    let (id, pdf) = printed(a, &c, "山田 花子", 1).await;
    let tiff = fax_of(&pdf, "tiffg4", "204x196", None);
    let probe = Store::connect(&a.config.database_url).await.unwrap();

    // Every connection of the web's pool is taken: pages and the API time out…
    let held = hold(&a.store, 3).await;
    let (s, _) = a
        .api(Method::GET, "/api/v1/enrollments", &c.centre, None)
        .await;
    assert_eq!(s, 500, "the web pool is exhausted");

    // …while a FAX arrives in the hot folder, is read and matched, and the receipt is sent.
    std::fs::write(root.join("scan-0001.tif"), &tiff).unwrap();
    let read = eventually(90, || async {
        (state_of(&probe, id).await == "copy_received").then_some(())
    })
    .await;
    assert!(read.is_some(), "the FAX was read with the web pool taken");
    let sent = eventually(60, || async {
        (!delivered(a, "copy_received").is_empty()).then_some(())
    })
    .await;
    assert!(sent.is_some(), "the receipt e-mail went out");
    drop(held);
    probe.close().await;
    app.finish().await;
}

#[tokio::test]
async fn web_load_leaves_the_workers_their_connections_on_sqlite() {
    fax_reading_and_mail_go_on_while_the_web_pool_is_taken(Backend::Sqlite).await;
}

#[tokio::test]
async fn web_load_leaves_the_workers_their_connections_on_postgres() {
    fax_reading_and_mail_go_on_while_the_web_pool_is_taken(Backend::Postgres).await;
}

/// `/healthz`'s line for `worker`: (up, restarts).
fn worker_line(health: &str, worker: &str) -> Option<(bool, u64)> {
    let line = health
        .lines()
        .find(|l| l.starts_with(&format!("worker {worker}: ")))?;
    let up = line.contains(": up,");
    let restarts = line.rsplit(' ').next()?.parse().ok()?;
    Some((up, restarts))
}

async fn a_worker_whose_pool_ran_dry_comes_back(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| {
        c.database.worker_connections = 2;
        c.database.acquire_timeout_seconds = 1;
    })
    .await
    else {
        return;
    };
    let a = &app;
    let health = || async { get(a, "/healthz").await };
    let up = eventually(10, || async {
        let (s, body, _) = health().await;
        (s == 200 && worker_line(&body, "mail") == Some((true, 0))).then_some(())
    })
    .await;
    assert!(up.is_some(), "{}", health().await.1);

    // The workers' pool runs dry for a while: their polls time out and they stop. Meanwhile
    // /healthz says so.
    let held = hold(&a.state.worker_store, 2).await;
    let down = eventually(20, || async {
        let (s, body, _) = health().await;
        (s == 503 && body.contains(": down,")).then_some(body)
    })
    .await;
    assert!(down.is_some(), "a stopped worker shows on /healthz");
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(held);

    // Back: every worker up again, restarted at least once, and an e-mail written now is sent.
    let back = eventually(60, || async {
        let (s, body, _) = health().await;
        let restarted = ["mail", "intake"]
            .iter()
            .all(|w| worker_line(&body, w).is_some_and(|(up, n)| up && n >= 1));
        (s == 200 && restarted).then_some(body)
    })
    .await;
    assert!(back.is_some(), "{}", health().await.1);
    a.user("city", consentflow::domain::Role::CityAdmin, None)
        .await;
    let nurse = a
        .user("nurse", consentflow::domain::Role::Centre, None)
        .await;
    sql(
        a,
        "UPDATE users SET email = 'nurse@centre.example.jp' WHERE login = 'nurse'",
    )
    .await;
    let city = a.token("city").await;
    let (s, v) = a
        .api(
            Method::POST,
            &format!("/api/v1/users/{nurse}/suspension"),
            &city,
            Some(json!({ "reason": "PCの紛失のため" })),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let sent = eventually(60, || async {
        (!delivered(a, "account_suspended").is_empty()).then_some(())
    })
    .await;
    assert!(sent.is_some(), "the restarted mail worker sends");
    let (_, metrics, _) = get(a, "/metrics").await;
    assert!(
        metrics.contains("consentflow_worker_restarts_total"),
        "restarts are counted"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_worker_whose_pool_ran_dry_comes_back_on_sqlite() {
    a_worker_whose_pool_ran_dry_comes_back(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_worker_whose_pool_ran_dry_comes_back_on_postgres() {
    a_worker_whose_pool_ran_dry_comes_back(Backend::Postgres).await;
}
