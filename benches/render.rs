//! Rendering one prefilled consent form (別紙1), the font already parsed as in the service.
//! Target (issue #3): ≤ 5 ms per page and ≤ 120 KB per form on the 2-core reference machine.
//!
//! Joining a print batch of 200 forms into one PDF (#23): target ≤ 3 MB and ≤ 2 s.
//!
//! `cargo bench --bench render`

use std::hint::black_box;

use consentflow_workers::form::{self, template, SigningKey};
use consentflow_workers::pdf;
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

/// 200 different people, as a care manager's batch would have: names, addresses, teams.
fn people() -> Vec<form::FormData> {
    const SURNAMES: [&str; 20] = [
        "佐藤",
        "鈴木",
        "高橋",
        "田中",
        "伊藤",
        "渡辺",
        "山本",
        "中村",
        "小林",
        "加藤",
        "吉田",
        "山田",
        "佐々木",
        "山口",
        "松本",
        "井上",
        "木村",
        "林",
        "斎藤",
        "清水",
    ];
    const GIVEN: [&str; 10] = [
        "花子",
        "一郎",
        "トメ",
        "キヨ",
        "正雄",
        "美代子",
        "勝",
        "ハル",
        "茂",
        "和子",
    ];
    const TOWNS: [&str; 10] = [
        "千波町",
        "見川",
        "元吉田町",
        "笠原町",
        "赤塚",
        "河和田町",
        "大工町",
        "泉町",
        "南町",
        "城東",
    ];
    (0..200)
        .map(|i| {
            let mut d = form::demo_data(i as u8, 2 + i % 5);
            if let Some(s) = d.subject.as_mut() {
                s.name = format!("{} {}", SURNAMES[i % 20], GIVEN[(i / 20) % 10]);
                s.address = format!(
                    "茨城県水戸市{}{}丁目{}-{}",
                    TOWNS[i % 10],
                    1 + i % 4,
                    i,
                    i % 9
                );
            }
            d
        })
        .collect()
}

fn batch(c: &mut Criterion) {
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let key = SigningKey {
        id: 'A',
        key: b"bench-key".to_vec(),
    };
    let pdfs: Vec<Vec<u8>> = people()
        .iter()
        .map(|d| form::render(&t, d, &key).unwrap().pdf)
        .collect();
    let pages: usize = pdfs.iter().map(|p| pdf::page_count(p).unwrap()).sum();
    let plain = pdf::merge(&pdfs).unwrap();
    let (shared, how) = form::batch::merge(&pdfs).unwrap();
    assert_eq!(how, form::batch::Joined::SharedFont);
    eprintln!(
        "batch of 200 forms ({pages} pages): {} bytes with one font, {} bytes page by page",
        shared.len(),
        plain.len()
    );
    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    g.bench_function("join_200_one_font", |b| {
        b.iter(|| form::batch::merge(black_box(&pdfs)).unwrap())
    });
    g.bench_function("join_200_page_by_page", |b| {
        b.iter(|| pdf::merge(black_box(&pdfs)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench, batch);
criterion_main!(benches);
