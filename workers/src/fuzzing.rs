//! The fuzz harnesses (`workers/fuzz`, run by `benches/fuzz.sh`) and their regression test
//! (`tests/fuzz_regressions.rs`) call these, so a kept finding is replayed through exactly the
//! code that found it. Each takes any bytes; a typed error is a correct outcome, and only a
//! panic, a hang, a crash or a broken invariant is a finding.

use std::time::Duration;

use crate::fax::{self, Kind, Limits};
use crate::{mail, EnrollmentCode, Payload};

/// Small limits keep every input quick.
fn limits() -> Limits {
    Limits {
        max_bytes: 4 * 1024 * 1024,
        max_pages: 8,
        max_pixels: 8_000_000,
        time_per_page: Duration::from_secs(2),
    }
}

fn read(data: &[u8], kind: Kind) {
    let limits = limits();
    let _ = fax::read_each(data, Some(kind), &limits, &mut |page| {
        if let Ok(page) = page {
            // Standard-resolution FAX rows are repeated (at most 4×) to square the pixels.
            let size = u64::from(page.image.width) * u64::from(page.image.height);
            assert!(size <= limits.max_pixels * u64::from(page.row_factor));
            assert_eq!(page.image.data.len() as u64, size);
        }
    });
}

/// A FAX gateway's e-mail: MIME to attachments and the sender context.
pub fn mime(data: &[u8]) {
    if let Some(parsed) = mail::parse(data) {
        assert!(parsed.attachments.len() <= mail::MAX_DOCUMENTS);
    }
    let _ = mail::fax_number(&String::from_utf8_lossy(data));
}

/// PDF page extraction (images taken out, or the page rendered).
pub fn pdf(data: &[u8]) {
    read(data, Kind::Pdf);
    let _ = fax::sniff(data);
}

/// TIFF decoding (CCITT G3/G4, LZW, PackBits, Deflate), and the same bytes as raw G3.
pub fn tiff(data: &[u8]) {
    read(data, Kind::Tiff);
    read(data, Kind::RawG3 { fine: true });
}

/// The QR payload parser: whatever text a QR decoder hands over, verified against a key.
pub fn payload(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key: &[u8] = FUZZ_KEY;
    if let Ok(p) = Payload::verify(text, |id| (id == 'A').then_some(key)) {
        // What verifies signs back to a text that verifies to the same payload.
        let again = Payload::verify(&p.sign(key), |id| (id == 'A').then_some(key));
        assert_eq!(again, Ok(p));
    }
    let _ = EnrollmentCode::parse(text);
}

/// The key the payload harness verifies with (its seeds are signed with it).
pub const FUZZ_KEY: &[u8] = b"fuzz-key";
