//! The FAX inbox's tab counts (#23). Waiting pages (unreadable, invalid) are few and counted
//! live. Settled pages of the last days are many: 55,000 a week in a city of 3,000,000 pages a
//! year, 25 ms to count on every look. They are summed from `fax_page_tally` instead: pages by
//! outcome and hour of arrival, written as deltas by triggers in the database (migration 23) and
//! folded hourly by [`fold`]. Only the window's first, partial hour is counted from the pages.

use chrono::{DateTime, TimeZone, Utc};

use super::Conn;
use crate::db;

/// Counts by outcome for the inbox's tabs: every page still waiting (unreadable, invalid), and
/// of the settled outcomes those that arrived since `since`.
pub async fn counts(c: Conn<'_>, since: DateTime<Utc>) -> Result<Vec<(String, i64)>, sqlx::Error> {
    // The first whole hour at or after `since`: the tally counts from there on.
    let secs = since.timestamp();
    let on_the_hour = secs.rem_euclid(3600) == 0 && since.timestamp_subsec_nanos() == 0;
    let hour = secs.div_euclid(3600) + i64::from(!on_the_hour);
    let hour_start = Utc.timestamp_opt(hour * 3600, 0).single().unwrap_or(since);
    let sql = "SELECT outcome, COUNT(*) FROM fax_pages
            WHERE outcome IN ('unreadable', 'invalid') GROUP BY outcome
        UNION ALL
        SELECT outcome, CAST(SUM(n) AS BIGINT) FROM fax_page_tally
            WHERE outcome IN ('matched', 'duplicate', 'superseded', 'discarded') AND hour >= $1
            GROUP BY outcome
        UNION ALL
        SELECT outcome, COUNT(*) FROM fax_pages
            WHERE outcome IN ('matched', 'duplicate', 'superseded', 'discarded')
              AND created_at >= $2 AND created_at < $3
            GROUP BY outcome";
    let parts: Vec<(String, i64)> = db!(c, |c| sqlx::query_as::<_, (String, i64)>(sql)
        .bind(hour)
        .bind(since)
        .bind(hour_start)
        .fetch_all(&mut *c)
        .await)?;
    let mut out: Vec<(String, i64)> = Vec::new();
    for (outcome, n) in parts {
        match out.iter_mut().find(|(o, _)| *o == outcome) {
            Some((_, total)) => *total += n,
            None => out.push((outcome, n)),
        }
    }
    Ok(out)
}

/// Folds the tally's deltas into one row per outcome and hour, in the caller's transaction.
/// Safe beside writers and other folds: only the rows this statement deleted are summed, and
/// the triggers only ever insert. Returns how many rows were folded away.
pub async fn fold(mut c: Conn<'_>) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM fax_page_tally WHERE (outcome, hour) IN (
            SELECT outcome, hour FROM fax_page_tally GROUP BY outcome, hour HAVING COUNT(*) > 1)
        RETURNING outcome, hour, n";
    let gone: Vec<(String, i64, i64)> = db!(c.reborrow(), |c| sqlx::query_as(sql)
        .fetch_all(&mut *c)
        .await)?;
    let mut sums: std::collections::BTreeMap<(&str, i64), i64> = Default::default();
    for (outcome, hour, n) in &gone {
        *sums.entry((outcome.as_str(), *hour)).or_default() += n;
    }
    let folded: Vec<_> = sums.into_iter().filter(|(_, n)| *n != 0).collect();
    for rows in folded.chunks(1000) {
        db!(c.reborrow(), |c| {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO fax_page_tally (outcome, hour, n) ");
            qb.push_values(rows, |mut b, ((outcome, hour), n)| {
                b.push_bind(*outcome).push_bind(*hour).push_bind(*n);
            });
            qb.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok((gone.len() - folded.len()) as u64)
}
