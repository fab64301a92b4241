//! The outbox against a real SMTP server (OpenSMTPD): the delivered bytes, a server that is down
//! and comes back, and a recipient the server refuses for good.

use reqwest::Method;
use serde_json::json;

use consentflow::config::mail::{Security, TransportKind};

use super::forms::{city, City};
use super::helpers::{
    eventually, outbox_rows, sent_outbox_rows, spawn_app_with, sql, Backend, TestApp,
};
use super::intake::printed;
use super::smtp::{free_port, Smtpd};

async fn app_sending_to(port: u16) -> TestApp {
    spawn_app_with(Backend::chosen(), |c| {
        c.mail.transport = TransportKind::Smtp;
        c.mail.smtp.host = "127.0.0.1".into();
        c.mail.smtp.port = Some(port);
        c.mail.smtp.security = Security::Plain;
        c.mail.smtp.timeout_seconds = 5;
        c.mail.dispatch_seconds = 1;
        c.mail.from = "電子@連絡帳 <noreply@city.example.jp>".into();
    })
    .await
    .unwrap()
}

/// Asks for a resend of a fresh enrollment; returns its code.
async fn resend(a: &TestApp, c: &City, reason: &str) -> String {
    let (id, _) = printed(a, c, "山田 花子", 1).await;
    let code = a.code(id).await;
    let (s, v) = a
        .api(
            Method::POST,
            &format!("/api/v1/enrollments/{code}/resend-requests"),
            &c.centre,
            Some(json!({ "reason": reason })),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    code
}

#[tokio::test]
async fn an_email_arrives_as_written() {
    let Some(smtpd) = Smtpd::start_new().await else {
        return;
    };
    let app = app_sending_to(smtpd.port).await;
    let a = &app;
    let c = city(a).await;
    let code = resend(a, &c, "署名欄がかすれています").await;
    let raw = eventually(30, || async { smtpd.delivered().into_iter().next() })
        .await
        .expect("delivered to the maildir");
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        m.subject().unwrap(),
        format!("【電子@連絡帳】同意書の写しの再送のお願い（登録コード {code}）")
    );
    let from = m.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("電子@連絡帳"), Some("noreply@city.example.jp"))
    );
    assert_eq!(
        m.to().unwrap().first().unwrap().address(),
        Some("o@example.jp")
    );
    let text = m.body_text(0).unwrap();
    assert!(
        text.contains("署名欄がかすれています") && text.contains(&code),
        "{text}"
    );
    assert!(m.date().is_some());
    let row = &sent_outbox_rows(a).await[0];
    assert_eq!(
        format!("<{}>", m.message_id().unwrap()),
        row["message_id"].as_str().unwrap()
    );
    // On the wire: ASCII headers (RFC 2047 words), a UTF-8 text body in a transfer encoding.
    // (The maildir keeps the message with LF line ends.)
    let head_end = raw.windows(2).position(|w| w == b"\n\n").unwrap();
    let head = std::str::from_utf8(&raw[..head_end]).unwrap();
    assert!(head.is_ascii(), "{head}");
    assert!(
        head.contains("Content-Type: text/plain; charset=utf-8"),
        "{head}"
    );
    assert!(
        head.contains("Content-Transfer-Encoding: base64")
            || head.contains("Content-Transfer-Encoding: quoted-printable"),
        "{head}"
    );
    assert!(head.contains("Subject: =?utf-8?"), "{head}");
    app.finish().await;
}

#[tokio::test]
async fn a_server_that_is_down_gets_the_email_when_it_is_back() {
    let port = free_port();
    let Some(mut smtpd) = Smtpd::prepare(port).await else {
        return;
    };
    let app = app_sending_to(port).await;
    let a = &app;
    let c = city(a).await;
    resend(a, &c, "読み取れません").await;
    let tried = eventually(30, || async {
        outbox_rows(a)
            .await
            .into_iter()
            .find(|r| r["attempts"].as_i64() >= Some(1) && !r["last_error"].is_null())
    })
    .await
    .expect("an attempt while the server is down");
    assert_eq!(tried["status"], "pending", "{tried}");

    // The server comes back; a minute passes (the first pause), and the dispatcher sends it.
    smtpd.start();
    sql(a, "UPDATE outbox SET next_attempt_at = created_at").await;
    let sent = eventually(30, || async {
        outbox_rows(a)
            .await
            .into_iter()
            .find(|r| r["status"] == "sent")
    })
    .await
    .expect("sent once the server is back");
    assert_eq!(sent["attempts"].as_i64(), Some(2));
    assert!(sent["last_error"].is_null());
    // The server writes its maildir a moment after accepting.
    eventually(10, || async {
        (!smtpd.delivered().is_empty()).then_some(())
    })
    .await;
    assert_eq!(smtpd.delivered().len(), 1, "sent once");
    // Nothing more goes out on later dispatches.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(smtpd.delivered().len(), 1);
    app.finish().await;
}

