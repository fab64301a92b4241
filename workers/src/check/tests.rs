use super::*;
use crate::fax::{self, Kind, Limits};
use crate::form::marks::BoxMm;
use crate::form::{demo_data, render, template, SigningKey};

const DPI: f32 = 200.0;

struct Issued {
    page: Gray,
    payload: String,
    t: Template,
}

fn issued() -> Issued {
    let t = template::builtin(1).unwrap().0;
    let key = SigningKey {
        id: 'A',
        key: b"test-key".to_vec(),
    };
    let r = render(&t, &demo_data(10, 2), &key).unwrap();
    let mut pages = fax::read(&r.pdf, Some(Kind::Pdf), &Limits::default()).unwrap();
    let page = pages.remove(0).unwrap().image;
    Issued {
        page,
        payload: r.payloads[0].clone(),
        t,
    }
}

/// A small deterministic generator (xorshift), so every run draws the same strokes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 10_000) as f64 / 10_000.0
    }
}

fn dot(g: &mut Gray, cx: f64, cy: f64, r: f64) {
    let (w, h) = (g.width as i64, g.height as i64);
    for y in (cy - r).floor() as i64..=(cy + r).ceil() as i64 {
        for x in (cx - r).floor() as i64..=(cx + r).ceil() as i64 {
            let inside = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2) <= r * r;
            if inside && x >= 0 && y >= 0 && x < w && y < h {
                g.data[(y * w + x) as usize] = 0;
            }
        }
    }
}

/// Pen strokes across the middle of box `b` (a signature's worth: a wandering line 0.5 mm wide).
fn scribble(g: &mut Gray, b: &BoxMm, rng: &mut Rng) {
    let k = f64::from(DPI) / 25.4;
    let (x0, x1) = (
        f64::from(b.x) + 2.0,
        f64::from(b.x + b.w) * 0.5 + f64::from(b.x) * 0.5,
    );
    let mid = f64::from(b.y + b.h / 2.0);
    let mut y = mid;
    let steps = 200;
    for i in 0..steps {
        let x = x0 + (x1 - x0) * i as f64 / steps as f64;
        y = (y + (rng.next() - 0.5) * 0.8).clamp(mid - 2.0, mid + 2.0);
        dot(g, x * k, y * k, 0.25 * k);
    }
}

fn field_box(t: &Template, f: Field, n: usize) -> BoxMm {
    marks::front(t, n)
        .fields
        .into_iter()
        .find(|(g, _)| *g == f)
        .unwrap()
        .1
}

fn check(i: &Issued, page: &Gray) -> FrontCheck {
    let key_for = |_| Some(b"test-key".as_slice());
    let scan = fax::scan(page, &key_for, std::time::Duration::from_secs(10));
    let ours = scan
        .found
        .iter()
        .find(|f| f.text == i.payload)
        .expect("our code");
    let printed = Printed::from_page(&i.t, &i.page, DPI);
    front(
        page,
        &ours.sightings,
        marks::modules(&i.payload),
        &i.t,
        Some(&printed),
    )
}

/// `g` turned by `deg` about its centre (bilinear, white outside).
fn turned(g: &Gray, deg: f64) -> Gray {
    let (s, c) = (deg.to_radians().sin(), deg.to_radians().cos());
    let (cx, cy) = (g.width as f64 / 2.0, g.height as f64 / 2.0);
    let inverse = Affine([cx - c * cx - s * cy, c, s, cy + s * cx - c * cy, -s, c]);
    let b = BoxMm {
        x: 0.0,
        y: 0.0,
        w: g.width as f32 / PX_PER_MM as f32,
        h: g.height as f32 / PX_PER_MM as f32,
    };
    // Rectify samples PX_PER_MM pixels a "millimetre": scaled so each is one output pixel.
    let m = inverse.0;
    let k = PX_PER_MM;
    let scaled = Affine([m[0], m[1] * k, m[2] * k, m[3], m[4] * k, m[5] * k]);
    ink::rectify(g, &scaled, &b)
}

#[test]
fn a_signed_and_dated_copy_is_all_filled() {
    let i = issued();
    let n = marks::modules(&i.payload);
    let mut page = i.page.clone();
    let mut rng = Rng(7);
    for f in [Field::ConsentDate, Field::Signature] {
        scribble(&mut page, &field_box(&i.t, f, n), &mut rng);
    }
    let c = check(&i, &page);
    let r = c.registration.expect("registered");
    assert!(r.residual_mm() < 0.3, "{r:?}");
    assert_eq!(c.verdict(Field::Signature), Verdict::Filled);
    assert_eq!(c.verdict(Field::ConsentDate), Verdict::Filled);
    assert_eq!(c.verdict(Field::ProxySignature), Verdict::Empty);
    assert!(c.problems().is_empty(), "{:?}", c.problems());
}

#[test]
fn an_unsigned_copy_breaks_the_rules_and_a_speck_is_not_a_signature() {
    let i = issued();
    let n = marks::modules(&i.payload);
    let mut page = i.page.clone();
    let b = field_box(&i.t, Field::Signature, n);
    let k = f64::from(DPI) / 25.4;
    dot(
        &mut page,
        f64::from(b.x + 10.0) * k,
        f64::from(b.y + 4.0) * k,
        1.5,
    );
    let c = check(&i, &page);
    assert_eq!(
        c.verdict(Field::Signature),
        Verdict::Empty,
        "{:?}",
        c.fields[1].ink
    );
    assert_eq!(c.problems(), vec!["本人署名欄が空です", "同意日が空です"]);
}

