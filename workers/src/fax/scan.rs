//! Finding and verifying the codes on a page. rxing first on the two bands where our codes sit
//! (fast, and each band holds one code), then the whole page, then a despeckled page, then a
//! half-size page for big scans. The first stage that finds anything ends the search.

use std::time::{Duration, Instant};

use rxing::{BarcodeFormat, DecodeHintValue, DecodeHints};

use super::gray::Gray;
use crate::payload::{Payload, PayloadError};

/// One QR code found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub text: String,
    /// Ours and intact, or why not (foreign, malformed, bad MAC, unknown key).
    pub verdict: Result<Payload, PayloadError>,
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

fn decode(g: &Gray) -> Option<String> {
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
    .map(|r| r.getText().to_string())
}

/// The top and bottom 40 % of the page: our codes sit in opposite corners, one in each band.
fn bands(g: &Gray) -> [Gray; 2] {
    let band = g.height * 2 / 5;
    [
        g.crop(0, 0, g.width, band),
        g.crop(0, g.height - band, g.width, band),
    ]
}

/// Two opposite corner regions, each half the width and 30 % of the height: top-right and
/// bottom-left when `ours` (where the form puts its codes), else top-left and bottom-right.
fn corners(g: &Gray, ours: bool) -> [Gray; 2] {
    let (w, h) = (g.width / 2, g.height * 3 / 10);
    let (right, bottom) = (g.width - w, g.height - h);
    if ours {
        [g.crop(right, 0, w, h), g.crop(0, bottom, w, h)]
    } else {
        [g.crop(0, 0, w, h), g.crop(right, bottom, w, h)]
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
    let stages: [(&'static str, &dyn Fn() -> Vec<Gray>); 7] = [
        // Halving first: a quarter of the pixels, it averages specks away, and big scans often
        // decode better smaller. Our codes' modules stay several pixels wide at half of FAX
        // resolution.
        ("half", &|| bands(&page.half()).to_vec()),
        ("bands", &|| bands(page).to_vec()),
        ("page", &|| vec![page.clone()]),
        // Despeckling costs more than decoding: first only the corners where our codes sit
        // (top-right and bottom-left; then the other two, for a page turned half a turn).
        ("despeckled corners", &|| {
            corners(page, true).iter().map(Gray::median3).collect()
        }),
        ("despeckled corners", &|| {
            corners(page, false).iter().map(Gray::median3).collect()
        }),
        ("despeckled", &|| {
            let clean = page.median3();
            let mut v = bands(&clean).to_vec();
            v.push(clean);
            v
        }),
        // A page fed sideways: the codes are then beside, not above and below, each other.
        ("turned", &|| {
            let turned = page.rotate90();
            let mut v = bands(&turned).to_vec();
            v.push(turned);
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
        for image in images() {
            // Checked between images too: one decode is bounded, a whole stage may not be.
            if start.elapsed() > budget {
                return out_of_time(found);
            }
            if let Some(text) = decode(&image) {
                if !found.iter().any(|f| f.text == text) {
                    let verdict = Payload::verify(&text, key_for);
                    found.push(Found { text, verdict });
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
