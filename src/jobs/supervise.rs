//! Supervision: a job worker (or a source loop: the mailbox, the hot folder, the outbox
//! dispatcher) that ends, fails or panics is started again after a pause that doubles up to
//! half a minute. Only a shutdown ends it for good. Its state is kept for `/healthz` and
//! counted in `/metrics`.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// The first pause before a restart; it doubles on each failure in a row.
const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// The longest pause between restarts.
const MAX_PAUSE: Duration = Duration::from_secs(30);
/// A worker that ran this long before failing starts again from the first pause.
const STABLE: Duration = Duration::from_secs(60);
/// How long a run may take to finish its task once asked to stop, before it is cut off (a
/// shutdown must end within 10 s; a long job stops between its batches well before this, and
/// one cut off is taken over by the next worker once its heartbeat stops).
const GRACE: Duration = Duration::from_secs(7);

/// One worker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WorkerStatus {
    /// Running now (false while it waits to be started again).
    pub up: bool,
    /// How many times it was started again since the process began.
    pub restarts: u64,
}

/// The job workers of this process, by name.
#[derive(Debug, Default)]
pub struct WorkerHealth {
    workers: Mutex<BTreeMap<&'static str, WorkerStatus>>,
}

impl WorkerHealth {
    fn set(&self, name: &'static str, up: bool, restarted: bool) {
        let mut w = self.workers.lock().unwrap_or_else(|p| p.into_inner());
        let s = w.entry(name).or_insert(WorkerStatus { up, restarts: 0 });
        s.up = up;
        if restarted {
            s.restarts += 1;
        }
        metrics::gauge!("consentflow_worker_up", "worker" => name).set(if up { 1.0 } else { 0.0 });
    }

    /// Forgets a worker that was stopped on purpose (a shutdown).
    fn stopped(&self, name: &'static str) {
        let mut w = self.workers.lock().unwrap_or_else(|p| p.into_inner());
        w.remove(name);
    }

    /// Every worker's state, by name.
    pub fn snapshot(&self) -> Vec<(&'static str, WorkerStatus)> {
        let w = self.workers.lock().unwrap_or_else(|p| p.into_inner());
        w.iter().map(|(k, v)| (*k, *v)).collect()
    }

    /// The workers that are down now.
    pub fn down(&self) -> Vec<&'static str> {
        self.snapshot()
            .into_iter()
            .filter(|(_, s)| !s.up)
            .map(|(n, _)| n)
            .collect()
    }
}

/// Runs `start()` until `stop` turns true, starting it again whenever it ends, fails or
/// panics. Each run is its own task, so a panic is caught as an error.
pub async fn supervise<F, Fut>(
    name: &'static str,
    health: Arc<WorkerHealth>,
    stop: watch::Receiver<bool>,
    mut start: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let mut pause = FIRST_PAUSE;
    let mut restarted = false;
    loop {
        health.set(name, true, restarted);
        let began = Instant::now();
        let mut run = tokio::spawn(start());
        let ended = tokio::select! {
            o = &mut run => Some(o),
            _ = stopped(stop.clone()) => None,
        };
        let Some(outcome) = ended else {
            // The run sees the stop too and finishes what it holds; wait a while for it.
            if tokio::time::timeout(GRACE, &mut run).await.is_err() {
                tracing::warn!(worker = name, "did not stop in time; cut off");
                run.abort();
            }
            break;
        };
        if is_stopped(&stop) {
            break;
        }
        let error = match outcome {
            Ok(Ok(())) => "ended without being asked to".to_string(),
            Ok(Err(e)) => e,
            Err(e) => format!("panicked: {e}"),
        };
        if began.elapsed() >= STABLE {
            pause = FIRST_PAUSE;
        }
        tracing::error!(worker = name, %error, pause_ms = pause.as_millis() as u64,
            "job worker stopped; starting it again");
        metrics::counter!("consentflow_worker_restarts_total", "worker" => name).increment(1);
        health.set(name, false, false);
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stopped(stop.clone()) => break,
        }
        pause = (pause * 2).min(MAX_PAUSE);
        restarted = true;
    }
    health.stopped(name);
}

/// Completes once `stop` turns true (or its sender is gone).
pub async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn is_stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow()
}

/// A loop meant to run for ever (the mailbox, the hot folder, the dispatcher), under
/// [`supervise`]: it ends with `stop`, and anything else is a failure to restart from.
pub async fn endless<F, Fut>(
    name: &'static str,
    health: Arc<WorkerHealth>,
    stop: watch::Receiver<bool>,
    mut start: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let until = stop.clone();
    supervise(name, health, stop, move || {
        let run = start();
        let until = until.clone();
        async move {
            tokio::select! {
                _ = run => Err("ended".to_string()),
                _ = stopped(until) => Ok(()),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn a_failing_worker_is_started_again_until_stopped() {
        let health = Arc::new(WorkerHealth::default());
        let (tx, rx) = watch::channel(false);
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        let task = tokio::spawn(supervise("test", health.clone(), rx, move || {
            let n = r.fetch_add(1, Ordering::SeqCst);
            async move {
                match n {
                    0 => Err("pool timed out".into()),
                    1 => panic!("a bug"),
                    _ => std::future::pending().await,
                }
            }
        }));
        // 0.5 s, then 1 s of pause: the third run is up and stays up.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        let s = health.snapshot();
        assert_eq!(
            s,
            vec![(
                "test",
                WorkerStatus {
                    up: true,
                    restarts: 2
                }
            )]
        );
        // A run that ignores the stop is cut off after the grace period.
        tx.send(true).unwrap();
        task.await.unwrap();
        assert!(health.snapshot().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_worker_waiting_to_restart_is_down() {
        let health = Arc::new(WorkerHealth::default());
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(supervise("mail", health.clone(), rx, || async {
            Err("pool timed out".to_string())
        }));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(health.down(), vec!["mail"]);
        tx.send(true).unwrap();
        task.await.unwrap();
        assert!(
            health.snapshot().is_empty(),
            "stopped on purpose: forgotten"
        );
    }
}
