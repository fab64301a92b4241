//! One document in, one report per page out: what the intake stores and the centre's screens
//! show. Reading, normalising, scanning and the images for the UI, under the limits.

use std::time::{Duration, Instant};

use super::{read_each, scan, DocError, Kind, Limits, PageError, PageScan};

/// Thumbnails in the FAX inbox are this wide.
pub const THUMB_WIDTH: u32 = 240;

/// One page of a document, read or not.
#[derive(Debug, Clone)]
pub struct PageReport {
    /// 1-based position in the document.
    pub number: u32,
    pub outcome: Result<ReadPage, PageError>,
}

/// A page that could be read (whether or not a code was found on it).
#[derive(Debug, Clone)]
pub struct ReadPage {
    pub scan: PageScan,
    /// Resolution as the file gave it.
    pub dpi: (f32, f32),
    /// The normalised page (square pixels, greyscale), as PNG, for the page view.
    pub image_png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// A small PNG for lists.
    pub thumb_png: Vec<u8>,
    /// Time to decode and normalise the page, before scanning (for the first page of a PDF,
    /// parsing the file too).
    pub read_time: Duration,
}

/// Reads a document and scans every page. A document-level failure (not a PDF, too large, too
/// many pages) is an error; a page-level one is that page's outcome, and the others go on.
pub fn read_document<'k>(
    bytes: &[u8],
    kind: Option<Kind>,
    limits: &Limits,
    key_for: &dyn Fn(char) -> Option<&'k [u8]>,
) -> Result<Vec<PageReport>, DocError> {
    let mut reports = Vec::new();
    let mut start = Instant::now();
    read_each(bytes, kind, limits, &mut |page| {
        let read_time = start.elapsed();
        let outcome = page.map(|page| ReadPage {
            scan: scan(&page.image, key_for, limits.time_per_page),
            dpi: page.dpi,
            image_png: page.image.to_png(),
            width: page.image.width,
            height: page.image.height,
            thumb_png: page.image.shrink_to(THUMB_WIDTH).to_png(),
            read_time,
        });
        reports.push(PageReport {
            number: reports.len() as u32 + 1,
            outcome,
        });
        start = Instant::now();
    })?;
    Ok(reports)
}
