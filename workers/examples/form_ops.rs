//! Writes the drawing marks of the render benchmark's two forms (1 page with 4 team
//! members, 2 pages with 20) as JSON, for `benches/reportlab_compare.sh`: ReportLab draws the
//! very same text, lines and QR modules.

use consentflow_workers::form::{self, demo_data, template, SigningKey};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: form_ops DIR");
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let key = SigningKey {
        id: 'A',
        key: b"bench-key".to_vec(),
    };
    for (name, team) in [("form_1_page", 4), ("form_2_pages", 20)] {
        let d = form::draw(&t, &demo_data(10, team), &key, true).unwrap();
        let marks: Vec<_> = d.pages.iter().map(|p| &p.marks).collect();
        let json = serde_json::to_vec(&marks).unwrap();
        std::fs::write(format!("{dir}/{name}.json"), json).unwrap();
    }
}
