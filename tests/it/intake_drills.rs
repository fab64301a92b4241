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

async fn count(a: &TestApp, sql: &'static str) -> i64 {
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

#[tokio::test]
async fn new_mail_wakes_the_idle_poller() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let mut cfg = dovecot.config();
    // Polls only every ten minutes: only IDLE can bring the message in within the test.
    cfg.poll_seconds = 600;
    let app = spawn_app_with(Backend::chosen(), |c| c.intake.imap = Some(cfg))
        .await
        .unwrap();
    let a = &app;
    // Let the poller make its first (empty) poll and enter IDLE.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    dovecot
        .append(&[gateway_mail(
            "idle-1@gw.example.jp",
            "FAX受信",
            "本文のみ",
            &[],
        )])
        .await;
    let arrived = super::helpers::eventually(30, || async {
        (count(
            a,
            "SELECT COUNT(*) FROM fax_messages WHERE status = 'failed'",
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
    assert!(arrived.is_some(), "IDLE did not wake the poller");
    let mut c = a.store.acquire().await.unwrap();
    let m = consentflow::store::fax::message(c.conn(), 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.error.as_deref(), Some("FAX の添付ファイルがありません"));
    drop(c);
    app.finish().await;
}

async fn lease_story(app: TestApp) {
    let d = chrono::Duration::seconds(60);
    let mut c = app.store.acquire().await.unwrap();
    assert!(leases::acquire(c.conn(), "imap:x", "node-a", d)
        .await
        .unwrap());
    assert!(
        !leases::acquire(c.conn(), "imap:x", "node-b", d)
            .await
            .unwrap(),
        "held by a"
    );
    assert!(
        leases::acquire(c.conn(), "imap:x", "node-a", d)
            .await
            .unwrap(),
        "a renews"
    );
    leases::release(c.conn(), "imap:x", "node-a").await.unwrap();
    assert!(leases::acquire(c.conn(), "imap:x", "node-b", d)
        .await
        .unwrap());
    // An expired lease is anyone's.
    let gone = chrono::Duration::seconds(-1);
    assert!(leases::acquire(c.conn(), "imap:y", "node-a", gone)
        .await
        .unwrap());
    assert!(leases::acquire(c.conn(), "imap:y", "node-b", d)
        .await
        .unwrap());
    drop(c);
    app.finish().await;
}

#[tokio::test]
async fn one_poller_at_a_time_on_sqlite() {
    lease_story(spawn_app(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn one_poller_at_a_time_on_postgres() {
    if let Some(app) = spawn_app(Backend::Postgres).await {
        lease_story(app).await;
    }
}

/// A message over the size cap is not fetched into memory: its header is kept as a failed
/// message saying why, and the message stays unread in the mailbox for a person to look at.
#[tokio::test]
async fn an_oversized_message_is_left_in_the_mailbox() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let small = gateway_mail(
        "small@gw.example.jp",
        "FAX受信 1",
        "",
        &[("a.png", "image/png", &super::intake::blank_page(255))],
    );
    let noise: Vec<u8> = (0..600_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let big = gateway_mail(
        "big@gw.example.jp",
        "FAX受信 大きい",
        "",
        &[("big.pdf", "application/pdf", &noise)],
    );
    dovecot.append(&[small, big]).await;
    let mut cfg = dovecot.config();
    cfg.max_message_bytes = 400_000;
    let polled = imap::poll_once(&a.state, &cfg).await.unwrap();
    assert_eq!(
        (polled.fetched, polled.stored),
        (1, 2),
        "the big one is not fetched, but recorded"
    );
    all_read(a, &c.centre).await;
    let (_, msgs) = a
        .api(Method::GET, "/api/v1/fax/messages", &c.centre, None)
        .await;
    let big = msgs
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == "big@gw.example.jp")
        .expect("the big message is listed");
    assert_eq!(big["status"], "failed");
    assert!(
        big["error"].as_str().unwrap().contains("大きすぎる"),
        "{big}"
    );
    assert_eq!(dovecot.count("UNSEEN").await, 1, "left unread for a person");
    assert_eq!(
        imap::poll_once(&a.state, &cfg).await.unwrap().fetched,
        0,
        "and not taken again"
    );
    app.finish().await;
}

/// `after = "move"`: with MOVE, and on a server without it (COPY, \Deleted, UID EXPUNGE); the
/// destination mailbox is created when missing.
#[tokio::test]
async fn stored_messages_are_moved_with_or_without_move() {
    for extra in [
        "",
        "imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE UIDPLUS",
    ] {
        let Some(dovecot) = Dovecot::start_with(extra) else {
            return;
        };
        let app = spawn_app(Backend::chosen()).await.unwrap();
        let a = &app;
        let blank = super::intake::blank_page(255);
        let mails: Vec<Vec<u8>> = (0..2)
            .map(|i| {
                gateway_mail(
                    &format!("mv-{i}@gw.example.jp"),
                    "FAX受信",
                    "",
                    &[("p.png", "image/png", &blank)],
                )
            })
            .collect();
        dovecot.append(&mails).await;
        let mut cfg = dovecot.config();
        cfg.after = consentflow::config::intake::After::Move;
        cfg.move_to = "Processed".into();
        let polled = imap::poll_once(&a.state, &cfg).await.unwrap();
        assert_eq!(polled.stored, 2, "{extra}");
        assert_eq!(
            dovecot.count("ALL").await,
            0,
            "nothing left in INBOX ({extra})"
        );
        assert_eq!(dovecot.count_in("Processed", "ALL").await, 2, "{extra}");
        app.finish().await;
    }
}
