//! The test's database: SQLite in a temporary directory, or a PostgreSQL database of its own
//! that a guard drops.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend for a test that runs on one: SQLite, or PostgreSQL when
    /// `CONSENTFLOW_TEST_BACKEND=postgres` (CI runs the suite both ways).
    pub fn chosen() -> Backend {
        match std::env::var("CONSENTFLOW_TEST_BACKEND").as_deref() {
            Ok("postgres") => Backend::Postgres,
            Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("CONSENTFLOW_TEST_BACKEND={other}: use sqlite or postgres"),
        }
    }
}

/// A test's PostgreSQL database, dropped when the guard is: after a passing test and after a
/// failing one alike, so no test leaves its database behind.
pub struct PgDatabase(pub String);

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.0);
        // Drop runs inside the test's runtime, which cannot block on itself: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&pg_admin_url()).await.ok()?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut c)
                .await
                .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("NOTICE: could not drop a test database");
        }
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("CONSENTFLOW_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh PostgreSQL database, or None (with a notice) when no server answers and the run does
/// not require one. With `CONSENTFLOW_REQUIRE_POSTGRES=1` (CI) a missing server fails the test.
pub async fn fresh_pg_database() -> Option<(String, String)> {
    use sqlx::Connection;
    let admin = pg_admin_url();
    let required = std::env::var("CONSENTFLOW_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) if !required => {
            eprintln!("NOTICE: PostgreSQL not reachable at {admin} ({e}); skipping the PostgreSQL half of this test");
            return None;
        }
        Err(e) => {
            panic!("CONSENTFLOW_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at {admin}: {e}")
        }
    };
    let name = format!("cf_test_{}", uuid_like());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin);
    Some((format!("{base}/{name}"), name))
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}
