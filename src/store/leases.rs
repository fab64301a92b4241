//! Leases (one holder at a time, across every node sharing the database) and the IMAP intake's
//! position in each mailbox.

use chrono::Duration;

use super::Conn;
use crate::db;

/// Takes or renews the lease `name` for `holder` until `ttl` from now. True when `holder` has
/// it: nobody had it, it had expired, or `holder` had it already.
pub async fn acquire(
    c: Conn<'_>,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
               ON CONFLICT (name) DO UPDATE SET holder = $2, expires_at = $3
               WHERE leases.holder = $2 OR leases.expires_at < $4";
    let n = db!(c, |c| sqlx::query(sql)
        .bind(name)
        .bind(holder)
        .bind(now + ttl)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Gives the lease back early (on a clean stop), so another node need not wait for it to expire.
pub async fn release(c: Conn<'_>, name: &str, holder: &str) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM leases WHERE name = $1 AND holder = $2";
    db!(c, |c| sqlx::query(sql)
        .bind(name)
        .bind(holder)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// (UIDVALIDITY, last UID stored) for a mailbox.
pub async fn imap_position(c: Conn<'_>, mailbox: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let sql = "SELECT uidvalidity, last_uid FROM imap_state WHERE mailbox = $1";
    db!(c, |c| sqlx::query_as::<_, (i64, i64)>(sql)
        .bind(mailbox)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn set_imap_position(
    c: Conn<'_>,
    mailbox: &str,
    uidvalidity: i64,
    last_uid: i64,
) -> Result<(), sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO imap_state (mailbox, uidvalidity, last_uid, updated_at)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = $2, last_uid = $3, updated_at = $4";
    db!(c, |c| sqlx::query(sql)
        .bind(mailbox)
        .bind(uidvalidity)
        .bind(last_uid)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// Stored messages whose flag or move on the server is still to be done: (id, UID).
pub async fn imap_pending(
    c: Conn<'_>,
    mailbox: &str,
    uidvalidity: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql = "SELECT id, imap_uid FROM fax_messages
               WHERE NOT imap_done AND imap_mailbox = $1 AND imap_uidvalidity = $2 ORDER BY id";
    db!(c, |c| sqlx::query_as::<_, (i64, i64)>(sql)
        .bind(mailbox)
        .bind(uidvalidity)
        .fetch_all(&mut *c)
        .await)
}

/// Marks these messages' server-side flag or move done (or abandoned, after a UIDVALIDITY change).
pub async fn imap_done(c: Conn<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    if list.is_empty() {
        return Ok(());
    }
    // The ids are integers from our own rows: safe to inline.
    let sql = format!("UPDATE fax_messages SET imap_done = TRUE WHERE id IN ({list})");
    db!(c, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// Messages stored from a mailbox under an older UIDVALIDITY whose flagging can no longer happen.
pub async fn imap_abandon_stale(
    c: Conn<'_>,
    mailbox: &str,
    uidvalidity: i64,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE fax_messages SET imap_done = TRUE
               WHERE NOT imap_done AND imap_mailbox = $1 AND imap_uidvalidity <> $2";
    db!(c, |c| sqlx::query(sql)
        .bind(mailbox)
        .bind(uidvalidity)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}
