//! How well pages without a code of ours find their enrollment by what is written on them
//! (#20, part 2), measured on a corpus made here. The city's plain 別紙1 — our form with its
//! codes and the printed enrollment code taken away, the fields typed in as offices fill the
//! Word form — for 50 people among 500 waiting, whose names are chosen to look alike (斎藤・
//! 斉藤・齋藤, 花子・華子, the same kana written differently, shared birth dates). Each page goes
//! through ghostscript's FAX encodings, Tesseract reads it, and the 500 are ranked.
//! Target at fine resolution: the right person first on ≥ 90 % of pages, among the first three on
//! ≥ 98 %; and no page that would be assigned without a person goes to the wrong one. Standard
//! resolution is reported as measured.
//! Without the tools this skips with a notice; `CONSENTFLOW_REQUIRE_TOOLS=1` (CI) fails it.

mod common;
use common::tools;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use consentflow_workers::fax::{self, Gray, Kind, Limits};
use consentflow_workers::form::marks;
use consentflow_workers::form::{self, template, FormData, Member, Obtainer, Subject};
use consentflow_workers::ocr::{self, Person};
use consentflow_workers::EnrollmentCode;

const FAMILY: [(&str, &str); 20] = [
    ("佐藤", "サトウ"),
    ("斎藤", "サイトウ"),
    ("斉藤", "サイトウ"),
    ("齋藤", "サイトウ"),
    ("佐野", "サノ"),
    ("加藤", "カトウ"),
    ("伊藤", "イトウ"),
    ("後藤", "ゴトウ"),
    ("工藤", "クドウ"),
    ("高橋", "タカハシ"),
    ("高田", "タカダ"),
    ("鈴木", "スズキ"),
    ("田中", "タナカ"),
    ("中田", "ナカタ"),
    ("渡辺", "ワタナベ"),
    ("渡部", "ワタナベ"),
    ("山田", "ヤマダ"),
    ("山本", "ヤマモト"),
    ("小林", "コバヤシ"),
    ("小松", "コマツ"),
];

