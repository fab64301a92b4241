//! Storage: one interface over SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! The backend is chosen by the URL. Queries are written once in SQL that both engines accept
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT`); the [`db!`] macro runs the same body against
//! whichever connection type is behind a [`Conn`], so each query is type-checked for both.

pub mod additions;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod checks;
pub mod devices;
pub mod enrollment_list;
pub mod enrollments;
pub mod fax;
pub mod fax_list;
pub mod fax_tally;
pub mod forms;
pub mod handovers;
pub mod incidents;
pub mod leases;
pub mod ocr;
pub mod offices;
pub mod outbox;
pub mod reminders;
pub mod report;
pub mod retention;
pub mod schedules;
pub mod security;
pub mod subject_changes;
pub mod team_changes;
pub mod todo;
pub mod trainings;
pub mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::clock::{Clock, SystemClock};

/// Runs `$body` with `$c` bound to the `&mut SqliteConnection` or `&mut PgConnection` behind a
/// [`Conn`]. The body is compiled once per backend.
#[macro_export]
macro_rules! db {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn.db {
            $crate::store::Db::Sqlite($c) => $body,
            $crate::store::Db::Postgres($c) => $body,
        }
    };
}

/// The database, and the clock whose time it writes into rows.
#[derive(Clone, Debug)]
pub struct Store {
    pub pool: Pool,
    clock: Arc<dyn Clock>,
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A borrowed connection (from a pool, or inside a transaction) and the moment it works at:
/// the store's clock read when the transaction began or the connection was taken, so every
/// row one transaction writes carries the same time.
pub struct Conn<'c> {
    pub db: Db<'c>,
    pub now: DateTime<Utc>,
}

pub enum Db<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

pub struct Tx {
    inner: TxInner,
    now: DateTime<Utc>,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

pub struct Pooled {
    inner: PooledInner,
    now: DateTime<Utc>,
}

enum PooledInner {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn<'_> {
    /// A shorter-lived borrow of the same connection, for several queries in a row.
    pub fn reborrow(&mut self) -> Conn<'_> {
        let db = match &mut self.db {
            Db::Sqlite(c) => Db::Sqlite(c),
            Db::Postgres(c) => Db::Postgres(c),
        };
        Conn { db, now: self.now }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Postgres(_))
    }
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        let db = match &mut self.inner {
            TxInner::Sqlite(t) => Db::Sqlite(t),
            TxInner::Postgres(t) => Db::Postgres(t),
        };
        Conn { db, now: self.now }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await,
            TxInner::Postgres(t) => t.commit().await,
        }
    }
}

impl Pooled {
    pub fn conn(&mut self) -> Conn<'_> {
        let db = match &mut self.inner {
            PooledInner::Sqlite(c) => Db::Sqlite(c),
            PooledInner::Postgres(c) => Db::Postgres(c),
        };
        Conn { db, now: self.now }
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
    fn new(pool: Pool) -> Store {
        Store {
            pool,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same database on another clock (a test's, a simulation's).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Store {
        Store { clock, ..self }
    }

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
            Ok(Store::new(Pool::Postgres(pool)))
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
            // The file is in this process: nothing can drop an idle connection, so it is not
            // pinged before each use (a round trip to SQLite's thread; sqlx still pings it once
            // when it comes back to the pool, which also rolls back what a dropped caller left).
            let pool = SqlitePoolOptions::new()
                .max_connections(size.max)
                .test_before_acquire(false)
                .acquire_timeout(size.acquire_timeout)
                .connect_with(opts)
                .await?;
            Ok(Store::new(Pool::Sqlite(pool)))
        } else {
            Err(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite: or postgres://".into(),
            ))
        }
    }

    /// Runs the job queue's migrations and ours. Both share sqlx's migration table, so each set
    /// ignores the other's applied versions.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let mut queue = apalis_sqlite::SqliteStorage::<()>::migrations();
                queue.set_ignore_missing(true).run(pool).await?;
                let mut ours = sqlx::migrate!("migrations/sqlite");
                ours.set_ignore_missing(true).run(pool).await
            }
            Pool::Postgres(pool) => {
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
        let inner = match &self.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx {
            inner,
            now: self.clock.now(),
        })
    }

    /// A pooled connection for reads.
    pub async fn acquire(&self) -> Result<Pooled, sqlx::Error> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => PooledInner::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => PooledInner::Postgres(p.acquire().await?),
        };
        Ok(Pooled {
            inner,
            now: self.clock.now(),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
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
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}
