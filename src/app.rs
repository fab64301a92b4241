//! Building and running the application: zero2prod's shape. `Application::build` binds the port
//! (0 in tests) and reports it; `run` serves until stopped.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::context::Context;
use crate::jobs::{self, supervise::WorkerHealth};

pub use crate::http::AppState;

impl AppState {
    /// Everything but the listener: the context, and no worker started yet.
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
        Ok(AppState {
            ctx: Context::build(config).await?,
            workers: Arc::<WorkerHealth>::default(),
        })
    }
}

/// Every route: the pages and, under `/api/v1`, the JSON API.
pub fn router(state: AppState) -> axum::Router {
    crate::web::router()
        .nest("/api/v1", crate::api::router())
        .layer(axum::middleware::from_fn(crate::web::health::track))
        .layer(axum::middleware::from_fn(
            crate::http::flash::clear_after_showing,
        ))
        .layer(axum::middleware::from_fn(crate::http::security_headers))
        .with_state(state)
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
    pub fn with_clock(mut self, clock: Arc<dyn crate::clock::Clock>) -> Application {
        self.state.ctx = self.state.ctx.with_clock(clock);
        self
    }

    /// Serves (and, unless disabled, runs the job workers) until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        let router = router(self.state.clone());
        // The peer address (for the rate limits) is given to each request by the server.
        let per_address = self.state.config.max_connections_per_address;
        let web = crate::serve::serve(self.listener, router, stop.clone(), per_address);
        if self.run_workers {
            let (ctx, workers) = (self.state.ctx.clone(), self.state.workers.clone());
            let signal = async move {
                let _ = stop.wait_for(|s| *s).await;
                Ok(())
            };
            let poll = std::time::Duration::from_millis(self.state.config.job_poll_ms);
            let (w, j) = tokio::join!(web, jobs::run(ctx, workers, poll, signal));
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
