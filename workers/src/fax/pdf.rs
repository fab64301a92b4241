//! PDF FAX documents: each page is usually one full-page image. The image is taken straight out
//! of the file (no rasterising), and decoded by filter: CCITTFaxDecode (G3 1-D and 2-D, G4),
//! JBIG2Decode, DCTDecode, FlateDecode (with predictors), and Flate before DCT. Other pages (no
//! image, only a small one, or a filter we do not take out) are rasterised by hayro.

use lopdf::{DecompressError, Dictionary, Document, LoadOptions, Object, ObjectId};

use super::ccitt::{self, Params};
use super::gray::Gray;
use super::render::Rasteriser;
use super::{jbig2, predictor, raster, DocError, Limits, Page, PageError};

/// Below this resolution across the page, an image is a logo or a stamp rather than the scan of
/// the page, and the page is rasterised instead.
const MIN_SCAN_DPI: f32 = 90.0;

/// Reads the pages one at a time, handing each to `each` (only one page is held at once).
pub fn pages(
    bytes: &[u8],
    limits: &Limits,
    each: &mut dyn FnMut(Result<Page, PageError>),
) -> Result<(), DocError> {
    // Object and cross-reference streams are inflated while loading: bounded too.
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_CONTENT),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options)
        .map_err(|e| DocError::Unreadable(format!("PDF: {e}")))?;
    if doc.is_encrypted() {
        return Err(DocError::Unreadable("the PDF is encrypted".into()));
    }
    let ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
    if ids.len() > limits.max_pages as usize {
        return Err(DocError::TooManyPages(limits.max_pages));
    }
    // Parsed again by hayro only if some page needs drawing.
    let mut rasteriser: Option<Result<Rasteriser, DocError>> = None;
    for (index, id) in ids.into_iter().enumerate() {
        let page = match image_page(&doc, id, limits) {
            Err(PageError::Unsupported(_)) if !drawable(&doc, id) => Err(PageError::TooLarge(
                format!("page content over {} MB", MAX_CONTENT / 1_048_576),
            )),
            Err(PageError::Unsupported(_)) => {
                match rasteriser.get_or_insert_with(|| Rasteriser::new(bytes)) {
                    Ok(r) => r
                        .page(index, limits)
                        .map(|(gray, dpi)| Page::new(gray, dpi, dpi)),
                    Err(e) => Err(PageError::Corrupt(e.to_string())),
                }
            }
            other => other,
        };
        each(page);
    }
    Ok(())
}

/// A page drawn by hayro may not hold more content than this, inflated (a printed consent form
/// has well under a megabyte): a Flate bomb in a content stream is refused before drawing.
const MAX_CONTENT: usize = 32 * 1024 * 1024;

/// Whether the page's content streams inflate to at most [`MAX_CONTENT`] together.
fn drawable(doc: &Document, id: ObjectId) -> bool {
    let mut left = MAX_CONTENT;
    for content in doc.get_page_contents(id) {
        let Ok(stream) = doc.get_object(content).and_then(Object::as_stream) else {
            continue;
        };
        let size = if stream.filters().is_ok_and(|f| !f.is_empty()) {
            match stream.decompressed_content_with_limit(left) {
                Ok(bytes) => bytes.len(),
                Err(lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. })) => {
                    return false
                }
                // A filter lopdf does not decode: hayro may; it gets its chance.
                Err(_) => 0,
            }
        } else {
            stream.content.len()
        };
        match left.checked_sub(size) {
            Some(l) => left = l,
            None => return false,
        }
    }
    true
}

