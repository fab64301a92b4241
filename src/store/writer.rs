//! SQLite's write lock, queued in the process. A writer that finds the lock taken is put to
//! sleep by SQLite's busy handler for 1, 2, 5, 10 … ms at a time, however soon the lock is
//! free again: two writers in one process then wait on each other for milliseconds where the
//! other's transaction took a fraction of one. Here the process's writers take turns on one
//! async queue per database file, and each is woken as the one before commits. Other processes
//! (a `worker`, the command line) still meet at SQLite's lock and its busy timeout.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokio::sync::{Mutex as Queue, OwnedMutexGuard};

/// How long a writer queues before it goes to SQLite's lock anyway (as long as the busy
/// timeout): a turn held that long means something is stuck, and SQLite then reports it.
const WAIT: Duration = Duration::from_secs(15);

/// The queue for the database file at `path`, shared by every pool of this process on it.
pub(super) fn queue_for(path: &Path) -> Arc<Queue<()>> {
    static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<Queue<()>>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
    queues.entry(key).or_default().clone()
}

/// Waits for this process's turn to write; None after [`WAIT`].
pub(super) async fn turn(queue: &Arc<Queue<()>>) -> Option<OwnedMutexGuard<()>> {
    tokio::time::timeout(WAIT, queue.clone().lock_owned())
        .await
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_on_one_file_share_a_queue_and_other_files_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
        std::fs::write(&a, b"").unwrap();
        let again = dir.path().join(".").join("a.db");
        assert!(Arc::ptr_eq(&queue_for(&a), &queue_for(&again)));
        assert!(!Arc::ptr_eq(&queue_for(&a), &queue_for(&b)));
    }
}
