//! Thin entry point: everything lives in the library so tests drive the same code.

fn main() -> std::process::ExitCode {
    consentflow::memory::return_freed_memory();
    consentflow::cli::main()
}
