//! FAX intake: messages arrive (IMAP, upload, hot folder, CLI), are stored raw and at once, and
//! are then read by a job: message → documents → pages → match → enrollment event.
//!
//! Storing comes first and is cheap, so nothing that arrived is lost when reading fails or the
//! process dies; reading is idempotent, so a message read twice is processed once.

mod by_text;
mod checks;
pub mod cli;
pub mod folder;
pub mod imap;
mod mailbox;
mod outcome;
pub mod process;

/// MIME and reading live in the document engine (no database there, so they can be fuzzed).
pub use consentflow_workers::mail::{self as mime, read};

use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::queue::ProcessMessageJob;
use crate::store::fax::{self, NewMessage};
use crate::store::{blobs, Conn};

/// Crash drills: `CONSENTFLOW_FAILPOINT=<name>` makes the process die at that point, as a
/// power cut would (no unwinding, no cleanup). Used by the crash-safety tests.
pub fn failpoint(name: &str) {
    if std::env::var("CONSENTFLOW_FAILPOINT").is_ok_and(|v| v == name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Imap,
    Upload,
    Folder,
    Cli,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Imap => "imap",
            Source::Upload => "upload",
            Source::Folder => "folder",
            Source::Cli => "cli",
        }
    }
}

/// A message as it arrived.
#[derive(Debug)]
pub struct Arrival<'a> {
    pub source: Source,
    pub raw: &'a [u8],
    pub file_name: Option<&'a str>,
    pub uploaded_by: Option<i64>,
    /// (mailbox, UIDVALIDITY, UID) and whether the server still needs flagging.
    pub imap: Option<(&'a str, i64, i64, bool)>,
}

/// The stored message, and whether it was there already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Stored {
    pub id: i64,
    pub duplicate: bool,
}

/// Whether the bytes are an e-mail or a bare document.
pub fn kind_of(raw: &[u8]) -> &'static str {
    if consentflow_workers::fax::sniff(raw).is_some() {
        "file"
    } else {
        "mail"
    }
}

/// The Message-ID header of a raw e-mail, without parsing the rest.
pub fn message_id(raw: &[u8]) -> Option<String> {
    let head = &raw[..raw.len().min(64 * 1024)];
    mail_parser::MessageParser::new()
        .parse_headers(head)
        .and_then(|m| m.message_id().map(str::to_string))
}

/// What follows the header block of an e-mail (all of a bare file).
fn body(raw: &[u8]) -> &[u8] {
    for sep in [&b"\r\n\r\n"[..], b"\n\n"] {
        if let Some(i) = raw.windows(sep.len()).position(|w| w == sep) {
            return &raw[i + sep.len()..];
        }
    }
    raw
}

/// Stores a message in one transaction (raw bytes and row). A message already stored (the
/// same bytes, or for e-mail the same Message-ID and body) is not stored again.
pub async fn store(app: &Context, a: &Arrival<'_>) -> AppResult<Stored> {
    let mut tx = app.store.begin().await?;
    let stored = store_in(tx.conn(), a).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Stores a message inside the caller's transaction (the IMAP poll commits a batch at once).
pub async fn store_in(mut c: Conn<'_>, a: &Arrival<'_>) -> AppResult<Stored> {
    let kind = kind_of(a.raw);
    let sha = hex::encode(Sha256::digest(a.raw));
    let message_id = (kind == "mail").then(|| message_id(a.raw)).flatten();
    let body_sha = hex::encode(Sha256::digest(body(a.raw)));
    if let Some(id) = fax::existing(c.reborrow(), &sha, message_id.as_deref(), &body_sha).await? {
        return Ok(Stored {
            id,
            duplicate: true,
        });
    }
    let media = if kind == "mail" {
        "message/rfc822"
    } else {
        "application/octet-stream"
    };
    blobs::put(c.reborrow(), media, a.raw).await?;
    let id = fax::insert_message(
        c.reborrow(),
        &NewMessage {
            source: a.source.as_str(),
            kind,
            raw_sha256: &sha,
            body_sha256: &body_sha,
            message_id: message_id.as_deref(),
            file_name: a.file_name,
            imap: a.imap.map(|(b, v, u, _)| (b, v, u)),
            imap_pending: a.imap.is_some_and(|(_, _, _, pending)| pending),
            uploaded_by: a.uploaded_by,
        },
    )
    .await?;
    let Some(id) = id else {
        // Stored by someone else between our look and our insert.
        let id = fax::existing(c, &sha, None, &body_sha).await?.unwrap_or(0);
        return Ok(Stored {
            id,
            duplicate: true,
        });
    };
    metrics::counter!("intake_stored_total", "source" => a.source.as_str()).increment(1);
    Ok(Stored {
        id,
        duplicate: false,
    })
}

/// Stores a message and queues it for reading.
pub async fn accept(app: &Context, a: &Arrival<'_>) -> AppResult<Stored> {
    let stored = store(app, a).await?;
    if !stored.duplicate {
        enqueue(app, stored.id).await;
    }
    Ok(stored)
}

/// Queues a stored message. A failure here loses nothing: [`sweep`] finds the message again.
pub async fn enqueue(app: &Context, id: i64) {
    if let Err(e) = app
        .queue
        .process_message(ProcessMessageJob { message_id: id })
        .await
    {
        tracing::warn!(message = id, error = %e, "could not queue a message; the sweep will");
    }
}

/// Queues many stored messages at once.
pub async fn enqueue_all(app: &Context, ids: &[i64]) {
    let jobs = ids
        .iter()
        .map(|&message_id| ProcessMessageJob { message_id })
        .collect();
    if let Err(e) = app.queue.process_messages(jobs).await {
        tracing::warn!(count = ids.len(), error = %e, "could not queue messages; the sweep will");
    }
}

/// Queues every message still `stored`: after a crash between storing and queueing, or for
/// messages stored while no worker ran. Reading is idempotent, so queueing twice is harmless.
pub async fn sweep(app: &Context) -> AppResult<usize> {
    let mut c = app.store.acquire().await?;
    let ids = fax::stored_ids(c.conn()).await?;
    drop(c);
    enqueue_all(app, &ids).await;
    Ok(ids.len())
}

/// Files dropped on the upload page or posted to the API: each stored and queued. An empty
/// file is refused.
pub async fn upload(
    app: &Context,
    actor: &Actor,
    files: &[(Option<String>, Vec<u8>)],
) -> AppResult<Vec<Stored>> {
    let user = crate::service::fax::may_upload(actor)?;
    if files.is_empty() || files.iter().any(|(_, b)| b.is_empty()) {
        return Err(AppError::invalid(
            "files",
            "ファイルを選んでください（空のファイルは取り込めません）。",
        ));
    }
    let mut out = Vec::new();
    for (name, bytes) in files {
        let arrival = Arrival {
            source: Source::Upload,
            raw: bytes,
            file_name: name.as_deref(),
            uploaded_by: Some(user),
            imap: None,
        };
        out.push(accept(app, &arrival).await?);
    }
    Ok(out)
}
