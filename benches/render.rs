//! Rendering one prefilled consent form (別紙1), the font already parsed as in the service.
//! Target (issue #3): ≤ 5 ms per page and ≤ 120 KB per form on the 2-core reference machine.
//!
//! `cargo bench --bench render`

use std::hint::black_box;

use chrono::NaiveDate;
use consentflow_workers::form::{
    self, template, FormData, Member, Obtainer, Place, SigningKey, Subject,
};
use consentflow_workers::EnrollmentCode;
use criterion::{criterion_group, criterion_main, Criterion};

fn data(team: usize) -> FormData {
    FormData {
        code: EnrollmentCode::from_random([3, 1, 4, 1, 5, 9]),
        subject: Some(Subject {
            name: "山田 花子".into(),
            kana: "ヤマダ　ハナコ".into(),
            birth_date: NaiveDate::from_ymd_opt(1940, 4, 1).unwrap(),
            sex: "女".into(),
            address: "茨城県ひたちなか市東石川1-1-1".into(),
            phone: "029-270-1000".into(),
        }),
        team: (0..team)
            .map(|i| Member {
                office: format!("訪問看護ステーション{i}"),
                profession: "看護師".into(),
                name: "港 看護".into(),
                phone: "029-270-0002".into(),
            })
            .collect(),
        obtainer: Some(Obtainer {
            office: "柴田介護保険事務所".into(),
            name: "柴田 ケア".into(),
        }),
        place: Place {
            city: "ひたちなか市".into(),
            centre_name: "在宅医療・介護連携推進センター".into(),
            centre_address: "石川町20-32".into(),
            centre_phone: "029-212-3751".into(),
            centre_fax: "029-212-3752".into(),
        },
    }
}

fn bench(c: &mut Criterion) {
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let key = SigningKey {
        id: 'A',
        key: b"bench-key".to_vec(),
    };
    let _ = form::font::font(); // parsed once per process, as in the service
    for (name, team) in [("form_1_page", 4), ("form_2_pages", 20)] {
        let d = data(team);
        let r = form::render(&t, &d, &key).unwrap();
        eprintln!("{name}: {} pages, {} bytes", r.payloads.len(), r.pdf.len());
        c.bench_function(name, |b| {
            b.iter(|| form::render(black_box(&t), black_box(&d), &key).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
