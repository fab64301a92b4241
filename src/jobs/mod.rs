//! Background jobs on apalis, stored in the same database as everything else.
//!
//! `serve` runs them in-process; `worker` runs only them. With PostgreSQL any number of workers
//! share the queue (apalis locks each task), so a job runs once.

pub mod supervise;
mod tick;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt};
use tokio::sync::watch;

use apalis::prelude::*;

use crate::context::Context;
use crate::error::AppError;
use crate::queue::{PrintBatchJob, ProcessMessageJob, Queue, RunScheduleJob, SendMailJob};
use supervise::{endless, supervise, WorkerHealth};

/// Runs a job's work on a task of its own, which ends with the job (a shutdown drops it).
/// apalis looks for new tasks each time a worker's task wakes; work done inline woke it at every
/// query it awaited, and a print batch made some 250 fetches (each a write to `Jobs`) a second.
async fn own_task<Fut>(work: Fut) -> Result<(), BoxDynError>
where
    Fut: Future<Output = Result<(), BoxDynError>> + Send + 'static,
{
    use tracing::Instrument;
    let task = tokio::spawn(work.in_current_span());
    tokio_util::task::AbortOnDropHandle::new(task)
        .await
        .map_err(|e| BoxDynError::from(format!("the job's task ended: {e}")))?
}

/// Sends one e-mail. Failures are recorded on the outbox row and retried by the dispatcher,
/// not by apalis, so the job itself succeeds unless the database is unreachable.
#[tracing::instrument(skip(app), fields(outbox_id = job.outbox_id))]
pub async fn send_mail(job: SendMailJob, app: Data<Context>) -> Result<(), BoxDynError> {
    let app = Context::clone(&app);
    own_task(async move {
        match crate::outbox::send(&app, job.outbox_id).await {
            Ok(_) | Err(AppError::NotFound) => Ok(()),
            Err(e) => Err(e.to_string().into()),
        }
    })
    .await
}

/// Does the work of one schedule firing. One cut short by a shutdown is queued again: the
/// next worker to start resumes it where its progress says.
#[tracing::instrument(skip(app), fields(schedule = %job.name))]
pub async fn run_schedule(job: RunScheduleJob, app: Data<Context>) -> Result<(), BoxDynError> {
    let app = Context::clone(&app);
    own_task(async move {
        match crate::schedule::run(&app, &job.name, job.slot).await {
            Err(AppError::Interrupted) => {
                tracing::info!("schedule run interrupted by the shutdown; queued again");
                app.queue.run_schedule(job).await.map_err(Into::into)
            }
            r => r.map_err(|e| e.to_string().into()),
        }
    })
    .await
}

/// Reads one stored FAX message (see `intake::process`).
#[tracing::instrument(skip(app), fields(message_id = job.message_id))]
pub async fn process_message(
    job: ProcessMessageJob,
    app: Data<Context>,
) -> Result<(), BoxDynError> {
    let app = Context::clone(&app);
    own_task(async move {
        match crate::intake::process::process_message(&app, job.message_id).await {
            Ok(_) | Err(AppError::NotFound) => Ok(()),
            Err(e) => Err(e.to_string().into()),
        }
    })
    .await
}

/// Prints a batch (see `service::batches::print`); one cut short by a shutdown is queued again
/// (the forms already issued are fetched, not drawn again).
#[tracing::instrument(skip(app), fields(batch_id = job.batch_id))]
pub async fn print_batch(job: PrintBatchJob, app: Data<Context>) -> Result<(), BoxDynError> {
    let app = Context::clone(&app);
    own_task(async move {
        match crate::service::batches::print(&app, job.batch_id).await {
            Err(AppError::Interrupted) => {
                tracing::info!("print batch interrupted by the shutdown; queued again");
                app.queue.print_batch(job).await.map_err(Into::into)
            }
            r => r.map_err(|e| e.to_string().into()),
        }
    })
    .await
}

