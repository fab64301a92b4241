//! PNG and JPEG scans (multifunction printers, phone photos) to greyscale.

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::gray::Gray;
use super::{Limits, PageError};

/// Interleaved samples (1–4 channels) to luma (ITU-R BT.601 weights, integer).
pub fn to_luma(buf: &[u8], w: u32, h: u32, channels: usize) -> Result<Gray, PageError> {
    let n = w as usize * h as usize;
    if buf.len() < n * channels {
        return Err(PageError::Corrupt(
            "fewer samples than the image size says".into(),
        ));
    }
    let data = match channels {
        1 => buf[..n].to_vec(),
        2 => buf.chunks_exact(2).take(n).map(|p| p[0]).collect(),
        _ => buf
            .chunks_exact(channels)
            .take(n)
            .map(|p| ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32) / 1000) as u8)
            .collect(),
    };
    Ok(Gray::new(w, h, data))
}

pub fn jpeg(bytes: &[u8], limits: &Limits) -> Result<Gray, PageError> {
    let side = (limits.max_pixels as f64).sqrt() as usize * 4;
    let opts = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(side)
        .set_max_height(side);
    let mut dec = JpegDecoder::new_with_options(ZCursor::new(bytes), opts);
    dec.decode_headers()
        .map_err(|e| PageError::Corrupt(format!("JPEG: {e:?}")))?;
    let (w, h) = dec
        .dimensions()
        .ok_or_else(|| PageError::Corrupt("JPEG without size".into()))?;
    if (w as u64) * (h as u64) > limits.max_pixels {
        return Err(PageError::TooLarge(format!("{w}×{h} pixels")));
    }
    let data = dec
        .decode()
        .map_err(|e| PageError::Corrupt(format!("JPEG: {e:?}")))?;
    to_luma(&data, w as u32, h as u32, 1)
}

pub fn png(bytes: &[u8], limits: &Limits) -> Result<(Gray, Option<(f32, f32)>), PageError> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec
        .read_info()
        .map_err(|e| PageError::Corrupt(format!("PNG: {e}")))?;
    let info = reader.info();
    let (w, h) = (info.width, info.height);
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(PageError::TooLarge(format!("{w}×{h} pixels")));
    }
    let dpi = info.pixel_dims.and_then(|d| match d.unit {
        png::Unit::Meter => Some((d.xppu as f32 * 0.0254, d.yppu as f32 * 0.0254)),
        png::Unit::Unspecified => None,
    });
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| PageError::TooLarge("PNG".into()))?;
    let mut buf = vec![0; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| PageError::Corrupt(format!("PNG: {e}")))?;
    let channels = frame.color_type.samples();
    Ok((to_luma(&buf[..frame.buffer_size()], w, h, channels)?, dpi))
}
