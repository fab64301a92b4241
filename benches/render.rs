//! Rendering one prefilled consent form (別紙1), the font already parsed as in the service.
//! Target (issue #3): ≤ 5 ms per page and ≤ 120 KB per form on the 2-core reference machine.
//!
//! `cargo bench --bench render`

use std::hint::black_box;

use consentflow_workers::form::{self, template, SigningKey};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let key = SigningKey {
        id: 'A',
        key: b"bench-key".to_vec(),
    };
    let _ = form::font::font(); // parsed once per process, as in the service
    for (name, team) in [("form_1_page", 4), ("form_2_pages", 20)] {
        let d = form::demo_data(10, team);
        let r = form::render(&t, &d, &key).unwrap();
        eprintln!("{name}: {} pages, {} bytes", r.payloads.len(), r.pdf.len());
        c.bench_function(name, |b| {
            b.iter(|| form::render(black_box(&t), black_box(&d), &key).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