const GIVEN: [(&str, &str); 20] = [
    ("花子", "ハナコ"),
    ("華子", "ハナコ"),
    ("春子", "ハルコ"),
    ("晴子", "ハルコ"),
    ("一郎", "イチロウ"),
    ("一朗", "イチロウ"),
    ("二郎", "ジロウ"),
    ("次郎", "ジロウ"),
    ("幸子", "サチコ"),
    ("幸枝", "サチエ"),
    ("和子", "カズコ"),
    ("和夫", "カズオ"),
    ("節子", "セツコ"),
    ("悦子", "エツコ"),
    ("清", "キヨシ"),
    ("茂", "シゲル"),
    ("勝", "マサル"),
    ("昭", "アキラ"),
    ("明", "アキラ"),
    ("稔", "ミノル"),
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[derive(Clone)]
struct Waiting {
    name: String,
    kana: String,
    birth_date: NaiveDate,
    phone: String,
}

/// 500 people waiting for a copy, many alike.
fn waiting() -> Vec<Waiting> {
    let mut rng = Rng(0x5eed_0ca1);
    (0..500)
        .map(|_| {
            let (f, fk) = FAMILY[rng.below(20) as usize];
            let (g, gk) = GIVEN[rng.below(20) as usize];
            // Birth dates over six years: many people share one.
            let birth_date = NaiveDate::from_ymd_opt(1935, 1, 1).unwrap()
                + chrono::Days::new(rng.below(6 * 365));
            Waiting {
                name: format!("{f} {g}"),
                kana: format!("{fk} {gk}"),
                birth_date,
                phone: format!("029-{:03}-{:04}", 200 + rng.below(700), rng.below(10_000)),
            }
        })
        .collect()
}

fn form_of(w: &Waiting, seed: u8) -> FormData {
    let mut d = form::demo_data(seed, 1);
    d.code = EnrollmentCode::from_random([seed, 9, 9, 9, 9, 9]);
    d.subject = Some(Subject {
        name: w.name.clone(),
        kana: w.kana.clone(),
        birth_date: w.birth_date,
        sex: "女".into(),
        address: "茨城県ひたちなか市東石川1-1".into(),
        phone: w.phone.clone(),
    });
    d.team = vec![Member {
        office: "みなと訪問看護".into(),
        profession: "訪問看護師".into(),
        name: "港 看護".into(),
        phone: "029-270-0002".into(),
    }];
    d.obtainer = Some(Obtainer {
        office: "柴田介護保険事務所".into(),
        name: "柴田 ケア".into(),
    });
    d
}

/// White over the rectangle (mm) of a 200 dpi page.
fn erase(g: &mut Gray, x0: f32, y0: f32, x1: f32, y1: f32) {
    let k = 200.0 / 25.4;
    let (w, h) = (g.width as usize, g.height as usize);
    for y in ((y0.max(0.0) * k) as usize)..((y1 * k) as usize).min(h) {
        for x in ((x0.max(0.0) * k) as usize)..((x1 * k) as usize).min(w) {
            g.data[y * w + x] = 255;
        }
    }
}

/// The city's plain form: ours with both codes and the printed enrollment code taken away.
fn plain(data: &FormData) -> Gray {
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let key = form::SigningKey {
        id: 'A',
        key: b"k".to_vec(),
    };
    let r = form::render(&t, data, &key).unwrap();
    let mut pages = fax::read(&r.pdf, Some(Kind::Pdf), &Limits::default()).unwrap();
    let mut g = pages.remove(0).unwrap().image;
    let m = marks::front(&t, marks::modules(&r.payloads[0]));
    let bbox = |c: &marks::CodeMarks| {
        let xs = c.iter().map(|p| p.0);
        let ys = c.iter().map(|p| p.1);
        (
            xs.clone().fold(f32::MAX, f32::min),
            ys.clone().fold(f32::MAX, f32::min),
            xs.fold(0.0, f32::max),
            ys.fold(0.0, f32::max),
        )
    };
    let (x0, _, _, y1) = bbox(&m.codes[0]);
    erase(&mut g, x0 - 45.0, 0.0, 210.0, y1 + 2.0);
    let (x0, y0, x1, y1) = bbox(&m.codes[1]);
    erase(&mut g, x0 - 3.0, y0 - 3.0, x1 + 3.0, y1 + 3.0);
    erase(&mut g, x1 + 3.0, y0 - 3.0, 210.0, y0 + 11.0);
    g
}

/// The page through ghostscript's `device` at `res`, read back by our reader.
fn faxed(g: &Gray, dir: &Path, name: &str, device: &str, res: &str) -> Gray {
    let png = dir.join(format!("{name}.png"));
    std::fs::write(&png, g.to_png()).unwrap();
    let pdf = dir.join(format!("{name}.pdf"));
    let st = Command::new("img2pdf")
        .args(["--imgsize", "200dpix200dpi", "-o"])
        .arg(&pdf)
        .arg(&png)
        .status()
        .unwrap();
    assert!(st.success(), "img2pdf");
    let out = dir.join(format!("{name}-{device}.tif"));
    let st = Command::new("gs")
        .args(["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER"])
        .arg(format!("-sDEVICE={device}"))
        .arg(format!("-r{res}"))
        .arg(format!("-sOutputFile={}", out.display()))
        .arg(&pdf)
        .status()
        .unwrap();
    assert!(st.success(), "gs");
    let bytes = std::fs::read(&out).unwrap();
    fax::read(&bytes, Some(Kind::Tiff), &Limits::default()).unwrap()[0]
        .clone()
        .unwrap()
        .image
}

#[derive(Default, Debug)]
struct Tally {
    pages: usize,
    first: usize,
    top3: usize,
    decisive: usize,
    decisive_wrong: usize,
    forms_recognised: usize,
    slowest: Duration,
    total: Duration,
    /// (best score, its lead over the second) where the first was right, and where wrong.
    right_leads: Vec<(f64, f64)>,
    wrong_leads: Vec<(f64, f64)>,
}

#[test]
fn pages_without_a_code_find_their_person_by_what_is_written() {
    if !tools(&["gs", "img2pdf", "tesseract"]) {
        return;
    }
    if !ocr::available() {
        let required = std::env::var("CONSENTFLOW_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        assert!(!required, "tesseract has no jpn");
        eprintln!("NOTICE: tesseract without Japanese; skipping");
        return;
    }
    let people = waiting();
    let known: Vec<Person> = people
        .iter()
        .map(|w| Person {
            name: &w.name,
            kana: &w.kana,
            birth_date: Some(w.birth_date),
            phone: Some(&w.phone),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let channels = [
        ("fine", "tiffg4", "204x196"),
        ("standard", "tiffg3", "204x98"),
    ];
    let n: usize = std::env::var("OCR_CORPUS_PAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let sample: Vec<usize> = (0..n).map(|i| i * 10 + 3).collect();
    let run = |part: &[usize]| {
        let mut out = vec![Tally::default(), Tally::default()];
        for &who in part {
            let page = plain(&form_of(&people[who], who as u8));
            for (c, (name, device, res)) in channels.iter().enumerate() {
                // Standard resolution is reported, not held to a target: half the pages do.
                if c == 1 && who % 20 != 3 {
                    continue;
                }
                let got = faxed(&page, dir.path(), &format!("{who}-{name}"), device, res);
                if let Ok(keep) = std::env::var("OCR_CORPUS_KEEP") {
                    std::fs::write(format!("{keep}/{who}-{name}.png"), got.to_png()).unwrap();
                }
                let started = Instant::now();
                let text = ocr::recognise(&ocr::upper(&got), Duration::from_secs(30)).unwrap();
                let took = started.elapsed();
                let read = ocr::read_fields(&text);
                let ranked = ocr::rank(&read, &known);
                let t = &mut out[c];
                t.pages += 1;
                t.total += took;
                t.slowest = t.slowest.max(took);
                t.forms_recognised += usize::from(read.is_consent_form);
                let place = ranked.iter().position(|r| {
                    people[r.index].name == people[who].name
                        && people[r.index].birth_date == people[who].birth_date
                });
                t.first += usize::from(place == Some(0));
                t.top3 += usize::from(place.is_some_and(|p| p < 3));
                let lead = |r: &[ocr::Ranked]| {
                    let second = r.get(1).map_or(0.0, |x| x.score.total);
                    r.first().map_or(0.0, |x| x.score.total) - second
                };
                if place == Some(0) {
                    t.right_leads.push((ranked[0].score.total, lead(&ranked)));
                } else {
                    t.wrong_leads
                        .push((ranked.first().map_or(0.0, |x| x.score.total), lead(&ranked)));
                }
                if ocr::score::decisive(&ranked) {
                    t.decisive += 1;
                    t.decisive_wrong += usize::from(place != Some(0));
                }
                if std::env::var("OCR_CORPUS_DEBUG").is_ok() && place != Some(0) {
                    eprintln!(
                        "{name} {who} {:?} at {place:?}\n{read:?}\n{text}",
                        people[who].name
                    );
                }
            }
        }
        out
    };
    let (a, b) = sample.split_at(sample.len() / 2);
    let (ta, tb) = std::thread::scope(|s| {
        let h = s.spawn(|| run(b));
        (run(a), h.join().unwrap())
    });
    let mut tallies = Vec::new();
    for (c, (name, _, _)) in channels.iter().enumerate() {
        let (x, y) = (&ta[c], &tb[c]);
        let t = Tally {
            pages: x.pages + y.pages,
            first: x.first + y.first,
            top3: x.top3 + y.top3,
            decisive: x.decisive + y.decisive,
            decisive_wrong: x.decisive_wrong + y.decisive_wrong,
            forms_recognised: x.forms_recognised + y.forms_recognised,
            slowest: x.slowest.max(y.slowest),
            total: x.total + y.total,
            right_leads: [x.right_leads.clone(), y.right_leads.clone()].concat(),
            wrong_leads: [x.wrong_leads.clone(), y.wrong_leads.clone()].concat(),
        };
        if std::env::var("OCR_CORPUS_DEBUG").is_ok() {
            let mut r = t.right_leads.clone();
            r.sort_by(|a, b| a.1.total_cmp(&b.1));
            eprintln!(
                "{name}: right (score, lead) {r:.3?}\nwrong {:.3?}",
                t.wrong_leads
            );
        }
        let pct = |n: usize| 100.0 * n as f64 / t.pages as f64;
        eprintln!(
            "ocr corpus {name}: {} pages; first {:.1} %, top 3 {:.1} %; assigned without a person {} ({} wrong); recognised as 別紙1 {:.1} %; OCR {:.2} s a page on average, {:.2} s at most",
            t.pages,
            pct(t.first),
            pct(t.top3),
            t.decisive,
            t.decisive_wrong,
            pct(t.forms_recognised),
            t.total.as_secs_f64() / t.pages as f64,
            t.slowest.as_secs_f64(),
        );
        tallies.push(t);
    }
    let fine = &tallies[0];
    assert!(
        fine.first * 100 >= fine.pages * 90,
        "first ≥ 90 %: {fine:?}"
    );
    assert!(fine.top3 * 100 >= fine.pages * 98, "top 3 ≥ 98 %: {fine:?}");
    for t in &tallies {
        assert_eq!(t.decisive_wrong, 0, "no wrong assignment: {t:?}");
    }
}