#[tokio::test]
async fn a_recipient_refused_for_good_is_marked_failed_with_the_reply() {
    let Some(smtpd) = Smtpd::start_new().await else {
        return;
    };
    let app = app_sending_to(smtpd.port).await;
    let a = &app;
    let c = city(a).await;
    sql(
        a,
        "UPDATE offices SET admin_email = 'office@rejected.example'",
    )
    .await;
    resend(a, &c, "読み取れません").await;
    let failed = eventually(30, || async {
        outbox_rows(a)
            .await
            .into_iter()
            .find(|r| r["status"] == "failed")
    })
    .await
    .expect("marked failed");
    assert!(
        failed["last_error"].as_str().unwrap().contains("550"),
        "{failed}"
    );
    assert_eq!(failed["attempts"].as_i64(), Some(1), "not retried");
    assert!(smtpd.delivered().is_empty());
    // The centre sees it, with the server's reply.
    super::helpers::login(a, "centre", super::helpers::PASSWORD).await;
    let (_, html, _) = super::helpers::get(a, "/mail?status=failed").await;
    assert!(html.contains("送信失敗") && html.contains("550"), "{html}");
    app.finish().await;
}

/// An app without job workers, and one e-mail in its outbox (a return's notice).
async fn one_email_no_workers() -> TestApp {
    let app = spawn_app_with(Backend::chosen(), |c| c.run_workers = false)
        .await
        .unwrap();
    let c = city(&app).await;
    resend(&app, &c, "読めません").await;
    app
}

/// While a send job waits for a worker, the dispatcher does not queue another for the same
/// e-mail; a job that waited too long (its worker died) is queued again.
#[tokio::test]
async fn the_dispatcher_queues_a_waiting_email_once() {
    let app = one_email_no_workers().await;
    let a = &app;
    // The request's own queuing counts: nothing to add.
    assert_eq!(consentflow::outbox::dispatch(&a.state).await.unwrap(), 0);
    sql(a, "UPDATE outbox SET queued_at = NULL").await;
    assert_eq!(consentflow::outbox::dispatch(&a.state).await.unwrap(), 1);
    assert_eq!(
        consentflow::outbox::dispatch(&a.state).await.unwrap(),
        0,
        "queued once"
    );
    sql(
        a,
        "UPDATE outbox SET queued_at = '2020-01-01T00:00:00+00:00'",
    )
    .await;
    assert_eq!(
        consentflow::outbox::dispatch(&a.state).await.unwrap(),
        1,
        "queued again after a long wait"
    );
    app.finish().await;
}

/// Hundreds of e-mails without a job (their kick lost in a crash) are all queued at once, not
/// 200 every `mail.dispatch_seconds`.
#[tokio::test]
async fn the_dispatcher_queues_every_waiting_email() {
    let app = one_email_no_workers().await;
    let a = &app;
    sql(
        a,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 449)
         INSERT INTO outbox (idempotency_key, message_id, template, to_address, to_name, subject,
             body_text, target_kind, target_id, status, attempts, next_attempt_at, created_at)
         SELECT o.idempotency_key || '-' || CAST(n.i AS TEXT), CAST(n.i AS TEXT) || o.message_id,
             o.template, o.to_address, o.to_name, o.subject, o.body_text, o.target_kind,
             o.target_id, o.status, o.attempts, o.next_attempt_at, o.created_at
         FROM outbox o, n",
    )
    .await;
    sql(a, "UPDATE outbox SET queued_at = NULL").await;
    assert_eq!(consentflow::outbox::dispatch(&a.state).await.unwrap(), 450);
    assert_eq!(
        consentflow::outbox::dispatch(&a.state).await.unwrap(),
        0,
        "each queued once"
    );
    app.finish().await;
}
