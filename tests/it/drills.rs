//! Crash and outage drills (issue #9).
//!
//! - `consentflow worker` killed with SIGKILL at random moments while it fetches FAX mail over
//!   IMAP (Dovecot), reads pages and sends e-mail over SMTP (OpenSMTPD), then started again;
//!   `CONSENTFLOW_DRILL_KILLS` kills (6 here; `benches/drills.sh` runs 60), one FAX and one
//!   office application arriving before each start. Afterwards every
//!   mail is stored once, every page read once, every copy received once, every e-mail sent.
//! - The IMAP server and the SMTP server down when the worker starts, then back: the work is
//!   done without anyone stepping in.
//! - PostgreSQL restarted in the middle of a run: see `pg_restart.rs`.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use rand::Rng;

use super::cli::Killed;
use super::forms::{city, City};
use super::helpers::{eventually, spawn_app_with, sql_count, Backend, TestApp};
use super::intake::{printed, state};
use super::mail::{fax_of, gateway_mail, tools, Dovecot};
use super::offices::application_json;
use super::smtp::{free_port, Smtpd};

const BIN: &str = env!("CARGO_BIN_EXE_consentflow");

/// `consentflow worker` reading the Dovecot and sending to the SMTP server on `smtp_port`.
fn worker(a: &TestApp, dir: &std::path::Path, imap_port: u16, smtp_port: u16) -> Command {
    let mut c = Command::new(BIN);
    c.arg("worker")
        .env("DATABASE_URL", &a.config.database_url)
        .env("CONSENTFLOW_DATA_DIR", dir)
        .env("CONSENTFLOW_QR_KEY", "test-qr-key")
        .env("CONSENTFLOW_SESSION_KEY", "test-session-key")
        .env("CONSENTFLOW_JOB_POLL_MS", "100")
        .env("CONSENTFLOW_INTAKE__IMAP__HOST", "127.0.0.1")
        .env("CONSENTFLOW_INTAKE__IMAP__PORT", imap_port.to_string())
        .env("CONSENTFLOW_INTAKE__IMAP__TLS", "false")
        .env("CONSENTFLOW_INTAKE__IMAP__USER", "fax")
        .env("CONSENTFLOW_INTAKE__IMAP__PASSWORD", "secret")
        .env("CONSENTFLOW_INTAKE__IMAP__BATCH", "3")
        .env("CONSENTFLOW_INTAKE__IMAP__POLL_SECONDS", "1")
        .env("CONSENTFLOW_INTAKE__IMAP__LEASE_SECONDS", "2")
        .env("CONSENTFLOW_MAIL__TRANSPORT", "smtp")
        .env("CONSENTFLOW_MAIL__SMTP__HOST", "127.0.0.1")
        .env("CONSENTFLOW_MAIL__SMTP__PORT", smtp_port.to_string())
        .env("CONSENTFLOW_MAIL__SMTP__SECURITY", "plain")
        .env("CONSENTFLOW_MAIL__SMTP__TIMEOUT_SECONDS", "5")
        .env("CONSENTFLOW_MAIL__DISPATCH_SECONDS", "1")
        .env("CONSENTFLOW_MAIL__CLAIM_SECONDS", "15")
        .env("CONSENTFLOW_MAIL__REQUEUE_SECONDS", "5")
        .env("CONSENTFLOW_MAIL__RETRY_FIRST_SECONDS", "2")
        .env("CONSENTFLOW_SCHEDULES__ENABLED", "false")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// The work: `n` printed forms, and the gateway e-mail that FAXes each one back.
pub async fn forms_faxed_back(a: &TestApp, c: &City, n: usize) -> (Vec<i64>, Vec<Vec<u8>>) {
    let mut ids = vec![];
    let mut mails = vec![];
    for i in 0..n {
        let (id, pdf) = printed(a, c, &format!("訓練 {i}"), 1).await;
        let res = if i % 2 == 0 { "204x196" } else { "204x98" };
        let device = if i % 2 == 0 { "tiffg4" } else { "tiffg3" };
        mails.push(gateway_mail(
            &format!("drill-{i}@gw.example.jp"),
            "FAX受信 029-265-8332",
            "",
            &[("fax.tif", "image/tiff", &fax_of(&pdf, device, res, None))],
        ));
        ids.push(id);
    }
    (ids, mails)
}

/// An office applies (the city and the applicant get e-mails: work for the sender).
async fn application(a: &TestApp, i: usize) {
    let r = reqwest::Client::new()
        .post(a.url("/api/v1/office-applications"))
        .json(&application_json(&format!("訓練事業所 {i}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// Everything done: no message waiting, no e-mail pending, nothing unread in the mailbox.
async fn settled(a: &TestApp, dovecot: &Dovecot, n: usize, secs: u64) -> bool {
    eventually(secs, || async {
        let open = sql_count(
            a,
            "SELECT (SELECT COUNT(*) FROM fax_messages WHERE status = 'stored') \
             + (SELECT COUNT(*) FROM outbox WHERE status <> 'sent')",
        )
        .await;
        let stored = sql_count(a, "SELECT COUNT(*) FROM fax_messages").await;
        let unseen = dovecot.count("UNSEEN").await;
        (open == 0 && stored as usize >= n && unseen == 0).then_some(())
    })
    .await
    .is_some()
}

/// Each of the one-page FAXes of `ids`' forms stored once, read once (one document, one page,
/// matched) and its copy received once.
pub async fn each_fax_once(a: &TestApp, c: &City, ids: &[i64]) {
    let n = ids.len() as i64;
    let count = |q: &'static str| sql_count(a, q);
    for (q, what) in [
        ("SELECT COUNT(*) FROM fax_messages", "each mail stored once"),
        (
            "SELECT COUNT(*) FROM fax_messages WHERE status = 'processed'",
            "each read",
        ),
        ("SELECT COUNT(*) FROM fax_documents", "each document once"),
        ("SELECT COUNT(*) FROM fax_pages", "each page read once"),
        (
            "SELECT COUNT(*) FROM fax_pages WHERE outcome = 'matched'",
            "each matched",
        ),
        (
            "SELECT COUNT(*) FROM audit_log WHERE target_kind = 'enrollment' \
             AND to_state = 'copy_received'",
            "each copy received once",
        ),
    ] {
        assert_eq!(count(q).await, n, "{what}");
    }
    for &id in ids {
        assert_eq!(state(a, c, id).await, "copy_received");
    }
}

/// Whether `n` messages are processed within `secs` seconds.
pub async fn all_processed(a: &TestApp, n: i64, secs: u64) -> bool {
    let q = "SELECT COUNT(*) FROM fax_messages WHERE status = 'processed'";
    eventually(secs, || async {
        (sql_count(a, q).await == n).then_some(())
    })
    .await
    .is_some()
}

/// What must hold at the end, whatever happened on the way.
async fn nothing_lost_nothing_twice(a: &TestApp, c: &City, smtpd: &Smtpd, ids: &[i64]) {
    let n = ids.len() as i64;
    let count = |q: &'static str| sql_count(a, q);
    each_fax_once(a, c, ids).await;
    // Every e-mail of the outbox arrived; a worker killed between the server's "250 OK" and
    // its own note of it sends that one again (with the same Message-ID).
    let sent = count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await;
    assert_eq!(sent, count("SELECT COUNT(*) FROM outbox").await);
    assert!(
        sent >= 2 * n,
        "copy receipts and application e-mails: {sent}"
    );
    // The server writes its maildir a moment after its "250 OK", so the last may lag.
    let by_id = || {
        let mut arrived: BTreeMap<String, usize> = BTreeMap::new();
        for raw in smtpd.delivered() {
            let raw = String::from_utf8_lossy(&raw).into_owned();
            let id = raw
                .lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .unwrap_or_default()
                .trim()
                .to_string();
            *arrived.entry(id).or_default() += 1;
        }
        arrived
    };
    let all = eventually(10, || async {
        Some(by_id()).filter(|m| m.len() as i64 >= sent)
    })
    .await;
    let arrived = all.unwrap_or_else(by_id);
    assert_eq!(
        arrived.len() as i64,
        sent,
        "every e-mail arrived: {arrived:?}"
    );
    let again: usize = arrived.values().map(|k| k - 1).sum();
    println!("e-mails sent twice (killed after the server took them): {again}");
}

/// The test's own application only sets up and watches: the worker processes do the work.
async fn drill_app(backend: Backend) -> Option<TestApp> {
    let app = spawn_app_with(backend, |c| {
        c.run_workers = false;
        c.offices.applications_per_hour = 10_000;
    })
    .await?;
    tools(&["gs"]).then_some(app)
}

#[tokio::test]
async fn a_worker_killed_again_and_again_loses_nothing() {
    let kills: usize = std::env::var("CONSENTFLOW_DRILL_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(6);
    let Some(app) = drill_app(Backend::Postgres).await else {
        return;
    };
    let (Some(dovecot), Some(smtpd)) = (Dovecot::start(), Smtpd::start_new().await) else {
        return;
    };
    let a = &app;
    let c = city(a).await;
    // One FAX and one application arrive before each start, so every kill lands on work.
    let (ids, mails) = forms_faxed_back(a, &c, kills).await;
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let mut rng = rand::rng();
    let mut in_flight = 0;
    for (i, mail) in mails.iter().enumerate() {
        dovecot.append(std::slice::from_ref(mail)).await;
        application(a, i).await;
        let child = worker(a, dir.path(), dovecot.port, smtpd.port)
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..1500))).await;
        drop(Killed(child)); // SIGKILL, then reaped
        let open = sql_count(
            a,
            "SELECT (SELECT COUNT(*) FROM fax_messages WHERE status = 'stored') \
             + (SELECT COUNT(*) FROM outbox WHERE status <> 'sent')",
        )
        .await;
        in_flight += usize::from(open > 0 || dovecot.count("UNSEEN").await > 0);
    }
    let killed = t.elapsed();
    let _last = Killed(
        worker(a, dir.path(), dovecot.port, smtpd.port)
            .spawn()
            .unwrap(),
    );
    assert!(
        settled(a, &dovecot, kills, 180).await,
        "the work finished after the kills"
    );
    println!(
        "{kills} kills in {killed:?}, {in_flight} of them with work unfinished; all done {:?} after the last start",
        t.elapsed() - killed
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    nothing_lost_nothing_twice(a, &c, &smtpd, &ids).await;
    app.finish().await;
}

#[tokio::test]
async fn the_mail_servers_down_and_back() {
    let Some(app) = drill_app(Backend::Sqlite).await else {
        return;
    };
    let Some(mut dovecot) = Dovecot::start() else {
        return;
    };
    let port = free_port();
    let Some(mut smtpd) = Smtpd::prepare(port).await else {
        return;
    };
    let a = &app;
    let c = city(a).await;
    let (ids, mails) = forms_faxed_back(a, &c, 3).await;
    dovecot.append(&mails).await;
    for i in 0..3 {
        application(a, i).await;
    }
    // Both servers down when the worker starts.
    dovecot.stop();
    let dir = tempfile::tempdir().unwrap();
    let _worker = Killed(worker(a, dir.path(), dovecot.port, port).spawn().unwrap());
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(sql_count(a, "SELECT COUNT(*) FROM fax_messages").await, 0);
    assert_eq!(
        sql_count(a, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await,
        0
    );
    // IMAP back: the FAXes are read; the e-mails still wait for SMTP, retried, not failed.
    dovecot.resume();
    assert!(
        all_processed(a, 3, 60).await,
        "the FAXes were read once IMAP was back"
    );
    assert_eq!(
        sql_count(a, "SELECT COUNT(*) FROM outbox WHERE status = 'failed'").await,
        0
    );
    assert!(smtpd.delivered().is_empty());
    // SMTP back: the retries go out (`retry_first_seconds` is 2 here, a minute by default).
    smtpd.start();
    assert!(
        settled(a, &dovecot, 3, 90).await,
        "everything sent once SMTP was back"
    );
    nothing_lost_nothing_twice(a, &c, &smtpd, &ids).await;
    app.finish().await;
}
