//! Finding and verifying the codes on a page. rxing first on the two bands where our codes sit
//! (fast, and each band holds one code), then the whole page, then a despeckled page, then a
//! half-size page for big scans. The first stage that finds anything ends the search.

use std::time::{Duration, Instant};

use rxing::{BarcodeFormat, DecodeHintValue, DecodeHints};

use super::gray::Gray;
use crate::payload::{Payload, PayloadError};

/// One QR code found on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub text: String,
    /// Ours and intact, or why not (foreign, malformed, bad MAC, unknown key).
    pub verdict: Result<Payload, PayloadError>,
    /// Each time the text was decoded on the page (our two codes carry the same text): the
    /// points the decoder reports, in the page's pixels. For a QR code they are the symbol's
    /// corners — top-left, top-right, bottom-left, bottom-right of the symbol itself, whichever
    /// way the page lies.
    pub sightings: Vec<Vec<(f32, f32)>>,
}

/// Where a decoded image sits on the page: page = (a·u + b·v + c, d·u + e·v + f).
#[derive(Debug, Clone, Copy)]
struct Place([f32; 6]);

impl Place {
    const PAGE: Place = Place([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);

    fn map(&self, (u, v): (f32, f32)) -> (f32, f32) {
        let [a, b, c, d, e, f] = self.0;
        (a * u + b * v + c, d * u + e * v + f)
    }

    /// This place, for an image cut from it at (x, y) of its own pixels.
    fn crop(&self, x: u32, y: u32) -> Place {
        let (cx, cy) = self.map((x as f32, y as f32));
        let [a, b, _, d, e, _] = self.0;
        Place([a, b, cx, d, e, cy])
    }

    /// This place, for an image at half its size.
    fn half(&self) -> Place {
        let [a, b, c, d, e, f] = self.0;
        Place([2.0 * a, 2.0 * b, c, 2.0 * d, 2.0 * e, f])
    }

    /// This place, for its image turned a quarter clockwise (`h` its height before turning):
    /// the turned image's (u, v) is the original's (v, h − u).
    fn turned(&self, h: u32) -> Place {
        let [a, b, c, d, e, f] = self.0;
        let h = h as f32;
        Place([-b, a, c + b * h, -e, d, f + e * h])
    }
}

#[derive(Debug, Clone)]
pub struct PageScan {
    /// Distinct codes found, in the order found.
    pub found: Vec<Found>,
    /// The stage that found them: `bands`, `half`, `page`, `despeckled corners`, `despeckled`,
    /// `turned`; None if nothing was found.
    pub stage: Option<&'static str>,
    pub elapsed: Duration,
    /// True when the time budget ran out before every stage was tried.
    pub timed_out: bool,
}

impl PageScan {
    /// The verified payloads.
    pub fn verified(&self) -> impl Iterator<Item = &Payload> {
        self.found.iter().filter_map(|f| f.verdict.as_ref().ok())
    }
}

/// The text of the one QR code in `g`, with its points in `g`'s pixels.
fn decode(g: &Gray) -> Option<(String, Vec<(f32, f32)>)> {
    if g.width < 21 || g.height < 21 {
        return None;
    }
    let mut hints = DecodeHints::default().with(DecodeHintValue::TryHarder(true));
    rxing::helpers::detect_in_luma_slice_with_hints(
        &g.data,
        g.width,
        g.height,
        Some(BarcodeFormat::QR_CODE),
        &mut hints,
    )
    .ok()
    .map(|r| {
        let points = r.getPoints().iter().map(|p| (p.x, p.y)).collect();
        (r.getText().to_string(), points)
    })
}

/// An image to decode and where it lies on the page.
type Piece = (Gray, Place);

/// The top and bottom 40 % of the image at `at`: our codes sit in opposite corners, one in
/// each band.
fn bands((g, at): (&Gray, Place)) -> Vec<Piece> {
    let band = g.height * 2 / 5;
    vec![
        (g.crop(0, 0, g.width, band), at.crop(0, 0)),
        (
            g.crop(0, g.height - band, g.width, band),
            at.crop(0, g.height - band),
        ),
    ]
}

/// Two opposite corner regions, each half the width and 30 % of the height: top-right and
/// bottom-left when `ours` (where the form puts its codes), else top-left and bottom-right.
fn corners(g: &Gray, ours: bool) -> Vec<Piece> {
    let (w, h) = (g.width / 2, g.height * 3 / 10);
    let (right, bottom) = (g.width - w, g.height - h);
    let at = Place::PAGE;
    let cut = |x, y| (g.crop(x, y, w, h).median3(), at.crop(x, y));
    if ours {
        vec![cut(right, 0), cut(0, bottom)]
    } else {
        vec![cut(0, 0), cut(right, bottom)]
    }
}

/// Scans a normalised page (square pixels). `key_for` gives the MAC key of a key id.
pub fn scan<'k>(
    page: &Gray,
    key_for: &dyn Fn(char) -> Option<&'k [u8]>,
    budget: Duration,
) -> PageScan {
    let start = Instant::now();
    let mut found: Vec<Found> = Vec::new();
    let at = Place::PAGE;
    let stages: [(&'static str, &dyn Fn() -> Vec<Piece>); 7] = [
        // Halving first: a quarter of the pixels, it averages specks away, and big scans often
        // decode better smaller. Our codes' modules stay several pixels wide at half of FAX
        // resolution.
        ("half", &|| bands((&page.half(), at.half()))),
        ("bands", &|| bands((page, at))),
        ("page", &|| vec![(page.clone(), at)]),
        // Despeckling costs more than decoding: first only the corners where our codes sit
        // (top-right and bottom-left; then the other two, for a page turned half a turn).
        ("despeckled corners", &|| corners(page, true)),
        ("despeckled corners", &|| corners(page, false)),
        ("despeckled", &|| {
            let clean = page.median3();
            let mut v = bands((&clean, at));
            v.push((clean, at));
            v
        }),
        // A page fed sideways: the codes are then beside, not above and below, each other.
        ("turned", &|| {
            let turned = page.rotate90();
            let at = at.turned(page.height);
            let mut v = bands((&turned, at));
            v.push((turned, at));
            v
        }),
    ];
    let out_of_time = |found: Vec<Found>| PageScan {
        found,
        stage: None,
        elapsed: start.elapsed(),
        timed_out: true,
    };
    for (name, images) in stages {
        if start.elapsed() > budget {
            return out_of_time(found);
        }
        let before = found.len();
        for (image, place) in images() {
            // Checked between images too: one decode is bounded, a whole stage may not be.
            if start.elapsed() > budget {
                return out_of_time(found);
            }
            if let Some((text, points)) = decode(&image) {
                let points = points.into_iter().map(|p| place.map(p)).collect();
                match found.iter_mut().find(|f| f.text == text) {
                    Some(f) => f.sightings.push(points),
                    None => {
                        let verdict = Payload::verify(&text, key_for);
                        let sightings = vec![points];
                        found.push(Found {
                            text,
                            verdict,
                            sightings,
                        });
                    }
                }
            }
        }
        if found.len() > before {
            return PageScan {
                found,
                stage: Some(name),
                elapsed: start.elapsed(),
                timed_out: false,
            };
        }
    }
    PageScan {
        found,
        stage: None,
        elapsed: start.elapsed(),
        timed_out: false,
    }
}
