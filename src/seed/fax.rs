//! Seeded FAX traffic: messages of three pages each over the past year, most matched, some
//! waiting for a person, as the centre's inbox looks in a running city.

use chrono::Duration;
use sha2::{Digest, Sha256};
use sqlx::QueryBuilder;

use super::{Plan, BATCH};
use crate::store::{Conn, Db, Tx};

/// FAX messages of three pages each: most matched, some unreadable, invalid or duplicate.
pub(super) async fn fax(
    tx: &mut Tx,
    plan: &Plan,
    enrollments: &[i64],
    run: i64,
) -> anyhow::Result<usize> {
    let messages = plan.pages.div_ceil(3);
    let now = tx.conn().now;
    let thumb = consentflow_workers::fax::Gray::new(240, 340, vec![255; 240 * 340]).to_png();
    let thumb = crate::store::blobs::put(tx.conn(), "image/png", &thumb).await?;
    let mut pages = 0;
    for start in (0..messages).step_by(BATCH) {
        let end = (start + BATCH).min(messages);
        // Over the past year, the last one now.
        let at = |i: usize| {
            now - Duration::minutes(((messages - 1 - i) * 525_600 / messages.max(1)) as i64)
        };
        let raws: Vec<(usize, String, Vec<u8>)> = (start..end)
            .map(|i| {
                let raw = format!("seeded FAX message {run}-{i}").into_bytes();
                (i, hex::encode(Sha256::digest(&raw)), raw)
            })
            .collect();
        insert_raws(tx.conn(), &raws, now).await?;
        let msgs: Vec<(i64, String)> = bulk!(tx.conn(),
            "INSERT INTO fax_messages (source, kind, raw_sha256, body_sha256, sender, subject, fax_number, status, received_at, processed_at) ",
            |qb, c| {
                qb.push_values(&raws, |mut b, (i, sha, _)| {
                    b.push_bind("imap").push_bind("mail").push_bind(sha.clone()).push_bind(sha.clone())
                        .push_bind(format!("fax{}@gateway.example.jp", i % 500))
                        .push_bind(format!("FAX受信 029-500-{:04}", i % 500))
                        .push_bind(format!("029-500-{:04}", i % 500))
                        .push_bind("processed").push_bind(at(*i)).push_bind(at(*i));
                });
                qb.push(" RETURNING id, raw_sha256");
                qb.build_query_as::<(i64, String)>().fetch_all(&mut *c).await?
            });
        let docs: Vec<(i64, i64)> =
            bulk!(tx.conn(),
            "INSERT INTO fax_documents (message_id, seq, file_name, media_type, status, pages) ",
            |qb, c| {
                qb.push_values(&msgs, |mut b, (id, _)| {
                    b.push_bind(*id).push_bind(1i64).push_bind("fax.tif").push_bind("image/tiff")
                        .push_bind("read").push_bind(3i64);
                });
                qb.push(" RETURNING id, message_id");
                qb.build_query_as::<(i64, i64)>().fetch_all(&mut *c).await?
            });
        let by_sha: std::collections::HashMap<&str, usize> =
            raws.iter().map(|(i, sha, _)| (sha.as_str(), *i)).collect();
        let index: std::collections::HashMap<i64, usize> = msgs
            .iter()
            .map(|(id, sha)| (*id, by_sha[sha.as_str()]))
            .collect();
        let rows: Vec<(i64, usize, usize)> = docs
            .iter()
            .flat_map(|(doc, msg)| (1..=3).map(move |n| (*doc, *msg as usize, n)))
            .filter(|(_, msg, n)| index[&(*msg as i64)] * 3 + n <= plan.pages)
            .collect();
        let recent_from = now - Duration::days(2);
        let page_rows = PageRows {
            rows: &rows,
            index: &index,
            enrollments,
            thumb: &thumb,
            at: &at,
            recent_from,
        };
        insert_pages(tx.conn(), &page_rows).await?;
        pages += rows.len();
    }
    Ok(pages)
}

/// The pages of a batch of seeded messages: (document, message row id, page number) each.
struct PageRows<'a> {
    rows: &'a [(i64, usize, usize)],
    /// Message row id → the message's index in the run.
    index: &'a std::collections::HashMap<i64, usize>,
    enrollments: &'a [i64],
    thumb: &'a str,
    at: &'a dyn Fn(usize) -> chrono::DateTime<chrono::Utc>,
    recent_from: chrono::DateTime<chrono::Utc>,
}

/// A seeded page's own values (the rest are the same for every page).
struct Page {
    document: i64,
    number: i64,
    outcome: &'static str,
    reason: &'static str,
    /// The enrollment a matched or duplicate page belongs to.
    enrollment: Option<i64>,
    at: chrono::DateTime<chrono::Utc>,
}

