//! Thin entry point: everything lives in the library so tests drive the same code.

fn main() -> std::process::ExitCode {
    fixed_mmap_threshold();
    consentflow::cli::main()
}

/// glibc raises its mmap threshold each time a large block is freed (up to 32 MB). After the
/// first FAX pages and PDFs, their multi-megabyte buffers come from the heap and stay resident
/// once freed: `serve` at rest held ≈ 100 MB after the demo city's FAXes instead of ≈ 56 MB
/// (`benches/idle_rss.sh`). A fixed threshold (glibc's default, 128 KiB) keeps such buffers
/// mmapped, so freeing them returns the memory.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fixed_mmap_threshold() {
    // SAFETY: mallopt only changes allocator parameters; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fixed_mmap_threshold() {}
