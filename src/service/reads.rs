//! Who read which person's data: an enrollment's page or record, its consent form, a FAX page's
//! image. Written before the data is returned; if it cannot be written, nothing is shown.
//! (Lists show names but are not logged: one row per name per list view would drown the log.)

use crate::domain::Actor;
use crate::error::AppResult;
use crate::store::security::{self, Read, ReadRow};
use crate::store::{Conn, Store};

pub async fn record(
    store: &Store,
    actor: &Actor,
    what: &str,
    target: (&str, i64),
) -> AppResult<()> {
    let mut c = store.acquire().await?;
    record_in(c.conn(), actor, what, target).await
}

/// [`record`] on a connection the caller has: in the transaction of the work that reads.
pub async fn record_in(
    c: Conn<'_>,
    actor: &Actor,
    what: &str,
    target: (&str, i64),
) -> AppResult<()> {
    let r = Read {
        user_id: actor.user_id(),
        role: actor.role_str(),
        what,
        target,
    };
    security::record_read(c, &r).await?;
    Ok(())
}

/// The reads of an enrollment (the city).
pub async fn of(store: &Store, target: (&str, i64)) -> AppResult<Vec<ReadRow>> {
    let mut c = store.acquire().await?;
    Ok(security::reads(c.conn(), Some(target), None, 100).await?)
}
