//! Building and running the application: zero2prod's shape. `Application::build` binds the port
//! (0 in tests) and reports it; `run` serves until stopped.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{Config, Keys};
use crate::jobs::{self, Queue};
use crate::service::forms::FormRegistry;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    /// The job workers' own pool (`database.worker_connections`): `jobs::run` gives the workers
    /// a state whose `store` is this one, so web load cannot starve them.
    pub worker_store: Store,
    /// Which job workers run, which are down, and how often each was restarted.
    pub workers: Arc<crate::jobs::supervise::WorkerHealth>,
    pub queue: Queue,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub forms: Arc<FormRegistry>,
    /// Sends the outbox's e-mails (SMTP or files).
    pub mailer: Arc<crate::outbox::Mailer>,
    /// What time it is for the schedules and the compliance page (a test may set it).
    pub clock: Arc<dyn crate::schedule::Clock>,
    /// Bounds CPU-heavy work (reading FAX pages) to the machine's cores.
    pub cpu: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Everything but the listener: keys, form versions, database (migrated) and queue.
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
        let keys = config.keys()?;
        let forms = FormRegistry::load(config.forms_dir.as_deref())?;
        // Parse the font and cut its base subset (~60 ms) now, not in the first care manager's print.
        tokio::task::spawn_blocking(consentflow_workers::form::font::base);
        let store = Store::connect_sized(&config.database_url, config.database.web()).await?;
        store.migrate().await?;
        let worker_store =
            Store::connect_sized(&config.database_url, config.database.workers()).await?;
        let queue = Queue::new(&store);
        let mailer = crate::outbox::Mailer::build(&config.mail, &config.data_dir)?;
        Ok(AppState {
            mailer: Arc::new(mailer),
            store,
            worker_store,
            workers: Default::default(),
            queue,
            config: Arc::new(config),
            keys: Arc::new(keys),
            forms: Arc::new(forms),
            clock: Arc::new(crate::schedule::SystemClock),
            cpu: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        })
    }
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    run_workers: bool,
}

impl Application {
    /// Connects, migrates, and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&config.listen).await?;
        let run_workers = config.run_workers;
        let state = AppState::build(config).await?;
        Ok(Application {
            listener,
            state,
            run_workers,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs on another clock (a simulation, a test).
    pub fn with_clock(mut self, clock: Arc<dyn crate::schedule::Clock>) -> Application {
        self.state.clock = clock;
        self
    }

    /// Serves (and, unless disabled, runs the job workers) until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        let router = crate::web::router(self.state.clone());
        // The peer address (for the rate limits) is given to each request by the server.
        let per_address = self.state.config.max_connections_per_address;
        let web = crate::serve::serve(self.listener, router, stop.clone(), per_address);
        if self.run_workers {
            let app = self.state.clone();
            let signal = async move {
                let _ = stop.wait_for(|s| *s).await;
                Ok(())
            };
            let poll = std::time::Duration::from_millis(self.state.config.job_poll_ms);
            let (w, j) = tokio::join!(web, jobs::run(app, poll, signal));
            w?;
            j?;
        } else {
            web.await?;
        }
        Ok(())
    }
}

/// A watch channel that turns true on Ctrl-C or SIGTERM.
pub fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
        let _ = tx.send(true);
    });
    rx
}
