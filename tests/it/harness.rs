//! The harness itself: a test that fails leaves nothing behind.

use super::helpers::{spawn_app, Backend};

async fn exists(name: &str) -> bool {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&super::db::pg_admin_url())
        .await
        .unwrap();
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_one(&mut c)
        .await
        .unwrap()
        == 1
}

/// A test that panics drops its app without `finish`: the database goes all the same.
#[tokio::test]
async fn a_test_database_is_dropped_even_without_finish() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let name = app
        .pg_database()
        .expect("a PostgreSQL app has a database")
        .to_string();
    assert!(exists(&name).await, "the app runs on {name}");
    drop(app);
    assert!(!exists(&name).await, "{name} is still there");
}
