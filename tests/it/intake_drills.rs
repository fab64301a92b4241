//! The intake under load and under failure: a hundred messages in one poll, a mailbox rebuilt
//! under a new UIDVALIDITY, and the worker killed between fetch and commit, between commit and
//! the IMAP flag, and in the middle of reading. Each message is stored once and read once.

use std::process::Command;

use reqwest::Method;

use consentflow::intake::imap;
use consentflow::store::leases;

use super::forms::city;
use super::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use super::intake::{all_read, printed, state};
use super::mail::{fax_of, gateway_mail, tools, Dovecot};

const BIN: &str = env!("CARGO_BIN_EXE_consentflow");

pub async fn count(a: &TestApp, sql: &'static str) -> i64 {
    let mut c = a.store.acquire().await.unwrap();
    consentflow::db!(c.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap())
}

#[tokio::test]
async fn a_hundred_messages_in_one_poll_and_a_rebuilt_mailbox() {
    if !tools(&["gs"]) {
        return;
    }
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, pdf) = printed(a, &c, "山田 花子", 1).await;
    let tiff = fax_of(&pdf, "tiffg4", "204x196", None);
    let mails: Vec<Vec<u8>> = (0..100)
        .map(|i| {
            gateway_mail(
                &format!("bulk-{i}@gw.example.jp"),
                &format!("FAX受信 {i}"),
                "",
                &[("fax.tif", "image/tiff", &tiff)],
            )
        })
        .collect();
    dovecot.append(&mails).await;
    let cfg = dovecot.config();
    let polled = imap::poll_once(&a.state, &cfg).await.unwrap();
    assert_eq!(
        (polled.fetched, polled.stored),
        (100, 100),
        "batches of {}",
        cfg.batch
    );
    all_read(a, &c.centre).await;
    assert_eq!(
        count(
            a,
            "SELECT COUNT(*) FROM fax_messages WHERE status = 'processed'"
        )
        .await,
        100
    );
    assert_eq!(
        count(
            a,
            "SELECT COUNT(*) FROM fax_pages WHERE outcome = 'matched'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            a,
            "SELECT COUNT(*) FROM fax_pages WHERE outcome = 'duplicate'"
        )
        .await,
        99
    );
    assert_eq!(state(a, &c, id).await, "copy_received");
    assert_eq!(dovecot.count("UNSEEN").await, 0);

    // The mailbox is rebuilt: new UIDVALIDITY, and one message comes back with an added
    // header. Everything is fetched again and nothing is stored twice.
    {
        let mut conn = a.store.acquire().await.unwrap();
        leases::set_imap_position(conn.conn(), &cfg.mailbox, 1, 0)
            .await
            .unwrap();
    }
    let mut rebuilt = b"X-Rebuilt: yes\r\n".to_vec();
    rebuilt.extend_from_slice(&mails[0]);
    dovecot.append(&[rebuilt]).await;
    let polled = imap::poll_once(&a.state, &cfg).await.unwrap();
    assert_eq!(
        (polled.fetched, polled.stored, polled.duplicates),
        (101, 0, 101)
    );
    assert_eq!(count(a, "SELECT COUNT(*) FROM fax_messages").await, 100);
    assert_eq!(dovecot.count("UNSEEN").await, 0);
    app.finish().await;
}

/// Runs `consentflow fetch` against the app's database and the Dovecot, dying at `failpoint`.
fn fetch(a: &TestApp, dovecot: &Dovecot, failpoint: Option<&str>) -> bool {
    let mut cmd = Command::new(BIN);
    cmd.arg("fetch")
        .env("DATABASE_URL", &a.config.database_url)
        .env("CONSENTFLOW_DATA_DIR", &a.config.data_dir)
        .env("CONSENTFLOW_QR_KEY", "test-qr-key")
        .env("CONSENTFLOW_INTAKE__IMAP__HOST", "127.0.0.1")
        .env("CONSENTFLOW_INTAKE__IMAP__PORT", dovecot.port.to_string())
        .env("CONSENTFLOW_INTAKE__IMAP__TLS", "false")
        .env("CONSENTFLOW_INTAKE__IMAP__USER", "fax")
        .env("CONSENTFLOW_INTAKE__IMAP__PASSWORD", "secret")
        .env("CONSENTFLOW_INTAKE__IMAP__LEASE_SECONDS", "1")
        .env("RUST_LOG", "warn")
        .env_remove("CONSENTFLOW_FAILPOINT");
    if let Some(f) = failpoint {
        cmd.env("CONSENTFLOW_FAILPOINT", f);
    }
    let out = cmd.output().unwrap();
    // A killed poller's lease lapses before anyone polls again.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    if failpoint.is_none() {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out.status.success()
}

