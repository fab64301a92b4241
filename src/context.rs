//! What the services, the intake, the schedules and the job workers use: the store, the queue,
//! the configuration, the keys, the form versions, the mail transport and the clock. Defined
//! below the services so they take exactly this, never the web's state.

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Keys};
use crate::error::{AppError, AppResult};
use crate::form_versions::FormRegistry;
use crate::mailer::Mailer;
use crate::queue::Queue;
use crate::snapshot::Snapshot;
use crate::store::enrollment_list::CityCounts;
use crate::store::Store;

#[derive(Clone, Debug)]
pub struct Context {
    pub store: Store,
    /// The job workers' own pool (`database.worker_connections`): [`Context::for_workers`]
    /// makes it the store, so web load cannot starve them.
    pub worker_store: Store,
    pub queue: Queue,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub forms: Arc<FormRegistry>,
    /// Sends the outbox's e-mails (SMTP or files).
    pub mailer: Arc<Mailer>,
    /// Every "now" and "today in Japan" (a test or a simulation may set it).
    pub clock: Arc<dyn Clock>,
    /// Bounds CPU-heavy work (reading FAX pages) to the machine's cores.
    pub cpu: Arc<tokio::sync::Semaphore>,
    /// The dashboard's counts over the whole city, worked out at most once a minute (#23).
    pub city_counts: Arc<Snapshot<CityCounts>>,
    /// Cancelled when the process is asked to stop: a long job looks at it between batches
    /// ([`Context::go_on`]) and leaves the rest to the next start (#23).
    pub stopping: CancellationToken,
}

impl Context {
    /// Keys, form versions, database (migrated), both pools and the queue.
    pub async fn build(config: Config) -> anyhow::Result<Context> {
        let keys = config.keys()?;
        let forms = FormRegistry::load(config.forms_dir.as_deref())?;
        // Parse the font and cut its base subset (~60 ms) now, not in the first care manager's print.
        tokio::task::spawn_blocking(consentflow_workers::form::font::base);
        let store = Store::connect_sized(&config.database_url, config.database.web()).await?;
        store.migrate().await?;
        let worker_store =
            Store::connect_sized(&config.database_url, config.database.workers()).await?;
        let queue = Queue::new(&store);
        let mailer = Mailer::build(&config.mail, &config.data_dir)?;
        Ok(Context {
            mailer: Arc::new(mailer),
            store,
            worker_store,
            queue,
            config: Arc::new(config),
            keys: Arc::new(keys),
            forms: Arc::new(forms),
            clock: Arc::new(SystemClock),
            cpu: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            city_counts: Arc::new(Snapshot::new(chrono::Duration::minutes(1))),
            stopping: CancellationToken::new(),
        })
    }

    /// The same context on another clock (a test's, a simulation's): the services and the
    /// store's rows both go by it.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Context {
        Context {
            store: self.store.with_clock(clock.clone()),
            worker_store: self.worker_store.with_clock(clock.clone()),
            clock,
            ..self
        }
    }

    /// `Err(Interrupted)` once the process is stopping: a long job calls it between batches,
    /// after each batch's work is committed, so it stops within a batch and resumes after it.
    pub fn go_on(&self) -> AppResult<()> {
        if self.stopping.is_cancelled() {
            Err(AppError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// The same context on the workers' own pool.
    pub fn for_workers(&self) -> Context {
        Context {
            store: self.worker_store.clone(),
            queue: Queue::new(&self.worker_store),
            ..self.clone()
        }
    }
}