fn number(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// The page's size in points, looking up the page tree for an inherited MediaBox.
fn media_box(doc: &Document, id: ObjectId) -> (f32, f32) {
    let mut node = doc.get_dictionary(id).ok();
    for _ in 0..32 {
        let Some(dict) = node else { break };
        if let Ok(Object::Array(a)) = dict
            .get(b"MediaBox")
            .map(|o| doc.dereference(o).map(|(_, o)| o).unwrap_or(o))
        {
            let v: Vec<f32> = a.iter().filter_map(number).collect();
            if v.len() == 4 && v[2] - v[0] > 1.0 && v[3] - v[1] > 1.0 {
                return (v[2] - v[0], v[3] - v[1]);
            }
        }
        node = dict
            .get(b"Parent")
            .and_then(Object::as_reference)
            .ok()
            .and_then(|p| doc.get_dictionary(p).ok());
    }
    (595.0, 842.0)
}

/// The page's one scanned image, taken out directly. `Unsupported` means: draw the page instead.
fn image_page(doc: &Document, id: ObjectId, limits: &Limits) -> Result<Page, PageError> {
    let images = doc.get_page_images(id).unwrap_or_default();
    let Some(img) = images
        .iter()
        .max_by_key(|i| i.width.saturating_mul(i.height))
    else {
        return Err(PageError::Unsupported("a page without an image".into()));
    };
    let (pw, ph) = media_box(doc, id);
    if (img.width as f32) < MIN_SCAN_DPI * pw.min(ph) / 72.0 {
        return Err(PageError::Unsupported("no full-page image".into()));
    }
    let (w, h) = (
        img.width.clamp(0, u32::MAX as i64) as u32,
        img.height.clamp(0, u32::MAX as i64) as u32,
    );
    if w == 0 || h == 0 {
        return Err(PageError::Corrupt("an image without a size".into()));
    }
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(PageError::TooLarge(format!("{w}×{h} pixels")));
    }
    let filters = img.filters.clone().unwrap_or_default();
    let dict = img.origin_dict;
    let gray = match filters
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["CCITTFaxDecode"] => ccitt_image(doc, dict, img.content, w, h)?,
        ["JBIG2Decode"] => jbig2_image(doc, dict, img.content, limits)?,
        ["DCTDecode"] => raster::jpeg(img.content, limits)?,
        ["FlateDecode", "DCTDecode"] => raster::jpeg(&inflate(img.content, limits)?, limits)?,
        [] | ["FlateDecode"] => {
            let stream = doc
                .get_object(img.id)
                .and_then(Object::as_stream)
                .map_err(|e| PageError::Corrupt(e.to_string()))?;
            // The image's own size bounds its samples (16-bit RGBA and a predictor byte per
            // row at most), whatever the stream claims to inflate to.
            let raw = if filters.is_empty() {
                stream.content.clone()
            } else {
                let bound = (w as u64 * 8 + 1) * u64::from(h);
                let raw = inflate_at_most(&stream.content, bound)
                    .map_err(|e| PageError::Corrupt(format!("Flate image: {e}")))?;
                match predictor_of(doc, dict, w) {
                    Some(p) => predictor::undo(&raw, &p)
                        .map_err(|e| PageError::Corrupt(format!("Flate image: {e}")))?,
                    None => raw,
                }
            };
            samples(doc, dict, &raw, w, h)?
        }
        other => return Err(PageError::Unsupported(format!("image filter {other:?}"))),
    };
    let (xdpi, ydpi) = (
        gray.width as f32 / (pw / 72.0),
        gray.height as f32 / (ph / 72.0),
    );
    Ok(Page::new(gray, xdpi, ydpi))
}

fn inflate(data: &[u8], limits: &Limits) -> Result<Vec<u8>, PageError> {
    inflate_at_most(data, limits.max_bytes).map_err(|e| PageError::Corrupt(format!("Flate: {e}")))
}

/// Inflates at most `max` bytes: what a bomb would make beyond that is never produced, and a
/// stream that would make more is an error.
fn inflate_at_most(data: &[u8], max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(max.saturating_add(1))
        .read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(std::io::Error::other(format!("inflates past {max} bytes")));
    }
    Ok(out)
}

/// The image's Flate predictor, if it has one. Parameters a producer left out are taken from
/// the image itself (its bit depth, colours and width) rather than the standard's defaults,
/// which no real image matches.
fn predictor_of(doc: &Document, dict: &Dictionary, w: u32) -> Option<predictor::Predictor> {
    let p = params(doc, dict)?;
    let int = |d: &Dictionary, k: &[u8]| d.get(k).ok().and_then(|o| o.as_i64().ok());
    let kind = int(&p, b"Predictor").unwrap_or(1);
    if kind <= 1 {
        return None;
    }
    let bits = int(&p, b"BitsPerComponent")
        .or_else(|| int(dict, b"BitsPerComponent"))
        .unwrap_or(8);
    let colors = int(&p, b"Colors").unwrap_or(components(doc, dict) as i64);
    let columns = int(&p, b"Columns").unwrap_or(i64::from(w));
    Some(predictor::Predictor {
        kind,
        colors: colors.clamp(0, 32) as usize,
        bits: bits.clamp(0, 32) as usize,
        columns: columns.clamp(0, 100_000) as usize,
    })
}

/// Whether `/Decode [1 0]` inverts the samples.
fn decode_inverted(doc: &Document, dict: &Dictionary) -> bool {
    let Ok(o) = dict.get(b"Decode") else {
        return false;
    };
    let o = doc.dereference(o).map(|(_, o)| o).unwrap_or(o);
    matches!(o.as_array().map(|a| a.iter().filter_map(number).collect::<Vec<_>>()).as_deref(), Ok([a, b, ..]) if a > b)
}

fn params(doc: &Document, dict: &Dictionary) -> Option<Dictionary> {
    let o = dict.get(b"DecodeParms").ok()?;
    let o = doc.dereference(o).map(|(_, o)| o).ok()?;
    match o {
        Object::Dictionary(d) => Some(d.clone()),
        Object::Array(a) => a.iter().find_map(|x| {
            doc.dereference(x)
                .ok()
                .and_then(|(_, o)| o.as_dict().ok().cloned())
        }),
        _ => None,
    }
}

