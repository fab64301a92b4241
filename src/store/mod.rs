//! Storage: one interface over SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! The backend is chosen by the URL. Queries are written once in SQL that both engines accept
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT`); the [`db!`] macro runs the same body against
//! whichever connection type is behind a [`Conn`], so each query is type-checked for both.

pub mod applications;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod devices;
pub mod enrollment_list;
pub mod enrollments;
pub mod fax;
pub mod fax_list;
pub mod forms;
pub mod leases;
pub mod offices;
pub mod outbox;
pub mod schedules;
pub mod security;
pub mod trainings;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// Runs `$body` with `$c` bound to the `&mut SqliteConnection` or `&mut PgConnection` behind a
/// [`Conn`]. The body is compiled once per backend.
#[macro_export]
macro_rules! db {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::Conn::Sqlite($c) => $body,
            $crate::store::Conn::Postgres($c) => $body,
        }
    };
}

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A borrowed connection: from a pool, or inside a transaction.
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

pub enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn<'_> {
    /// A shorter-lived borrow of the same connection, for several queries in a row.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(&mut *t),
            Tx::Postgres(t) => Conn::Postgres(&mut *t),
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

impl Pooled {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(&mut *c),
            Pooled::Postgres(c) => Conn::Postgres(&mut *c),
        }
    }
}

/// How many connections a pool keeps, and how long a caller waits for one.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize {
    pub max: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSize {
    fn default() -> Self {
        PoolSize {
            max: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl Store {
    /// Connects to `url` with a default pool (tools and benchmarks).
    pub async fn connect(url: &str) -> Result<Store, sqlx::Error> {
        Store::connect_sized(url, PoolSize::default()).await
    }

    /// Connects to `url`. A SQLite file (and its directory) is created on first use, in WAL mode
    /// with foreign keys enforced.
    pub async fn connect_sized(url: &str, size: PoolSize) -> Result<Store, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(size.max)
                .acquire_timeout(size.acquire_timeout)
                .connect_with(opts)
                .await?;
            Ok(Store::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(15));
            if let Some(dir) = opts.get_filename().parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(size.max)
                .acquire_timeout(size.acquire_timeout)
                .connect_with(opts)
                .await?;
            Ok(Store::Sqlite(pool))
        } else {
            Err(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite: or postgres://".into(),
            ))
        }
    }

    /// Runs the job queue's migrations and ours. Both share sqlx's migration table, so each set
    /// ignores the other's applied versions.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Store::Sqlite(pool) => {
                let mut queue = apalis_sqlite::SqliteStorage::<()>::migrations();
                queue.set_ignore_missing(true).run(pool).await?;
                let mut ours = sqlx::migrate!("migrations/sqlite");
                ours.set_ignore_missing(true).run(pool).await
            }
            Store::Postgres(pool) => {
                let mut queue = apalis_postgres::PostgresStorage::<()>::migrations();
                queue.set_ignore_missing(true).run(pool).await?;
                let mut ours = sqlx::migrate!("migrations/postgres");
                ours.set_ignore_missing(true).run(pool).await
            }
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so two writers queue on the busy timeout instead of failing when a read lock upgrades.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Store::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Store::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A pooled connection for reads.
    pub async fn acquire(&self) -> Result<Pooled, sqlx::Error> {
        Ok(match self {
            Store::Sqlite(p) => Pooled::Sqlite(p.acquire().await?),
            Store::Postgres(p) => Pooled::Postgres(p.acquire().await?),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        let mut c = self.acquire().await?;
        db!(c.conn(), |c| sqlx::query("SELECT 1")
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(p) => p.close().await,
            Store::Postgres(p) => p.close().await,
        }
    }
}

/// True when `e` is a unique-constraint violation, which callers turn into a clear user error.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
