//! Shared by the workers' integration tests.

#![allow(dead_code)]

pub mod plain;

use std::process::{Command, Stdio};

/// Whether every named Debian tool is installed. Missing ones skip the test with a notice, or
/// fail it when `CONSENTFLOW_REQUIRE_TOOLS=1` (CI).
pub fn tools(names: &[&str]) -> bool {
    for name in names {
        let ok = Command::new(name)
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !ok {
            let required = std::env::var("CONSENTFLOW_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "CONSENTFLOW_REQUIRE_TOOLS=1 but {name} is not installed"
            );
            eprintln!("NOTICE: {name} not installed; skipping");
            return false;
        }
    }
    true
}