fn ccitt_image(
    doc: &Document,
    dict: &Dictionary,
    data: &[u8],
    w: u32,
    h: u32,
) -> Result<Gray, PageError> {
    let p = params(doc, dict).unwrap_or_default();
    let int = |k: &[u8], d: i64| p.get(k).ok().and_then(|o| o.as_i64().ok()).unwrap_or(d);
    let flag = |k: &[u8]| {
        p.get(k)
            .ok()
            .and_then(|o| o.as_bool().ok())
            .unwrap_or(false)
    };
    // Producers drop parameters (ghostscript writes just /K -1): fall back to the image's size.
    let columns = int(b"Columns", i64::from(w)).clamp(1, 20_000) as u32;
    let rows = int(b"Rows", i64::from(h)).clamp(0, i64::from(u32::MAX)) as u32;
    let end_of_block = p
        .get(b"EndOfBlock")
        .ok()
        .and_then(|o| o.as_bool().ok())
        .unwrap_or(true);
    let params = Params {
        k: int(b"K", 0).clamp(-1, 1) as i32,
        columns,
        rows,
        byte_align: flag(b"EncodedByteAlign"),
        end_of_line: flag(b"EndOfLine"),
        end_of_block,
        invert: flag(b"BlackIs1") != decode_inverted(doc, dict),
    };
    ccitt::decode(data, &params, h.max(rows))
}

fn jbig2_image(
    doc: &Document,
    dict: &Dictionary,
    data: &[u8],
    limits: &Limits,
) -> Result<Gray, PageError> {
    let globals = params(doc, dict)
        .and_then(|p| p.get(b"JBIG2Globals").ok().cloned())
        .and_then(|o| {
            doc.dereference(&o)
                .ok()
                .and_then(|(_, o)| o.as_stream().ok().cloned())
        })
        .map(|s| {
            if s.dict.has(b"Filter") {
                s.decompressed_content_with_limit(limits.max_bytes as usize)
                    .map_err(|e| PageError::Corrupt(format!("JBIG2Globals: {e}")))
            } else {
                Ok(s.content)
            }
        })
        .transpose()?;
    // In JBIG2 a set bit is black; /Decode [1 0] swaps that.
    jbig2::decode(
        data,
        globals.as_deref(),
        decode_inverted(doc, dict),
        limits.max_pixels,
    )
}

/// Raw samples: 1, 2, 4, 8 or 16 bits, grey or RGB (ICC-based profiles by their component count).
fn samples(
    doc: &Document,
    dict: &Dictionary,
    raw: &[u8],
    w: u32,
    h: u32,
) -> Result<Gray, PageError> {
    let bpc = dict
        .get(b"BitsPerComponent")
        .ok()
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(8);
    let mask = dict
        .get(b"ImageMask")
        .ok()
        .and_then(|o| o.as_bool().ok())
        .unwrap_or(false);
    let channels = if mask { 1 } else { components(doc, dict) };
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
        return Err(PageError::Unsupported(format!(
            "{bpc}-bit images with {channels} components"
        )));
    }
    let (per_row, rows) = (w as usize * channels, h as usize);
    let data = predictor::to_8bit(raw, bpc as usize, per_row, rows).map_err(PageError::Corrupt)?;
    let mut g = raster::to_luma(&data, w, h, channels)?;
    // Grey samples and stencil masks alike: 0 is ink. /Decode [1 0] swaps the meaning.
    if decode_inverted(doc, dict) {
        g.invert();
    }
    Ok(g)
}

fn components(doc: &Document, dict: &Dictionary) -> usize {
    let Ok(cs) = dict.get(b"ColorSpace") else {
        return 1;
    };
    let cs = doc.dereference(cs).map(|(_, o)| o).unwrap_or(cs);
    match cs {
        Object::Name(n) if n == b"DeviceRGB" => 3,
        Object::Name(n) if n == b"DeviceCMYK" => 4,
        Object::Array(a) => match a.first() {
            Some(Object::Name(n)) if n == b"ICCBased" => a
                .get(1)
                .and_then(|s| doc.dereference(s).ok())
                .and_then(|(_, o)| o.as_stream().ok())
                .and_then(|s| s.dict.get(b"N").ok().and_then(|n| n.as_i64().ok()))
                .unwrap_or(1) as usize,
            Some(Object::Name(n)) if n == b"DeviceRGB" || n == b"CalRGB" => 3,
            _ => 1,
        },
        _ => 1,
    }
}

#[cfg(test)]
#[path = "pdf_tests.rs"]
mod tests;
