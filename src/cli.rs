//! The command line: `serve`, `worker`, `migrate`, `token create`, `login-link`, `intake`,
//! `fetch`, `seed`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{shutdown_signal, Application};
use crate::clock::Clock;
use crate::config::Config;
use crate::context::Context;
use crate::jobs;
use crate::service::accounts;
use crate::store::{users, Store};

#[derive(Parser)]
#[command(
    name = "consentflow",
    version,
    about = "Consent forms and FAX intake for 電子@連絡帳"
)]
struct Cli {
    /// Configuration file (default: ./consentflow.toml, optional).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web and API, and run the job workers in the same process.
    Serve {
        /// Load a small demo city on an empty database.
        #[arg(long)]
        demo: bool,
    },
    /// Run the job workers only (scale-out on PostgreSQL).
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print a one-time sign-in link for a user (e.g. a city administrator who lost a password).
    LoginLink {
        #[arg(long)]
        user: String,
    },
    /// Take FAX files or saved e-mails (PDF, TIFF, PNG, JPEG, .eml) into the intake, read them
    /// now, and print each page's outcome.
    Intake {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Poll the configured IMAP mailbox once, then read what was fetched.
    Fetch,
    /// Schedules: list them with their next firing, or run one now (reminders are sent once
    /// whatever runs them, so running one by hand never sends anything twice).
    Schedule {
        #[command(subcommand)]
        command: ScheduleCommand,
    },
    /// Fill the database with a city's worth of test data for load runs (on top of the demo
    /// city, whose logins then work): enrollments in every state and FAX pages over a year.
    Seed {
        #[arg(long, default_value_t = 100_000)]
        enrollments: usize,
        #[arg(long, default_value_t = 300_000)]
        pages: usize,
    },
}

#[derive(Subcommand)]
enum ScheduleCommand {
    List,
    Run { name: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr: stdout is the command's answer (a token, an intake report).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli));
    // CPU work still running on a blocking thread (a page being read) must not hold the exit:
    // what it was doing is done again at the next start.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { demo } => serve(config, demo).await,
        Command::Worker => {
            let poll = std::time::Duration::from_millis(config.job_poll_ms);
            let ctx = Context::build(config).await?;
            let mut stop = shutdown_signal();
            tracing::info!(backend = ctx.store.backend(), "workers running");
            jobs::run(ctx, Default::default(), poll, async move {
                let _ = stop.wait_for(|s| *s).await;
                Ok(())
            })
            .await
        }
        Command::Migrate => {
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            println!("migrations applied ({})", store.backend());
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { user, label },
        } => {
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            let row = user_row(&store, &user).await?;
            let issuer = crate::service::tokens::TokenIssuer::Operator;
            let token = crate::service::tokens::create_token(&store, &row, &label, issuer).await?;
            println!("{token}");
            Ok(())
        }
        Command::Intake { files } => crate::intake::cli::intake(config, &files).await,
        Command::Fetch => crate::intake::cli::fetch(config).await,
        Command::Schedule { command } => schedule(config, command).await,
        Command::Seed { enrollments, pages } => {
            let app = Context::build(config).await?;
            let started = std::time::Instant::now();
            let r = crate::seed::run(&app, crate::seed::Plan { enrollments, pages }).await?;
            println!(
                "seeded {} offices, {} enrollments, {} FAX pages in {:.1} s",
                r.offices,
                r.enrollments,
                r.pages,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::LoginLink { user } => {
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            let id = user_row(&store, &user).await?.id;
            let path = accounts::create_login_link(&store, id).await?;
            println!("{}{path}", base_url(&config, None));
            Ok(())
        }
    }
}

async fn user_row(store: &Store, login: &str) -> anyhow::Result<users::UserRow> {
    let mut c = store.acquire().await?;
    users::by_login(c.conn(), login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user with login '{login}'"))
}

fn base_url(config: &Config, bound: Option<std::net::SocketAddr>) -> String {
    match (&config.base_url, bound) {
        (Some(b), _) => b.trim_end_matches('/').to_string(),
        (None, Some(a)) => format!("http://{a}"),
        (None, None) => format!("http://{}", config.listen),
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let cfg = config.clone();
    let app = Application::build(config).await?;
    let addr = app.local_addr();
    let base = base_url(&cfg, Some(addr));
    let state = app.state().clone();
    let store = state.store.clone();
    if let Some(path) = accounts::bootstrap(&store).await? {
        println!("\nFirst run: the city administrator signs in once at\n\n    {base}{path}\n");
        println!("(login id: admin; the link works once, for 24 hours; `consentflow login-link --user admin` makes a new one)\n");
    }
    if demo {
        if crate::demo::load(&state).await? {
            println!(
                "Demo city loaded. Sign in with any of these (password: {}):",
                crate::demo::PASSWORD
            );
            for (login, what) in crate::demo::LOGINS {
                println!("    {login:<14} {what}");
            }
        } else {
            println!("Demo city already present.");
        }
    }
    println!("consentflow listening on {base} ({})", store.backend());
    app.run(shutdown_signal()).await
}

async fn schedule(config: Config, command: ScheduleCommand) -> anyhow::Result<()> {
    match command {
        ScheduleCommand::List => {
            let now = crate::clock::SystemClock
                .now()
                .with_timezone(&chrono_tz::Asia::Tokyo);
            for (name, expr) in config.schedules.all() {
                let next = crate::schedule::parse(expr)?
                    .find_next_occurrence(&now, false)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|_| "—".into());
                println!("{name:<14} {expr:<16} next {next} (Asia/Tokyo)");
            }
            Ok(())
        }
        ScheduleCommand::Run { name } => {
            if !config.schedules.all().iter().any(|(n, _)| *n == name) {
                anyhow::bail!("no schedule named {name:?} (see `consentflow schedule list`)");
            }
            let app = Context::build(config).await?;
            let n = crate::schedule::work(&app, &name, app.clock.now()).await?;
            println!("{name}: {n} new e-mail(s) written to the outbox");
            Ok(())
        }
    }
}