/// One page in ten needed a person; all but the last two days' were settled by hand
/// (assigned or set aside), as the centre works daily.
fn page(p: &PageRows<'_>, &(document, msg, n): &(i64, usize, usize)) -> Page {
    let i = p.index[&(msg as i64)];
    let k = i * 3 + n;
    let recent = (p.at)(i) > p.recent_from;
    let (outcome, reason) = match k % 20 {
        0 if recent => ("unreadable", "QRコードが見つかりません"),
        1 if recent => ("invalid", "QRコードの署名が一致しません"),
        0 => ("matched", "手作業で照合しました"),
        1 => ("discarded", "同意書ではないため処理対象外"),
        2 => ("duplicate", "同じページを受信済みです"),
        _ => ("matched", "自動で照合しました"),
    };
    let enrollment = matches!(outcome, "matched" | "duplicate")
        .then(|| p.enrollments[i % p.enrollments.len().max(1)]);
    Page {
        document,
        number: n as i64,
        outcome,
        reason,
        enrollment,
        at: (p.at)(i),
    }
}

const PAGE_COLUMNS: &str = "document_id, number, outcome, reason, enrollment_id, copy_round, \
    form_page, form_pages, form_version, is_primary, thumb_sha256, image_sha256, width, height, \
    created_at";

/// PostgreSQL takes the pages by COPY (no statement of 15,000 values to parse; the load's time
/// is the table's own work, so it saved only a few seconds at 3,000,000 pages), SQLite by
/// multi-row INSERTs.
async fn insert_pages(c: Conn<'_>, p: &PageRows<'_>) -> anyhow::Result<()> {
    let pages: Vec<Page> = p.rows.iter().map(|r| page(p, r)).collect();
    match c.db {
        Db::Postgres(c) => {
            let mut text = String::with_capacity(pages.len() * 256);
            for g in &pages {
                copy_row(&mut text, g, p.thumb);
            }
            let sql = format!("COPY fax_pages ({PAGE_COLUMNS}) FROM STDIN");
            let mut copy = c.copy_in_raw(&sql).await?;
            copy.send(text.into_bytes()).await?;
            copy.finish().await?;
        }
        Db::Sqlite(c) => {
            // 15 values a row: a thousand rows stay under SQLite's limit on bound values.
            for chunk in pages.chunks(BATCH) {
                let mut qb = QueryBuilder::<sqlx::Sqlite>::new(format!(
                    "INSERT INTO fax_pages ({PAGE_COLUMNS}) "
                ));
                qb.push_values(chunk, |mut b, g| {
                    let e = g.enrollment;
                    b.push_bind(g.document)
                        .push_bind(g.number)
                        .push_bind(g.outcome)
                        .push_bind(g.reason)
                        .push_bind(e)
                        .push_bind(e.map(|_| 0i64))
                        .push_bind(e.map(|_| g.number % 2 + 1))
                        .push_bind(e.map(|_| 2i64))
                        .push_bind(e.map(|_| 1i64))
                        .push_bind(false)
                        .push_bind(p.thumb)
                        .push_bind(p.thumb)
                        .push_bind(1728i64)
                        .push_bind(2292i64)
                        .push_bind(g.at);
                });
                qb.build().execute(&mut *c).await?;
            }
        }
    }
    Ok(())
}

/// A page as a line of COPY's text format: tab-separated, `\N` for NULL. The seeded values
/// hold no tab, newline or backslash.
fn copy_row(out: &mut String, g: &Page, thumb: &str) {
    use std::fmt::Write;
    let opt = |v: Option<i64>| v.map_or_else(|| "\\N".to_string(), |v| v.to_string());
    let e = g.enrollment;
    let _ = writeln!(
        out,
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\tf\t{thumb}\t{thumb}\t1728\t2292\t{}",
        g.document,
        g.number,
        g.outcome,
        g.reason,
        opt(e),
        opt(e.map(|_| 0)),
        opt(e.map(|_| g.number % 2 + 1)),
        opt(e.map(|_| 2)),
        opt(e.map(|_| 1)),
        g.at.to_rfc3339(),
    );
}

/// The seeded messages' raw bytes, as blobs (one already there is kept).
async fn insert_raws(
    c: Conn<'_>,
    raws: &[(usize, String, Vec<u8>)],
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    bulk!(
        c,
        "INSERT INTO blobs (sha256, size, media_type, data, created_at) ",
        |qb, c| {
            qb.push_values(raws, |mut b, (_, sha, raw)| {
                b.push_bind(sha.clone())
                    .push_bind(raw.len() as i64)
                    .push_bind("message/rfc822")
                    .push_bind(raw.clone())
                    .push_bind(now);
            });
            qb.push(" ON CONFLICT (sha256) DO NOTHING");
            qb.build().execute(&mut *c).await.map(|_| ())?
        }
    );
    Ok(())
}
