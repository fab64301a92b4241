//! `consentflow intake FILE…` and `consentflow fetch`: the intake from the command line, read at
//! once so the operator sees each page's outcome.

use std::path::PathBuf;

use super::{process, store, Arrival, Source};
use crate::config::Config;
use crate::context::Context;
use crate::store::fax;

/// SQLite answers "database is locked" at once, whatever the busy timeout, to a connection whose
/// read must become a write after another process wrote (seen twice in CI, when this command ran
/// beside a busy server). Each step here is one transaction, so it is simply tried again.
fn locked(e: &anyhow::Error) -> bool {
    format!("{e:#}").contains("database is locked")
}

async fn patiently<T, F, Fut>(mut step: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut tries = 0u64;
    loop {
        match step().await {
            Err(e) if locked(&e) && tries < 8 => {
                tries += 1;
                tracing::warn!(tries, "database locked; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(200 * tries)).await;
            }
            other => return other,
        }
    }
}

async fn report(app: &Context, id: i64) -> anyhow::Result<()> {
    let summary = process::process_message(app, id).await?;
    let mut c = app.store.acquire().await?;
    let msg = fax::message(c.conn(), id).await?;
    let error = msg.and_then(|m| m.error).unwrap_or_default();
    println!("message {id}: {} {error}", summary.status);
    for page in crate::store::fax_list::pages_of_message(c.conn(), id).await? {
        println!(
            "  page {} (#{}): {} — {}",
            page.number, page.id, page.outcome, page.reason
        );
    }
    Ok(())
}

pub async fn intake(config: Config, files: &[PathBuf]) -> anyhow::Result<()> {
    let app = patiently(|| Context::build(config.clone())).await?;
    let mut failed = 0;
    for file in files {
        let raw = match tokio::fs::read(file).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        let name = file.file_name().map(|n| n.to_string_lossy().to_string());
        let arrival = Arrival {
            source: Source::Cli,
            raw: &raw,
            file_name: name.as_deref(),
            uploaded_by: None,
            imap: None,
        };
        let stored = patiently(|| async { Ok(store(&app, &arrival).await?) }).await?;
        drop(raw);
        if stored.duplicate {
            println!(
                "{}: already stored as message {}",
                file.display(),
                stored.id
            );
        }
        patiently(|| report(&app, stored.id)).await?;
    }
    if failed > 0 {
        anyhow::bail!("{failed} file(s) could not be read");
    }
    Ok(())
}

pub async fn fetch(config: Config) -> anyhow::Result<()> {
    let cfg = config
        .intake
        .imap
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no [intake.imap] in the configuration"))?;
    let app = Context::build(config).await?;
    let polled = super::imap::poll_once(&app, &cfg).await?;
    println!(
        "fetched {}, stored {}, already stored {}",
        polled.fetched, polled.stored, polled.duplicates
    );
    let mut c = app.store.acquire().await?;
    let waiting = fax::stored_ids(c.conn()).await?;
    drop(c);
    for id in waiting {
        report(&app, id).await?;
    }
    Ok(())
}
