//! Straight SQL on the test's database: to set up a situation the application would take too
//! long to reach, and to check what it recorded.

use serde_json::Value;

use super::helpers::{eventually, TestApp};

/// Runs SQL straight on the test's database, to set up a situation (time passing, a refusing
/// address) the application would take too long to reach.
pub async fn sql(a: &TestApp, q: &str) {
    let mut c = a.store.acquire().await.unwrap();
    match c.conn().db {
        consentflow::store::Db::Sqlite(c) => {
            sqlx::query(sqlx::AssertSqlSafe(q))
                .execute(&mut *c)
                .await
                .unwrap();
        }
        consentflow::store::Db::Postgres(c) => {
            sqlx::query(sqlx::AssertSqlSafe(q))
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
}

/// Runs SQL with one time bound as `$1` (a moment in a simulation).
pub async fn sql_at(a: &TestApp, q: &str, at: chrono::DateTime<chrono::Utc>) {
    let mut c = a.store.acquire().await.unwrap();
    match c.conn().db {
        consentflow::store::Db::Sqlite(c) => {
            sqlx::query(sqlx::AssertSqlSafe(q))
                .bind(at)
                .execute(&mut *c)
                .await
                .unwrap();
        }
        consentflow::store::Db::Postgres(c) => {
            sqlx::query(sqlx::AssertSqlSafe(q))
                .bind(at)
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
}

/// A `SELECT COUNT(*) …` on the test's database, to check what the application reports.
pub async fn sql_count(a: &TestApp, q: &str) -> i64 {
    let mut c = a.store.acquire().await.unwrap();
    match c.conn().db {
        consentflow::store::Db::Sqlite(c) => sqlx::query_scalar(sqlx::AssertSqlSafe(q))
            .fetch_one(&mut *c)
            .await
            .unwrap(),
        consentflow::store::Db::Postgres(c) => sqlx::query_scalar(sqlx::AssertSqlSafe(q))
            .fetch_one(&mut *c)
            .await
            .unwrap(),
    }
}

/// The outbox's e-mails once every one is marked sent. The SMTP server has a message before
/// the dispatcher records it as sent, so reading the rows as soon as a message arrives races.
pub async fn sent_outbox_rows(a: &TestApp) -> Vec<Value> {
    let sent = eventually(30, || async {
        let rows = outbox_rows(a).await;
        rows.iter().all(|r| r["status"] == "sent").then_some(rows)
    })
    .await;
    match sent {
        Some(rows) => rows,
        None => panic!("every outbox e-mail sent: {:#?}", outbox_rows(a).await),
    }
}

/// The outbox's e-mails, newest first, as the API would show them.
pub async fn outbox_rows(a: &TestApp) -> Vec<Value> {
    let mut c = a.store.acquire().await.unwrap();
    consentflow::store::outbox::list(c.conn(), None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}
