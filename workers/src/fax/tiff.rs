//! Multi-page TIFF as FAX gateways and scanners write it: CCITT G3 (1-D and 2-D), G4 and Modified
//! Huffman through hayro-ccitt, everything else (none, LZW, PackBits, Deflate) through `tiff`.
//! FillOrder 2, min-is-black and the resolution tags are honoured.

use std::io::Cursor;

use tiff::decoder::{ifd::Value, Decoder, DecodingResult};
use tiff::tags::Tag;
use tiff::ColorType;

use super::ccitt::{self, Params};
use super::gray::Gray;
use super::{DocError, Limits, Page, PageError};

fn rational(v: Option<Value>) -> Option<f32> {
    match v? {
        Value::Rational(n, d) if d > 0 && n > 0 => Some(n as f32 / d as f32),
        Value::Unsigned(n) if n > 0 => Some(n as f32),
        Value::Short(n) if n > 0 => Some(f32::from(n)),
        _ => None,
    }
}

fn tiff_err(e: tiff::TiffError) -> PageError {
    match e {
        tiff::TiffError::LimitsExceeded => PageError::TooLarge("TIFF limits".into()),
        other => PageError::Corrupt(other.to_string()),
    }
}

/// Reads the pages one at a time, handing each to `each` (only one page is held at once).
pub fn pages(
    bytes: &[u8],
    limits: &Limits,
    each: &mut dyn FnMut(Result<Page, PageError>),
) -> Result<(), DocError> {
    let mut tiff_limits = tiff::decoder::Limits::default();
    tiff_limits.decoding_buffer_size = limits.max_pixels as usize * 4;
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(|e| DocError::Unreadable(format!("TIFF: {e}")))?
        .with_limits(tiff_limits);
    let mut count = 0;
    loop {
        if count >= limits.max_pages {
            return Err(DocError::TooManyPages(limits.max_pages));
        }
        count += 1;
        each(page(&mut dec, bytes, limits));
        if !dec.more_images() {
            break;
        }
        if let Err(e) = dec.next_image() {
            each(Err(PageError::Corrupt(format!("next TIFF page: {e}"))));
            break;
        }
    }
    Ok(())
}

fn page(
    dec: &mut Decoder<Cursor<&[u8]>>,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Page, PageError> {
    let (w, h) = dec.dimensions().map_err(tiff_err)?;
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(PageError::TooLarge(format!("{w}×{h} pixels")));
    }
    let compression: u16 = dec
        .find_tag_unsigned(Tag::Compression)
        .map_err(tiff_err)?
        .unwrap_or(1);
    let photometric: u16 = dec
        .find_tag_unsigned(Tag::PhotometricInterpretation)
        .map_err(tiff_err)?
        .unwrap_or(0);
    let xres = rational(dec.find_tag(Tag::XResolution).map_err(tiff_err)?).unwrap_or(200.0);
    let yres = rational(dec.find_tag(Tag::YResolution).map_err(tiff_err)?).unwrap_or(xres);
    let image = match compression {
        2..=4 => ccitt_page(dec, bytes, w, h, compression, photometric == 1)?,
        _ => plain_page(dec, w, h)?,
    };
    Ok(Page::new(image, xres, yres))
}

fn ccitt_page(
    dec: &mut Decoder<Cursor<&[u8]>>,
    bytes: &[u8],
    w: u32,
    h: u32,
    compression: u16,
    min_is_black: bool,
) -> Result<Gray, PageError> {
    let offsets: Vec<u64> = dec
        .find_tag_unsigned_vec(Tag::StripOffsets)
        .map_err(tiff_err)?
        .unwrap_or_default();
    let counts: Vec<u64> = dec
        .find_tag_unsigned_vec(Tag::StripByteCounts)
        .map_err(tiff_err)?
        .unwrap_or_default();
    let per_strip: u32 = dec
        .find_tag_unsigned(Tag::RowsPerStrip)
        .map_err(tiff_err)?
        .unwrap_or(h)
        .max(1);
    let fill_order: u16 = dec
        .find_tag_unsigned(Tag::FillOrder)
        .map_err(tiff_err)?
        .unwrap_or(1);
    let t4: u32 = dec
        .find_tag_unsigned(Tag::Unknown(292))
        .map_err(tiff_err)?
        .unwrap_or(0);
    if offsets.is_empty() || offsets.len() != counts.len() {
        return Err(PageError::Corrupt("TIFF strips are missing".into()));
    }
    let mut p = match compression {
        2 => Params {
            byte_align: true,
            end_of_block: false,
            ..Params::new(0, w, 0)
        },
        3 => Params {
            end_of_line: true,
            byte_align: t4 & 4 != 0,
            ..Params::new(i32::from(t4 & 1 != 0), w, 0)
        },
        _ => Params::new(-1, w, 0),
    };
    p.invert = min_is_black;
    let mut rows_left = h;
    let mut data = Vec::with_capacity(w as usize * h as usize);
    for (&off, &len) in offsets.iter().zip(&counts) {
        if rows_left == 0 {
            break;
        }
        let (off, len) = (off as usize, len as usize);
        let strip = bytes
            .get(off..off.saturating_add(len))
            .ok_or_else(|| PageError::Corrupt("TIFF strip outside the file".into()))?;
        let strip: Vec<u8> = if fill_order == 2 {
            strip.iter().map(|b| b.reverse_bits()).collect()
        } else {
            strip.to_vec()
        };
        let rows = per_strip.min(rows_left);
        p.rows = rows;
        let g = ccitt::decode(&strip, &p, rows)?;
        data.extend_from_slice(&g.data);
        // A short strip is padded white, so later strips stay in place.
        data.resize(
            data.len() + (rows - g.height) as usize * w as usize,
            if p.invert { 0 } else { 255 },
        );
        rows_left -= rows;
    }
    let height = (data.len() / w as usize) as u32;
    Ok(Gray::new(w, height, data))
}

fn plain_page(dec: &mut Decoder<Cursor<&[u8]>>, w: u32, h: u32) -> Result<Gray, PageError> {
    let color = dec.colortype().map_err(tiff_err)?;
    let DecodingResult::U8(buf) = dec.read_image().map_err(tiff_err)? else {
        return Err(PageError::Unsupported(
            "TIFF samples wider than 8 bits".into(),
        ));
    };
    let n = w as usize * h as usize;
    let g = match color {
        ColorType::Gray(1) => {
            let stride = (w as usize).div_ceil(8);
            let mut data = Vec::with_capacity(n);
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let bit = buf
                        .get(y * stride + x / 8)
                        .map_or(0, |b| (b >> (7 - x % 8)) & 1);
                    data.push(if bit == 1 { 255 } else { 0 });
                }
            }
            Gray::new(w, h, data)
        }
        ColorType::Gray(8) => Gray::new(
            w,
            h,
            buf.get(..n)
                .ok_or_else(|| PageError::Corrupt("short TIFF".into()))?
                .to_vec(),
        ),
        ColorType::RGB(8) | ColorType::RGBA(8) | ColorType::GrayA(8) => {
            let ch = match color {
                ColorType::RGB(_) => 3,
                ColorType::RGBA(_) => 4,
                _ => 2,
            };
            super::raster::to_luma(&buf, w, h, ch)?
        }
        other => {
            return Err(PageError::Unsupported(format!(
                "TIFF colour type {other:?}"
            )))
        }
    };
    // The tiff crate has already turned WhiteIsZero samples into light values.
    Ok(g)
}
