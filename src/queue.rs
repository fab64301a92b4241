//! The job queue: what each job carries, and the handle that queues them, on whichever backend
//! the store uses. The workers that run them are in `jobs`.

use std::time::Duration;

use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use serde::{Deserialize, Serialize};

use crate::store::{Pool, Store};

/// A job's queue name, stored with every task. It must never change, or tasks already queued
/// would wait for a worker that no longer exists (these are the names the types had when they
/// lived in `jobs`).
pub trait Queued {
    const QUEUE: &'static str;
}

impl Queued for PrintBatchJob {
    const QUEUE: &'static str = "consentflow::jobs::PrintBatch";
}
impl Queued for ProcessMessageJob {
    const QUEUE: &'static str = "consentflow::jobs::ProcessMessage";
}
impl Queued for SendMailJob {
    const QUEUE: &'static str = "consentflow::jobs::SendMail";
}
impl Queued for RunScheduleJob {
    const QUEUE: &'static str = "consentflow::jobs::RunSchedule";
}

/// Print many enrollments' forms into one PDF (batch printing).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrintBatchJob {
    pub batch_id: i64,
}

/// Read a stored FAX message: documents, pages, matches (FAX intake).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessMessageJob {
    pub message_id: i64,
}

/// Send one outbox e-mail (see `outbox::send`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMailJob {
    pub outbox_id: i64,
}

/// Do the work of one schedule firing (see `schedule::run`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunScheduleJob {
    pub name: String,
    pub slot: chrono::DateTime<chrono::Utc>,
}

const HEARTBEAT: Duration = Duration::from_secs(2);

/// Calls a push method on one of the queue's storages, whichever the backend.
macro_rules! push {
    ($queue:expr, $storage:ident, $method:ident($arg:expr)) => {{
        let r = match $queue {
            Queue::Sqlite { $storage, .. } => $storage
                .clone()
                .$method($arg)
                .await
                .map_err(|e| e.to_string()),
            Queue::Postgres { $storage, .. } => $storage
                .clone()
                .$method($arg)
                .await
                .map_err(|e| e.to_string()),
        };
        r.map_err(|e| anyhow::anyhow!("{e}"))
    }};
}

/// The job queues, on whichever backend the store uses.
#[derive(Clone)]
pub enum Queue {
    Sqlite {
        print: SqliteStorage<PrintBatchJob>,
        intake: SqliteStorage<ProcessMessageJob>,
        mail: SqliteStorage<SendMailJob>,
        schedule: SqliteStorage<RunScheduleJob>,
    },
    Postgres {
        print: PostgresStorage<PrintBatchJob>,
        intake: PostgresStorage<ProcessMessageJob>,
        mail: PostgresStorage<SendMailJob>,
        schedule: PostgresStorage<RunScheduleJob>,
    },
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Queue")
    }
}

impl Queue {
    pub fn new(store: &Store) -> Queue {
        // A short heartbeat: a job whose worker died is taken over after `missed_heartbeats`
        // of them. (It was also what woke a worker whose apalis interval had stopped; see
        // `jobs::tick`.)
        fn sqlite<T: Queued>(p: &sqlx::SqlitePool) -> SqliteStorage<T> {
            let c = apalis_sqlite::Config::default()
                .queue(T::QUEUE)
                .heartbeat_interval(HEARTBEAT)
                .missed_heartbeats(3);
            SqliteStorage::new(p).with_config(c)
        }
        fn postgres<T: Queued>(p: &sqlx::PgPool) -> PostgresStorage<T> {
            let c = apalis_postgres::Config::default()
                .queue(T::QUEUE)
                .heartbeat_interval(HEARTBEAT)
                .missed_heartbeats(3);
            PostgresStorage::new(p).with_config(c)
        }
        match &store.pool {
            Pool::Sqlite(p) => Queue::Sqlite {
                print: sqlite(p),
                intake: sqlite(p),
                mail: sqlite(p),
                schedule: sqlite(p),
            },
            Pool::Postgres(p) => Queue::Postgres {
                print: postgres(p),
                intake: postgres(p),
                mail: postgres(p),
                schedule: postgres(p),
            },
        }
    }

    pub async fn print_batch(&self, job: PrintBatchJob) -> anyhow::Result<()> {
        push!(self, print, push(job))
    }

    /// Queues many messages in one insert (an IMAP batch).
    pub async fn process_messages(&self, jobs: Vec<ProcessMessageJob>) -> anyhow::Result<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        push!(self, intake, push_bulk(jobs))
    }

    pub async fn process_message(&self, job: ProcessMessageJob) -> anyhow::Result<()> {
        push!(self, intake, push(job))
    }

    pub async fn run_schedule(&self, job: RunScheduleJob) -> anyhow::Result<()> {
        push!(self, schedule, push(job))
    }

    pub async fn send_mails(&self, ids: Vec<i64>) -> anyhow::Result<()> {
        let jobs: Vec<SendMailJob> = ids
            .into_iter()
            .map(|outbox_id| SendMailJob { outbox_id })
            .collect();
        push!(self, mail, push_bulk(jobs))
    }
}
