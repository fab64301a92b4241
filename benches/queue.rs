//! The job queue (issue #9): jobs per second through apalis with a no-op handler, on SQLite and
//! on PostgreSQL, configured as the service configures its queues (2 s heartbeat). Goal on the
//! 2-core reference machine: ≥ 1,000 jobs/s on PostgreSQL.
//!
//! `cargo bench --bench queue` (SQLite in a temporary directory, and PostgreSQL in a fresh
//! database on 127.0.0.1:5432 when it answers). `BENCH_JOBS` changes the count (5,000).
//! The real page job's throughput is the intake benchmark's (`cargo bench --bench intake`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use serde::{Deserialize, Serialize};

use consentflow::store::{Pool, Store};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Noop {
    n: usize,
}

async fn noop(_job: Noop, done: Data<Arc<AtomicUsize>>) -> Result<(), BoxDynError> {
    done.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Pushes `n` jobs in bulk, then runs one worker until all are done: (push/s, run/s).
macro_rules! run {
    ($storage:expr, $n:expr) => {{
        let n: usize = $n;
        let storage = $storage;
        let t = Instant::now();
        for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
            let jobs: Vec<Noop> = chunk.iter().map(|&n| Noop { n }).collect();
            storage.clone().push_bulk(jobs).await.expect("push");
        }
        let push = t.elapsed();
        let done = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let d = done.clone();
        let monitor = Monitor::new().register(move |_| {
            WorkerBuilder::new(format!("bench-{}", std::process::id()))
                .backend(
                    storage
                        .clone()
                        .poll_with_interval(Duration::from_millis(10)),
                )
                .data(d.clone())
                .build(noop)
        });
        let t = Instant::now();
        let handle = tokio::spawn(monitor.run_with_signal(async move {
            let _ = rx.await;
            Ok(())
        }));
        while done.load(Ordering::Relaxed) < n {
            if t.elapsed() > Duration::from_secs(600) {
                panic!(
                    "only {} of {n} jobs in 10 minutes",
                    done.load(Ordering::Relaxed)
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let run = t.elapsed();
        let _ = tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(20), handle).await;
        (n as f64 / push.as_secs_f64(), n as f64 / run.as_secs_f64())
    }};
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    if let Pool::Sqlite(pool) = &store.pool {
        let c = apalis_sqlite::Config::default()
            .queue("bench-noop")
            .heartbeat_interval(Duration::from_secs(2));
        let storage: SqliteStorage<Noop> = SqliteStorage::new(pool).with_config(c);
        let (push, run) = run!(storage, n);
        println!("sqlite:     {n} no-op jobs: push {push:>8.0} jobs/s, run {run:>8.0} jobs/s");
    }

    use sqlx::Connection;
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    let Ok(mut conn) = sqlx::PgConnection::connect(admin).await else {
        println!("postgresql: not reachable at {admin}; skipped");
        return;
    };
    let name = format!("cf_bench_queue_{}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let store = Store::connect(&format!("postgres://postgres@127.0.0.1:5432/{name}"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    if let Pool::Postgres(pool) = &store.pool {
        let c = apalis_postgres::Config::default()
            .queue("bench-noop")
            .heartbeat_interval(Duration::from_secs(2));
        let storage: PostgresStorage<Noop> = PostgresStorage::new(pool).with_config(c);
        let (push, run) = run!(storage, n);
        println!("postgresql: {n} no-op jobs: push {push:>8.0} jobs/s, run {run:>8.0} jobs/s");
    }
    store.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await;
}