/// Runs every worker until `shutdown` completes. Idle workers look for new tasks every `poll`
/// ([`tick::EveryTick`]): apalis otherwise wakes only on its heartbeat, too slow for someone
/// watching a progress bar.
///
/// The workers use the state's `worker_store`, a pool of their own, and each runs under
/// [`supervise`]: one that fails (a pool timeout under load, a lost database) is started again
/// after a pause, never left dead.
pub async fn run<S>(
    app: Context,
    health: Arc<WorkerHealth>,
    poll: Duration,
    shutdown: S,
) -> anyhow::Result<()>
where
    S: Future<Output = std::io::Result<()>> + Send,
{
    let app = app.for_workers();
    let (stop_tx, stop) = watch::channel(false);
    // Messages stored while no worker ran, or whose job was lost in a crash.
    if let Err(e) = crate::intake::sweep(&app).await {
        tracing::warn!(error = %e, "could not queue stored messages");
    }
    let mut tasks = Vec::new();
    // The same workers on either backend: the storages differ in type, so a macro.
    macro_rules! worker {
        ($name:literal, $storage:expr, $handler:ident) => {{
            let (storage, a, until) = ($storage, app.clone(), stop.clone());
            tasks.push(tokio::spawn(supervise(
                $name,
                health.clone(),
                stop.clone(),
                move || {
                    let worker = WorkerBuilder::new(worker_name($name))
                        .backend(
                            storage
                                .clone()
                                .poll_with_strategy(tick::EveryTick::new(poll)),
                        )
                        .data(a.clone())
                        .build($handler);
                    let until = until.clone();
                    async move {
                        let signal = async move {
                            supervise::stopped(until).await;
                            Ok::<(), std::io::Error>(())
                        };
                        worker.run_until(signal).await.map_err(|e| e.to_string())
                    }
                },
            )));
        }};
    }
    macro_rules! workers {
        ($print:expr, $intake:expr, $mail:expr, $schedule:expr) => {{
            worker!("print-batch", $print, print_batch);
            worker!("intake", $intake, process_message);
            worker!("mail", $mail, send_mail);
            worker!("schedule", $schedule, run_schedule);
        }};
    }
    match app.queue.clone() {
        Queue::Sqlite {
            print,
            intake,
            mail,
            schedule,
        } => workers!(print, intake, mail, schedule),
        Queue::Postgres {
            print,
            intake,
            mail,
            schedule,
        } => workers!(print, intake, mail, schedule),
    }
    tasks.extend(loops(&app, &health, &stop));
    // Slots missed while every node was down, then the triggers.
    let triggers = if app.config.schedules.enabled {
        if let Err(e) = crate::schedule::catch_up(&app, crate::schedule::Run::Queue).await {
            tracing::warn!(error = %e, "could not catch up the schedules");
        }
        Some(crate::schedule::start(&app).await?)
    } else {
        None
    };
    let asked = shutdown.await;
    // The workers stop taking tasks first; then the running ones stop between batches.
    let _ = stop_tx.send(true);
    app.stopping.cancel();
    for task in tasks {
        let _ = task.await;
    }
    if let Some(t) = triggers {
        t.stop().await;
    }
    app.worker_store.close().await;
    asked.map_err(|e| anyhow::anyhow!("shutdown signal: {e}"))
}

/// The loops beside the workers (the mailbox, the hot folder, the outbox dispatcher), each
/// supervised like a worker.
fn loops(
    app: &Context,
    health: &Arc<WorkerHealth>,
    stop: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    let mut spawn = |name: &'static str, run: Box<dyn Fn() -> BoxFuture<'static, ()> + Send>| {
        tasks.push(tokio::spawn(endless(
            name,
            health.clone(),
            stop.clone(),
            run,
        )));
    };
    if let Some(cfg) = app.config.intake.imap.clone() {
        let a = app.clone();
        spawn(
            "imap",
            Box::new(move || crate::intake::imap::run(a.clone(), cfg.clone()).boxed()),
        );
    }
    if let Some(dir) = app.config.intake.folder.clone() {
        let a = app.clone();
        spawn(
            "folder",
            Box::new(move || crate::intake::folder::run(a.clone(), dir.clone()).boxed()),
        );
    }
    let a = app.clone();
    spawn(
        "outbox",
        Box::new(move || crate::outbox::dispatch_loop(a.clone()).boxed()),
    );
    tasks
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Context as TaskContext;
    use tick::tests::Count;

    /// A job's work awaits on its own task: only its end wakes the worker.
    #[tokio::test]
    async fn a_jobs_own_awaits_do_not_wake_its_worker() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = futures::task::waker(count.clone());
        let mut cx = TaskContext::from_waker(&waker);
        let (done, finish) = tokio::sync::oneshot::channel::<()>();
        let mut job = Box::pin(own_task(async move {
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            finish.await.map_err(|e| BoxDynError::from(e.to_string()))
        }));
        assert!(job.as_mut().poll(&mut cx).is_pending());
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            0,
            "the work's wakes stayed on its task"
        );
        done.send(()).unwrap();
        for _ in 0..1000 {
            if count.0.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "its end woke the worker once"
        );
        assert!(matches!(
            job.as_mut().poll(&mut cx),
            std::task::Poll::Ready(Ok(()))
        ));
    }
}
