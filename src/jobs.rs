//! Background jobs on apalis, stored in the same database as everything else.
//!
//! `serve` runs them in-process; `worker` runs only them. With PostgreSQL any number of workers
//! share the queue (apalis locks each task), so a job runs once.

use std::future::Future;
use std::time::Duration;

use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use serde::{Deserialize, Serialize};

use consentflow_workers::{form, EnrollmentCode};

use crate::store::{blobs, enrollments, Store};

/// Render the consent form of an enrollment and store it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenderForm {
    pub enrollment_id: i64,
}

/// The job queue, on whichever backend the store uses.
#[derive(Clone)]
pub enum Queue {
    Sqlite(SqliteStorage<RenderForm>),
    Postgres(PostgresStorage<RenderForm>),
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Queue")
    }
}

impl Queue {
    pub fn new(store: &Store) -> Queue {
        match store {
            Store::Sqlite(p) => Queue::Sqlite(SqliteStorage::new(p)),
            Store::Postgres(p) => Queue::Postgres(PostgresStorage::new(p)),
        }
    }

    pub async fn render_form(&self, job: RenderForm) -> anyhow::Result<()> {
        match self {
            Queue::Sqlite(s) => s
                .clone()
                .push(job)
                .await
                .map_err(|e| anyhow::anyhow!("{e}")),
            Queue::Postgres(s) => s
                .clone()
                .push(job)
                .await
                .map_err(|e| anyhow::anyhow!("{e}")),
        }
    }
}

/// Renders off the async threads, then stores blob and record in one transaction.
#[tracing::instrument(skip(store), fields(enrollment_id = job.enrollment_id))]
pub async fn render_form(job: RenderForm, store: Data<Store>) -> Result<(), BoxDynError> {
    let mut c = store.acquire().await?;
    let row = enrollments::get(c.conn(), job.enrollment_id)
        .await?
        .ok_or("enrollment not found")?;
    drop(c);
    let code = EnrollmentCode::parse(&row.code)?;
    let version = row.form_version.clone().unwrap_or_else(|| "v1".into());
    let v = version.clone();
    let pdf = tokio::task::spawn_blocking(move || form::render_placeholder(&code, &v)).await?;
    let mut tx = store.begin().await?;
    let sha = blobs::put(tx.conn(), "application/pdf", &pdf).await?;
    enrollments::insert_render(tx.conn(), row.id, &version, &sha).await?;
    tx.commit().await?;
    metrics::counter!("consentflow_forms_rendered_total").increment(1);
    tracing::info!(bytes = pdf.len(), "consent form rendered");
    Ok(())
}

/// Runs every worker until `shutdown` completes.
/// Idle workers look for new tasks this often. apalis otherwise wakes only on its heartbeat
/// (30 s), which is too slow for a care manager waiting for a form.
pub async fn run<S>(store: Store, queue: Queue, poll: Duration, shutdown: S) -> anyhow::Result<()>
where
    S: Future<Output = std::io::Result<()>> + Send,
{
    let monitor = match queue {
        Queue::Sqlite(s) => Monitor::new().register(move |_| {
            WorkerBuilder::new(worker_name("render-form"))
                .backend(s.clone().poll_with_interval(poll))
                .data(store.clone())
                .build(render_form)
        }),
        Queue::Postgres(s) => Monitor::new().register(move |_| {
            WorkerBuilder::new(worker_name("render-form"))
                .backend(s.clone().poll_with_interval(poll))
                .data(store.clone())
                .build(render_form)
        }),
    };
    monitor
        .run_with_signal(shutdown)
        .await
        .map_err(|e| anyhow::anyhow!("job monitor: {e}"))
}

/// Worker names are registered in the queue's tables, so each process needs its own.
fn worker_name(kind: &str) -> String {
    use rand::RngCore;
    format!(
        "{kind}-{}-{:08x}",
        std::process::id(),
        rand::rng().next_u32()
    )
}
