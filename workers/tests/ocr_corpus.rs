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
    common::plain::strip_codes(&mut g, &t, &r.payloads[0]);
    g
}

/// Where the kana is typed on the page, in pixels (x0, y0, x1, y1): what changes when only the
/// kana does.
fn kana_region(data: &FormData) -> (usize, usize, usize, usize) {
    let mut other = data.clone();
    if let Some(s) = other.subject.as_mut() {
        s.kana = "ア".into();
    }
    let (a, b) = (plain(data), plain(&other));
    let w = a.width as usize;
    let mut r = (usize::MAX, usize::MAX, 0, 0);
    for (i, (p, q)) in a.data.iter().zip(&b.data).enumerate() {
        if p != q {
            let (x, y) = (i % w, i / w);
            r = (r.0.min(x), r.1.min(y), r.2.max(x + 1), r.3.max(y + 1));
        }
    }
    assert!(r.2 > r.0, "the kana is somewhere");
    r
}

/// The typed kana in `region` as a person prints it by hand (simulated; no handwriting font
/// is at hand): the line slanted, each stroke bent by a few smooth random waves (0.2–0.5 mm,
/// a glyph or two long), and the pen a little wider or narrower.
fn hand_print(g: &mut Gray, region: (usize, usize, usize, usize), rng: &mut Rng) {
    let k = 200.0 / 25.4;
    let pad = (1.5 * k) as usize;
    let (w, h) = (g.width as usize, g.height as usize);
    let (x0, y0) = (region.0.saturating_sub(pad), region.1.saturating_sub(pad));
    let (x1, y1) = ((region.2 + pad).min(w), (region.3 + pad).min(h));
    let mut unit = || rng.below(10_000) as f64 / 10_000.0;
    // (amplitude mm, wavelength mm, phase, along x?) for the x and the y displacement.
    let mut waves = |n: usize| -> Vec<(f64, f64, f64, bool)> {
        (0..n)
            .map(|i| {
                (
                    0.2 + 0.3 * unit(),
                    3.0 + 5.0 * unit(),
                    std::f64::consts::TAU * unit(),
                    i % 2 == 0,
                )
            })
            .collect()
    };
    let (wx, wy) = (waves(3), waves(3));
    let slant = (unit() - 0.5) * 6f64.to_radians();
    let pen = rng.below(3);
    let shift = |ws: &[(f64, f64, f64, bool)], u: f64, v: f64| -> f64 {
        ws.iter()
            .map(|&(a, l, p, along_x)| {
                let t = if along_x { u } else { v };
                a * (std::f64::consts::TAU * t / l + p).sin()
            })
            .sum()
    };
    let src = g.clone();
    for y in y0..y1 {
        for x in x0..x1 {
            let (u, v) = ((x - x0) as f64 / k, (y - y0) as f64 / k);
            let sx = x as f64 + shift(&wx, u, v) * k;
            let sy = y as f64 + shift(&wy, u, v) * k + slant * u * k;
            let (sx, sy) = (sx.round() as i64, sy.round() as i64);
            let inside = sx >= x0 as i64 && sy >= y0 as i64 && sx < x1 as i64 && sy < y1 as i64;
            let mut v = if inside {
                src.data[sy as usize * w + sx as usize]
            } else {
                255
            };
            // A broader pen: the darkest of a pixel and its right and lower neighbours.
            if pen == 0 && inside {
                let (rx, dy) = ((sx as usize + 1).min(x1 - 1), (sy as usize + 1).min(y1 - 1));
                v = v
                    .min(src.data[sy as usize * w + rx])
                    .min(src.data[dy * w + sx as usize]);
            }
            g.data[y * w + x] = v;
        }
    }
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
        ("hand-printed kana, fine", "tiffg4", "204x196"),
    ];
    let n: usize = std::env::var("OCR_CORPUS_PAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let sample: Vec<usize> = (0..n).map(|i| i * 10 + 3).collect();
    let run = |part: &[usize]| {
        let mut out = vec![Tally::default(), Tally::default(), Tally::default()];
        for &who in part {
            let data = form_of(&people[who], who as u8);
            let page = plain(&data);
            for (c, (name, device, res)) in channels.iter().enumerate() {
                // Standard resolution and hand-printed kana are reported, not held to a
                // target: half the pages do.
                if c > 0 && who % 20 != 3 {
                    continue;
                }
                let mut page = page.clone();
                if c == 2 {
                    let mut rng = Rng(0x4a4e_0000 + who as u64);
                    hand_print(&mut page, kana_region(&data), &mut rng);
                }
                let file = format!("{who}-{c}");
                let got = faxed(&page, dir.path(), &file, device, res);
                if let Ok(keep) = std::env::var("OCR_CORPUS_KEEP") {
                    std::fs::write(format!("{keep}/{file}.png"), got.to_png()).unwrap();
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
