//! Several nodes (issue #9): two `consentflow serve` processes and one `consentflow worker`, on
//! their own ports and data directories, against one PostgreSQL. Every one of them runs the job
//! workers. The test uploads FAXes to both web nodes (one of them to both) and checks that each
//! message is stored once, each page read once, each copy received once, and each e-mail
//! written once, whichever process took the job.

use std::process::Command;
use std::time::Duration;

use super::cli::{listening, Killed};
use super::drills::each_fax_once;
use super::forms::city;
use super::helpers::{eventually, spawn_app_with, sql_count, Backend, TestApp};
use super::intake::{files_form, printed};
use super::mail::{fax_of, gateway_mail, tools};

const BIN: &str = env!("CARGO_BIN_EXE_consentflow");

pub(super) fn node(a: &TestApp, dir: &std::path::Path, what: &str) -> Command {
    let mut c = Command::new(BIN);
    c.arg(what)
        .env("DATABASE_URL", &a.config.database_url)
        .env("CONSENTFLOW_DATA_DIR", dir)
        .env("CONSENTFLOW_LISTEN", "127.0.0.1:0")
        .env("CONSENTFLOW_QR_KEY", "test-qr-key")
        .env("CONSENTFLOW_SESSION_KEY", "test-session-key")
        .env("CONSENTFLOW_JOB_POLL_MS", "100")
        .env("RUST_LOG", "warn");
    c
}

fn mails_in(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("mail")) else {
        return vec![];
    };
    entries
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .filter_map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .map(str::to_string)
        })
        .collect()
}

#[tokio::test]
async fn two_web_nodes_and_a_worker_process_everything_once() {
    // The test's own application only sets up the city; it runs no workers.
    let Some(app) = spawn_app_with(Backend::Postgres, |c| c.run_workers = false).await else {
        return;
    };
    if !tools(&["gs"]) {
        return;
    }
    let a = &app;
    let c = city(a).await;
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (one, web_a, _) = listening(node(a, dirs[0].path(), "serve"));
    let _one = Killed(one);
    let (two, web_b, _) = listening(node(a, dirs[1].path(), "serve"));
    let _two = Killed(two);
    let worker = node(a, dirs[2].path(), "worker").spawn().unwrap();
    let _worker = Killed(worker);

    // Six printed forms come back by FAX, each as its own gateway e-mail.
    let mut ids = vec![];
    let mut mails = vec![];
    for n in 0..6 {
        let (id, pdf) = printed(a, &c, &format!("多 ノード{n}"), 1).await;
        let tif = fax_of(&pdf, "tiffg4", "204x196", None);
        mails.push(gateway_mail(
            &format!("node-{n}@gw.example.jp"),
            "FAX受信 029-265-8332",
            "",
            &[("fax.tif", "image/tiff", &tif)],
        ));
        ids.push(id);
    }
    // Alternately to either web node; the first also to both (the same message twice).
    let client = reqwest::Client::new();
    let send = |base: &str, mail: &[u8]| {
        client
            .post(format!("{base}/api/v1/fax/uploads"))
            .bearer_auth(&c.centre)
            .multipart(files_form(&[("fax.eml", mail)]))
            .send()
    };
    let first = send(&web_b, &mails[0]).await.unwrap().status().as_u16();
    assert_eq!(first, 202);
    for (n, mail) in mails.iter().enumerate() {
        let base = if n % 2 == 0 { &web_a } else { &web_b };
        let s = send(base, mail).await.unwrap().status().as_u16();
        assert!(s == 202 || s == 200, "upload {n}: {s}");
    }

    let settled = eventually(180, || async {
        let waiting = sql_count(
            a,
            "SELECT (SELECT COUNT(*) FROM fax_messages WHERE status = 'stored') \
             + (SELECT COUNT(*) FROM outbox WHERE status = 'pending')",
        )
        .await;
        let sent = sql_count(a, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await;
        (waiting == 0 && sent >= 6).then_some(())
    })
    .await;
    assert!(
        settled.is_some(),
        "every message read and every e-mail sent"
    );
    // Let any straggler that would process something twice have its chance.
    tokio::time::sleep(Duration::from_secs(2)).await;

    each_fax_once(a, &c, &ids).await;
    let count = |q: &'static str| sql_count(a, q);
    assert_eq!(
        count("SELECT COUNT(*) FROM outbox WHERE template = 'copy_received'").await,
        6
    );
    // Written once each, by whichever node sent it.
    let mut written: Vec<String> = dirs.iter().flat_map(|d| mails_in(d.path())).collect();
    let total = written.len();
    written.sort();
    written.dedup();
    assert_eq!(written.len(), total, "no e-mail written twice");
    assert_eq!(
        total as i64,
        count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await
    );
    let by_node: Vec<usize> = dirs.iter().map(|d| mails_in(d.path()).len()).collect();
    println!("e-mails written per node (serve, serve, worker): {by_node:?}");
    drop((_one, _two, _worker));
    app.finish().await;
}
