//! The FAX reader per page: reading a G4 fine page and a G3 standard page out of TIFF, then
//! finding and verifying the code. The corpus is made with ghostscript from our own form; without
//! ghostscript the benchmark says so and measures nothing.
//!
//! `cargo bench --bench fax`; the side-by-side with zxing-cpp is `benches/zxing_compare.sh`.

use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use consentflow_workers::fax::{self, Limits};
use consentflow_workers::form::{self, demo_data, template, SigningKey};
use criterion::{criterion_group, criterion_main, Criterion};

/// The field checks of a scanned front page (#20), on top of reading it: the engine alone
/// (`check_front`: the form's printed matter is kept per version, as the service keeps it) and
/// as the service runs it (`check_received`: the stored PNG decoded first).
fn checks(c: &mut Criterion, name: &str, page: &fax::Gray, s: &fax::PageScan) {
    use consentflow_workers::check;
    use consentflow_workers::form::marks;
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let found = s.found.iter().find(|f| f.verdict.is_ok()).unwrap();
    let n = marks::modules(&found.text);
    let printed = check::Printed::of(&t).unwrap();
    let got = check::front(page, &found.sightings, n, &t, Some(&printed));
    assert!(got.registration.is_some(), "{name} registers");
    c.bench_function(&format!("check_front_{name}"), |b| {
        b.iter(|| check::front(black_box(page), &found.sightings, n, &t, Some(&printed)))
    });
    let png = page.to_png();
    c.bench_function(&format!("check_received_{name}"), |b| {
        b.iter(|| {
            check::received_front(
                black_box(&png),
                &found.sightings,
                &found.text,
                &t,
                Some(&printed),
            )
            .unwrap()
        })
    });
}

/// Tesseract on the part of a FAX page the city's 別紙1 is read from, on one core (#20: ≤ 3 s).
fn ocr(c: &mut Criterion, name: &str, page: &fax::Gray) {
    use consentflow_workers::ocr;
    if !ocr::available() {
        eprintln!("NOTICE: tesseract with jpn not installed; OCR not measured");
        return;
    }
    let upper = ocr::upper(page);
    let mut g = c.benchmark_group("ocr");
    g.sample_size(10);
    g.bench_function(format!("ocr_{name}"), |b| {
        b.iter(|| ocr::recognise(black_box(&upper), Duration::from_secs(60)).unwrap())
    });
    g.finish();
}

fn corpus() -> Option<Vec<(&'static str, Vec<u8>)>> {
    let dir = tempfile::tempdir().ok()?;
    let (t, _) = template::builtin(template::latest_builtin()).ok()?;
    let key = SigningKey {
        id: 'A',
        key: b"bench-key".to_vec(),
    };
    let pdf = dir.path().join("form.pdf");
    let rendered = form::render(&t, &demo_data(0, 3), &key).ok()?.pdf;
    std::fs::write(&pdf, rendered).ok()?;
    let mut out = Vec::new();
    for (name, device, res) in [
        ("g4_fine", "tiffg4", "204x196"),
        ("g3_standard", "tiffg3", "204x98"),
        ("g32d_fine", "tiffg32d", "204x196"),
    ] {
        let tif = dir.path().join(format!("{name}.tif"));
        let ok = Command::new("gs")
            .args([
                "-q",
                "-dNOPAUSE",
                "-dBATCH",
                "-dSAFER",
                &format!("-sDEVICE={device}"),
                &format!("-r{res}"),
            ])
            .arg(format!("-sOutputFile={}", tif.display()))
            .arg(&pdf)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
        out.push((name, std::fs::read(&tif).ok()?));
    }
    // The vector form itself, mailed back: rasterised by hayro.
    out.push(("vector_pdf", std::fs::read(&pdf).ok()?));
    Some(out)
}

fn bench(c: &mut Criterion) {
    let Some(corpus) = corpus() else {
        eprintln!("NOTICE: ghostscript not installed; the FAX benchmark measured nothing");
        return;
    };
    let key = b"bench-key".as_slice();
    for (name, bytes) in &corpus {
        c.bench_function(&format!("read_{name}"), |b| {
            b.iter(|| fax::read(black_box(bytes), None, &Limits::default()).unwrap())
        });
        let page = fax::read(bytes, None, &Limits::default())
            .unwrap()
            .remove(0)
            .unwrap();
        let s = fax::scan(&page.image, &|_| Some(key), Duration::from_secs(10));
        assert!(s.verified().next().is_some(), "{name} decodes");
        checks(c, name, &page.image, &s);
        if name.ends_with("_fine") || name.ends_with("_standard") {
            ocr(c, name, &page.image);
        }
        c.bench_function(&format!("read_and_scan_{name}"), |b| {
            b.iter(|| {
                let page = fax::read(black_box(bytes), None, &Limits::default())
                    .unwrap()
                    .remove(0)
                    .unwrap();
                fax::scan(&page.image, &|_| Some(key), Duration::from_secs(10))
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
