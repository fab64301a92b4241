//! Writes a dozen prefilled consent forms (one and two pages, signed with `bench-key`) into a
//! folder, as the corpus for `benches/zxing_compare.sh`.

use consentflow_workers::form::{self, demo_data, template, SigningKey};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: make_forms DIR");
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let key = SigningKey {
        id: 'A',
        key: b"bench-key".to_vec(),
    };
    for seed in 0..6u8 {
        for team in [3, 14] {
            let r = form::render(&t, &demo_data(seed, team), &key).unwrap();
            std::fs::write(format!("{dir}/form-{seed}-{team}.pdf"), r.pdf).unwrap();
        }
    }
}