#[test]
fn a_proxy_without_relationship_is_flagged() {
    let i = issued();
    let n = marks::modules(&i.payload);
    let mut page = i.page.clone();
    let mut rng = Rng(11);
    for f in [Field::ConsentDate, Field::Signature, Field::ProxySignature] {
        scribble(&mut page, &field_box(&i.t, f, n), &mut rng);
    }
    let c = check(&i, &page);
    assert_eq!(c.problems(), vec!["代理人署名がありますが、続柄が空です"]);
    let mut rng = Rng(12);
    scribble(
        &mut page,
        &field_box(&i.t, Field::Relationship, n),
        &mut rng,
    );
    assert!(check(&i, &page).problems().is_empty());
}

#[test]
fn a_skewed_upside_down_page_is_registered_and_read() {
    let i = issued();
    let n = marks::modules(&i.payload);
    let mut page = i.page.clone();
    let mut rng = Rng(3);
    scribble(&mut page, &field_box(&i.t, Field::Signature, n), &mut rng);
    let page = turned(&page, 2.0).rotate180();
    let c = check(&i, &page);
    let r = c.registration.expect("registered");
    assert!(r.residual_mm() < 0.5, "{r:?}");
    assert_eq!(c.verdict(Field::Signature), Verdict::Filled);
    assert_eq!(c.verdict(Field::ConsentDate), Verdict::Empty);
}

#[test]
fn without_both_codes_nothing_is_judged() {
    let i = issued();
    let mut page = i.page.clone();
    // The top-right code torn off.
    let w = page.width as usize;
    for y in 0..page.height as usize / 4 {
        for x in w / 2..w {
            page.data[y * w + x] = 255;
        }
    }
    let c = check(&i, &page);
    assert!(c.registration.is_none());
    assert!(c.fields.iter().all(|f| f.verdict == Verdict::Undecided));
    assert!(c.problems().is_empty(), "an undecided field breaks no rule");
}

#[test]
fn a_stored_page_is_checked_against_the_forms_printed_matter() {
    let i = issued();
    let n = marks::modules(&i.payload);
    let mut page = i.page.clone();
    let mut rng = Rng(5);
    scribble(&mut page, &field_box(&i.t, Field::Signature, n), &mut rng);
    let key_for = |_| Some(b"test-key".as_slice());
    let scan = fax::scan(&page, &key_for, std::time::Duration::from_secs(10));
    let ours = scan.found.iter().find(|f| f.text == i.payload).unwrap();
    let png = page.to_png();
    let printed = Printed::of(&i.t).expect("the form renders");
    let c = received_front(&png, &ours.sightings, &i.payload, &i.t, Some(&printed)).unwrap();
    assert_eq!(c.verdict(Field::Signature), Verdict::Filled);
    assert_eq!(c.problems(), vec!["同意日が空です"]);
    // Without the printed matter the date's 年・月・日 cannot be told from writing.
    let c = received_front(&png, &ours.sightings, &i.payload, &i.t, None).unwrap();
    assert_eq!(c.verdict(Field::ConsentDate), Verdict::Undecided);
    assert_eq!(c.verdict(Field::Signature), Verdict::Filled);
    assert!(received_front(b"not a png", &ours.sightings, &i.payload, &i.t, None).is_err());
}

#[test]
fn the_printed_matter_in_the_fields_is_the_same_on_every_copy() {
    // Kept once per template version: so whoever the form is for, prefilled or blank, with a
    // short team or a long one, nothing of theirs may lie in a checked box.
    let t = template::builtin(1).unwrap().0;
    let key = SigningKey {
        id: 'B',
        key: b"another-key".to_vec(),
    };
    let kept = Printed::of(&t).unwrap();
    let mut blank = demo_data(77, 0);
    blank.subject = None;
    blank.obtainer = None;
    for data in [demo_data(10, 2), demo_data(33, 14), blank] {
        let r = render(&t, &data, &key).unwrap();
        let (page, dpi) = fax::rasterise_page(&r.pdf, 0, &Limits::default()).unwrap();
        let this = Printed::from_page(&t, &page, dpi);
        for (f, g) in &kept.fields {
            let other = this.get(*f).unwrap();
            // Ink is what is darker than mid-grey; a font subset may shade an edge differently.
            let differ = g
                .data
                .iter()
                .zip(&other.data)
                .filter(|(a, b)| (**a < 128) != (**b < 128))
                .count();
            assert_eq!((g.width, g.height), (other.width, other.height));
            if differ > 0 && std::env::var("PRINTED_DEBUG").is_ok() {
                std::fs::write(format!("/tmp/printed-{f:?}-kept.png"), g.to_png()).unwrap();
                std::fs::write(format!("/tmp/printed-{f:?}-other.png"), other.to_png()).unwrap();
            }
            // An edge pixel or two, never a piece of writing (a stroke is ≥ 22 pixels).
            assert!(differ <= 4, "{f:?} differs in {differ} pixels");
        }
    }
}
