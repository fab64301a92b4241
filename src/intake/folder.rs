//! The hot folder, for scan-to-folder printers. A file is taken once it has stopped growing
//! (the same size and time at two looks), stored, and moved to `processed/`; a file that is not
//! a document, or too large, goes to `failed/` with a `.reason.txt` beside it. Nothing is
//! deleted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{accept, Arrival, Source};
use crate::context::Context;
use crate::store::leases;

/// What one look at the folder did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Looked {
    pub stored: usize,
    pub failed: usize,
    /// Files still growing (or seen for the first time), left for the next look.
    pub waiting: usize,
}

/// The folder's state between looks: each file's size and time when last seen.
#[derive(Debug, Default)]
pub struct Watch {
    seen: HashMap<PathBuf, (u64, SystemTime)>,
}

/// Moves `file` into `dir`, under a new name if one is taken.
fn move_into(file: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let mut target = dir.join(&*name);
    let mut n = 1;
    while target.exists() {
        target = dir.join(format!("{n}-{name}"));
        n += 1;
    }
    std::fs::rename(file, &target)?;
    Ok(target)
}

fn fail(file: &Path, root: &Path, reason: &str) -> std::io::Result<()> {
    let target = move_into(file, &root.join("failed"))?;
    let mut note = target.into_os_string();
    note.push(".reason.txt");
    std::fs::write(note, format!("{reason}\n"))
}

/// One look at the folder.
pub async fn look(app: &Context, root: &Path, watch: &mut Watch) -> anyhow::Result<Looked> {
    let mut out = Looked::default();
    let mut present = HashMap::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        let meta = entry.metadata()?;
        // Printers write hidden or .part/.tmp files first and rename them when done.
        if !meta.is_file()
            || name.starts_with('.')
            || name.ends_with(".part")
            || name.ends_with(".tmp")
        {
            continue;
        }
        let now = (meta.len(), meta.modified()?);
        let stable = watch.seen.get(&path) == Some(&now);
        present.insert(path.clone(), now);
        if !stable {
            out.waiting += 1;
            continue;
        }
        let limit = app.config.intake.max_bytes;
        if meta.len() > limit {
            fail(
                &path,
                root,
                &format!("ファイルが大きすぎます（上限 {} MB）", limit / 1_048_576),
            )?;
            out.failed += 1;
            continue;
        }
        let raw = tokio::fs::read(&path).await?;
        if super::kind_of(&raw) == "mail" && super::mime::parse(&raw).is_none() {
            fail(
                &path,
                root,
                "PDF・TIFF・PNG・JPEG・メールのいずれでもありません",
            )?;
            out.failed += 1;
            continue;
        }
        let arrival = Arrival {
            source: Source::Folder,
            raw: &raw,
            file_name: Some(&name),
            uploaded_by: None,
            imap: None,
        };
        // A database failure leaves the file where it is, for the next look.
        accept(app, &arrival).await?;
        move_into(&path, &root.join("processed"))?;
        present.remove(&path);
        out.stored += 1;
    }
    watch.seen = present;
    Ok(out)
}

/// Watches the folder for as long as the process runs. With several nodes, one lease per
/// folder makes one of them the taker.
pub async fn run(app: Context, root: PathBuf) {
    let pause = Duration::from_millis(app.config.intake.folder_poll_ms.max(100));
    let name = format!("folder:{}", root.display());
    let mut watch = Watch::default();
    if let Err(e) = std::fs::create_dir_all(&root) {
        tracing::error!(error = %e, "cannot create the hot folder");
    }
    loop {
        let ours = match app.store.acquire().await {
            Ok(mut c) => leases::acquire(
                c.conn(),
                &name,
                &super::imap::holder(),
                chrono::Duration::seconds(60),
            )
            .await
            .unwrap_or(false),
            Err(_) => false,
        };
        if ours {
            if let Err(e) = look(&app, &root, &mut watch).await {
                tracing::warn!(error = %e, "hot folder look failed");
            }
        }
        tokio::time::sleep(pause).await;
    }
}
