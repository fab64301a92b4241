//! What happens on the IMAP server around a poll: finding the next batch, fetching it (only the
//! headers of messages too big to take), and flagging or moving what was stored.

use futures::TryStreamExt;

use super::imap::ImapSession;
use crate::config::intake::{After, ImapConfig};

/// Does the configured flag or move for these UIDs.
pub(super) async fn after(
    session: &mut ImapSession,
    cfg: &ImapConfig,
    uids: &[i64],
) -> anyhow::Result<()> {
    if uids.is_empty() || cfg.after == After::Leave {
        return Ok(());
    }
    let set = uids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    match cfg.after {
        After::Seen => {
            let updates: Vec<_> = session
                .uid_store(&set, "+FLAGS.SILENT (\\Seen)")
                .await?
                .try_collect()
                .await?;
            drop(updates);
        }
        After::Move => move_to(session, &cfg.move_to, &set).await?,
        After::Leave => {}
    }
    Ok(())
}

/// MOVE where the server has it; else COPY, flag \Deleted and (with UIDPLUS) expunge just
/// those — a bare EXPUNGE would also remove what other clients marked deleted. The mailbox is
/// created if it is missing.
async fn move_to(session: &mut ImapSession, mailbox: &str, set: &str) -> anyhow::Result<()> {
    if let Err(e) = session.create(mailbox).await {
        tracing::debug!(error = %e, "mailbox exists (or cannot be created)");
    }
    let caps = session.capabilities().await?;
    if caps.has_str("MOVE") {
        session.uid_mv(set, mailbox).await?;
        return Ok(());
    }
    tracing::debug!("the server has no MOVE: copy, flag deleted, expunge");
    session.uid_copy(set, mailbox).await?;
    let flagged: Vec<_> = session
        .uid_store(set, "+FLAGS.SILENT (\\Seen \\Deleted)")
        .await?
        .try_collect()
        .await?;
    drop(flagged);
    if caps.has_str("UIDPLUS") {
        let gone: Vec<_> = session.uid_expunge(set).await?.try_collect().await?;
        drop(gone);
    }
    Ok(())
}

/// The headers of messages too big to fetch, with their sizes.
pub(super) async fn headers_of(
    session: &mut ImapSession,
    too_big: &[(i64, u64)],
) -> anyhow::Result<Vec<(i64, Vec<u8>, u64)>> {
    if too_big.is_empty() {
        return Ok(Vec::new());
    }
    let set = too_big
        .iter()
        .map(|(u, _)| u.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let headers: Vec<(i64, Vec<u8>)> = session
        .uid_fetch(&set, "(UID BODY.PEEK[HEADER])")
        .await?
        .try_filter_map(|f| async move { Ok(f.uid.zip(f.header().map(<[u8]>::to_vec))) })
        .map_ok(|(uid, h)| (i64::from(uid), h))
        .try_collect()
        .await?;
    Ok(headers
        .into_iter()
        .filter_map(|(uid, h)| {
            let size = too_big.iter().find(|(u, _)| *u == uid)?.1;
            Some((uid, h, size))
        })
        .collect())
}

/// The next batch of UIDs after `last`, oldest first; `None` when there is nothing new.
pub(super) async fn next_uids(
    session: &mut ImapSession,
    cfg: &ImapConfig,
    last: i64,
) -> anyhow::Result<Option<Vec<i64>>> {
    let mut uids: Vec<i64> = session
        .uid_search(format!("UID {}:*", last + 1))
        .await?
        .into_iter()
        .map(i64::from)
        // `n:*` always matches the newest message, even when its UID is below n.
        .filter(|&u| u > last)
        .collect();
    uids.sort_unstable();
    uids.truncate(cfg.batch.max(1) as usize);
    Ok((!uids.is_empty()).then_some(uids))
}

/// A fetched batch: the messages taken whole, and the headers of those too big to take.
pub(super) struct Batch {
    pub messages: Vec<(i64, Vec<u8>)>,
    pub oversized: Vec<(i64, Vec<u8>, u64)>,
}

/// Fetches a batch. Sizes first: a message too big to take is not fetched into memory (only
/// its header).
pub(super) async fn fetch(
    session: &mut ImapSession,
    cfg: &ImapConfig,
    uids: &[i64],
) -> anyhow::Result<Batch> {
    let set = uids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sizes: Vec<(i64, u64)> = session
        .uid_fetch(&set, "(UID RFC822.SIZE)")
        .await?
        .try_filter_map(|f| async move { Ok(f.uid.zip(f.size)) })
        .map_ok(|(uid, size)| (i64::from(uid), u64::from(size)))
        .try_collect()
        .await?;
    let too_big: Vec<(i64, u64)> = sizes
        .into_iter()
        .filter(|(_, size)| *size > cfg.max_message_bytes)
        .collect();
    let take: Vec<String> = uids
        .iter()
        .filter(|u| !too_big.iter().any(|(b, _)| b == *u))
        .map(i64::to_string)
        .collect();
    let mut messages: Vec<(i64, Vec<u8>)> = if take.is_empty() {
        Vec::new()
    } else {
        session
            .uid_fetch(take.join(","), "(UID BODY.PEEK[])")
            .await?
            .try_filter_map(|f| async move { Ok(f.uid.zip(f.body().map(<[u8]>::to_vec))) })
            .map_ok(|(uid, body)| (i64::from(uid), body))
            .try_collect()
            .await?
    };
    messages.sort_by_key(|(uid, _)| *uid);
    let oversized = headers_of(session, &too_big).await?;
    Ok(Batch {
        messages,
        oversized,
    })
}
