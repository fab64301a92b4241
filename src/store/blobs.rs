//! Content-addressed blobs (raw e-mails, page images, PDFs) kept in the database itself, so one
//! backup holds everything and several nodes need no shared disk.

use sha2::{Digest, Sha256};

use super::Conn;
use crate::db;

/// Stores `data` under its SHA-256 and returns the hex digest. Storing the same bytes twice is a
/// no-op.
pub async fn put(c: Conn<'_>, media_type: &str, data: &[u8]) -> Result<String, sqlx::Error> {
    let now = c.now;
    let digest = hex::encode(Sha256::digest(data));
    let sql = "INSERT INTO blobs (sha256, size, media_type, data, created_at)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING";
    db!(c, |c| sqlx::query(sql)
        .bind(&digest)
        .bind(data.len() as i64)
        .bind(media_type)
        .bind(data)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(digest)
}

/// The blob's media type and bytes.
pub async fn get(c: Conn<'_>, sha256: &str) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let sql = "SELECT media_type, data FROM blobs WHERE sha256 = $1";
    db!(c, |c| sqlx::query_as::<_, (String, Vec<u8>)>(sql)
        .bind(sha256)
        .fetch_optional(&mut *c)
        .await)
}
