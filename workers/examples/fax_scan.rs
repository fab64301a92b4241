//! Reads FAX documents and prints, per page, whether a verified code was found and how long
//! reading and scanning took. Used by `benches/zxing_compare.sh`.
//!
//! `cargo run --release -p consentflow-workers --example fax_scan -- KEY FILE…`

use std::time::{Duration, Instant};

use consentflow_workers::fax::{self, Limits};

fn main() {
    let mut args = std::env::args().skip(1);
    let key = args.next().expect("usage: fax_scan KEY FILE…").into_bytes();
    for file in args {
        let bytes = std::fs::read(&file).expect("readable file");
        let start = Instant::now();
        let pages = match fax::read(&bytes, None, &Limits::default()) {
            Ok(p) => p,
            Err(e) => {
                println!("{file}\t0\terror\t{e}");
                continue;
            }
        };
        let read_ms = start.elapsed().as_secs_f64() * 1000.0 / pages.len().max(1) as f64;
        for (i, page) in pages.into_iter().enumerate() {
            let t = Instant::now();
            let (ok, stage) = match page {
                Ok(p) => {
                    let s = fax::scan(&p.image, &|_| Some(key.as_slice()), Duration::from_secs(10));
                    let ok = s.verified().next().is_some();
                    (ok, s.stage.unwrap_or("-"))
                }
                Err(_) => (false, "page-error"),
            };
            let ms = read_ms + t.elapsed().as_secs_f64() * 1000.0;
            println!(
                "{file}\t{}\t{}\t{stage}\t{ms:.2}",
                i + 1,
                if ok { "ok" } else { "miss" }
            );
        }
    }
}
