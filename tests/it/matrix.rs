//! What the access matrices share: the seven people and the audiences, the routes read out of
//! the router's source, everyone signed in, and the verdict.

use std::collections::BTreeMap;

use super::helpers::{csrf_of, TestApp, PASSWORD};
use super::pc::Pc;

/// The people, in the order of the audience strings below.
pub const PEOPLE: [&str; 7] = [
    "anonymous",
    "caremgr",
    "nurse",
    "pharma",
    "admin-a",
    "centre",
    "city",
];

// Audiences: one character per person above, `y` allowed, `.` refused.
pub const PUBLIC: &str = "yyyyyyy";
pub const SIGNED_IN: &str = ".yyyyyy";
pub const CENTRE_CITY: &str = ".....yy";
pub const CENTRE: &str = ".....y.";
pub const CITY: &str = "......y";
pub const OFFICE_USERS: &str = ".yyyy..";
/// The enrollment: its obtainer's office (care manager, administrator), its team (nurse),
/// the centre and the city.
pub const ENROLLMENT: &str = ".yy.yyy";
/// The print batch: whoever asked for it, and the centre and the city (who see every form).
pub const OWNER: &str = ".y...yy";
/// Office A's page: its people, the centre, the city.
pub const OFFICE_A: &str = ".y..yyy";
/// Office A's staff logins: its administrator and the city.
pub const OFFICE_A_ADMIN: &str = "....y.y";
/// Office A's trainings: its people and the city.
pub const OFFICE_A_CITY: &str = ".y..y.y";

/// The routes of `file_or_dir` (a module or a folder of them) that answer `method` (`"get("`,
/// `"post("` …), read out of the router's source.
pub fn routes(file_or_dir: &str, prefix: &str, method: &str) -> Vec<String> {
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    let path = std::path::Path::new(base).join(file_or_dir);
    let files: Vec<std::path::PathBuf> = if path.is_dir() {
        std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect()
    } else {
        vec![path]
    };
    let mut out = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        for (i, _) in src.match_indices(".route(") {
            let rest = &src[i + 7..];
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .unwrap()
                .0;
            let call = &rest[..end];
            if call.contains(method) {
                out.push(format!("{prefix}{}", call.split('"').nth(1).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The people of [`PEOPLE`] but the anonymous one, each signed in on a PC of their own (with its
/// CSRF token) and holding an API token; and a PC signed in as nobody.
pub struct People {
    signed_in: BTreeMap<&'static str, (Pc, String, String)>,
    anonymous: Pc,
}

impl People {
    /// How `who` asks for `path`: a page from their PC (with its CSRF token), the API with
    /// their token.
    pub fn as_(&self, who: &str, path: &str) -> (&reqwest::Client, Option<&str>, Option<&str>) {
        let api = path.starts_with("/api/");
        match self.signed_in.get(who) {
            Some((pc, csrf, _)) if !api => (&pc.client, Some(csrf.as_str()), None),
            Some((_, _, token)) => (&self.anonymous.client, None, Some(token.as_str())),
            None => (&self.anonymous.client, None, None),
        }
    }
}

pub async fn sign_in_everyone(a: &TestApp) -> People {
    let mut signed_in = BTreeMap::new();
    for who in PEOPLE.iter().skip(1) {
        let pc = Pc::new(a);
        assert_eq!(pc.login(who, PASSWORD).await.0, 303, "{who}");
        let csrf = csrf_of(&pc.get("/password").await.1);
        signed_in.insert(*who, (pc, csrf, a.token(who).await));
    }
    People {
        signed_in,
        anonymous: Pc::new(a),
    }
}

/// Whether an answer sends the browser to the sign-in page.
pub fn to_login(r: &reqwest::Response) -> bool {
    r.headers()
        .get("location")
        .is_some_and(|l| l.to_str().unwrap().starts_with("/login"))
}

pub fn no_wrong_answers(wrong: &[String], routes: usize) {
    assert!(
        wrong.is_empty(),
        "{} of {} answers wrong:\n{}",
        wrong.len(),
        routes * PEOPLE.len(),
        wrong.join("\n")
    );
}
