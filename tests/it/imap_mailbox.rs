//! The IMAP mailbox under the intake: new mail wakes the idle poller, one poller at a time
//! (the lease), a message too big to take is left in the mailbox, and stored messages are moved
//! or flagged as configured.

use reqwest::Method;

use consentflow::intake::imap;
use consentflow::store::leases;

use super::forms::city;
use super::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use super::intake::all_read;
use super::intake_drills::count;
use super::mail::{gateway_mail, Dovecot};

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
