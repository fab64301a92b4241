//! The FAX mailbox over IMAP: poll on a schedule (IDLE where the server has it), fetch what is
//! new by UID in bounded batches, store each message, and only then flag or move it.
//!
//! Exactly once: the position (UIDVALIDITY, last UID) and the stored messages are in the
//! database; a message fetched but not committed is fetched again, and one committed is never
//! stored twice (same bytes, or same Message-ID and body). The flag or move is remembered as
//! pending until done, so a crash between commit and flag is mended on the next poll.
//! One lease per mailbox keeps two nodes from polling at once.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::{failpoint, mailbox, Arrival, Source};
use crate::config::intake::{After, ImapConfig};
use crate::context::Context;
use crate::store::leases;

/// A plain or TLS connection.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

pub type ImapSession = Session<Box<dyn Io>>;

/// What one poll did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Polled {
    pub fetched: usize,
    pub stored: usize,
    pub duplicates: usize,
}

/// Connects and logs in. Plain text is refused unless the server is on a loopback address.
pub async fn connect(cfg: &ImapConfig) -> anyhow::Result<ImapSession> {
    let addrs: Vec<_> = tokio::net::lookup_host((cfg.host.as_str(), cfg.port))
        .await?
        .collect();
    if !cfg.tls && !addrs.iter().all(|a| is_loopback(a.ip())) {
        anyhow::bail!("plain-text IMAP is allowed only to a loopback address; set tls = true");
    }
    let tcp = TcpStream::connect(&addrs[..]).await?;
    let stream: Box<dyn Io> = if cfg.tls {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = tokio_rustls::rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(cfg.host.clone())?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
        Box::new(connector.connect(name, tcp).await?)
    } else {
        Box::new(tcp)
    };
    let mut client = Client::new(stream);
    client
        .read_response()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the IMAP server closed without a greeting"))?;
    client
        .login(&cfg.user, cfg.password.expose())
        .await
        .map_err(|(e, _)| anyhow::anyhow!("IMAP login: {e}"))
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

/// A name for this process in leases.
pub fn holder() -> String {
    static HOLDER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOLDER
        .get_or_init(|| {
            use rand::RngCore;
            format!("{}-{:08x}", std::process::id(), rand::rng().next_u32())
        })
        .clone()
}

fn lease_name(cfg: &ImapConfig) -> String {
    format!(
        "imap:{}@{}:{}/{}",
        cfg.user, cfg.host, cfg.port, cfg.mailbox
    )
}

/// Takes (or renews) the mailbox's lease.
async fn lease(app: &Context, cfg: &ImapConfig) -> anyhow::Result<bool> {
    let ttl = chrono::Duration::seconds(cfg.lease_seconds.clamp(1, 3600) as i64);
    let mut c = app.store.acquire().await?;
    Ok(leases::acquire(c.conn(), &lease_name(cfg), &holder(), ttl).await?)
}

/// One poll of the mailbox on an open session, under the mailbox's lease (given back at the
/// end, so whichever node polls next may).
pub async fn poll(
    app: &Context,
    cfg: &ImapConfig,
    session: &mut ImapSession,
) -> anyhow::Result<Polled> {
    if !lease(app, cfg).await? {
        tracing::debug!("another node is polling this mailbox");
        return Ok(Polled::default());
    }
    let polled = poll_leased(app, cfg, session).await;
    let mut c = app.store.acquire().await?;
    leases::release(c.conn(), &lease_name(cfg), &holder()).await?;
    polled
}

/// One poll of the mailbox on an open session: finish pending flags, then fetch and store
/// everything new, a batch at a time. Returns early (having stored what it had) if the lease is
/// lost.
#[tracing::instrument(skip_all, fields(mailbox = %cfg.mailbox))]
async fn poll_leased(
    app: &Context,
    cfg: &ImapConfig,
    session: &mut ImapSession,
) -> anyhow::Result<Polled> {
    let mut out = Polled::default();
    let mailbox = session.select(&cfg.mailbox).await?;
    let validity = i64::from(mailbox.uid_validity.unwrap_or(0));
    let (mut last, pending) = resume(app, cfg, validity).await?;
    finish_pending(app, cfg, session, &pending).await?;
    while let Some(uids) = mailbox::next_uids(session, cfg, last).await? {
        let t = std::time::Instant::now();
        let batch = mailbox::fetch(session, cfg, &uids).await?;
        out.fetched += batch.messages.len();
        failpoint("imap-after-fetch");
        let fetch_time = t.elapsed();
        last = *uids.last().expect("a batch is never empty");
        let stored = store_batch(app, cfg, validity, last, &batch, &mut out).await?;
        tracing::debug!(
            messages = batch.messages.len(),
            fetch_ms = fetch_time.as_millis() as u64,
            store_ms = (t.elapsed() - fetch_time).as_millis() as u64,
            "batch stored"
        );
        super::enqueue_all(app, &stored.new_ids).await;
        failpoint("imap-before-flag");
        mailbox::after(session, cfg, &stored.flag_now).await?;
        let mut c = app.store.acquire().await?;
        leases::imap_done(c.conn(), &stored.done_ids).await?;
        drop(c);
        if !lease(app, cfg).await? {
            tracing::warn!("lost the mailbox lease mid-poll; stopping");
            break;
        }
    }
    metrics::counter!("imap_fetched_total").increment(out.fetched as u64);
    Ok(out)
}

/// Where the last poll stopped (the UID it reached, if the mailbox was not rebuilt since), and
/// the messages stored but not yet flagged or moved.
async fn resume(
    app: &Context,
    cfg: &ImapConfig,
    validity: i64,
) -> anyhow::Result<(i64, Vec<(i64, i64)>)> {
    let mut c = app.store.acquire().await?;
    let last = match leases::imap_position(c.conn(), &cfg.mailbox).await? {
        Some((v, uid)) if v == validity => uid,
        Some(_) => {
            // The mailbox was rebuilt: UIDs mean nothing now. Fetch everything again; what is
            // already stored is recognised and not stored twice.
            tracing::warn!("UIDVALIDITY changed; re-reading the mailbox");
            leases::imap_abandon_stale(c.conn(), &cfg.mailbox, validity).await?;
            0
        }
        None => 0,
    };
    let pending = leases::imap_pending(c.conn(), &cfg.mailbox, validity).await?;
    Ok((last, pending))
}

/// Flags or moves what was stored before the process stopped. Only messages still in the
/// mailbox can be (a move may have happened before the crash).
async fn finish_pending(
    app: &Context,
    cfg: &ImapConfig,
    session: &mut ImapSession,
    pending: &[(i64, i64)],
) -> anyhow::Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let set = pending
        .iter()
        .map(|(_, uid)| uid.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let present = session.uid_search(format!("UID {set}")).await?;
    let uids: Vec<i64> = pending
        .iter()
        .map(|(_, uid)| *uid)
        .filter(|u| u32::try_from(*u).is_ok_and(|u| present.contains(&u)))
        .collect();
    mailbox::after(session, cfg, &uids).await?;
    let ids: Vec<i64> = pending.iter().map(|(id, _)| *id).collect();
    let mut c = app.store.acquire().await?;
    leases::imap_done(c.conn(), &ids).await?;
    Ok(())
}

/// What storing a batch came to: new messages to read, stored ones to mark done, UIDs to flag.
struct StoredBatch {
    new_ids: Vec<i64>,
    done_ids: Vec<i64>,
    flag_now: Vec<i64>,
}

/// Stores a batch in one transaction (one commit, one disk flush, per batch), with the
/// mailbox position it reached.
async fn store_batch(
    app: &Context,
    cfg: &ImapConfig,
    validity: i64,
    newest: i64,
    batch: &mailbox::Batch,
    out: &mut Polled,
) -> anyhow::Result<StoredBatch> {
    let pending_flag = cfg.after != After::Leave;
    let mut done = StoredBatch {
        new_ids: Vec::new(),
        done_ids: Vec::new(),
        flag_now: Vec::new(),
    };
    let mut tx = app.store.begin().await?;
    for (uid, raw) in &batch.messages {
        let arrival = Arrival {
            source: Source::Imap,
            raw,
            file_name: None,
            uploaded_by: None,
            imap: Some((&cfg.mailbox, validity, *uid, pending_flag)),
        };
        let stored = super::store_in(tx.conn(), &arrival).await?;
        if stored.duplicate {
            out.duplicates += 1;
        } else {
            out.stored += 1;
            done.new_ids.push(stored.id);
        }
        done.done_ids.push(stored.id);
        done.flag_now.push(*uid);
    }
    for (uid, header, size) in &batch.oversized {
        let why = format!(
            "メールが大きすぎるため取り込みませんでした（{} MB、上限 {} MB）。メールボックスに未読のまま残しています。",
            size / (1024 * 1024),
            cfg.max_message_bytes / (1024 * 1024)
        );
        let arrival = Arrival {
            source: Source::Imap,
            raw: header,
            file_name: None,
            uploaded_by: None,
            imap: Some((&cfg.mailbox, validity, *uid, false)),
        };
        let stored = super::store_in(tx.conn(), &arrival).await?;
        if !stored.duplicate {
            let ctx = crate::store::fax::Context::default();
            crate::store::fax::finish_message(tx.conn(), stored.id, &ctx, Some(&why)).await?;
            out.stored += 1;
            tracing::warn!(uid, size, "message too big; left in the mailbox");
        }
    }
    leases::set_imap_position(tx.conn(), &cfg.mailbox, validity, newest).await?;
    tx.commit().await?;
    Ok(done)
}

/// Connects, polls once, and logs out (the `fetch` command, and tests).
pub async fn poll_once(app: &Context, cfg: &ImapConfig) -> anyhow::Result<Polled> {
    let mut session = connect(cfg).await?;
    let polled = poll(app, cfg, &mut session).await;
    let _ = session.logout().await;
    polled
}

/// Polls for as long as the process runs: after each poll, waits in IDLE where the server
/// offers it (woken by new mail), or sleeps `poll_seconds`. Connection failures are retried
/// with a growing pause; nothing is lost meanwhile, the mail stays on the server.
pub async fn run(app: Context, cfg: ImapConfig) {
    let pause = Duration::from_secs(cfg.poll_seconds.max(1));
    let mut backoff = Duration::from_secs(1);
    loop {
        let mut session = match connect(&cfg).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "IMAP connect failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(pause.max(Duration::from_secs(5)));
                continue;
            }
        };
        backoff = Duration::from_secs(1);
        let idle = cfg.idle
            && session
                .capabilities()
                .await
                .map(|c| c.has_str("IDLE"))
                .unwrap_or(false);
        loop {
            if let Err(e) = poll(&app, &cfg, &mut session).await {
                tracing::warn!(error = %e, "IMAP poll failed; reconnecting");
                break;
            }
            if !idle {
                tokio::time::sleep(pause).await;
                continue;
            }
            let mut handle = session.idle();
            if handle.init().await.is_err() {
                break;
            }
            let (wait, _stop) = handle.wait_with_timeout(pause);
            let _ = wait.await;
            match handle.done().await {
                Ok(s) => session = s,
                Err(_) => break,
            }
        }
        tokio::time::sleep(backoff).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plain_text_is_refused_off_loopback() {
        let cfg = ImapConfig {
            host: "192.0.2.1".into(),
            port: 143,
            tls: false,
            ..ImapConfig::default()
        };
        let Err(e) = connect(&cfg).await else {
            panic!("plain text off loopback was allowed");
        };
        assert!(e.to_string().contains("loopback"), "{e}");
    }
}
