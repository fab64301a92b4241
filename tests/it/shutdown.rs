//! Stopping in the middle of a long job (#23): SIGTERM ends `serve` and `worker` within 10 s
//! (the run stops between its batches instead of being cut off), and the run it interrupted
//! resumes at the next start where it stopped: nothing written twice, nothing left out.

use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use consentflow::seed::{self, Plan};
use consentflow::store::schedules;

use super::cli::{listening_with, Killed};
use super::helpers::{eventually, spawn_app_with, sql_count, Backend, TestApp};
use super::nodes::node;

/// The process's log, kept to look for a run that had to be cut off.
fn logged(cmd: &mut Command, to: &std::path::Path) -> Stdio {
    cmd.env("RUST_LOG", "info,sqlx=warn");
    Stdio::from(File::create(to).unwrap())
}

/// Sends SIGTERM and waits for the exit; how long it took, and whether it exited cleanly.
fn terminate(child: &mut Child) -> (Duration, bool) {
    let asked = Instant::now();
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (asked.elapsed(), status.success());
        }
        assert!(
            asked.elapsed() < Duration::from_secs(30),
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn firing(a: &TestApp) -> (i64, i64) {
    let progress = sql_count(
        a,
        "SELECT COALESCE(MAX(progress), 0) FROM schedule_firings WHERE name = 'reminders'",
    )
    .await;
    let finished = sql_count(
        a,
        "SELECT COUNT(*) FROM schedule_firings \
         WHERE name = 'reminders' AND finished_at IS NOT NULL",
    )
    .await;
    (progress, finished)
}

#[tokio::test]
async fn sigterm_stops_a_long_reminder_run_and_the_next_start_finishes_it() {
    let Some(app) = spawn_app_with(Backend::chosen(), |c| {
        c.run_workers = false;
        c.schedules.enabled = false;
    })
    .await
    else {
        return;
    };
    let a = &app;
    // A city whose thousands of overdue enrollments are read one at a time: a run that lasts.
    let plan = Plan {
        enrollments: 12_000,
        pages: 0,
    };
    seed::run(&a.state.ctx, plan).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let one_at_a_time = |mut c: Command| {
        c.env("CONSENTFLOW_REMINDERS__BATCH", "1");
        c
    };

    // `serve` catches up today's reminders as it starts; it is stopped a few pages in.
    let mut cmd = one_at_a_time(node(a, dir.path(), "serve"));
    let log = logged(&mut cmd, &dir.path().join("serve.log"));
    let (serve, _, _) = listening_with(cmd, log);
    let mut serve = Killed(serve);
    let begun = eventually(60, || async {
        let (progress, _) = firing(a).await;
        (progress > 0).then_some(progress)
    })
    .await;
    assert!(begun.is_some(), "the reminder run began");
    let (took, clean) = terminate(&mut serve.0);
    eprintln!("serve stopped {took:?} after SIGTERM");
    assert!(clean, "serve exited cleanly");
    assert!(
        took < Duration::from_secs(10),
        "serve took {took:?} to stop"
    );
    let (stopped_at, finished) = firing(a).await;
    assert_eq!(
        finished, 0,
        "the run was interrupted, not finished: make it longer"
    );
    let written_before = sql_count(a, "SELECT COUNT(*) FROM outbox").await;
    let serve_log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    assert!(
        serve_log.contains("interrupted by the shutdown"),
        "the run stopped between batches:\n{serve_log}"
    );
    assert!(!serve_log.contains("cut off"), "{serve_log}");

    // A `worker` started later takes the run up where it stopped and finishes it.
    let mut cmd = one_at_a_time(node(a, dir.path(), "worker"));
    let log = logged(&mut cmd, &dir.path().join("worker.log"));
    let mut worker = Killed(cmd.stdout(Stdio::null()).stderr(log).spawn().unwrap());
    let done = eventually(180, || async { (firing(a).await.1 == 1).then_some(()) }).await;
    assert!(done.is_some(), "the interrupted run was finished");
    let (resumed_to, _) = firing(a).await;
    assert!(resumed_to > stopped_at);
    let (took, clean) = terminate(&mut worker.0);
    assert!(
        clean && took < Duration::from_secs(10),
        "worker took {took:?}"
    );
    let written = sql_count(a, "SELECT COUNT(*) FROM outbox").await;
    assert!(written > written_before && written_before > 0);

    // The same slot run again from the start finds nothing left to write.
    let slot = {
        let mut c = a.store.acquire().await.unwrap();
        schedules::last(c.conn(), "reminders")
            .await
            .unwrap()
            .unwrap()
    };
    super::helpers::sql(a, "UPDATE schedule_firings SET progress = NULL").await;
    let again = consentflow::schedule::work(&a.state.ctx, "reminders", slot)
        .await
        .unwrap();
    assert_eq!(again, 0, "every reminder was written by the two runs");
    assert_eq!(sql_count(a, "SELECT COUNT(*) FROM outbox").await, written);
    app.finish().await;
}