#[tokio::test]
async fn killed_workers_lose_nothing_and_repeat_nothing_on_sqlite() {
    if let Some(app) = spawn_app_with(Backend::Sqlite, |c| c.run_workers = false).await {
        crash_drill(app).await;
    }
}

#[tokio::test]
async fn killed_workers_lose_nothing_and_repeat_nothing_on_postgres() {
    if let Some(app) = spawn_app_with(Backend::Postgres, |c| c.run_workers = false).await {
        crash_drill(app).await;
    }
}

async fn crash_drill(app: TestApp) {
    if !tools(&["gs"]) {
        return;
    }
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let a = &app;
    let c = city(a).await;
    let (one, pdf_one) = printed(a, &c, "山田 花子", 1).await;
    let (two, pdf_two) = printed(a, &c, "佐藤 一郎", 1).await;
    let mails = [
        gateway_mail(
            "crash-1@gw.example.jp",
            "FAX",
            "",
            &[(
                "a.tif",
                "image/tiff",
                &fax_of(&pdf_one, "tiffg4", "204x196", None),
            )],
        ),
        gateway_mail(
            "crash-2@gw.example.jp",
            "FAX",
            "",
            &[(
                "b.tif",
                "image/tiff",
                &fax_of(&pdf_two, "tiffg3", "204x98", None),
            )],
        ),
    ];
    dovecot.append(&mails).await;

    // Killed after the fetch, before anything was committed: nothing stored, nothing flagged.
    assert!(!fetch(a, &dovecot, Some("imap-after-fetch")));
    assert_eq!(count(a, "SELECT COUNT(*) FROM fax_messages").await, 0);
    assert_eq!(dovecot.count("UNSEEN").await, 2);

    // Killed after the commit, before the flag: stored, still unseen on the server.
    assert!(!fetch(a, &dovecot, Some("imap-before-flag")));
    assert_eq!(count(a, "SELECT COUNT(*) FROM fax_messages").await, 2);
    assert_eq!(dovecot.count("UNSEEN").await, 2);

    // Killed while reading, before its commit: the message stays stored, no page written.
    assert!(!fetch(a, &dovecot, Some("process-before-commit")));
    assert_eq!(count(a, "SELECT COUNT(*) FROM fax_pages").await, 0);
    assert_eq!(
        count(
            a,
            "SELECT COUNT(*) FROM fax_messages WHERE status = 'stored'"
        )
        .await,
        2
    );

    // A clean run: each message once, each page once, both flagged, both copies received.
    assert!(fetch(a, &dovecot, None));
    assert_eq!(count(a, "SELECT COUNT(*) FROM fax_messages").await, 2);
    assert_eq!(
        count(
            a,
            "SELECT COUNT(*) FROM fax_messages WHERE status = 'processed'"
        )
        .await,
        2
    );
    assert_eq!(count(a, "SELECT COUNT(*) FROM fax_pages").await, 2);
    assert_eq!(
        count(
            a,
            "SELECT COUNT(*) FROM fax_pages WHERE outcome = 'matched'"
        )
        .await,
        2
    );
    assert_eq!(dovecot.count("UNSEEN").await, 0);
    for id in [one, two] {
        assert_eq!(state(a, &c, id).await, "copy_received");
    }
    // And again: nothing new.
    assert!(fetch(a, &dovecot, None));
    assert_eq!(count(a, "SELECT COUNT(*) FROM fax_pages").await, 2);
    let (_, l) = a
        .api(Method::GET, "/api/v1/fax/messages", &c.centre, None)
        .await;
    assert_eq!(l.as_array().unwrap().len(), 2);
    app.finish().await;
}
