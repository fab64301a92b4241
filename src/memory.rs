//! The process's memory at rest.

/// After the first FAX pages and PDFs, glibc keeps their freed multi-megabyte buffers resident:
/// `serve` held ≈ 100 MB at rest instead of ≈ 58 MB (`benches/idle_rss.sh`). `malloc_trim`
/// hands free memory back, but shrinks only the main arena's top, so the process keeps to that
/// one arena and trims it every ten seconds. That costs the page job about 10 % (one arena's lock
/// shared by the decoding threads; README, Performance); fixing the mmap threshold instead cost
/// 15–20 % and larger thresholds left 64–69 MB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn return_freed_memory() {
    // glibc's own MALLOC_ARENA_MAX, when set, wins (more arenas: faster under load, more memory).
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt changes an allocator parameter under the allocator's own lock; the
        // caller runs this first thing, before any other thread.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
    let trim = || loop {
        std::thread::sleep(std::time::Duration::from_secs(10));
        // SAFETY: malloc_trim releases free memory only, under the allocator's own locks.
        unsafe {
            libc::malloc_trim(0);
        }
    };
    // Without the thread the service still works, only with more memory at rest.
    let _ = std::thread::Builder::new()
        .name("malloc-trim".into())
        .spawn(trim);
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_freed_memory() {}
