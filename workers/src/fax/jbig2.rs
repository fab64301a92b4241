//! JBIG2 images as scanners and FAX servers put them into PDFs (JBIG2Decode, embedded
//! organisation, optional JBIG2Globals), decoded with hayro-jbig2.

use hayro_jbig2::{DecodeSettings, Decoder, Globals, Page};

use super::gray::Gray;
use super::PageError;

/// Writes pushed pixels into a page buffer, never past its end.
struct Sink {
    data: Vec<u8>,
    at: usize,
    row: usize,
    width: usize,
}

impl Sink {
    fn push(&mut self, black: bool, n: usize) {
        let row_end = ((self.row + 1) * self.width).min(self.data.len());
        let end = (self.at + n).min(row_end);
        if self.at < end {
            self.data[self.at..end].fill(if black { 0 } else { 255 });
        }
        self.at = end;
    }
}

impl Decoder for Sink {
    fn push_pixel(&mut self, black: bool) {
        self.push(black, 1);
    }

    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        self.push(black, chunk_count as usize * 8);
    }

    fn next_line(&mut self) {
        self.row += 1;
        self.at = (self.row * self.width).min(self.data.len());
    }
}

fn corrupt(e: impl std::fmt::Display) -> PageError {
    PageError::Corrupt(format!("JBIG2: {e}"))
}

/// Decodes one embedded JBIG2 page. `invert` when `/Decode [1 0]` swaps the colours.
pub fn decode(
    data: &[u8],
    globals: Option<&[u8]>,
    invert: bool,
    max_pixels: u64,
) -> Result<Gray, PageError> {
    let settings = DecodeSettings::default();
    let globals = globals
        .map(|g| Globals::new(g, &settings))
        .transpose()
        .map_err(corrupt)?;
    let page = Page::new_embedded(data, globals.as_ref(), &settings).map_err(corrupt)?;
    let (w, h) = (page.width(), page.height());
    if w == 0 || h == 0 || h == u32::MAX {
        return Err(PageError::Corrupt(format!(
            "JBIG2 page size {w}×{h} is not usable"
        )));
    }
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(PageError::TooLarge(format!("{w}×{h} pixels")));
    }
    let mut sink = Sink {
        data: vec![255; w as usize * h as usize],
        at: 0,
        row: 0,
        width: w as usize,
    };
    page.decode(&mut sink).map_err(corrupt)?;
    let mut g = Gray::new(w, h, sink.data);
    if invert {
        g.invert();
    }
    Ok(g)
}

/// Segment builders for tests: a JBIG2 page whose one region is MMR (that is, Group 4) coded,
/// so real G4 data from ghostscript becomes real JBIG2 data without a JBIG2 encoder.
#[doc(hidden)]
pub mod build {
    fn segment(number: u32, kind: u8, data: &[u8]) -> Vec<u8> {
        let mut s = number.to_be_bytes().to_vec();
        s.push(kind); // page association in one byte, no deferred retention
        s.push(0); // no referred-to segments
        s.push(1); // page 1
        s.extend_from_slice(&(data.len() as u32).to_be_bytes());
        s.extend_from_slice(data);
        s
    }

    /// A page information segment, one immediate lossless generic region holding `g4` (MMR),
    /// and an end of page.
    pub fn mmr_page(width: u32, height: u32, g4: &[u8]) -> Vec<u8> {
        let mut info = Vec::new();
        info.extend_from_slice(&width.to_be_bytes());
        info.extend_from_slice(&height.to_be_bytes());
        info.extend_from_slice(&[0; 8]); // resolution unknown
        info.push(0); // flags: default pixel 0 (white), OR
        info.extend_from_slice(&[0, 0]); // no striping
        let mut region = Vec::new();
        region.extend_from_slice(&width.to_be_bytes());
        region.extend_from_slice(&height.to_be_bytes());
        region.extend_from_slice(&[0; 8]); // at 0,0
        region.push(0); // combination operator OR
        region.push(1); // generic region flags: MMR
        region.extend_from_slice(g4);
        let mut out = segment(0, 48, &info);
        out.extend(segment(1, 39, &region));
        out.extend(segment(2, 49, &[]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_page_error_not_a_panic() {
        for data in [&b""[..], b"\0\0\0\0\x30", &[0xFF; 64]] {
            assert!(decode(data, None, false, 1 << 20).is_err());
        }
    }

    #[test]
    fn oversized_pages_are_refused_before_decoding() {
        let data = build::mmr_page(10_000, 10_000, &[0xFF, 0x00, 0x10, 0x01]);
        let r = decode(&data, None, false, 40_000_000);
        assert!(matches!(r, Err(PageError::TooLarge(_))), "{r:?}");
    }

    #[test]
    fn an_all_white_mmr_page_decodes_white_and_inverts() {
        // In G4, V0 against the white reference line codes a whole white row: bit `1`.
        // 8 rows of V0 = one byte 0xFF, then EOFB (000000000001 twice).
        let g4 = [0xFF, 0x00, 0x10, 0x01];
        let data = build::mmr_page(16, 8, &g4);
        let g = decode(&data, None, false, 1 << 20).expect("decodes");
        assert_eq!((g.width, g.height), (16, 8));
        assert!(g.data.iter().all(|&v| v == 255), "{:?}", g.data);
        let g = decode(&data, None, true, 1 << 20).unwrap();
        assert!(g.data.iter().all(|&v| v == 0));
    }
}
