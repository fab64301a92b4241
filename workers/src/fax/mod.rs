//! The FAX reader: one document's bytes (an e-mail attachment, an upload, a file) to pages, and
//! each page to the verified form codes on it.
//!
//! Inputs: PDF (one image per page, taken out directly), multi-page TIFF (CCITT G3 1-D/2-D, G4,
//! Modified Huffman, LZW, PackBits, Deflate, none), raw G3 as some gateways send it, PNG and JPEG.
//! Every page is normalised to greyscale with square pixels before decoding.
//! Limits stop bombs: bytes per document, pages per document, pixels per page, time per page.
//! Exceeding one is a typed error for that document or page, never a panic.

mod ccitt;
pub mod gray;
mod jbig2;
mod pdf;
pub mod predictor;
mod raster;
mod render;
mod report;
pub mod scan;
mod tiff;

use std::time::Duration;

pub use gray::Gray;
#[doc(hidden)]
pub use jbig2::build as jbig2_build;
pub use report::{read_document, PageReport, ReadPage, THUMB_WIDTH};
pub use scan::{scan, Found, PageScan};

/// A PNG page as grey (any bit depth), with the resolution it records.
pub fn raster_png(bytes: &[u8], limits: &Limits) -> Result<(Gray, Option<(f32, f32)>), PageError> {
    raster::png(bytes, limits)
}

/// Page `index` of a PDF rasterised as a whole (vector and text included), with its dpi;
/// None when the PDF or the page cannot be drawn.
pub fn rasterise_page(pdf: &[u8], index: usize, limits: &Limits) -> Option<(Gray, f32)> {
    render::Rasteriser::new(pdf).ok()?.page(index, limits).ok()
}

/// Bounds on what one document may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_pages: u32,
    pub max_pixels: u64,
    pub time_per_page: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 50 * 1024 * 1024,
            max_pages: 100,
            // A4 at 600 dpi is 35 Mpx.
            max_pixels: 40_000_000,
            time_per_page: Duration::from_secs(10),
        }
    }
}

/// Why a whole document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("the document is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the document has more than {0} pages")]
    TooManyPages(u32),
    #[error("not a PDF, TIFF, PNG or JPEG document")]
    UnknownFormat,
    #[error("unreadable: {0}")]
    Unreadable(String),
}

/// Why one page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("page too large: {0}")]
    TooLarge(String),
    #[error("corrupt page: {0}")]
    Corrupt(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// A page ready to scan: greyscale, square pixels.
#[derive(Debug, Clone)]
pub struct Page {
    pub image: Gray,
    /// Resolution as the file gave it, before normalising.
    pub dpi: (f32, f32),
    /// How many times each row was repeated to square the pixels (2 for standard FAX).
    pub row_factor: u32,
}

impl Page {
    pub fn new(image: Gray, xdpi: f32, ydpi: f32) -> Page {
        let ratio = if ydpi > 0.0 { xdpi / ydpi } else { 1.0 };
        let row_factor = if ratio > 1.5 {
            ratio.round().clamp(1.0, 4.0) as u32
        } else {
            1
        };
        let image = if row_factor > 1 {
            image.stretch_rows(row_factor)
        } else {
            image
        };
        Page {
            image,
            dpi: (xdpi, ydpi),
            row_factor,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Tiff,
    Png,
    Jpeg,
    /// Raw Group 3 data (no container), 1728 pixels wide; `fine` is 196 lines per inch.
    RawG3 {
        fine: bool,
    },
}

/// What a document's first bytes say it is.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        Some(Kind::Pdf)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some(Kind::Tiff)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else {
        None
    }
}

/// Reads a document of a known or sniffed kind into its pages.
pub fn read(
    bytes: &[u8],
    kind: Option<Kind>,
    limits: &Limits,
) -> Result<Vec<Result<Page, PageError>>, DocError> {
    let mut pages = Vec::new();
    read_each(bytes, kind, limits, &mut |p| pages.push(p))?;
    Ok(pages)
}

/// Reads a document page by page, handing each page to `each` as soon as it is decoded, so
/// that a long document never holds more than one decoded page.
pub fn read_each(
    bytes: &[u8],
    kind: Option<Kind>,
    limits: &Limits,
    each: &mut dyn FnMut(Result<Page, PageError>),
) -> Result<(), DocError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(DocError::TooLarge(limits.max_bytes));
    }
    match kind
        .or_else(|| sniff(bytes))
        .ok_or(DocError::UnknownFormat)?
    {
        Kind::Pdf => return pdf::pages(bytes, limits, each),
        Kind::Tiff => return tiff::pages(bytes, limits, each),
        Kind::Png => each(raster::png(bytes, limits).map(|(g, dpi)| {
            let (x, y) = dpi.unwrap_or((200.0, 200.0));
            Page::new(g, x, y)
        })),
        Kind::Jpeg => each(raster::jpeg(bytes, limits).map(|g| Page::new(g, 200.0, 200.0))),
        Kind::RawG3 { fine } => {
            let p = ccitt::Params {
                end_of_line: true,
                ..ccitt::Params::new(0, 1728, 0)
            };
            let max_rows = (limits.max_pixels / 1728) as u32;
            let ydpi = if fine { 196.0 } else { 98.0 };
            each(ccitt::decode(bytes, &p, max_rows).map(|g| Page::new(g, 204.0, ydpi)))
        }
    }
    Ok(())
}
