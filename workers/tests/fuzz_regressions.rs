//! Replays every input kept under `tests/fuzz_regressions/<target>/` through its fuzz harness:
//! what `benches/fuzz.sh` found (crashes, hangs) plus hand-made hostile inputs. A file that
//! panics or runs away fails this test.

use std::time::{Duration, Instant};

use consentflow_workers::fuzzing;

fn replay(target: &str, harness: fn(&[u8])) {
    let dir = format!(
        "{}/tests/fuzz_regressions/{target}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let t = Instant::now();
        let outcome = std::panic::catch_unwind(|| harness(&bytes));
        assert!(outcome.is_ok(), "{} panics", path.display());
        // Generous: the limits stop each page at 2 s; a debug build is slower.
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "{} ran {:?}",
            path.display(),
            t.elapsed()
        );
        n += 1;
    }
    assert!(n > 0, "no inputs kept for {target}");
}

#[test]
fn mime_inputs() {
    replay("mime", fuzzing::mime);
}

#[test]
fn pdf_inputs() {
    replay("pdf", fuzzing::pdf);
}

#[test]
fn tiff_inputs() {
    replay("tiff", fuzzing::tiff);
}

#[test]
fn payload_inputs() {
    replay("payload", fuzzing::payload);
}
